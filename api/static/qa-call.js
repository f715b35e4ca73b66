// A scored call: transcript (with the recording when there is one), each scorecard item's answer
// with its evidence highlighted in the transcript, controls to change an answer (stored as the
// evaluator's evaluation with the model answer it replaces), and the agent's acknowledgement and
// disputes. Data: GET /api/calls/{id}/qa.
"use strict";

(() => {
  const { $, el, api, guard, showError, remembered, clock, when, percent, passBadge, answerText } = window.QA;
  const callId = decodeURIComponent(location.pathname.replace(/^\/qa\/calls\//, "").replace(/\/$/, ""));
  const state = { data: null, selected: null, turnNodes: [] };

  // ------------------------------------------------------------------------------ transcript

  /** Where an evidence span sits in its turn's text: its offsets when they hold its text, else
   *  where the text is found, else null (it is then shown only as a chip). */
  function locate(text, ev) {
    if (ev.end_char > ev.start_char && text.slice(ev.start_char, ev.end_char) === ev.text) {
      return [ev.start_char, ev.end_char];
    }
    if (!ev.text) return null;
    const at = text.indexOf(ev.text);
    return at >= 0 ? [at, at + ev.text.length] : null;
  }

  function spansByTurn(items, turns) {
    const out = new Map();
    for (const item of items) {
      for (const ev of item.evidence) {
        const turn = turns[ev.turn];
        if (!turn) continue;
        const where = locate(turn.text, ev);
        if (!where) continue;
        if (!out.has(ev.turn)) out.set(ev.turn, []);
        out.get(ev.turn).push({ start: where[0], end: where[1], item: item.item_id });
      }
    }
    return out;
  }

  /** The turn's text as text nodes and <mark>s, one mark per stretch covered by the same items. */
  function markedText(text, spans) {
    const cuts = new Set([0, text.length]);
    for (const s of spans) {
      cuts.add(s.start);
      cuts.add(s.end);
    }
    const points = [...cuts].sort((a, b) => a - b);
    const parts = [];
    for (let i = 0; i < points.length - 1; i += 1) {
      const [a, b] = [points[i], points[i + 1]];
      if (a === b) continue;
      const piece = text.slice(a, b);
      const covering = [...new Set(spans.filter((s) => s.start <= a && s.end >= b).map((s) => s.item))];
      parts.push(
        covering.length
          ? el("mark", { "data-items": covering.join(" "), "data-testid": "evidence-mark", title: covering.join(", ") }, piece)
          : document.createTextNode(piece),
      );
    }
    return parts;
  }

  function seek(seconds) {
    const audio = $("audio");
    if (audio.hidden || seconds === null || seconds === undefined) return;
    audio.currentTime = Math.max(0, seconds);
  }

  function focusTurn(index, seconds) {
    const node = state.turnNodes[index];
    if (!node) return;
    for (const n of state.turnNodes) n.classList.remove("focus");
    node.classList.add("focus");
    node.scrollIntoView({ block: "nearest" });
    seek(seconds);
  }

  function renderTranscript(data) {
    const spans = spansByTurn(data.result.items, data.turns);
    const list = $("transcript");
    list.replaceChildren();
    state.turnNodes = data.turns.map((turn, i) => {
      const node = el(
        "li",
        { "data-testid": "turn", "data-turn": i, "data-start": turn.start, "data-speaker": turn.speaker },
        el("button", { type: "button", class: "t-time", "data-testid": "turn-time", "aria-label": `Play from ${clock(turn.start)}` }, clock(turn.start)),
        el("span", { class: `t-speaker ${turn.speaker}` }, turn.speaker),
        el("span", { class: "t-text", "data-testid": "turn-text" }, markedText(turn.text, spans.get(i) || [])),
      );
      node.addEventListener("click", () => focusTurn(i, turn.start));
      list.append(node);
      return node;
    });
    if (!data.turns.length) list.append(el("li", { class: "muted" }, "This call has no transcript."));
    highlightSelected();
  }

  function highlightSelected() {
    for (const mark of document.querySelectorAll("mark[data-items]")) {
      const items = mark.dataset.items.split(" ");
      mark.classList.toggle("active", state.selected !== null && items.includes(state.selected));
    }
    for (const card of document.querySelectorAll("li.item")) {
      card.classList.toggle("selected", card.dataset.itemId === state.selected);
    }
  }

  function select(itemId) {
    state.selected = itemId;
    highlightSelected();
  }

  // ---------------------------------------------------------------------------------- items

  function provenance(item) {
    const p = item.provenance;
    if (p.source !== "edited") {
      return el("div", { class: "meta provenance", "data-testid": "provenance", "data-source": "model" }, "Model answer");
    }
    const replaced = p.replaced === null ? "the call was not scored then" : `replacing the model's “${p.replaced}”`;
    const via = p.via === "import" ? " (imported)" : "";
    return el(
      "div",
      { class: "meta provenance edited", "data-testid": "provenance", "data-source": "edited", "data-evaluator": p.evaluator },
      `Edited by ${p.evaluator} at ${when(p.at)}${via}, ${replaced}`,
      p.comment ? el("span", {}, ` — “${p.comment}”`) : null,
    );
  }

  function evidenceChips(item, turns) {
    return item.evidence.map((ev) => {
      const turn = turns[ev.turn];
      const start = ev.start !== null && ev.start !== undefined ? ev.start : turn ? turn.start : null;
      return el(
        "button",
        {
          type: "button",
          class: "chip",
          "data-testid": "evidence-chip",
          "data-turn": ev.turn,
          title: ev.text,
          onclick: (event) => {
            event.stopPropagation();
            select(item.item_id);
            focusTurn(ev.turn, start);
          },
        },
        `turn ${ev.turn + 1} · ${clock(start)} · “${ev.text}”`,
      );
    });
  }

  function editForm(item) {
    const choice = el(
      "select",
      { "data-testid": "answer-select", "aria-label": `Answer to ${item.item_id}` },
      item.choices.map((c) => el("option", { value: c, selected: c === item.answer }, c)),
    );
    const comment = el("input", {
      "data-testid": "comment-input",
      placeholder: "comment (why)",
      maxlength: 5000,
      "aria-label": `Comment on ${item.item_id}`,
    });
    const save = el("button", { type: "submit", class: "primary", "data-testid": "save-answer" }, "Save");
    const form = el("form", { class: "edit-form", "data-testid": "edit-form" }, choice, comment, save);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const evaluator = $("evaluator").value.trim();
      if (!evaluator) {
        showError("Enter your name as the evaluator (top right) before changing an answer.");
        $("evaluator").focus();
        return;
      }
      save.disabled = true;
      const body = { evaluator, answer: choice.value, comment: comment.value.trim() };
      const done = await guard(() =>
        api(`/api/calls/${encodeURIComponent(callId)}/qa/items/${encodeURIComponent(item.item_id)}`, { method: "PUT", body }),
      );
      save.disabled = false;
      if (done) {
        state.selected = item.item_id;
        await load();
      }
    });
    return form;
  }

  function disputeForm(item, disputes) {
    const comment = el("textarea", { "data-testid": "dispute-comment", maxlength: 5000, "aria-label": `Why the answer to ${item.item_id} is wrong` });
    const send = el("button", { type: "submit", "data-testid": "send-dispute" }, "Send dispute");
    const form = el("form", { class: "dispute-form" }, comment, send);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const agent = $("agent-name").value.trim();
      if (!agent) {
        showError("Enter the agent's name before disputing an item.");
        $("agent-name").focus();
        return;
      }
      if (!comment.value.trim()) {
        showError("Say why the answer is wrong.");
        comment.focus();
        return;
      }
      send.disabled = true;
      const body = { item_id: item.item_id, agent, comment: comment.value.trim() };
      const done = await guard(() => api(`/api/calls/${encodeURIComponent(callId)}/qa/disputes`, { method: "POST", body }));
      send.disabled = false;
      if (done) {
        state.selected = item.item_id;
        await load();
      }
    });
    const filed = disputes.map((d) =>
      el(
        "li",
        { "data-testid": "item-dispute", "data-status": d.status },
        `Disputed by ${d.agent} (${d.status})${d.reviewer ? `, ${d.reviewer}: ${d.resolution || d.status}` : ""}: “${d.comment}”`,
      ),
    );
    return el(
      "details",
      { "data-testid": "dispute-box" },
      el("summary", { "data-testid": "dispute-toggle" }, disputes.length ? `Disputes (${disputes.length})` : "Dispute this answer"),
      filed.length ? el("ul", { class: "history" }, filed) : null,
      form,
    );
  }

  function renderItems(data) {
    const list = $("items");
    list.replaceChildren();
    let section = null;
    for (const item of data.result.items) {
      if (item.section !== section) {
        section = item.section;
        list.append(el("li", {}, el("h2", {}, section)));
      }
      const confidence = item.confidence === null ? "" : ` at ${Math.round(item.confidence * 100)}% confidence`;
      const low = data.result.low_confidence.includes(item.item_id);
      const card = el(
        "li",
        { class: "item", "data-testid": "item", "data-item-id": item.item_id },
        el(
          "div",
          { class: "item-head" },
          el("h3", {}, item.question || item.item_id),
          low ? el("span", { class: "badge warn" }, "low confidence") : null,
          el("span", { class: `answer ${item.answer}`, "data-testid": "item-answer" }, answerText(item.answer)),
        ),
        el(
          "div",
          { class: "meta" },
          `${item.item_id} · ${item.points} pts${item.auto_fail ? " · auto-fail" : ""} · model: ${answerText(item.model_answer)}${confidence}${item.scorer ? ` (${item.scorer})` : ""}`,
        ),
        provenance(item),
        item.rationale ? el("p", { class: "rationale small", "data-testid": "rationale" }, item.rationale) : null,
        item.evidence.length ? el("div", { class: "chips" }, evidenceChips(item, data.turns)) : null,
        editForm(item),
        disputeForm(item, data.disputes.filter((d) => d.item_id === item.item_id)),
      );
      card.addEventListener("click", (event) => {
        if (event.target.closest("form, details, button, select, input, textarea")) return;
        select(item.item_id);
        const first = item.evidence[0];
        if (first) focusTurn(first.turn, first.start);
      });
      list.append(card);
    }
  }

  // ------------------------------------------------------------------------------ the rest

  function renderHead(data) {
    const r = data.result;
    const c = data.call;
    document.title = `callscope · QA ${c.id}`;
    $("call-h").textContent = `Call ${c.id}`;
    $("score").textContent = percent(r.percent);
    $("score").dataset.percent = r.percent === null ? "" : String(r.percent);
    $("pass").replaceChildren(passBadge(r.passed, "pass"));
    const sub = [`model ${percent(r.model_percent)}`, `${r.edited_items} edited`, r.scorecard + "@" + r.scorecard_version, r.model];
    if (r.auto_failed.length) sub.unshift(`auto-fail: ${r.auto_failed.join(", ")}`);
    $("score-sub").textContent = sub.join(" · ");
    const meta = [
      c.agent_id && `agent ${c.agent_id}`,
      c.channel,
      c.started_at && when(c.started_at),
      c.duration_s && clock(c.duration_s),
      c.contact_type,
      c.sentiment && `${c.sentiment} sentiment`,
    ].filter(Boolean);
    $("call-meta").textContent = meta.join(" · ");
    const acks = data.acknowledgements;
    $("ack-status").textContent = acks.length
      ? `Acknowledged by ${acks.map((a) => `${a.agent} at ${when(a.created_at)}`).join(", ")}`
      : "";
    const history = $("history");
    history.replaceChildren(
      ...data.history.map((h) =>
        el(
          "li",
          { "data-testid": "history-entry" },
          `${when(h.created_at)} · ${h.evaluator} answered ${h.item_id} “${h.answer}”`,
          h.model_answer !== null ? ` (model: ${h.model_answer})` : "",
          h.source !== "workspace" ? ` · ${h.source}` : "",
          h.comment ? ` — “${h.comment}”` : "",
        ),
      ),
    );
    if (!data.history.length) history.append(el("li", { class: "muted" }, "No one has changed an answer."));
  }

  function render(data) {
    state.data = data;
    renderHead(data);
    renderItems(data);
    renderTranscript(data);
    const audio = $("audio");
    if (data.audio_url && audio.getAttribute("src") !== data.audio_url) {
      audio.src = data.audio_url;
      audio.hidden = false;
    }
    if (!$("agent-name").value && data.call.agent_id) $("agent-name").value = data.call.agent_id;
    document.body.dataset.loaded = "true";
  }

  async function load() {
    const data = await guard(() => api(`/api/calls/${encodeURIComponent(callId)}/qa`));
    if (data) render(data);
  }

  function followAudio() {
    const audio = $("audio");
    audio.addEventListener("timeupdate", () => {
      if (!state.data) return;
      const t = audio.currentTime;
      let current = -1;
      state.data.turns.forEach((turn, i) => {
        if (turn.start <= t) current = i;
      });
      state.turnNodes.forEach((node, i) => node.classList.toggle("current", i === current));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    remembered($("evaluator"), "callscope.qa.evaluator");
    remembered($("agent-name"), "callscope.qa.agent");
    followAudio();
    $("acknowledge").addEventListener("click", async () => {
      const agent = $("agent-name").value.trim();
      if (!agent) {
        showError("Enter the agent's name to acknowledge the score.");
        $("agent-name").focus();
        return;
      }
      const done = await guard(() => api(`/api/calls/${encodeURIComponent(callId)}/qa/acknowledge`, { method: "POST", body: { agent } }));
      if (done) await load();
    });
    load();
  });
})();
