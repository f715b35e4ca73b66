// Shared by the manager pages: the view's filters in the URL, drill-down links, table rendering.
// Text from the server is only inserted as text nodes (QA.el), never parsed as HTML.
"use strict";

window.AN = (() => {
  const { el } = QA;
  const FILTERS = ["since", "until", "granularity", "interval_minutes", "queue", "team", "agent", "channel", "contact_type", "generated"];
  const DRILL = ["sentiment", "topic", "repeated", "failed_item", "qa_passed", "min_silence"];

  /** The page's view: the URL's filter parameters (empty ones dropped). */
  function viewParams(search = window.location.search) {
    const params = new URLSearchParams(search);
    const out = {};
    for (const key of [...FILTERS, ...DRILL]) {
      const value = params.get(key);
      if (value !== null && value !== "") out[key] = value;
    }
    return out;
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
    return q.toString();
  }

  /** The list of calls behind a figure's cell: the figure's view, then the cell's own filters. */
  function drillUrl(view, drill, extra = {}) {
    const params = {};
    for (const key of FILTERS) if (view[key] !== undefined && view[key] !== null) params[key] = view[key];
    delete params.granularity;
    delete params.interval_minutes;
    return `/analytics/calls?${query({ ...params, ...drill, ...extra })}`;
  }

  const PERCENT = new Set(["share", "previous_share", "repeat_rate", "fcr", "negative_share", "pass_rate", "qa_pass_rate",
    "service_level", "abandon_rate", "occupancy", "talk_ratio", "dead_air_share", "erlang_service_level"]);

  function fmt(column, value) {
    if (value === null || value === undefined) return "–";
    if (value === "inf") return "new";
    if (typeof value === "boolean") return value ? "yes" : "";
    if (typeof value === "number") {
      if (PERCENT.has(column)) return `${(value * 100).toFixed(1)}%`;
      if (column === "change") return `${value >= 0 ? "+" : ""}${(value * 100).toFixed(0)}%`;
      if (column === "growth" || column === "recent_growth") return `×${value.toFixed(1)}`;
      if (Number.isInteger(value)) return String(value);
      return value.toFixed(1);
    }
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return value.slice(0, 16).replace("T", " ");
    if (Array.isArray(value)) return value.map((v) => (v && v.item ? v.item : v)).join(", ");
    if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k} ${v}`).join(" ");
    return String(value);
  }

  /**
   * A table of a figure's rows. `links` maps a column to extra drill filters for that cell (a function
   * of the row returning filters, or null for no link); cells of listed columns link to their calls.
   * `cells` maps a column to a function returning a custom node.
   */
  function table(figure, columns, { links = {}, cells = {}, testid = "", flag = null } = {}) {
    const head = el("tr", {}, columns.map((c) => el("th", {}, c.replace(/_/g, " "))));
    const rows = figure.rows.map((row, i) =>
      el("tr", { "data-testid": `${testid}-row`, "data-key": String(row[columns[0]]), class: flag && flag(row) ? "flagged" : null },
        columns.map((c) => {
          const value = row[c];
          const numeric = typeof value === "number";
          let content;
          if (cells[c]) content = cells[c](row, i);
          else if (links[c] !== undefined && links[c] !== null) {
            const extra = typeof links[c] === "function" ? links[c](row) : links[c];
            content = extra === null ? fmt(c, value) : el("a", { class: "drill", href: drillUrl(figure.view, row.drill, extra), "data-testid": `drill-${c}` }, fmt(c, value));
          } else content = fmt(c, value);
          return el("td", { class: numeric ? "num" : null, "data-col": c }, content);
        })));
    const notes = (figure.notes || []).map((n) => el("p", { class: "muted small" }, n));
    return [el("table", { class: "grid" }, el("thead", {}, head), el("tbody", {}, rows)), ...notes];
  }

  function bucketLabels(figure) {
    return (figure.buckets || []).map((b) => b.start.slice(0, figure.view.granularity === "interval" ? 16 : 10).replace("T", " "));
  }

  /** Plotly click → the drill URL kept in each point's customdata. */
  function clickToDrill(node) {
    node.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      const url = point && point.customdata;
      if (url) window.location.assign(url);
    });
  }

  return { FILTERS, DRILL, viewParams, query, drillUrl, fmt, table, bucketLabels, clickToDrill };
})();
