"""The readable side of a run: a self-contained ``report.html`` with inline SVG plots.

Nothing in the page is loaded from elsewhere: no scripts, style sheets, fonts or images by URL.
Plots are drawn with matplotlib (Agg) as SVG and pasted into the page.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from evals.results import EvalRun, SystemResult

__all__ = ["format_value", "render_report"]

_MAX_CONFUSION_LABELS = 25
_MAX_BARS = 40


def format_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    return text


def _figure(width: float, height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, and no font files needed
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def _confusion_plot(result: SystemResult) -> str | None:
    confusion = result.confusion
    if confusion is None or not confusion.labels:
        return None
    labels, matrix = confusion.labels, confusion.matrix
    title = f"Confusion matrix — {result.name}"
    if len(labels) > _MAX_CONFUSION_LABELS:
        errors = [
            sum(row) - row[i] + sum(matrix[r][i] for r in range(len(labels))) - row[i]
            for i, row in enumerate(matrix)
        ]
        keep = sorted(sorted(range(len(labels)), key=lambda i: -errors[i])[:_MAX_CONFUSION_LABELS])
        labels = [labels[i] for i in keep]
        matrix = [[matrix[r][c] for c in keep] for r in keep]
        title += f" ({len(keep)} most confused of {len(confusion.labels)} classes)"
    import numpy as np

    data = np.array(matrix, dtype=float)
    totals = data.sum(axis=1, keepdims=True)
    shares = np.divide(data, totals, out=np.zeros_like(data), where=totals > 0)  # colour: share of the row
    size = max(4.0, 0.32 * len(labels) + 2)
    fig, ax = _figure(size + 1, size)
    mesh = ax.pcolormesh(shares, cmap="Blues", vmin=0, vmax=1, edgecolors="white", linewidth=0.5)
    fig.colorbar(mesh, ax=ax, fraction=0.04, label="share of the expected class")
    ax.invert_yaxis()
    ax.set_xticks(np.arange(len(labels)) + 0.5, labels, rotation=90, fontsize=7)
    ax.set_yticks(np.arange(len(labels)) + 0.5, labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title, fontsize=9)
    if len(labels) <= 12:
        for r in range(len(labels)):
            for c in range(len(labels)):
                if data[r, c]:
                    color = "white" if shares[r, c] > 0.5 else "black"
                    ax.text(
                        c + 0.5, r + 0.5, int(data[r, c]), ha="center", va="center", fontsize=7, color=color
                    )
    return _svg(fig)


def _bars(title: str, names: Sequence[str], values: Sequence[float | None], xlabel: str) -> str | None:
    pairs = [(n, v) for n, v in zip(names, values, strict=True) if v is not None]
    if not pairs:
        return None
    if len(pairs) > _MAX_BARS:
        pairs = sorted(pairs, key=lambda p: p[1])[:_MAX_BARS]
        title += f" (lowest {_MAX_BARS})"
    fig, ax = _figure(7, max(2.0, 0.22 * len(pairs) + 1))
    values_ = [p[1] for p in pairs]
    ax.barh([p[0] for p in pairs], values_, color="#4c78a8")
    top = max(max(values_) * 1.15, 1.0 if max(values_) <= 1.0 else 0.0)
    ax.set_xlim(0, top)
    for y, v in enumerate(values_):
        ax.text(v + top * 0.01, y, f"{v:.3g}", va="center", fontsize=6)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9)
    return _svg(fig)


def _histogram(result: SystemResult) -> str | None:
    if not result.latencies_ms:
        return None
    fig, ax = _figure(6, 2.6)
    ax.hist(result.latencies_ms, bins=min(30, max(5, len(result.latencies_ms) // 3)), color="#f58518")
    ax.set_xlabel(result.latency_label)
    ax.set_ylabel("items")
    ax.set_title(f"Latency — {result.name}", fontsize=9)
    return _svg(fig)


def _scatter(result: SystemResult) -> str | None:
    if not result.scatter:
        return None
    fig, ax = _figure(5, 4)
    xs, ys = zip(*result.scatter, strict=True)
    # many points are drawn as one embedded bitmap, so the page stays small
    ax.scatter(xs, ys, s=6, alpha=0.4, color="#54a24b", rasterized=len(xs) > 1000)
    ax.set_xlabel("expected (human)")
    ax.set_ylabel("predicted")
    ax.set_title(f"Predicted against expected — {result.name}", fontsize=9)
    return _svg(fig)


def _plots(run: EvalRun) -> list[str]:
    plots: list[str | None] = []
    systems = [s for s in [run.model, *run.baselines.values()] if s.available]
    primary = run.primary
    if primary is not None:
        plots.append(_confusion_plot(primary))
        if primary.per_class:
            names = list(primary.per_class)
            plots.append(
                _bars(
                    f"F1 per class — {primary.name}", names, [primary.per_class[n]["f1"] for n in names], "F1"
                )
            )
        if primary.per_item and any("wer" in v for v in primary.per_item.values()):
            names = list(primary.per_item)
            plots.append(
                _bars(
                    f"WER per file — {primary.name}",
                    names,
                    [primary.per_item[n]["wer"] for n in names],
                    "WER",
                )
            )
        if primary.per_item and any("agreement" in v for v in primary.per_item.values()):
            names = list(primary.per_item)
            values = [primary.per_item[n]["agreement"] for n in names]
            plots.append(
                _bars(f"Agreement with people per item — {primary.name}", names, values, "agreement")
            )
    if run.data_per_item:
        names = list(run.data_per_item)
        values = [run.data_per_item[n].get("human_agreement") for n in names]
        plots.append(_bars("Human–human agreement per item", names, values, "agreement"))
    for system in systems:
        plots.append(_histogram(system))
        plots.append(_scatter(system))
    return [p for p in plots if p]


def _short(value: Any, size: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= size else text[: size - 1] + "…"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(format_value(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _metrics_table(run: EvalRun) -> str:
    systems = [run.model, *run.baselines.values()]
    keys: list[str] = []
    for s in systems:
        for k in s.metrics:
            if k not in keys:
                keys.append(k)
    headers = ["system", "status", *keys]
    rows = []
    for i, s in enumerate(systems):
        role = "model" if i == 0 else "baseline"
        if s.available:
            rows.append([f"{s.name} ({role})", s.status, *[s.metrics.get(k) for k in keys]])
        else:
            rows.append([f"{s.name} ({role})", f"{s.status}: {s.reason}", *[None for _ in keys]])
    out = _table(headers, rows)
    if run.data_metrics:
        out += "<h3>The data itself (people against people)</h3>"
        out += _table(list(run.data_metrics), [list(run.data_metrics.values())])
    return out


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem;font-size:0.85rem}
th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;text-align:left}th{background:#f3f3f3}
.plot{margin:1rem 0}.plot svg{max-width:100%;height:auto}
.note{color:#555;font-size:0.9rem}
"""


def render_report(run: EvalRun) -> str:
    """The whole page as a string."""
    esc = html.escape
    summary = _table(
        ["task", "dataset", "items", "skipped lines", "started", "duration (s)"],
        [
            [
                f"{run.task} v{run.task_version}",
                run.dataset,
                run.n,
                len(run.skipped),
                run.started_at,
                run.duration_s,
            ]
        ],
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in run.notes)
    skipped = "".join(f"<li>{esc(e.message)}</li>" for e in run.skipped[:50])
    plots = "".join(f'<div class="plot">{svg}</div>' for svg in _plots(run))
    samples_rows = []
    primary = run.primary
    for s in run.samples[:200]:
        p = s.predictions.get(primary.name) if primary else None
        samples_rows.append(
            [s.id, _short(s.expected), _short(p.predicted) if p else None, p.correct if p else None]
        )
    samples = _table(["id", "expected", "predicted", "correct"], samples_rows) if samples_rows else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>callscope eval: {esc(run.task)} on {esc(run.dataset)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>callscope eval: {esc(run.task)} on {esc(run.dataset)}</h1>
{summary}
<h2>Metrics</h2>
{_metrics_table(run)}
{f'<h2>Notes</h2><ul class="note">{notes}</ul>' if notes else ""}
{f'<h2>Skipped input</h2><ul class="note">{skipped}</ul>' if skipped else ""}
<h2>Plots</h2>
{plots or '<p class="note">nothing to plot: no system was available on this data</p>'}
<h2>Samples{" (first 200)" if len(run.samples) > 200 else ""}</h2>
{samples}
</body></html>
"""
