"""Alembic environment: runs migrations on the connection handed over by ``common.migrate``."""

from __future__ import annotations

from alembic import context

from common.db import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through common.migrate
    raise RuntimeError("run migrations with `callscope db upgrade`, not the alembic command")

context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
