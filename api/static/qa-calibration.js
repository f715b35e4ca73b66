// Calibration sessions: /qa/calibration lists and creates them; /qa/calibration/{id} is the blind
// scoring form. The server hides the others' answers (and the model's) from an evaluator until they
// have answered every item of a call (GET /api/qa/calibration/{id}?evaluator=...).
"use strict";

(() => {
  const { $, el, api, guard, showError, clock, when, answerText, callLink } = window.QA;
  const match = location.pathname.match(/^\/qa\/calibration\/(\d+)/);
  const sessionId = match ? Number(match[1]) : null;
  const KEY = "callscope.qa.evaluator";
  const state = { card: null, view: null };

  // ------------------------------------------------------------------------- the session list

  async function loadSessions() {
    const rows = await guard(() => api("/api/qa/calibration"));
    if (!rows) return;
    const body = $("sessions");
    body.replaceChildren(
      ...rows.map((s) =>
        el(
          "tr",
          { "data-testid": "session-row", "data-session-id": s.id },
          el("td", {}, el("a", { href: `/qa/calibration/${s.id}` }, s.name)),
          el("td", {}, String(s.call_ids.length)),
          el("td", {}, s.evaluators.join(", ")),
          el("td", {}, s.status),
          el("td", { class: "small" }, when(s.created_at)),
        ),
      ),
    );
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No sessions yet.")));
  }

  function split(text) {
    return text
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter(Boolean);
  }

  async function create(event) {
    event.preventDefault();
    const form = event.target;
    const body = {
      name: form.elements.name.value.trim(),
      call_ids: split(form.elements.calls.value),
      evaluators: split(form.elements.evaluators.value),
    };
    const made = await guard(() => api("/api/qa/calibration", { method: "POST", body }));
    if (made) location.href = `/qa/calibration/${made.id}`;
  }

  // ------------------------------------------------------------------------------ one session

  function item(id) {
    return state.card.items.find((i) => i.id === id) || { id, question: id, choices: ["yes", "no", "na"] };
  }

  function transcript(call) {
    return el(
      "details",
      {},
      el("summary", {}, `Transcript (${call.turns.length} turns)`),
      el(
        "ol",
        { class: "transcript" },
        call.turns.map((t) =>
          el(
            "li",
            {},
            el("span", { class: "t-time" }, clock(t.start)),
            el("span", { class: `t-speaker ${t.speaker}` }, t.speaker),
            el("span", {}, t.text),
          ),
        ),
      ),
    );
  }

  function scoringForm(call, evaluator) {
    const rows = [];
    const fields = new Map();
    for (const id of state.view.items) {
      const it = item(id);
      const mine = call.mine[id];
      const choice = el(
        "select",
        { "data-testid": "cal-answer", "data-item-id": id, "aria-label": `Answer to ${id}` },
        el("option", { value: "" }, "—"),
        it.choices.map((c) => el("option", { value: c, selected: c === mine }, c)),
      );
      const comment = el("input", { placeholder: "comment", maxlength: 5000, value: call.my_comments[id] || "", "aria-label": `Comment on ${id}` });
      fields.set(id, [choice, comment]);
      rows.push(el("div", {}, el("strong", {}, id), el("div", { class: "small muted" }, it.question)), choice, comment);
    }
    const submit = el("button", { type: "submit", class: "primary", "data-testid": "cal-submit" }, "Submit answers");
    const form = el("form", { "data-testid": "cal-form" }, el("div", { class: "cal-items" }, rows), el("div", { class: "row spaced" }, submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answers = {};
      const comments = {};
      for (const [id, [choice, comment]] of fields) {
        if (choice.value) answers[id] = choice.value;
        if (comment.value.trim()) comments[id] = comment.value.trim();
      }
      if (!Object.keys(answers).length) {
        showError("Answer at least one item.");
        return;
      }
      submit.disabled = true;
      const done = await guard(() =>
        api(`/api/qa/calibration/${sessionId}/calls/${encodeURIComponent(call.call_id)}/answers`, {
          method: "POST",
          body: { evaluator, answers, comments },
        }),
      );
      submit.disabled = false;
      if (done) loadSession();
    });
    return form;
  }

  function revealTable(call) {
    const people = Object.keys(call.answers || {}).sort();
    const head = el("tr", {}, el("th", {}, "Item"), people.map((p) => el("th", {}, p)), el("th", {}, "model"));
    const rows = state.view.items.map((id) => {
      const values = people.map((p) => (call.answers[p] || {})[id]);
      const model = call.model_answers ? call.model_answers[id] : undefined;
      const given = values.filter((v) => v !== undefined);
      const counts = new Map();
      for (const v of given) counts.set(v, (counts.get(v) || 0) + 1);
      // The panel's answer when more of them gave it than any other; a tie has none.
      const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
      const clear = ranked.length === 1 || (ranked.length > 1 && ranked[0][1] > ranked[1][1]);
      const majority = clear ? ranked[0][0] : undefined;
      const cell = (v, who) => {
        const comment = who && call.comments && call.comments[who] ? call.comments[who][id] : null;
        return el(
          "td",
          { class: v !== undefined && majority !== undefined && v !== majority ? "differs" : "", title: comment || "" },
          answerText(v),
        );
      };
      const split = counts.size > 1 ? "split" : "";
      return el("tr", { class: split, "data-testid": "reveal-row", "data-item-id": id, "data-split": String(Boolean(split)) }, el("td", {}, id), values.map((v, i) => cell(v, people[i])), cell(model, null));
    });
    return el("table", { class: "grid reveal small", "data-testid": "reveal" }, el("thead", {}, head), el("tbody", {}, rows));
  }

  function renderSession(view) {
    state.view = view;
    const s = view.session;
    $("session-h").textContent = s.name;
    $("session-status").textContent = s.status;
    $("close-session").hidden = s.status !== "open";
    const container = $("cal-calls");
    container.replaceChildren();
    for (const call of view.calls) {
      const total = view.items.length;
      const progress = Object.entries(call.progress)
        .map(([who, n]) => `${who} ${n}/${total}`)
        .join(" · ");
      const box = el(
        "section",
        { class: "cal-call", "data-testid": "cal-call", "data-call-id": call.call_id, "data-revealed": String(call.revealed) },
        el("div", { class: "row" }, el("h3", {}, callLink(call.call_id)), el("span", { class: "small muted" }, progress)),
        transcript(call),
      );
      if (call.revealed) box.append(revealTable(call));
      else if (!view.evaluator) box.append(el("p", { class: "small muted" }, "Choose who you are to score this call."));
      if (view.evaluator && !call.complete && s.status === "open") box.append(scoringForm(call, view.evaluator));
      container.append(box);
    }
  }

  async function loadSession() {
    const evaluator = $("cal-evaluator").value;
    const q = evaluator ? `?evaluator=${encodeURIComponent(evaluator)}` : "";
    const view = await guard(() => api(`/api/qa/calibration/${sessionId}${q}`));
    if (view) renderSession(view);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    if (sessionId === null) {
      $("sessions-pane").hidden = false;
      $("create").addEventListener("submit", create);
      loadSessions();
      return;
    }
    $("session-pane").hidden = false;
    state.card = await guard(() => api("/api/qa/scorecard"));
    if (!state.card) return;
    const saved = localStorage.getItem(KEY);
    const first = await guard(() => api(`/api/qa/calibration/${sessionId}`));
    if (!first) return;
    const select = $("cal-evaluator");
    select.append(el("option", { value: "" }, "— observer —"), ...first.session.evaluators.map((e) => el("option", { value: e }, e)));
    if (saved && first.session.evaluators.includes(saved)) select.value = saved;
    select.addEventListener("change", () => {
      if (select.value) localStorage.setItem(KEY, select.value);
      loadSession();
    });
    $("close-session").addEventListener("click", async () => {
      const done = await guard(() => api(`/api/qa/calibration/${sessionId}`, { method: "PATCH", body: { status: "closed" } }));
      if (done) loadSession();
    });
    loadSession();
  });
})();
