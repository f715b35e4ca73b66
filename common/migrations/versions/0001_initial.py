"""Initial schema: procrastinate's job queue, calls, transcripts, ingest failures.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from procrastinate.schema import SchemaManager

    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    # procrastinate ships its schema as SQL; it holds '%' only in comments and functions.
    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))

    op.create_table(
        "calls",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("audio_path", sa.Text),
        sa.Column("channel", sa.String(16), nullable=False, server_default="voice"),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("agent_id", sa.String(200)),
        sa.Column("customer_id", sa.String(200)),
        sa.Column("queue", sa.String(200)),
        sa.Column("duration_s", sa.Float),
        sa.Column("speakers", JSONB, nullable=False, server_default="[]"),
        sa.Column("preview", sa.Text, nullable=False, server_default=""),
        sa.Column("redaction_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("labels", JSONB, nullable=False, server_default="{}"),
        sa.Column("evaluations", JSONB, nullable=False, server_default="[]"),
        sa.Column("extra", JSONB, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("content_hash", name="uq_calls_content_hash"),
    )
    op.create_index("ix_calls_agent_id", "calls", ["agent_id"])
    op.create_index("ix_calls_customer_id", "calls", ["customer_id"])
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_table(
        "transcripts",
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("turns", JSONB, nullable=False),
        sa.Column("reference_turns", JSONB),
        sa.Column("language", sa.String(16), nullable=False, server_default="en"),
        sa.Column("model", sa.String(200), nullable=False, server_default=""),
        sa.Column("redaction_spans", JSONB, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "ingest_failures",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("job_id", sa.BigInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_ingest_failures_content_hash", "ingest_failures", ["content_hash"])


def downgrade() -> None:
    op.drop_table("ingest_failures")
    op.drop_table("transcripts")
    op.drop_table("calls")
