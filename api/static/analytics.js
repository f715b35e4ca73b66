// The manager dashboard: every chart bar and table cell links to the calls behind it.
"use strict";

(() => {
  const { $, el, api, guard } = QA;
  const { viewParams, query, drillUrl, table, bucketLabels, clickToDrill } = AN;

  const view = viewParams();
  const form = $("filters");
  const figures = {};

  function fillForm() {
    for (const [key, value] of Object.entries(view)) {
      const input = form.elements.namedItem(key);
      if (input) input.value = key === "since" || key === "until" ? value.slice(0, 10) : value;
    }
  }

  function get(path, extra = {}) {
    return api(`/api/analytics/${path}?${query({ ...view, ...extra })}`);
  }

  function csvLinks() {
    for (const link of document.querySelectorAll("a.csv")) {
      const by = link.dataset.by ? { by: $(link.dataset.by).value } : {};
      link.href = `/api/analytics/${link.dataset.csv}?${query({ ...view, ...by, format: "csv" })}`;
      link.setAttribute("download", "");
    }
  }

  const CHART = { margin: { t: 10, r: 10, b: 60, l: 40 }, hovermode: "closest", legend: { orientation: "h", y: -0.25 } };
  const CONFIG = { displayModeBar: false, responsive: true };

  function stacked(node, figure, traces) {
    Plotly.newPlot(node, traces, { ...CHART, barmode: "stack" }, CONFIG).then(() => clickToDrill(node));
    node.dataset.ready = "true";
  }

  function kpis(figure) {
    const [now, before] = figure.rows;
    const tiles = [
      ["calls", "calls", false], ["aht_s", "avg handle time (s)", true], ["repeat_rate", "repeat rate", true],
      ["fcr", "first-contact resolution", false], ["negative_share", "negative sentiment", true],
      ["qa_avg_percent", "average QA %", false], ["qa_pass_rate", "QA pass rate", false],
    ];
    $("kpis").replaceChildren(...tiles.map(([key, label, upIsBad]) => {
      const a = now[key], b = before[key];
      let delta = "";
      let cls = "";
      if (typeof a === "number" && typeof b === "number" && b !== 0) {
        const d = a / b - 1;
        delta = `${d >= 0 ? "▲" : "▼"} ${(Math.abs(d) * 100).toFixed(0)}% vs previous`;
        cls = (d > 0) === upIsBad ? "up" : "down";
      }
      return el("a", { class: "kpi", href: drillUrl(figure.view, now.drill), "data-testid": `kpi-${key}` },
        el("div", { class: "value" }, AN.fmt(key, a)), el("div", { class: "label" }, label),
        el("div", { class: `delta ${cls}` }, delta));
    }));
  }

  function contactTypes(figure) {
    const labels = bucketLabels(figure);
    const top = figure.rows.slice(0, 10);
    stacked($("chart-types"), figure, top.map((row) => ({
      type: "bar", name: row.contact_type, x: labels, y: row.counts,
      customdata: figure.buckets.map((b) => drillUrl(figure.view, { since: b.start, until: b.end, contact_type: row.contact_type })),
      hovertemplate: `${row.contact_type}<br>%{x}: %{y} calls<extra></extra>`,
    })));
    // The busiest types and every surging one; the CSV has them all.
    const shown = { ...figure, rows: figure.rows.filter((r, i) => i < 15 || r.surge) };
    $("table-types").replaceChildren(...table(shown, ["contact_type", "calls", "share", "previous", "change", "surge"], {
      links: { contact_type: {}, calls: {} }, testid: "types",
      cells: { surge: (row) => (row.surge ? el("span", { class: "flag" }, `×${row.surge.ratio} on ${row.surge.bucket.slice(0, 10)}`) : "") },
    }));
  }

  function topics(figure) {
    $("table-topics").replaceChildren(...table(figure, ["name", "calls", "previous", "growth", "first_seen", "emerging", "reason"], {
      links: { name: {}, calls: {} }, testid: "topics",
      cells: { emerging: (row) => (row.emerging ? el("span", { class: "flag", "data-testid": "emerging" }, "emerging") : "") },
    }));
  }

  function repeats(figure) {
    const by = $("repeats-by").value;
    $("table-repeats").replaceChildren(...table(figure, [by, "calls", "known", "repeats", "repeat_rate", "fcr"], {
      links: { [by]: {}, calls: {}, repeats: { repeated: "true" } }, testid: "repeats", flag: (r) => r.high,
      cells: { repeat_rate: (row) => el("span", { class: row.high ? "flag" : null }, AN.fmt("repeat_rate", row.repeat_rate)) },
    }));
  }

  function sentiment(figure) {
    const labels = bucketLabels(figure);
    stacked($("chart-sentiment"), figure, ["negative", "neutral", "positive"].map((s) => ({
      type: "bar", name: s, x: labels, y: figure.rows.map((r) => r[s]),
      marker: { color: { negative: "#c8453b", neutral: "#9aa4b2", positive: "#2f8f5b" }[s] },
      customdata: figure.rows.map((r) => drillUrl(figure.view, r.drill, { sentiment: s })),
    })));
  }

  function qa(figure) {
    const by = $("qa-by").value;
    const itemLinks = (row, items, testid) => el("span", {}, items.flatMap((item, i) => [
      i ? ", " : "",
      el("a", { class: "drill", href: drillUrl(figure.view, row.drill, { failed_item: item }), "data-testid": testid }, item),
    ]));
    $("table-qa").replaceChildren(...table(figure, [by, "calls", "avg_percent", "pass_rate", "failed_most", "training"], {
      links: { [by]: {}, calls: {} }, testid: "qa",
      cells: {
        failed_most: (row) => itemLinks(row, row.failed_most.map((f) => f.item), "failed-item"),
        training: (row) => el("span", { class: "flag" }, itemLinks(row, row.training, "training-item")),
      },
    }));
  }

  function conversation(figure) {
    const by = $("conv-by").value;
    $("table-conv").replaceChildren(...table(figure,
      [by, "calls", "talk_ratio", "longest_silence_s", "dead_air_calls", "dead_air_share", "overtalk_s", "hold_s", "aht_s"], {
        links: { [by]: {}, calls: {}, dead_air_calls: { min_silence: 5 } }, testid: "conv",
        cells: { dead_air_share: (row) => el("span", { class: row.dead_air_high ? "flag" : null }, AN.fmt("dead_air_share", row.dead_air_share)) },
      }));
  }

  function serviceLevel(figure) {
    const labels = bucketLabels(figure);
    const node = $("chart-sl");
    const urls = figure.rows.map((r) => drillUrl(figure.view, r.drill));
    Plotly.newPlot(node, [
      { type: "bar", name: "answered", x: labels, y: figure.rows.map((r) => r.answered), customdata: urls },
      { type: "bar", name: "abandoned", x: labels, y: figure.rows.map((r) => r.abandoned), customdata: urls },
      { type: "scatter", mode: "lines+markers", name: "service level", x: labels, yaxis: "y2",
        y: figure.rows.map((r) => r.service_level), customdata: urls },
    ], { ...CHART, barmode: "stack", yaxis2: { overlaying: "y", side: "right", tickformat: ".0%", range: [0, 1] } }, CONFIG)
      .then(() => clickToDrill(node));
    node.dataset.ready = "true";
    $("table-sl").replaceChildren(...table(figure,
      ["bucket", "offered", "answered", "abandoned", "abandon_rate", "short_abandoned", "asa_s", "service_level", "aht_s",
        "occupancy", "agents", "required_agents"], { links: { bucket: {}, answered: {} }, testid: "sl" }));
  }

  async function load() {
    const [ov, types, tps, sent, sl] = await Promise.all([
      get("overview"), get("contact-types"), get("topics"), get("sentiment"), get("service-level"),
    ]);
    Object.assign(figures, { ov, types, tps, sent, sl });
    $("period").textContent = `${ov.rows[0].since.slice(0, 10)} to ${ov.rows[0].until.slice(0, 10)} (exclusive), ` +
      `compared with ${ov.rows[1].since.slice(0, 10)} to ${ov.rows[1].until.slice(0, 10)}`;
    kpis(ov);
    contactTypes(types);
    topics(tps);
    sentiment(sent);
    serviceLevel(sl);
    await Promise.all([reloadRepeats(), reloadQa(), reloadConv(), generatedNote()]);
    csvLinks();
    document.body.dataset.loaded = "true";
  }

  async function generatedNote() {
    const real = await get("overview", { generated: "false" });
    const all = figures.ov.rows[0].calls;
    const generated = all - real.rows[0].calls;
    const note = $("generated-note");
    note.hidden = generated === 0;
    note.textContent = `${generated} of these ${all} calls are generated demo history (callscope analytics seed), not real calls.`;
  }

  const reloadRepeats = () => get("repeats", { by: $("repeats-by").value }).then(repeats);
  const reloadQa = () => get("qa", { by: $("qa-by").value }).then(qa);
  const reloadConv = () => get("conversation", { by: $("conv-by").value }).then(conversation);

  document.addEventListener("DOMContentLoaded", () => {
    fillForm();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const params = {};
      for (const [k, v] of new FormData(form).entries()) if (v) params[k] = v;
      window.location.search = query(params);
    });
    $("reset-filters").addEventListener("click", () => { window.location.search = ""; });
    $("repeats-by").addEventListener("change", () => guard(async () => { await reloadRepeats(); csvLinks(); }));
    $("qa-by").addEventListener("change", () => guard(async () => { await reloadQa(); csvLinks(); }));
    $("conv-by").addEventListener("change", () => guard(async () => { await reloadConv(); csvLinks(); }));
    guard(load);
  });
})();
