"""Bring a database to the newest schema with Alembic (run on every start; a no-op when current)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from common.db import Database

__all__ = ["HEAD", "current_revision", "upgrade"]

_MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0009"


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        has_table = conn.execute(text("SELECT to_regclass('public.alembic_version') IS NOT NULL")).scalar()
        if not has_table:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(db: Database) -> bool:
    """Apply pending migrations; return whether anything was applied."""
    if current_revision(db) == HEAD:
        return False
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with db.engine.begin() as conn:
        # One migrator at a time when several workers start together.
        conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True
