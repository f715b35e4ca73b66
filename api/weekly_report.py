"""The weekly manager report: one self-contained HTML file (plotly.js inlined once, no network) with
the week's figures next to the week before, day by day."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from api import analytics_service as svc
from api.runtime import Runtime
from common.errors import InvalidInput

__all__ = ["parse_iso_week", "render_weekly_report", "write_weekly_report"]

_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")


def parse_iso_week(week: str) -> date:
    """The Monday of an ISO week such as ``2026-W10``."""
    m = _WEEK.match(week.strip())
    if not m:
        raise InvalidInput(f"week {week!r}: use an ISO week such as 2026-W10")
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise InvalidInput(f"week {week!r}: {m.group(1)} has no week {int(m.group(2))}") from None


def _fmt(column: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        if math.isinf(value):
            return "new"
        if column in (
            "share",
            "previous_share",
            "repeat_rate",
            "fcr",
            "negative_share",
            "pass_rate",
            "qa_pass_rate",
            "service_level",
            "abandon_rate",
            "occupancy",
            "talk_ratio",
            "dead_air_share",
            "change",
            "erlang_service_level",
            "growth",
            "recent_growth",
        ):
            return (
                f"{value:+.0%}"
                if column == "change"
                else f"{value:.1%}"
                if column != "growth"
                else f"×{value:.1f}"
            )
        return f"{value:.1f}"
    if isinstance(value, datetime):
        return value.strftime("%a %d %b")
    if isinstance(value, list):
        return ", ".join(_fmt(column, v.get("item") if isinstance(v, dict) else v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _table(figure: svc.Figure, columns: list[str] | None = None, limit: int = 25) -> str:
    cols = columns or figure.columns
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(c, r.get(c)))}</td>" for c in cols) + "</tr>"
        for r in figure.rows[:limit]
    )
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in figure.notes)
    return f"<h2>{html.escape(figure.title)}</h2><table><tr>{head}</tr>{body}</table>{notes}"


def _chart(fig: Any, first: bool) -> str:
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=bool(first),
            config={"displayModeBar": False, "responsive": True},
            default_height="340px",
        )
    )


def _days(figure: svc.Figure) -> list[str]:
    return [
        datetime.fromisoformat(b["start"].replace("Z", "+00:00")).strftime("%a %d %b")
        for b in figure.buckets or []
    ]


def render_weekly_report(rt: Runtime, week: str, *, queue: str | None = None, team: str | None = None) -> str:
    import plotly.graph_objects as go

    monday = parse_iso_week(week)
    since = datetime.combine(monday, time(), UTC)
    view = svc.make_view(
        rt, since=since, until=since + timedelta(days=7), granularity="day", queue=queue, team=team
    )
    overview = svc.overview(rt, view)
    types = svc.contact_types(rt, view)
    topics = svc.topics(rt, view)
    sentiment = svc.sentiment(rt, view)
    sl = svc.service_level(rt, view)
    qa_agent, qa_team = svc.qa_by(rt, view, by="agent"), svc.qa_by(rt, view, by="team")
    repeats_agent = svc.repeats(rt, view, by="agent")
    repeats_type = svc.repeats(rt, view, by="contact_group")
    conv = svc.conversation(rt, view, by="agent")

    days = _days(types)
    mix = go.Figure(
        [go.Bar(name=r["contact_type"], x=days, y=r["counts"]) for r in types.rows[:8]],
        layout={"barmode": "stack", "title": "Calls by contact type (top 8)", "margin": {"t": 40}},
    )
    moods = go.Figure(
        [go.Bar(name=s, x=days, y=[r[s] for r in sentiment.rows]) for s in svc.SENTIMENTS],
        layout={"barmode": "stack", "title": "Customer sentiment", "margin": {"t": 40}},
    )
    level = go.Figure(
        [
            go.Bar(name="offered", x=days, y=[r["offered"] for r in sl.rows]),
            go.Scatter(
                name="service level",
                x=days,
                y=[r["service_level"] for r in sl.rows],
                yaxis="y2",
                mode="lines+markers",
            ),
        ],
        layout={
            "title": sl.title,
            "yaxis2": {"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1]},
            "margin": {"t": 40},
        },
    )
    qa_chart = go.Figure(
        [go.Bar(x=[r["agent"] for r in qa_agent.rows], y=[r["avg_percent"] for r in qa_agent.rows])],
        layout={"title": "Average QA score by agent", "yaxis": {"range": [0, 100]}, "margin": {"t": 40}},
    )
    generated = _generated_share(rt, view)
    banner = (
        f"<p class='banner'>{generated:.0%} of these calls are generated demo history, not real calls.</p>"
        if generated
        else ""
    )
    scope = " · ".join(f"{k} {v}" for k, v in (("queue", queue), ("team", team)) if v)
    parts = [
        _chart(mix, True),
        _table(overview),
        _table(types, ["contact_type", "calls", "share", "previous", "change", "surge"], limit=15),
        _table(topics, ["name", "calls", "previous", "growth", "first_seen", "emerging", "reason"], limit=10),
        _chart(moods, False),
        _chart(level, False),
        _table(
            sl,
            [
                "bucket",
                "offered",
                "answered",
                "abandon_rate",
                "short_abandoned",
                "asa_s",
                "service_level",
                "aht_s",
                "occupancy",
                "agents",
                "required_agents",
            ],
        ),
        _table(repeats_type),
        _table(repeats_agent),
        _chart(qa_chart, False),
        _table(qa_agent),
        _table(qa_team),
        _table(
            conv,
            [
                "agent",
                "calls",
                "talk_ratio",
                "longest_silence_s",
                "dead_air_share",
                "overtalk_s",
                "hold_s",
                "aht_s",
                "dead_air_high",
            ],
        ),
    ]
    title = f"callscope weekly report {week.upper()}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d2430; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; width: 100%; }}
th, td {{ border-bottom: 1px solid #dde3ea; padding: .3rem .5rem; text-align: left; }}
th {{ background: #f3f6f9; }} .note {{ color: #5b6675; margin: 0; }}
.banner {{ background: #fff4d6; padding: .5rem .8rem; border-radius: 6px; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{monday:%A %d %B %Y} to {monday + timedelta(days=6):%A %d %B %Y} (UTC), compared with the week before.
{html.escape(scope)}</p>
{banner}
{"".join(parts)}
<p class="note">Made by callscope {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>
</body></html>
"""


def _generated_share(rt: Runtime, view: svc.View) -> float:
    from api import store_analytics

    row = store_analytics.grouped(
        rt.db, view.scope, [], {"calls": "count(*)", "generated": "count(*) FILTER (WHERE f.generated)"}
    )[0]
    return row["generated"] / row["calls"] if row["calls"] else 0.0


def write_weekly_report(
    rt: Runtime, week: str, out: Path, *, queue: str | None = None, team: str | None = None
) -> Path:
    text = render_weekly_report(rt, week, queue=queue, team=team)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
