"""Call tags: contact type, customer sentiment and repeat-call probability per call, with the names
and versions of the models that made them (a retrained model re-tags without losing the trail).

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_tags",
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("contact_type", sa.String(200), nullable=False),
        sa.Column("contact_type_confidence", sa.Float, nullable=False),
        sa.Column("secondary_type", sa.String(200)),
        sa.Column("sentiment", sa.String(16)),
        sa.Column("sentiment_polarity", sa.Float),
        sa.Column("sentiment_start", sa.Float),
        sa.Column("sentiment_end", sa.Float),
        sa.Column("repeat_probability", sa.Float),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
        sa.Column("models", JSONB, nullable=False, server_default="{}"),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_call_tags_contact_type", "call_tags", ["contact_type"])
    op.create_index("ix_call_tags_sentiment", "call_tags", ["sentiment"])
    op.create_index("ix_call_tags_repeat_probability", "call_tags", ["repeat_probability"])


def downgrade() -> None:
    op.drop_table("call_tags")
