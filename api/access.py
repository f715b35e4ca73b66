"""Who may call what: the role of every route in one table, the scope of every call (an agent's own,
a manager's or evaluator's teams), and the audit log of who viewed, changed, exported or deleted what.

``authorize`` runs before every ``/api`` route and WebSocket (a router dependency): it reads the
caller from an ``Authorization: Bearer`` API token or the web session cookie, refuses without one
(401), refuses a role the route's entry in ``POLICY`` does not list (403), hides calls outside the
caller's scope (404, as for a call that does not exist), refuses cross-site writes made with a
cookie, and writes the audit entry. A route missing from ``POLICY`` is refused to everyone, so a new
route is closed until someone decides who may use it (a test walks the OpenAPI spec against it).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import HTTPException, WebSocketException
from fastapi.requests import HTTPConnection
from sqlalchemy import text
from starlette.status import WS_1008_POLICY_VIOLATION

from api.auth import Principal, Role, principal_for_session, principal_for_token
from api.runtime import Runtime

__all__ = [
    "COOKIE",
    "PAGES",
    "POLICY",
    "PUBLIC",
    "acting_agent",
    "acting_as",
    "audit",
    "authorize",
    "call_visible",
    "credentials",
    "current",
    "guard_page",
    "home_for",
    "in_scope",
    "own_view",
    "scope_agent",
    "scope_teams",
]

COOKIE = "callscope_session"
API_PREFIX = "/api"  # where app.py mounts every router that ``authorize`` guards

A: Role = "agent"
E: Role = "evaluator"
M: Role = "manager"
D: Role = "admin"
ALL = frozenset({A, E, M, D})
STAFF = frozenset({E, M, D})  # everyone but agents
REVIEW = frozenset({E, D})
MANAGE = frozenset({M, D})
ADMIN = frozenset({D})

PUBLIC = frozenset({("GET", "/api/health")})

#: (method, route path) → the roles that may use it. Calls named in a path are further limited to
#: the caller's scope (``call_visible``); lists of calls are limited by the routes (``scope_*``).
POLICY: dict[tuple[str, str], frozenset[Role]] = {
    # calls and jobs
    ("GET", "/api/calls"): ALL,
    ("POST", "/api/calls"): ADMIN,
    ("GET", "/api/calls/{call_id}"): ALL,
    ("DELETE", "/api/calls/{call_id}"): ADMIN,
    ("GET", "/api/calls/{call_id}/transcript"): ALL,
    ("GET", "/api/calls/{call_id}/audio"): ALL,
    ("GET", "/api/jobs/{job_id}"): ADMIN,
    ("POST", "/api/admin/retention"): ADMIN,
    # knowledge and live assist
    ("GET", "/api/kb"): ALL,
    ("POST", "/api/kb/{kb}/documents"): ADMIN,
    ("DELETE", "/api/kb/{kb}"): ADMIN,
    ("GET", "/api/kb/{kb}/search"): ALL,
    ("GET", "/api/kb/{kb}/documents/{doc_id}"): ALL,
    ("POST", "/api/assist/feedback"): frozenset({A, D}),
    ("GET", "/api/assist/feedback"): MANAGE,
    ("GET", "/api/assist/recordings"): ALL,
    ("WS", "/api/assist/ws"): ALL,
    # tags
    ("GET", "/api/calls/{call_id}/tags"): ALL,
    ("POST", "/api/calls/{call_id}/tags"): ADMIN,
    ("POST", "/api/tag"): STAFF,
    ("GET", "/api/repeats"): MANAGE,
    # QA
    ("GET", "/api/qa/scorecard"): ALL,
    ("GET", "/api/qa/queue"): ALL,
    ("GET", "/api/calls/{call_id}/qa"): ALL,
    ("POST", "/api/calls/{call_id}/qa/score"): REVIEW,
    ("PUT", "/api/calls/{call_id}/qa/items/{item_id}"): REVIEW,
    ("POST", "/api/calls/{call_id}/qa/acknowledge"): frozenset({A, D}),
    ("POST", "/api/calls/{call_id}/qa/disputes"): frozenset({A, D}),
    ("GET", "/api/qa/disputes"): STAFF,
    ("POST", "/api/qa/disputes/{dispute_id}/resolve"): STAFF,
    ("POST", "/api/qa/evaluations/import"): REVIEW,
    ("GET", "/api/qa/evaluations"): STAFF,
    ("POST", "/api/qa/sample"): STAFF,
    ("GET", "/api/qa/picks"): STAFF,
    ("GET", "/api/qa/calibration"): STAFF,
    ("POST", "/api/qa/calibration"): STAFF,
    ("GET", "/api/qa/calibration/{session_id}"): STAFF,
    ("PATCH", "/api/qa/calibration/{session_id}"): STAFF,
    ("DELETE", "/api/qa/calibration/{session_id}"): ADMIN,
    ("POST", "/api/qa/calibration/{session_id}/calls/{call_id}/answers"): REVIEW,
    ("GET", "/api/qa/report"): STAFF,
    ("POST", "/api/qa/calibrate"): REVIEW,
    ("POST", "/api/qa/score"): STAFF,
    # analytics
    ("GET", "/api/analytics/overview"): MANAGE,
    ("GET", "/api/analytics/contact-types"): MANAGE,
    ("GET", "/api/analytics/topics"): MANAGE,
    ("GET", "/api/analytics/repeats"): MANAGE,
    ("GET", "/api/analytics/sentiment"): MANAGE,
    ("GET", "/api/analytics/qa"): MANAGE,
    ("GET", "/api/analytics/conversation"): MANAGE,
    ("GET", "/api/analytics/service-level"): MANAGE,
    ("GET", "/api/analytics/calls"): MANAGE,
    ("GET", "/api/analytics/calls/{call_id}/conversation"): ALL,
    ("POST", "/api/analytics/acd"): ADMIN,
    ("GET", "/api/analytics/staffing"): MANAGE,
    ("POST", "/api/analytics/refresh"): ADMIN,
    # users and access
    ("GET", "/api/auth/me"): ALL,
    ("POST", "/api/auth/logout"): ALL,
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("PATCH", "/api/users/{username}"): ADMIN,
    ("POST", "/api/users/{username}/tokens"): ADMIN,
    ("GET", "/api/audit"): ADMIN,
    ("GET", "/api/admin/settings"): ADMIN,
}

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _rt(conn: HTTPConnection) -> Runtime:
    rt: Runtime = conn.app.state.runtime
    return rt


def credentials(conn: HTTPConnection, rt: Runtime) -> Principal | None:
    """The caller from an API token (``Authorization: Bearer``) or the session cookie; None without."""
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return principal_for_token(rt, header[7:].strip())
    cookie = conn.cookies.get(COOKIE)
    return principal_for_session(rt, cookie) if cookie else None


def current(conn: HTTPConnection) -> Principal:
    """The caller ``authorize`` let in."""
    principal: Principal = conn.state.principal
    return principal


def _owners(rt: Runtime, call_ids: list[str]) -> dict[str, Any]:
    """Each existing call's agent id and team."""
    with rt.db.engine.connect() as db:
        rows = db.execute(
            text(
                "SELECT id, agent_id, coalesce(extra->>'team', labels->>'team') AS team FROM calls "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": call_ids},
        ).all()
    return {r.id: r for r in rows}


def _sees(principal: Principal, owner: Any) -> bool:
    """Whether a restricted caller (an agent, or staff of some teams) may see this call."""
    if principal.role == "agent":
        return bool(principal.agent_id) and owner.agent_id == principal.agent_id
    return owner.team in principal.teams


def _unrestricted(principal: Principal) -> bool:
    return principal.role == "admin" or principal.all_teams


def call_visible(rt: Runtime, principal: Principal, call_id: str) -> bool:
    """Whether the call is in the caller's scope (True for a call that does not exist: the route
    answers 404 for it as for a hidden one)."""
    if _unrestricted(principal) or "\x00" in call_id:
        return True  # (no id holds a NUL: the route refuses it)
    owner = _owners(rt, [call_id]).get(call_id)
    return owner is None or _sees(principal, owner)


def in_scope(conn: HTTPConnection, rows: list[Any]) -> list[Any]:
    """The rows (each with a ``call_id``) whose calls are in the caller's scope. For lists whose
    service has no team filter; a page may then hold fewer rows than its limit."""
    principal = current(conn)
    if _unrestricted(principal):
        return rows
    owners = _owners(_rt(conn), sorted({r.call_id for r in rows}))
    return [r for r in rows if r.call_id in owners and _sees(principal, owners[r.call_id])]


def scope_agent(principal: Principal, asked: str | None) -> str | None:
    """The agent filter a list must apply: an agent sees only their own calls."""
    if principal.role == "agent":
        return principal.agent_id or "\x00no-agent-id"  # an agent without an id sees nothing
    return asked


def scope_teams(principal: Principal) -> list[str] | None:
    """The teams a list is limited to (None: no limit)."""
    if principal.role == "agent" or principal.all_teams:
        return None
    return list(principal.teams)


def acting_as(conn: HTTPConnection, given: str | None) -> str:
    """The name an action is recorded under: the caller's own. Only an admin (an integration's
    token) may act in another's name."""
    principal = current(conn)
    if principal.role == "admin" and given:
        return given
    return principal.username


def acting_agent(conn: HTTPConnection, given: str | None) -> str:
    """The agent an acknowledgement or dispute is recorded under: an agent's own agent id."""
    principal = current(conn)
    if principal.role == "agent":
        return principal.agent_id or principal.username
    return acting_as(conn, given)


def own_view(conn: HTTPConnection, asked: str | None) -> str | None:
    """Whose answers an evaluator may list or see a calibration session as: their own (others' stay
    hidden, blind, until the rules of the session reveal them). Managers and admins ask freely."""
    principal = current(conn)
    return principal.username if principal.role == "evaluator" else asked


def _action(method: str, conn: HTTPConnection, params: dict[str, Any]) -> str | None:
    if method == "DELETE":
        return "delete"
    if method in _UNSAFE:
        return "change"
    if conn.query_params.get("format") == "csv" or conn.url.path.endswith("/export"):
        return "export"
    if "call_id" in params:
        return "view"
    return None


def audit(
    rt: Runtime,
    actor: str,
    action: str,
    *,
    role: str | None = None,
    method: str | None = None,
    path: str | None = None,
    target: tuple[str, str] | None = None,
    allowed: bool = True,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    """Append one entry to the audit log (text PostgreSQL cannot hold, a NUL, is replaced)."""
    path, detail = _storable(path), _storable(detail or {})
    if target is not None:
        target = (target[0], str(_storable(target[1]))[:200])
    with rt.db.engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO audit_log (actor, role, action, method, path, target_type, target_id, allowed, "
                "detail, client) VALUES (:actor, :role, :action, :method, :path, :tt, :ti, :allowed, "
                "CAST(:detail AS jsonb), :client)"
            ),
            {
                "actor": actor,
                "role": role,
                "action": action,
                "method": method,
                "path": path,
                "tt": target[0] if target else None,
                "ti": target[1] if target else None,
                "allowed": allowed,
                "detail": json.dumps(detail, default=str),
                "client": client,
            },
        )


def _storable(value: Any) -> Any:
    """``value`` with NUL characters (which PostgreSQL text cannot hold) replaced, recursively."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def _target(params: dict[str, Any]) -> tuple[str, str] | None:
    for name in ("call_id", "session_id", "dispute_id", "username", "kb", "job_id"):
        if name in params:
            return name.removesuffix("_id"), str(params[name])
    return None


def _route_path(conn: HTTPConnection) -> str:
    """The route's path template without converters (``{doc_id:path}`` → ``{doc_id}``). HTTP routes
    carry their path within their mount: the include prefix is not on it."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", getattr(conn.scope.get("route"), "path", ""))


def _same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin") or conn.headers.get("referer")
    if not origin:
        return True  # not a browser's cross-site request (those always carry Origin on writes)
    return urlsplit(origin).netloc == conn.headers.get("host")


def _refuse(conn: HTTPConnection, status: int, detail: str) -> Exception:
    if conn.scope["type"] == "websocket":
        return WebSocketException(code=WS_1008_POLICY_VIOLATION, reason=detail)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return HTTPException(status_code=status, detail=detail, headers=headers)


async def authorize(conn: HTTPConnection) -> None:
    """The router dependency: see the module docstring."""
    from fastapi.concurrency import run_in_threadpool

    path = _route_path(conn)
    if not path.startswith(API_PREFIX + "/"):  # HTTP routes lack the include prefix; WebSockets have it
        path = API_PREFIX + path
    method = "WS" if conn.scope["type"] == "websocket" else conn.scope["method"]
    if method == "HEAD":
        method = "GET"
    if (method, path) in PUBLIC:
        return
    rt = _rt(conn)
    principal = await run_in_threadpool(credentials, conn, rt)
    if principal is None:
        raise _refuse(conn, 401, "sign in (web) or send an API token: Authorization: Bearer cs_...")
    conn.state.principal = principal
    params = dict(conn.path_params)
    allowed = POLICY.get((method, path), frozenset())
    client = conn.client.host if conn.client else None
    if principal.role not in allowed:
        await run_in_threadpool(
            audit,
            rt,
            principal.username,
            "denied",
            role=principal.role,
            method=method,
            path=conn.url.path,
            target=_target(params),
            allowed=False,
            client=client,
        )
        raise _refuse(conn, 403, f"the {principal.role} role may not use {method} {path}")
    # A cookie rides along on writes and WebSocket upgrades from any site: only this one's count.
    if principal.via == "session" and (method in _UNSAFE or method == "WS") and not _same_origin(conn):
        raise _refuse(conn, 403, "a cross-site request with the session cookie is refused")
    if "call_id" in params and not await run_in_threadpool(call_visible, rt, principal, params["call_id"]):
        raise _refuse(conn, 404, f"no call with id '{params['call_id']}'")
    action = _action(method, conn, params)
    if action is not None:
        await run_in_threadpool(
            audit,
            rt,
            principal.username,
            action,
            role=principal.role,
            method=method,
            path=conn.url.path,
            target=_target(params),
            detail=dict(conn.query_params),
            client=client,
        )


#: The web pages: route path → the roles that may open it (``/login`` and assets are public).
PAGES: dict[str, frozenset[Role]] = {
    "/assist": ALL,
    "/qa": STAFF,
    "/qa/calls/{call_id}": ALL,
    "/qa/disputes": STAFF,
    "/qa/calibration": STAFF,
    "/qa/calibration/{session_id}": STAFF,
    "/analytics": MANAGE,
    "/analytics/calls": MANAGE,
}
PUBLIC_PAGES = frozenset({"/vendor/plotly.min.js"})


async def guard_page(conn: HTTPConnection) -> None:
    """The pages' router dependency: to the login page without a session, 403 for another role,
    404 for a call outside the caller's scope."""
    from fastapi.concurrency import run_in_threadpool

    path = _route_path(conn)
    if path in PUBLIC_PAGES:
        return
    rt = _rt(conn)
    principal = await run_in_threadpool(credentials, conn, rt)
    if principal is None:
        target = conn.url.path + (f"?{conn.url.query}" if conn.url.query else "")
        raise HTTPException(status_code=303, headers={"Location": f"/login?{urlencode({'next': target})}"})
    conn.state.principal = principal
    if principal.role not in PAGES.get(path, frozenset()):
        raise HTTPException(status_code=403, detail=f"the {principal.role} role may not open {path}")
    call_id = conn.path_params.get("call_id")
    if call_id and not await run_in_threadpool(call_visible, rt, principal, call_id):
        raise HTTPException(status_code=404, detail=f"no call with id '{call_id}'")


def home_for(role: Role) -> str:
    """Where a user lands after signing in."""
    return {"agent": "/assist", "evaluator": "/qa", "manager": "/analytics", "admin": "/analytics"}[role]
