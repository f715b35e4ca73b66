"""A small labeled dataset the harness has never seen: calls (one with real stereo audio, two malformed
lines), a knowledge folder with queries, a scorecard and a taxonomy."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
EVAL_DATA = Path(__file__).resolve().parent / "data"

_TEXT_CALLS = [
    # (call_id, contact type, sentiment, customer, day, repeat, customer text, agent text,
    #  answers of rev-1, answers of rev-2)
    ("c-02", "billing.double_charge", "negative", "cust-2", 1, True,
     "I was charged twice for my phone bill this month and I am really annoyed",
     "Thank you for calling Brightline, this is Sam. I'm sorry about the double charge, let me refund it.",
     {"greeting": "yes", "empathy": "yes", "verify_identity": "no"},
     {"greeting": "yes", "empathy": "yes", "verify_identity": "yes"}),
    ("c-03", "billing.double_charge", "negative", "cust-2", 3, False,
     "the same payment shows up two times on my card statement again",
     "Brightline, Sam speaking. I will look at the duplicate payment.",
     {"greeting": "yes", "empathy": "no", "verify_identity": "yes"},
     {"greeting": "yes", "empathy": "no", "verify_identity": "yes"}),
    ("c-04", "plan.cancel", "neutral", "cust-3", 2, False,
     "I want to cancel my contract, how much does it cost to leave early",
     "Thanks for calling. Cancelling early costs the remaining months.",
     {"greeting": "no", "empathy": "na", "verify_identity": "yes"},
     {"greeting": "no", "empathy": "na", "verify_identity": "yes"}),
    ("c-05", "plan.cancel", "positive", "cust-4", 5, False,
     "please end my plan, I am moving abroad, thanks so much for the great service",
     "Thank you for calling Brightline, this is Ana. Happy to help you cancel.",
     {"greeting": "yes", "empathy": "na", "verify_identity": "yes"},
     {"greeting": "no", "empathy": "na", "verify_identity": "yes"}),
    ("c-06", "other", "neutral", "cust-5", 6, False,
     "what are your opening hours on sunday",
     "Brightline, this is Sam. We are open from nine to five.",
     {"greeting": "yes", "empathy": "na", "verify_identity": "na"},
     {"greeting": "yes", "empathy": "na", "verify_identity": "na"}),
]  # fmt: skip


@dataclass
class Unseen:
    root: Path
    calls: Path
    kb: Path
    queries: Path
    scorecard: Path
    taxonomy: Path


def _evaluations(rev1: dict[str, str], rev2: dict[str, str]) -> list[dict[str, object]]:
    return [
        {"evaluator": "rev-1", "scorecard": "standard-voice", "answers": rev1},
        {"evaluator": "rev-2", "scorecard": "standard-voice", "answers": rev2},
    ]


def write_unseen(root: Path) -> Unseen:
    root.mkdir(parents=True, exist_ok=True)
    (root / "audio").mkdir()
    shutil.copy(DATA / "stereo_diarization.wav", root / "audio" / "c-01.wav")
    lines = [
        json.dumps(
            {
                "call_id": "c-01",
                "audio": "audio/c-01.wav",
                "channels": {"agent": 0, "customer": 1},
                "channel": "voice",
                "started_at": "2026-03-01T09:00:00Z",
                "customer_id": "cust-1",
                "turns": [
                    {
                        "speaker": "agent",
                        "text": "He began a confused complaint against the wizard, who had "
                        "vanished behind the curtain on the left.",
                        "start": 0.0,
                        "end": 4.0,
                    },
                    {
                        "speaker": "customer",
                        "text": "The horizon seems extremely distant.",
                        "start": 0.5,
                        "end": 3.0,
                    },
                ],
                "labels": {"contact_type": "other", "sentiment": "neutral", "repeat_call": False},
                "evaluations": _evaluations(
                    {"greeting": "no", "empathy": "na", "verify_identity": "na"},
                    {"greeting": "no", "empathy": "na", "verify_identity": "na"},
                ),
            }
        )
    ]
    for call_id, ctype, sentiment, customer, day, repeat, customer_text, agent_text, r1, r2 in _TEXT_CALLS:
        lines.append(
            json.dumps(
                {
                    "call_id": call_id,
                    "channel": "chat",
                    "started_at": f"2026-03-0{day}T10:00:00Z",
                    "customer_id": customer,
                    "turns": [
                        {"speaker": "agent", "text": agent_text},
                        {"speaker": "customer", "text": customer_text},
                    ],
                    "labels": {"contact_type": ctype, "sentiment": sentiment, "repeat_call": repeat},
                    "evaluations": _evaluations(r1, r2),
                }
            )
        )
    lines.insert(3, '{"call_id": "c-bad", "turns": [')  # broken JSON
    lines.insert(5, json.dumps({"call_id": "c-fax", "channel": "fax"}))  # a channel FORMATS does not know
    calls = root / "calls.jsonl"
    calls.write_text("\n".join(lines) + "\n")

    kb = root / "knowledge"
    kb.mkdir()
    (kb / "refunds.md").write_text(
        "---\nid: refund-double-charge\nkind: procedure\ntitle: Refund a double charge\n---\n"
        "When a customer is charged twice, verify identity, then refund the duplicate payment.\n"
    )
    (kb / "cancel.md").write_text(
        "---\nid: cancel-plan\nkind: policy\ntitle: Cancelling a plan\n---\n"
        "Cancelling before the end of the contract costs the remaining monthly fees.\n"
    )
    (kb / "hours.md").write_text("# Opening hours\n\nWe are open from nine to five, Monday to Saturday.\n")
    queries = root / "queries.jsonl"
    queries.write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {"query": "I was charged twice", "relevant": ["refund-double-charge"], "id": "q1"},
                {"query": "how much to leave my contract early", "relevant": ["cancel-plan"], "id": "q2"},
                {"query": "do you sell pizza", "relevant": [], "id": "q3"},
            ]
        )
        + "\n"
    )
    scorecard = root / "scorecard.yaml"
    shutil.copy(EVAL_DATA / "standard-voice.yaml", scorecard)
    taxonomy = root / "taxonomy.yaml"
    taxonomy.write_text(
        "id: test-types\nversion: 1\ntypes:\n"
        "  - id: billing.double_charge\n    description: charged twice for the same thing\n"
        '    examples: ["I\'ve been charged twice", "two identical payments on my card"]\n'
        "  - id: plan.cancel\n    description: wants to cancel or end a plan\n"
        '    examples: ["I want to cancel my contract", "how much is it to leave early"]\n'
        '  - id: other\n    description: anything else\n    examples: ["what time do you open"]\n'
    )
    return Unseen(root, calls, kb, queries, scorecard, taxonomy)
