"""Users, roles and scope on the real app and database: every route in the OpenAPI spec refuses
anonymous callers (401) and the roles its policy does not list (403); agents see only their own
calls and managers their teams'; web login sets a secure session cookie; cross-site writes with the
cookie are refused; the audit log records views, exports, changes and refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api import auth
from api.access import POLICY, PUBLIC
from api.app import create_app
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from tests.api.auth_helpers import PASSWORD, make_user
from tests.api.qa_helpers import ScriptedScorer, fast_settings, labeled_call, store_calls

pytestmark = pytest.mark.slow
ROLES = ("agent", "evaluator", "manager", "admin")


@pytest.fixture
def app_and_tokens(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str], Runtime]]:
    """The app with two teams' calls, and a token per role: agent a-1 (team blue), a manager of
    team blue, an evaluator of every team, an admin."""
    fast_settings(settings)
    tokens = {
        "agent": make_user(settings, "a-1", "agent", agent_id="a-1"),
        "evaluator": make_user(settings, "eve", "evaluator"),
        "manager": make_user(settings, "mia", "manager", teams=["blue"]),
        "admin": make_user(settings, "root", "admin"),
    }
    with TestClient(create_app(settings, run_worker=False)) as client:
        rt: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        rt.qa_scorer_impl = ScriptedScorer()  # type: ignore[assignment]
        store_calls(
            rt,
            [
                labeled_call("c-blue-1", agent="a-1", team="blue"),
                labeled_call("c-blue-2", agent="a-2", team="blue", when="2026-03-03T09:00:00Z"),
                labeled_call("c-red-1", agent="a-3", team="red", when="2026-03-04T09:00:00Z"),
            ],
        )
        yield client, tokens, rt


def _routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return [(m.upper(), path) for path, ops in spec["paths"].items() for m in ops]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-1", path)


def _call(client: TestClient, method: str, path: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.request(method, _url(path), headers=headers).status_code


def test_every_route_has_a_policy_and_refuses_anonymous_callers(app_and_tokens) -> None:
    client, _, _ = app_and_tokens
    routes = _routes(client)
    assert len(routes) > 50
    missing = [r for r in routes if r not in POLICY and r not in PUBLIC]
    assert not missing, f"routes without a policy: {missing}"
    for method, path in routes:
        status = _call(client, method, path, None)
        if (method, path) in PUBLIC:
            assert status == 200, (method, path)
        else:
            assert status == 401, (method, path, status)
    # A bad token is no better than none; the WebSocket refuses too.
    assert client.get("/api/calls", headers={"Authorization": "Bearer cs_nope"}).status_code == 401
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/api/assist/ws") as ws:
        ws.receive_json()
    assert closed.value.code == 1008


def test_each_role_is_refused_exactly_the_routes_its_policy_does_not_list(app_and_tokens) -> None:
    client, tokens, _ = app_and_tokens
    wrong: list[Any] = []
    for method, path in _routes(client):
        if (method, path) in PUBLIC:
            continue
        for role in ROLES:
            status = _call(client, method, path, tokens[role])
            allowed = role in POLICY[(method, path)]
            if (allowed and status in (401, 403)) or (not allowed and status != 403):
                wrong.append((role, method, path, status))
    assert not wrong, wrong


def _get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    r = client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
    return r


def test_agents_see_their_own_calls_and_managers_their_teams(app_and_tokens) -> None:
    client, tokens, _ = app_and_tokens

    def ids(role: str, path: str, key: str, field: str = "call_id", **params: Any) -> set[str]:
        body = _get(client, tokens[role], path, **params).json()
        return {c[field] for c in body[key]}

    assert ids("agent", "/api/calls", "calls", "id") == {"c-blue-1"}
    assert ids("agent", "/api/calls", "calls", "id", agent="a-3") == {"c-blue-1"}  # cannot ask for others
    assert ids("manager", "/api/calls", "calls", "id") == {"c-blue-1", "c-blue-2"}
    assert ids("evaluator", "/api/calls", "calls", "id") == {"c-blue-1", "c-blue-2", "c-red-1"}
    assert ids("agent", "/api/qa/queue", "rows") == {"c-blue-1"}
    assert ids("manager", "/api/qa/queue", "rows") == {"c-blue-1", "c-blue-2"}
    for role, call, status in (
        ("agent", "c-blue-1", 200),
        ("agent", "c-blue-2", 404),
        ("manager", "c-blue-2", 200),
        ("manager", "c-red-1", 404),
        ("admin", "c-red-1", 200),
    ):
        for path in (f"/api/calls/{call}", f"/api/calls/{call}/qa", f"/api/calls/{call}/transcript"):
            assert _get(client, tokens[role], path).status_code == status, (role, path)
    overview = _get(
        client, tokens["manager"], "/api/analytics/overview", since="2026-03-01", until="2026-03-08"
    )
    assert overview.json()["rows"][0]["calls"] == 2  # team blue only
    # Actions are recorded under the signed-in user, whatever name the request gives.
    r = client.post(
        "/api/calls/c-blue-1/qa/acknowledge",
        json={"agent": "someone-else"},
        headers={"Authorization": f"Bearer {tokens['agent']}"},
    )
    assert r.status_code == 201 and r.json()["agent"] == "a-1"
    r = client.put(
        "/api/calls/c-red-1/qa/items/greeting",
        json={"evaluator": "not-me", "answer": "no"},
        headers={"Authorization": f"Bearer {tokens['evaluator']}"},
    )
    assert r.status_code == 200
    evaluations = _get(client, tokens["admin"], "/api/qa/evaluations", call_id="c-red-1").json()
    assert [e["evaluator"] for e in evaluations] == ["eve"]


def test_web_login_session_cookie_and_logout(app_and_tokens) -> None:
    client, _, rt = app_and_tokens
    anonymous = TestClient(client.app)
    assert anonymous.get("/qa", follow_redirects=False).headers["location"] == "/login?next=%2Fqa"
    wrong = anonymous.post("/login", data={"username": "eve", "password": "nope-nope-nope"})
    assert wrong.status_code == 200 and "Wrong username or password" in wrong.text
    ok = anonymous.post(
        "/login", data={"username": "eve", "password": PASSWORD, "next": "/qa"}, follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/qa"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=43200" in cookie
    assert anonymous.get("/api/auth/me").json()["username"] == "eve"
    assert anonymous.get("/qa").status_code == 200
    assert anonymous.get("/analytics").status_code == 403  # an evaluator is not a manager
    # A write with the cookie from another site is refused; the same write from this site is not.
    evil = anonymous.post("/api/qa/sample", json={}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert (
        anonymous.post("/api/qa/sample", json={}, headers={"Origin": "http://testserver"}).status_code == 200
    )
    # The same for the live WebSocket: another site's page cannot ride on the cookie.
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect),
        anonymous.websocket_connect("/api/assist/ws", headers={"Origin": "https://evil.example"}) as ws,
    ):
        ws.receive_json()
    with anonymous.websocket_connect("/api/assist/ws", headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "ready"
    # No open redirect after login.
    away = anonymous.post(
        "/login",
        data={"username": "eve", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/qa"
    assert anonymous.post("/logout", follow_redirects=False).status_code == 303
    assert anonymous.get("/api/auth/me").status_code == 401
    with rt.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE username = 'eve'")).scalar()
        digests = conn.execute(text("SELECT digest FROM auth_sessions")).scalars().all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert all(len(d) == 64 for d in digests)  # sessions are kept as digests only


def test_disabled_users_lose_access_and_admins_manage_users(app_and_tokens) -> None:
    client, tokens, _ = app_and_tokens
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    made = client.post(
        "/api/users", json={"username": "newbie", "role": "manager", "teams": ["red"]}, headers=admin
    )
    assert made.status_code == 201 and len(made.json()["password"]) >= 12
    token = client.post("/api/users/newbie/tokens", json={"name": "crm"}, headers=admin).json()["token"]
    assert _get(client, token, "/api/auth/me").json()["teams"] == ["red"]
    assert client.patch("/api/users/newbie", json={"active": False}, headers=admin).status_code == 200
    assert _get(client, token, "/api/auth/me").status_code == 401
    bad = client.post("/api/users", json={"username": "x y", "role": "agent"}, headers=admin)
    assert bad.status_code == 422


def test_the_audit_log_records_views_exports_changes_and_refusals(app_and_tokens) -> None:
    client, tokens, _ = app_and_tokens
    _get(client, tokens["manager"], "/api/calls/c-blue-1")
    _get(client, tokens["manager"], "/api/analytics/repeats", format="csv")
    _get(client, tokens["agent"], "/api/analytics/overview")  # refused
    client.put(
        "/api/calls/c-blue-2/qa/items/greeting",
        json={"evaluator": "eve", "answer": "no"},
        headers={"Authorization": f"Bearer {tokens['evaluator']}"},
    )
    log = _get(client, tokens["admin"], "/api/audit", limit=50).json()
    seen = {(e["actor"], e["action"], e["target_id"], e["allowed"]) for e in log}
    assert ("mia", "view", "c-blue-1", True) in seen
    assert ("mia", "export", None, True) in seen
    assert ("a-1", "denied", None, False) in seen
    assert ("eve", "change", "c-blue-2", True) in seen


def test_first_run_creates_an_admin_once(settings: Settings) -> None:
    rt = open_runtime(settings)
    try:
        password = auth.ensure_first_admin(rt)
        assert password and len(password) >= 12
        assert auth.authenticate(rt, "admin", password).role == "admin"
        assert auth.ensure_first_admin(rt) is None
        with pytest.raises(auth.AuthError):
            auth.authenticate(rt, "admin", "wrong-password")
    finally:
        rt.db.dispose()
