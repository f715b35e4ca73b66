// The QA queue: scored calls with filters (GET /api/qa/queue), and the calls picked for review
// (picked=true; POST /api/qa/sample picks more). Filters live in the URL so a view can be shared.
"use strict";

(() => {
  const { $, el, api, guard, when, percent, passBadge, callLink } = window.QA;
  const LIMIT = 50;
  const FIELDS = ["agent", "team", "date_from", "date_to", "contact_type", "min_score", "max_score", "failed", "sort", "order"];
  const CHECKS = ["low_confidence", "disagreement"];
  const state = { offset: 0, picked: false, total: 0 };

  function readUrl() {
    const params = new URLSearchParams(location.search);
    const form = $("filters");
    for (const name of FIELDS) if (params.has(name)) form.elements[name].value = params.get(name);
    for (const name of CHECKS) form.elements[name].checked = params.get(name) === "true";
    state.picked = params.get("picked") === "true";
    state.offset = Number(params.get("offset") || 0) || 0;
    $("week").value = params.get("week") || "";
  }

  function query() {
    const form = $("filters");
    const params = new URLSearchParams();
    for (const name of FIELDS) {
      const value = String(form.elements[name].value || "").trim();
      if (value) params.set(name, value);
    }
    for (const name of CHECKS) if (form.elements[name].checked) params.set(name, "true");
    if (state.picked) {
      params.set("picked", "true");
      const week = $("week").value.trim();
      if (week) params.set("week", week);
    }
    if (state.offset) params.set("offset", String(state.offset));
    return params;
  }

  function flags(row) {
    const out = [];
    if (row.auto_failed.length) out.push(el("span", { class: "badge fail", title: row.auto_failed.join(", ") }, "auto-fail"));
    if (row.low_confidence) out.push(el("span", { class: "badge warn" }, "low confidence"));
    if (row.disagreement) out.push(el("span", { class: "badge warn" }, "disagreement"));
    if (row.edited_items) out.push(el("span", { class: "badge edited" }, `${row.edited_items} edited`));
    if (row.open_disputes) out.push(el("span", { class: "badge fail" }, `${row.open_disputes} disputed`));
    if (row.acknowledged) out.push(el("span", { class: "badge pass" }, "acknowledged"));
    if (row.pick_reason) {
      out.push(el("span", { class: "badge", "data-testid": "pick-reason" }, `picked: ${row.pick_reason.replace("_", " ")} (${row.pick_week})`));
    }
    return out;
  }

  function render(page) {
    const body = $("rows");
    body.replaceChildren();
    for (const row of page.rows) {
      body.append(
        el(
          "tr",
          { "data-testid": "queue-row", "data-call-id": row.call_id },
          el("td", {}, callLink(row.call_id)),
          el("td", {}, row.agent_id || ""),
          el("td", {}, row.team || ""),
          el("td", { class: "small" }, when(row.started_at)),
          el("td", { class: "small" }, row.contact_type || ""),
          el("td", { class: "num", "data-testid": "row-score" }, percent(row.percent)),
          el("td", {}, passBadge(row.passed, "row-result")),
          el("td", {}, el("div", { class: "row" }, flags(row))),
          el("td", { class: "small muted" }, row.preview || ""),
        ),
      );
    }
    if (!page.rows.length) body.append(el("tr", {}, el("td", { colspan: 9, class: "muted" }, "No calls match.")));
    state.total = page.total;
    const last = Math.min(page.offset + page.rows.length, page.total);
    $("summary").textContent = `${page.total} call${page.total === 1 ? "" : "s"} on ${page.scorecard}; low confidence means a model answer under ${page.low_confidence}.`;
    $("page-info").textContent = page.total ? `${page.offset + 1}–${last} of ${page.total}` : "";
    $("prev").disabled = page.offset <= 0;
    $("next").disabled = last >= page.total;
  }

  async function load() {
    const params = query();
    history.replaceState(null, "", `${location.pathname}?${params}`);
    params.set("limit", String(LIMIT));
    const page = await guard(() => api(`/api/qa/queue?${params}`));
    if (page) render(page);
  }

  function setTab(picked) {
    state.picked = picked;
    state.offset = 0;
    $("tab-all").setAttribute("aria-selected", String(!picked));
    $("tab-picked").setAttribute("aria-selected", String(picked));
    $("picked-tools").hidden = !picked;
    load();
  }

  async function sample() {
    const week = $("week").value.trim();
    const body = week ? { weeks: [week] } : {};
    const report = await guard(() => api("/api/qa/sample", { method: "POST", body }));
    if (!report) return;
    $("sample-status").textContent = `${report.picked.length} call(s) picked now; ${report.per_agent_week} per agent and week.`;
    load();
  }

  document.addEventListener("DOMContentLoaded", () => {
    readUrl();
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      state.offset = 0;
      load();
    });
    $("filters").addEventListener("reset", () => {
      setTimeout(() => {
        state.offset = 0;
        load();
      });
    });
    $("tab-all").addEventListener("click", () => setTab(false));
    $("tab-picked").addEventListener("click", () => setTab(true));
    $("week").addEventListener("change", () => load());
    $("sample").addEventListener("click", sample);
    $("prev").addEventListener("click", () => {
      state.offset = Math.max(0, state.offset - LIMIT);
      load();
    });
    $("next").addEventListener("click", () => {
      state.offset += LIMIT;
      load();
    });
    $("tab-all").setAttribute("aria-selected", String(!state.picked));
    $("tab-picked").setAttribute("aria-selected", String(state.picked));
    $("picked-tools").hidden = !state.picked;
    load();
  });
})();
