// The reviewer queue: agents' disputes of item answers (GET /api/qa/disputes), each upheld with the
// reviewer's answer (recorded as their evaluation) or rejected.
"use strict";

(() => {
  const { $, el, api, guard, showError, remembered, when, answerText, callLink } = window.QA;
  const state = { card: null };

  function choicesOf(itemId) {
    const item = state.card && state.card.items.find((i) => i.id === itemId);
    return item ? item.choices : ["yes", "no", "na"];
  }

  function resolveControls(d) {
    if (d.status !== "open") {
      return el(
        "span",
        { "data-testid": "resolution" },
        `${d.status} by ${d.reviewer} ${when(d.resolved_at)}`,
        d.new_answer ? ` → “${d.new_answer}”` : "",
        d.resolution ? ` — “${d.resolution}”` : "",
      );
    }
    const answer = el(
      "select",
      { "data-testid": "resolve-answer", "aria-label": "Your answer" },
      choicesOf(d.item_id).map((c) => el("option", { value: c, selected: c !== d.disputed_answer && c !== "na" }, c)),
    );
    const comment = el("input", { "data-testid": "resolve-comment", placeholder: "comment", maxlength: 5000, "aria-label": "Comment" });
    async function resolve(decision) {
      const reviewer = $("reviewer").value.trim();
      if (!reviewer) {
        showError("Enter your name as the reviewer (top right) first.");
        $("reviewer").focus();
        return;
      }
      const body = { reviewer, decision, comment: comment.value.trim() };
      if (decision === "uphold") body.answer = answer.value;
      const done = await guard(() => api(`/api/qa/disputes/${d.id}/resolve`, { method: "POST", body }));
      if (done) load();
    }
    return el(
      "div",
      { class: "row" },
      answer,
      comment,
      el("button", { type: "button", class: "primary", "data-testid": "uphold", onclick: () => resolve("uphold") }, "Uphold"),
      el("button", { type: "button", class: "danger", "data-testid": "reject", onclick: () => resolve("reject") }, "Reject"),
    );
  }

  function render(rows) {
    const body = $("rows");
    body.replaceChildren();
    for (const d of rows) {
      body.append(
        el(
          "tr",
          { "data-testid": "dispute", "data-dispute-id": d.id, "data-call-id": d.call_id, "data-item-id": d.item_id, "data-status": d.status },
          el("td", {}, callLink(d.call_id)),
          el("td", {}, el("strong", {}, d.item_id), el("div", { class: "small muted" }, d.question)),
          el("td", {}, d.agent),
          el("td", {}, answerText(d.disputed_answer)),
          el("td", { "data-testid": "dispute-comment" }, d.comment),
          el("td", { class: "small" }, when(d.created_at)),
          el("td", {}, resolveControls(d)),
        ),
      );
    }
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 7, class: "muted" }, "No disputes.")));
    $("summary").textContent = `${rows.length} dispute${rows.length === 1 ? "" : "s"}`;
  }

  async function load() {
    const status = $("status").value;
    history.replaceState(null, "", `${location.pathname}?status=${encodeURIComponent(status)}`);
    const rows = await guard(() => api(`/api/qa/disputes?status=${encodeURIComponent(status)}`));
    if (rows) render(rows);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    remembered($("reviewer"), "callscope.qa.reviewer");
    const status = new URLSearchParams(location.search).get("status");
    if (status) $("status").value = status;
    $("status").addEventListener("change", load);
    state.card = await guard(() => api("/api/qa/scorecard"));
    load();
  });
})();
