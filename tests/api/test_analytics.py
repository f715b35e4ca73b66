"""Manager analytics on a generated month stored in the real database: the injected trends are found
(a contact type doubling in week 3, a topic appearing mid-month, one agent's repeat rate twice the
others', one agent's training gap), every figure drills down to exactly its calls, service-level
figures from an ACD file match hand-computed values, and bad input is refused without loss."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from analytics.synthetic import GeneratorOptions, SyntheticHistory, generate_history
from api import analytics_service as svc
from api.analytics_history import store_history
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from common.db import to_libpq
from tests.api.auth_helpers import api_client

pytestmark = pytest.mark.slow
DEMO_ACD = Path(__file__).parents[2] / "demo" / "acd" / "sample-acd.csv"


@pytest.fixture(scope="module")
def month() -> SyntheticHistory:
    return generate_history(GeneratorOptions())


@pytest.fixture(scope="module")
def seeded(
    pg_admin_url: str, model_cache: Path, tmp_path_factory: pytest.TempPathFactory, month: SyntheticHistory
) -> Iterator[tuple[Settings, Runtime]]:
    """One database with the generated month, shared by this module's read-only tests."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(to_libpq(pg_admin_url), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    settings = Settings(
        home=tmp_path_factory.mktemp("home"),
        database_url=pg_admin_url.replace("/callscope?", f"/{name}?", 1),
        model_cache=model_cache,
    )
    rt = open_runtime(settings)
    store_history(rt, month)
    try:
        yield settings, rt
    finally:
        rt.db.dispose()
        with psycopg.connect(to_libpq(pg_admin_url), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def client(seeded: tuple[Settings, Runtime]) -> Iterator[TestClient]:
    with api_client(seeded[0]) as c:
        yield c


def _week(month: SyntheticHistory, n: int) -> tuple[datetime, datetime]:
    start = datetime.combine(month.options.start, datetime.min.time(), UTC) + timedelta(days=7 * (n - 1))
    return start, start + timedelta(days=7)


def test_a_contact_type_doubling_in_week_3_is_flagged_as_a_surge(seeded, month) -> None:
    _, rt = seeded
    view = svc.make_view(rt, granularity="week")
    figure = svc.contact_types(rt, view)
    doubled = month.options.injections.doubling_type
    row = next(r for r in figure.rows if r["contact_type"] == doubled)
    week3, _ = _week(month, 3)
    assert row["surge"] is not None, row
    assert row["surge"]["bucket"] == week3.isoformat().replace("+00:00", "Z")
    assert row["counts"][2] >= 1.5 * row["counts"][1]
    # Types that were not injected do not surge (the background is flat).
    steady = [r for r in figure.rows if r["calls"] >= 40 and r["contact_type"] not in (doubled, "other")]
    assert steady and all(r["surge"] is None for r in steady), [r for r in steady if r["surge"]]


def test_a_new_topic_mid_month_is_flagged_as_emerging(seeded, month) -> None:
    _, rt = seeded
    figure = svc.topics(rt, svc.make_view(rt, granularity="week"))
    top = figure.rows[0]
    assert top["emerging"], top
    first_day = month.options.start + timedelta(days=month.options.injections.emerging_from_day - 1)
    assert top["first_seen"][:10] >= (first_day - timedelta(days=first_day.weekday())).isoformat()
    assert sum(top["counts"][:2]) == 0 and top["calls"] >= 20
    assert any(w in top["name"].lower() for w in ("qr", "sim", "esim", "e-sim")), top["name"]
    # The scattered one-off reasons are not news: nothing else is emerging with this many calls.
    assert all(not r["emerging"] or r["calls"] < top["calls"] / 3 for r in figure.rows[1:])


def test_one_agents_repeat_rate_twice_the_others_is_flagged(seeded, month) -> None:
    _, rt = seeded
    figure = svc.repeats(rt, svc.make_view(rt), by="agent")
    agent = month.options.injections.high_repeat_agent
    rates = {r["agent"]: r["repeat_rate"] for r in figure.rows}
    others = [v for k, v in rates.items() if k != agent]
    assert rates[agent] >= 1.6 * (sum(others) / len(others)), rates
    flagged = [r["agent"] for r in figure.rows if r["high"]]
    assert flagged == [agent]
    # FCR is the complement, and the known calls leave out the last window that is not over yet.
    row = next(r for r in figure.rows if r["agent"] == agent)
    assert row["fcr"] == pytest.approx(1 - row["repeat_rate"]) and row["known"] < row["calls"]


def test_qa_by_agent_names_the_training_gap(seeded, month) -> None:
    _, rt = seeded
    inj = month.options.injections
    figure = svc.qa_by(rt, svc.make_view(rt), by="agent")
    training = {r["agent"]: r["training"] for r in figure.rows}
    assert inj.training_gap_item in training[inj.training_gap]
    assert not any(inj.training_gap_item in items for a, items in training.items() if a != inj.training_gap)
    team = svc.qa_by(rt, svc.make_view(rt), by="team")
    assert sum(r["calls"] for r in team.rows) == sum(r["calls"] for r in figure.rows)


def test_conversation_metrics_show_the_dead_air_agent(seeded, month) -> None:
    _, rt = seeded
    figure = svc.conversation(rt, svc.make_view(rt), by="agent")
    worst = max(figure.rows, key=lambda r: r["longest_silence_s"] or 0)
    assert worst["agent"] == month.options.injections.dead_air_agent
    assert all(0 < r["talk_ratio"] < 1 and r["aht_s"] > 0 for r in figure.rows)


def test_every_contact_type_bar_drills_down_to_exactly_its_calls(seeded, month) -> None:
    _, rt = seeded
    view = svc.make_view(rt, granularity="week")
    figure = svc.contact_types(rt, view)
    doubled = month.options.injections.doubling_type
    row = next(r for r in figure.rows if r["contact_type"] == doubled)
    for i, bucket in enumerate(figure.buckets or []):
        narrowed = svc.narrowed(view, since=bucket["start"], until=bucket["end"], contact_type=doubled)
        total, calls = svc.drill(rt, narrowed, {}, limit=5000)
        start = datetime.fromisoformat(bucket["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(bucket["end"].replace("Z", "+00:00"))
        expected = {
            c.call_id for c in month.calls if c.contact_type == doubled and start <= c.started_at < end
        }
        assert total == row["counts"][i] == len(expected)
        assert {r["call_id"] for r in calls.rows} == expected


def test_the_api_serves_each_figure_as_json_and_csv_with_the_same_filters(client, month) -> None:
    agent = month.options.injections.high_repeat_agent
    for path in (
        "overview",
        "contact-types",
        "topics",
        "repeats",
        "sentiment",
        "qa",
        "conversation",
        "service-level",
    ):
        r = client.get(f"/api/analytics/{path}", params={"agent": agent, "granularity": "week"})
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        assert body["view"]["agent"] == agent
        c = client.get(
            f"/api/analytics/{path}", params={"agent": agent, "granularity": "week", "format": "csv"}
        )
        assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(c.text)))
        assert rows[0] == body["columns"] and len(rows) == len(body["rows"]) + 1
    repeats = client.get("/api/analytics/repeats", params={"by": "agent"}).json()
    row = next(r for r in repeats["rows"] if r["agent"] == agent)
    calls = client.get(
        "/api/analytics/calls", params={**row["drill"], "repeated": "true", "limit": 5000}
    ).json()
    assert calls["total"] == row["repeats"] and all(c["repeated"] for c in calls["rows"])


def test_a_calls_conversation_segments(client, month) -> None:
    call = next(
        c
        for c in month.calls
        if c.channel == "voice" and c.agent_id == month.options.injections.dead_air_agent
    )
    body = client.get(f"/api/analytics/calls/{call.call_id}/conversation").json()
    kinds = {s["kind"] for s in body["metrics"]["segments"]}
    assert body["metrics"]["duration_s"] == pytest.approx(call.duration_s) and kinds <= {
        "silence",
        "hold",
        "overtalk",
    }
    assert client.get("/api/analytics/calls/nope/conversation").status_code == 404


def test_bad_filters_are_refused_with_a_clear_message(client) -> None:
    r = client.get("/api/analytics/overview", params={"since": "2026-02-30"})
    assert r.status_code == 422 and "since='2026-02-30'" in r.json()["detail"]
    r = client.get("/api/analytics/contact-types", params={"since": "2026-03-10", "until": "2026-03-01"})
    assert r.status_code == 422 and "must be after" in r.json()["detail"]
    r = client.get(
        "/api/analytics/overview",
        params={"granularity": "interval", "since": "2025-01-01", "until": "2026-03-01"},
    )
    assert r.status_code == 422 and "coarser granularity" in r.json()["detail"]
    r = client.get("/api/analytics/service-level", params={"target": "120/20"})
    assert r.status_code == 422


def test_the_weekly_report_is_one_self_contained_html_file(seeded, month, tmp_path: Path) -> None:
    from api.weekly_report import write_weekly_report

    _, rt = seeded
    year, week, _ = month.options.start.isocalendar()
    out = write_weekly_report(rt, f"{year}-W{week + 2:02d}", tmp_path / "r.html")
    from bs4 import BeautifulSoup

    page = out.read_text()
    soup = BeautifulSoup(page, "html.parser")
    # plotly.js is inlined once: nothing is fetched when the file is opened offline.
    assert not soup.find_all(src=True) and not soup.find_all("link", href=True)
    assert sum("plotly.js" in (s.string or "")[:300] for s in soup.find_all("script")) == 1
    assert page.count("Plotly.newPlot") >= 4 and "generated demo history" in page
    assert (
        month.options.injections.doubling_type in page and month.options.injections.high_repeat_agent in page
    )


def test_acd_import_and_service_level_match_hand_computed_figures(settings: Settings, tmp_path: Path) -> None:
    """Six contacts in one 30-minute interval, figures computed by hand."""
    acd = tmp_path / "acd.csv"
    acd.write_text(
        "contact_id,queue,offered_at,answered_at,abandoned_at,handle_s,agent_id,blocked\n"
        "k1,billing,2026-03-02T09:00:00Z,2026-03-02T09:00:05Z,,200,a1,\n"  # waited 5 s
        "k2,billing,2026-03-02T09:05:00Z,2026-03-02T09:05:15Z,,300,a2,\n"  # 15 s
        "k3,billing,2026-03-02T09:10:00Z,2026-03-02T09:10:40Z,,100,a1,\n"  # 40 s: over 20
        "k4,billing,2026-03-02T09:12:00Z,,2026-03-02T09:12:06Z,,,\n"  # abandoned after 6 s
        "k5,billing,2026-03-02T09:20:00Z,,2026-03-02T09:21:00Z,,,\n"  # abandoned after 60 s
        "k6,billing,2026-03-02T09:25:00Z,,,,,true\n"  # blocked
    )
    with api_client(settings) as client:
        r = client.post("/api/analytics/acd", files={"file": ("acd.csv", acd.read_bytes(), "text/csv")})
        assert r.status_code == 200 and r.json()["records"] == 6
        bad = "queue,offered_at,answered_at\nbilling,2026-03-02T10:00:00Z,2026-13-02T10:00:09Z\n"
        r = client.post("/api/analytics/acd", files={"file": ("bad.csv", bad.encode(), "text/csv")})
        assert r.status_code == 422 and "line 2" in r.json()["detail"] and "answered_at" in r.json()["detail"]
        sl = client.get(
            "/api/analytics/service-level",
            params={
                "since": "2026-03-02",
                "until": "2026-03-03",
                "granularity": "interval",
                "target": "80/20",
            },
        ).json()
    rows = [r for r in sl["rows"] if r["offered"] or r["blocked"]]
    assert len(rows) == 1
    row = rows[0]
    # offered = answered 3 + abandoned 2 = 5 (the blocked one never queued)
    assert (row["offered"], row["answered"], row["abandoned"], row["blocked"]) == (5, 3, 2, 1)
    assert row["abandon_rate"] == pytest.approx(2 / 5)
    assert row["short_abandoned"] == 1  # 6 s ≤ 10 s
    assert row["asa_s"] == pytest.approx((5 + 15 + 40) / 3)  # 20 s
    assert row["service_level"] == pytest.approx(2 / 5)  # within 20 s: k1, k2 over answered + abandoned
    assert row["aht_s"] == pytest.approx(200.0)  # (200 + 300 + 100) / 3
    assert row["occupancy"] == pytest.approx(600 / (2 * 1800))  # two agents over the 30 minutes
    assert row["agents"] == 2 and row["required_agents"] is not None
    assert row["abandon_0_10s"] == 1 and row["abandon_30_60s"] == 1


def test_the_sql_figures_agree_with_the_pure_computation_on_the_sample_file(settings: Settings) -> None:
    from analytics.acd import read_acd_csv
    from analytics.service_level import KpiOptions, interval_kpis
    from api.acd_import import import_acd_file

    rt = open_runtime(settings)
    try:
        import_acd_file(rt, DEMO_ACD)
        records = read_acd_csv(DEMO_ACD)
        day = records[0].offered_at.date()
        view = svc.make_view(
            rt, since=day.isoformat(), until=(day + timedelta(days=1)).isoformat(), granularity="interval"
        )
        sql = {r["bucket"]: r for r in svc.service_level(rt, view).rows if r["offered"] or r["blocked"]}
        pure = interval_kpis(records, KpiOptions())
        assert len(sql) == len(pure)
        for k in pure:
            row = sql[k.start]
            assert (row["offered"], row["answered"], row["abandoned"], row["blocked"]) == (
                k.offered,
                k.answered,
                k.abandoned,
                k.blocked,
            )
            for name in ("asa_s", "service_level", "aht_s", "occupancy", "abandon_rate"):
                assert row[name] == pytest.approx(getattr(k, name)), name
            assert row["required_agents"] == k.required_agents
    finally:
        rt.db.dispose()
