"""Signing in from tests: users of each role with an API token (HTTP tests) or a browser session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from api import auth
from api.app import create_app
from api.runtime import open_runtime
from api.settings import Settings

__all__ = ["PASSWORD", "api_client", "browser_login", "make_user", "token_headers"]

PASSWORD = "correct-horse-battery"


def make_user(settings: Settings, username: str, role: str, **kwargs: Any) -> str:
    """Create the user (if missing) with ``PASSWORD``; returns an API token acting as them."""
    rt = open_runtime(settings)
    try:
        if username not in {u.username for u in auth.list_users(rt)}:
            auth.create_user(rt, username, role, password=PASSWORD, **kwargs)
        return auth.create_token(rt, username, "tests")
    finally:
        rt.db.dispose()


def token_headers(
    settings: Settings, username: str = "admin", role: str = "admin", **kwargs: Any
) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_user(settings, username, role, **kwargs)}"}


@contextmanager
def api_client(
    settings: Settings,
    *,
    run_worker: bool = False,
    username: str = "admin",
    role: str = "admin",
    **kwargs: Any,
) -> Iterator[TestClient]:
    """A TestClient of the app, signed in as ``username`` (an admin unless said) with an API token."""
    headers = token_headers(settings, username, role, **kwargs)
    with TestClient(create_app(settings, run_worker=run_worker), headers=headers) as client:
        yield client


def browser_login(page: Any, base: str, username: str, password: str = PASSWORD, *, next: str = "") -> None:
    """Sign in through the login page (the session cookie is then the page's)."""
    page.goto(f"{base}/login" + (f"?{urlencode({'next': next})}" if next else ""))
    page.fill("[data-testid=login-username]", username)
    page.fill("[data-testid=login-password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()
