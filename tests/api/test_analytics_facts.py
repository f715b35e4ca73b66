"""Analytics facts kept current on the way calls really arrive: at ingest (conversation metrics from
the turns' timing, repeats re-measured across the customer's calls), when people change a QA answer,
when tags change, and topics for reasons outside the taxonomy (clustered, then joined at ingest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from api import analytics_facts, qa_service
from api import analytics_service as svc
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from tests.api.qa_helpers import ScriptedScorer, fast_settings, labeled_call, set_tags, store_calls

pytestmark = pytest.mark.slow


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(fast_settings(settings))
    runtime.qa_scorer_impl = ScriptedScorer()  # type: ignore[assignment]
    try:
        yield runtime
    finally:
        runtime.db.dispose()


def _facts(rt: Runtime, call_id: str) -> dict[str, Any]:
    with rt.db.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM call_facts WHERE call_id = :id"), {"id": call_id}).one()
    return dict(row._mapping)


def voice(call_id: str, when: str, customer: str, **extra: Any) -> dict[str, Any]:
    """A voice call with a 12 s silence after the customer's question and 1 s of overtalk."""
    record = labeled_call(call_id, when=when, channel="voice", team="team-a", **extra)
    record["customer_id"] = customer
    record["turns"] = [
        {"speaker": "agent", "text": "Thank you for calling, this is Sam.", "start": 0.0, "end": 3.0},
        {"speaker": "customer", "text": "I was charged twice on my bill.", "start": 3.5, "end": 7.0},
        {"speaker": "agent", "text": "Let me look at that for you.", "start": 19.0, "end": 22.0},
        {"speaker": "customer", "text": "Okay thanks.", "start": 21.0, "end": 23.0},
    ]
    return record


def test_ingest_builds_the_facts_and_remeasures_the_customers_repeats(rt: Runtime) -> None:
    store_calls(rt, [voice("v-1", "2026-03-02T09:00:00Z", "cust-9")])
    first = _facts(rt, "v-1")
    assert first["team"] == "team-a" and first["channel"] == "voice" and not first["generated"]
    assert first["longest_silence_s"] == pytest.approx(12.0)  # 7.0 → 19.0
    assert first["overtalk_s"] == pytest.approx(1.0)  # 21.0 → 22.0
    assert first["talk_agent_s"] == pytest.approx(6.0) and first["handle_s"] == pytest.approx(23.0)
    assert first["qa_percent"] == 100.0 and first["failed_items"] == []
    assert first["repeated"] is False

    # The same customer back two days later about the same matter: the first call becomes a repeat.
    store_calls(rt, [voice("v-2", "2026-03-04T10:00:00Z", "cust-9")])
    assert _facts(rt, "v-1")["repeated"] is True and _facts(rt, "v-1")["repeat_call_id"] == "v-2"
    assert _facts(rt, "v-2")["repeated"] is False

    # A person changes an answer: the fact row follows the effective score.
    qa_service.record_evaluation(rt, "v-2", "greeting", evaluator="qa-1", answer="no")
    changed = _facts(rt, "v-2")
    assert changed["failed_items"] == ["greeting"] and changed["qa_percent"] < 100.0

    # New tags reach the facts too (the type's drill-down must list the call).
    set_tags(rt, "v-2", contact_type="payments.payment_failed")
    analytics_facts.refresh_calls(rt, ["v-2"])
    assert _facts(rt, "v-2")["contact_type"] == "payments.payment_failed"
    view = svc.make_view(rt, since="2026-03-01", until="2026-03-08")
    total, _ = svc.drill(rt, svc.narrowed(view, contact_type="payments"), {})
    assert total == 1
    # Untagged calls count as the same matter; tagged as another matter, v-2 is no longer a repeat.
    set_tags(rt, "v-1", contact_type="billing.double_charge")
    analytics_facts.refresh_calls(rt, ["v-1"])
    assert _facts(rt, "v-1")["repeated"] is False


PLUMBER = [
    "Can you recommend a good plumber near me?",
    "I need a plumber to fix my kitchen sink, do you know one?",
    "Who is a reliable plumber in my area?",
    "My sink is leaking, can you send me a plumber?",
]
PARKING = [
    "Where can I park my car near your store?",
    "Is there parking close to the shop?",
    "Do you have a car park at the branch?",
]


def test_reasons_outside_the_taxonomy_form_topics_that_new_calls_join(rt: Runtime) -> None:
    records = [
        labeled_call(f"o-{i}", said=[text], when=f"2026-03-{2 + i:02d}T09:00:00Z")
        for i, text in enumerate(PLUMBER[:3] + PARKING)
    ]
    ids = store_calls(rt, records)
    for call_id in ids:
        set_tags(rt, call_id, contact_type="other")
    analytics_facts.refresh_calls(rt, ids)
    assert analytics_facts.recluster_topics(rt) == 2
    with rt.db.engine.connect() as conn:
        topics = conn.execute(text("SELECT id, name FROM topics ORDER BY size DESC, id")).all()
    plumber = next(t for t in topics if "plumber" in t.name)
    assert {_facts(rt, c)["topic_id"] for c in ids[:3]} == {plumber.id}

    # A new call about the same matter joins the topic at ingest, without re-clustering.
    store_calls(rt, [labeled_call("o-new", said=[PLUMBER[3]], when="2026-03-20T09:00:00Z")])
    set_tags(rt, "o-new", contact_type="other")
    analytics_facts.refresh_calls(rt, ["o-new"])
    assert _facts(rt, "o-new")["topic_id"] == plumber.id
    # Re-clustering keeps the ids of the topics that survive.
    analytics_facts.recluster_topics(rt)
    assert _facts(rt, "o-new")["topic_id"] == plumber.id

    figure = svc.topics(rt, svc.make_view(rt, since="2026-03-01", until="2026-03-29", granularity="week"))
    row = next(r for r in figure.rows if r["topic"] == plumber.id)
    assert row["calls"] == 4 and "plumber" in row["name"]
