"""Auto-QA: model scores, human evaluations, acknowledgements, disputes, calibration sessions and
review picks. Everything hangs off a call and goes with it (``ON DELETE CASCADE``).

``qa_scores`` holds one row per call and scorecard id: the model's result as it was made, and the
call's *effective* score (model answers overridden by people), kept current so the QA queue can
filter and sort on it. ``qa_evaluations`` is append-only: the latest answer per call, item and
evaluator wins. Calls have no team column; the team is the labeled call's ``team`` field (kept in
``extra``) or ``labels.team``, indexed as an expression.

Revision ID: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _call_fk() -> sa.Column:
    return sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False)


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "qa_scores",
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("scorecard", sa.String(200), primary_key=True),
        sa.Column("scorecard_version", sa.String(50), nullable=False),
        sa.Column("result", JSONB, nullable=False),
        sa.Column("model", sa.String(200), nullable=False, server_default=""),
        sa.Column("model_percent", sa.Float),
        sa.Column("model_passed", sa.Boolean),
        sa.Column("min_confidence", sa.Float),
        sa.Column("percent", sa.Float),
        sa.Column("passed", sa.Boolean),
        sa.Column("auto_failed", JSONB, nullable=False, server_default="[]"),
        sa.Column("edited_items", sa.Integer, nullable=False, server_default="0"),
        sa.Column("disagreement", sa.Boolean, nullable=False, server_default=sa.false()),
        _now("scored_at"),
        _now("updated_at"),
    )
    op.create_index("ix_qa_scores_percent", "qa_scores", ["percent"])
    op.create_index("ix_qa_scores_passed", "qa_scores", ["passed"])
    op.create_index("ix_qa_scores_min_confidence", "qa_scores", ["min_confidence"])
    op.create_index(
        "ix_qa_scores_disagreement", "qa_scores", ["disagreement"], postgresql_where=sa.text("disagreement")
    )
    op.create_index("ix_calls_team", "calls", [sa.text("(coalesce(extra->>'team', labels->>'team'))")])

    op.create_table(
        "qa_calibration_sessions",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scorecard", sa.String(200), nullable=False),
        sa.Column("scorecard_version", sa.String(50), nullable=False),
        sa.Column("call_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("evaluators", JSONB, nullable=False, server_default="[]"),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        _now("created_at"),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )

    op.create_table(
        "qa_evaluations",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        _call_fk(),
        sa.Column("scorecard", sa.String(200), nullable=False),
        sa.Column("scorecard_version", sa.String(50), nullable=False),
        sa.Column("evaluator", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("answer", sa.String(50), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("model_answer", sa.String(50)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column(
            "session_id",
            sa.BigInteger,
            sa.ForeignKey("qa_calibration_sessions.id", ondelete="SET NULL"),
        ),
        _now("created_at"),
        sa.CheckConstraint("source IN ('workspace', 'import', 'calibration')", name="source"),
    )
    op.create_index(
        "ix_qa_evaluations_call_item", "qa_evaluations", ["call_id", "scorecard", "item_id", "evaluator"]
    )
    op.create_index("ix_qa_evaluations_evaluator", "qa_evaluations", ["evaluator"])
    op.create_index("ix_qa_evaluations_session_id", "qa_evaluations", ["session_id"])
    op.create_index("ix_qa_evaluations_created_at", "qa_evaluations", ["created_at"])

    op.create_table(
        "qa_acknowledgements",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        _call_fk(),
        sa.Column("scorecard", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("percent", sa.Float),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        _now("created_at"),
        sa.UniqueConstraint("call_id", "scorecard", "agent", name="uq_qa_acknowledgements_call_id"),
    )

    op.create_table(
        "qa_disputes",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        _call_fk(),
        sa.Column("scorecard", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("disputed_answer", sa.String(50)),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("resolution", sa.Text, nullable=False, server_default=""),
        sa.Column("new_answer", sa.String(50)),
        sa.Column("evaluation_id", sa.BigInteger, sa.ForeignKey("qa_evaluations.id", ondelete="SET NULL")),
        _now("created_at"),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name="status"),
    )
    op.create_index("ix_qa_disputes_status", "qa_disputes", ["status", "created_at"])
    op.create_index("ix_qa_disputes_call_id", "qa_disputes", ["call_id"])

    op.create_table(
        "qa_review_picks",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        _call_fk(),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        _now("picked_at"),
        sa.UniqueConstraint("call_id", name="uq_qa_review_picks_call_id"),
        sa.CheckConstraint(
            "reason IN ('random', 'low_confidence', 'auto_fail', 'negative_sentiment')", name="reason"
        ),
    )
    op.create_index("ix_qa_review_picks_week", "qa_review_picks", ["week", "agent"])


def downgrade() -> None:
    op.drop_table("qa_review_picks")
    op.drop_table("qa_disputes")
    op.drop_table("qa_acknowledgements")
    op.drop_table("qa_evaluations")
    op.drop_table("qa_calibration_sessions")
    op.drop_index("ix_calls_team", table_name="calls")
    op.drop_table("qa_scores")
