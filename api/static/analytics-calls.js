// The calls behind a dashboard figure: the URL carries the figure's filters and the cell's condition.
"use strict";

(() => {
  const { $, el, api, guard, callLink } = QA;
  const { viewParams, query, table } = AN;
  const PAGE = 100;
  const params = viewParams();
  let offset = 0;

  async function load() {
    const data = await api(`/api/analytics/calls?${query({ ...params, limit: PAGE, offset })}`);
    $("total").textContent = `${data.total} call(s)`;
    $("total").dataset.total = String(data.total);
    $("filters").textContent = Object.entries(params).map(([k, v]) => `${k.replace(/_/g, " ")}: ${v}`).join(" · ") || "all calls";
    const columns = ["call_id", "started_at", "agent_id", "team", "queue", "channel", "contact_type", "sentiment", "qa_percent",
      "repeated", "handle_s", "talk_ratio", "longest_silence_s", "topic"];
    $("calls").replaceChildren(...table(data, columns, { testid: "call", cells: { call_id: (row) => callLink(row.call_id) } }));
    $("page").textContent = data.total ? `${offset + 1}–${Math.min(offset + PAGE, data.total)} of ${data.total}` : "";
    $("prev").disabled = offset === 0;
    $("next").disabled = offset + PAGE >= data.total;
    document.body.dataset.loaded = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("csv").href = `/api/analytics/calls?${query({ ...params, limit: 5000, format: "csv" })}`;
    const back = { ...params };
    for (const k of AN.DRILL) delete back[k];
    $("back").href = `/analytics?${query(back)}`;
    $("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); guard(load); });
    $("next").addEventListener("click", () => { offset += PAGE; guard(load); });
    guard(load);
  });
})();
