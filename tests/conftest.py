"""Shared fixtures: one real embedded PostgreSQL per test session, a fresh database per test."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from api.runtime import Runtime, open_runtime
from api.settings import Settings
from common.db import embedded_server_url, to_libpq

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The embedded server, started once for the session and deleted at exit.

    Its folder is outside pytest's temporary tree: the server runs as another user when tests run as
    root, and pytest keeps its tree private to the user that runs it.
    """
    return embedded_server_url(Path(tempfile.mkdtemp(prefix="callscope-test-pg-")), ephemeral=True)


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    """A new, empty database on the session's server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(to_libpq(pg_admin_url), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield pg_admin_url.replace("/callscope?", f"/{name}?", 1)
    with psycopg.connect(to_libpq(pg_admin_url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """Converted models (the embedding model's ONNX export), made once per session."""
    return Path(tempfile.mkdtemp(prefix="callscope-test-models-"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str, model_cache: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url, model_cache=model_cache)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(settings)
    yield rt
    rt.db.dispose()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment variables pointing a `callscope` subprocess or CLI call at the test database."""
    values = {
        "CALLSCOPE_HOME": str(settings.home),
        "CALLSCOPE_DATABASE_URL": str(settings.database_url),
        "CALLSCOPE_MODEL_CACHE": str(settings.model_cache),
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values
