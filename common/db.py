"""Database plumbing: the embedded PostgreSQL server, engines and the shared SQLAlchemy metadata.

The default install runs PostgreSQL 16 + pgvector from the ``pgserver`` package in a data folder; the
server keeps running after a command exits so the next command reuses it. A database URL points the
same code at any PostgreSQL server that has pgvector.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from common.errors import ConfigError, StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["Base", "Database", "embedded_server_url", "make_engine", "to_libpq", "to_sqlalchemy"]

_log = logging.getLogger(__name__)

# Stable constraint names so migrations can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


DATABASE_NAME = "callscope"


@functools.cache
def embedded_server_url(pgdata: Path, *, ephemeral: bool = False) -> str:
    """Start (or reuse) the embedded server in ``pgdata``; return a libpq URL to the callscope database.

    ``ephemeral`` deletes the data folder when the process exits (tests, evals); otherwise the server is
    left running for the next command.
    """
    pgdata = Path(pgdata).expanduser().resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"callscope-run-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    try:
        server = pgserver.get_server(pgdata, cleanup_mode="delete" if ephemeral else None)
    except Exception as exc:  # pgserver raises bare subprocess errors
        log = pgdata / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise StorageError(f"could not start the embedded PostgreSQL in {pgdata}: {exc}\n{tail}") from exc
    base = server.get_uri()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return base.replace("/postgres?", f"/{DATABASE_NAME}?", 1)


def to_sqlalchemy(url: str) -> str:
    """``postgresql://`` → ``postgresql+psycopg://`` (psycopg 3)."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ConfigError(f"unsupported database URL {url!r}: use postgresql://user:password@host:port/dbname")


def to_libpq(url: str) -> str:
    """The plain libpq form (procrastinate and psycopg take this)."""
    return "postgresql://" + to_sqlalchemy(url)[len("postgresql+psycopg://") :]


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    from sqlalchemy import create_engine

    return create_engine(to_sqlalchemy(url), pool_size=pool_size, pool_pre_ping=True, future=True)


@dataclass(slots=True)
class Database:
    """Where the data lives: a libpq URL plus a lazily made SQLAlchemy engine."""

    url: str
    _engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def describe(self) -> str:
        """The URL without the password, for messages."""
        parts = urlsplit(self.url)
        host = parse_qs(parts.query).get("host", [parts.hostname or ""])[0]
        return f"postgresql://{parts.username or ''}@{host}{parts.path}"

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
