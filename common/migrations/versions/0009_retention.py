"""Retention: calls purged down to their de-identified facts are marked (``calls.purged_at``), so a
purge skips them and they show as purged; the retention scan reads calls not purged yet by age; and
a call's ingest jobs are found by its content hash (deleting a call removes them, arguments and all).

Revision ID: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("purged_at", sa.DateTime(timezone=True)))
    # A recording has no start time of its own: its age is counted from when it was stored.
    op.create_index(
        "ix_calls_retention",
        "calls",
        [sa.text("(coalesce(started_at, created_at))")],
        postgresql_where=sa.text("purged_at IS NULL"),
    )
    # procrastinate indexes its locks only while a job is queued or running; finished jobs keep the
    # call's record in their arguments until deleted.
    op.create_index(
        "ix_procrastinate_jobs_content_hash",
        "procrastinate_jobs",
        [sa.text("(args->>'content_hash')")],
    )


def downgrade() -> None:
    op.drop_index("ix_procrastinate_jobs_content_hash", table_name="procrastinate_jobs")
    op.drop_index("ix_calls_retention", table_name="calls")
    op.drop_column("calls", "purged_at")
