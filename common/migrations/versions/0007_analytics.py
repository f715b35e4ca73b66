"""Manager analytics: one fact row per call, emerging topics, and ACD contact records.

``call_facts`` copies what the dashboard filters and groups on (time, queue, team, agent, channel,
tags, the effective QA score) next to what analytics derive (conversation metrics, the measured repeat,
the topic of a reason outside the taxonomy), so every dashboard figure is one scan of one table
instead of a four-way join over 100k calls. It is kept current where its sources change and rebuilt
by ``callscope analytics refresh``.

Revision ID: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key_phrases", JSONB, nullable=False, server_default="[]"),
        sa.Column("examples", JSONB, nullable=False, server_default="[]"),
        # Dimension-free: the embedding model is a setting.
        sa.Column("centroid", Vector(), nullable=False),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "call_facts",
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("channel", sa.String(16), nullable=False, server_default="voice"),
        sa.Column("queue", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("agent_id", sa.String(200)),
        sa.Column("customer_id", sa.String(200)),
        sa.Column("generated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("contact_type", sa.String(200)),
        sa.Column("sentiment", sa.String(16)),
        sa.Column("sentiment_polarity", sa.Float),
        # The effective QA score on the configured scorecard (named, so a changed setting shows).
        sa.Column("qa_scorecard", sa.String(200)),
        sa.Column("qa_percent", sa.Float),
        sa.Column("qa_passed", sa.Boolean),
        sa.Column("failed_items", ARRAY(sa.String(200)), nullable=False, server_default="{}"),
        sa.Column("repeated", sa.Boolean),
        sa.Column("repeat_call_id", sa.String(200)),
        sa.Column("duration_s", sa.Float),
        sa.Column("handle_s", sa.Float),
        sa.Column("talk_agent_s", sa.Float),
        sa.Column("talk_customer_s", sa.Float),
        sa.Column("talk_ratio", sa.Float),
        sa.Column("silence_s", sa.Float),
        sa.Column("longest_silence_s", sa.Float),
        sa.Column("overtalk_s", sa.Float),
        sa.Column("hold_s", sa.Float),
        sa.Column("conversation", JSONB),
        sa.Column("reason", sa.Text),
        sa.Column("reason_vector", Vector()),
        sa.Column("topic_id", sa.BigInteger, sa.ForeignKey("topics.id", ondelete="SET NULL")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # Dashboard figures scan the narrow columns; the per-call details (conversation segments, the
    # reason's embedding) go out of line so the scans read a third of the pages.
    op.execute(
        "ALTER TABLE call_facts SET (toast_tuple_target = 128), "
        "ALTER COLUMN conversation SET STORAGE EXTERNAL, ALTER COLUMN reason_vector SET STORAGE EXTERNAL"
    )
    op.create_index("ix_call_facts_started_at", "call_facts", ["started_at"])
    op.create_index("ix_call_facts_agent_started", "call_facts", ["agent_id", "started_at"])
    op.create_index("ix_call_facts_customer", "call_facts", ["customer_id", "started_at"])
    op.create_index(
        "ix_call_facts_topic", "call_facts", ["topic_id"], postgresql_where=sa.text("topic_id IS NOT NULL")
    )
    # The effective answers that failed ('no'), kept with the effective score; backfilled from the
    # model's answers (people's edits are folded in by `callscope analytics refresh`).
    op.add_column(
        "qa_scores",
        sa.Column("failed_items", ARRAY(sa.String(200)), nullable=False, server_default="{}"),
    )
    op.execute(
        "UPDATE qa_scores SET failed_items = ARRAY(SELECT i->>'item_id' "
        "FROM jsonb_array_elements(result->'items') i"
        " WHERE i->>'answer' = 'no')"
    )
    op.create_table(
        "acd_records",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("contact_id", sa.String(200), unique=True),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("abandoned_at", sa.DateTime(timezone=True)),
        sa.Column("handle_s", sa.Float),
        sa.Column("agent_id", sa.String(200)),
        sa.Column("blocked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("call_id", sa.String(200)),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "(answered_at IS NOT NULL)::int + (abandoned_at IS NOT NULL)::int + blocked::int = 1",
            name="one_outcome",
        ),
    )
    op.create_index("ix_acd_records_offered_at", "acd_records", ["offered_at"])
    op.create_index("ix_acd_records_call_id", "acd_records", ["call_id"])


def downgrade() -> None:
    op.drop_column("qa_scores", "failed_items")
    op.drop_table("acd_records")
    op.drop_table("call_facts")
    op.drop_table("topics")
