"""Signing in and out (the web login page, secure session cookies), the caller's identity, user
administration, API tokens for integrations, and the audit log."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from api import auth
from api.access import COOKIE, audit, current, home_for
from api.routes import Text, storable_params
from api.routes_kb import STATIC_DIR
from api.runtime import Runtime

__all__ = ["pages", "router"]

router = APIRouter(tags=["auth"], dependencies=[Depends(storable_params)])
pages = APIRouter()


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


class UserOut(BaseModel):
    username: str
    role: str
    agent_id: str | None
    teams: list[str]
    active: bool = True
    created_at: datetime | None = None
    last_login_at: datetime | None = None


class UserIn(BaseModel):
    username: Text = Field(min_length=1, max_length=100)
    role: auth.Role
    password: Text | None = Field(
        default=None, min_length=10, max_length=200, description="Empty: generated."
    )
    agent_id: Text | None = Field(default=None, max_length=200)
    teams: list[Annotated[Text, Field(max_length=200)]] = Field(default_factory=list, max_length=100)


class UserPatch(BaseModel):
    role: auth.Role | None = None
    agent_id: Text | None = Field(default=None, max_length=200)
    teams: list[Annotated[Text, Field(max_length=200)]] | None = Field(default=None, max_length=100)
    active: bool | None = None


class TokenIn(BaseModel):
    name: Text = Field(min_length=1, max_length=200, description="What the token is for, e.g. 'crm-sync'.")


@router.get("/auth/me", response_model=UserOut)
async def me(request: Request) -> UserOut:
    p = current(request)
    return UserOut(username=p.username, role=p.role, agent_id=p.agent_id, teams=list(p.teams))


@router.post("/auth/logout", status_code=204)
async def api_logout(request: Request) -> Response:
    return await _logout(request, Response(status_code=204))


@router.get("/users", response_model=list[UserOut])
async def users(request: Request) -> list[UserOut]:
    return [
        UserOut.model_validate(u, from_attributes=True)
        for u in await run_in_threadpool(auth.list_users, _rt(request))
    ]


@router.post("/users", status_code=201)
async def add_user(request: Request, body: UserIn) -> dict[str, Any]:
    """Add a user; the password (generated when not given) is in the answer, once."""
    user, password = await run_in_threadpool(
        lambda: auth.create_user(
            _rt(request),
            body.username,
            body.role,
            password=body.password,
            agent_id=body.agent_id,
            teams=body.teams,
        )
    )
    out = UserOut.model_validate(user, from_attributes=True).model_dump(mode="json")
    return {**out, "password": None if body.password else password}


@router.patch("/users/{username}", response_model=UserOut)
async def change_user(request: Request, username: str, body: UserPatch) -> UserOut:
    user = await run_in_threadpool(
        lambda: auth.update_user(
            _rt(request),
            username,
            role=body.role,
            agent_id=body.agent_id,
            teams=body.teams,
            active=body.active,
        )
    )
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/users/{username}/tokens", status_code=201)
async def add_token(request: Request, username: str, body: TokenIn) -> dict[str, str]:
    """An API token acting as the user (send it as ``Authorization: Bearer …``); shown once."""
    token = await run_in_threadpool(auth.create_token, _rt(request), username, body.name)
    return {"username": username, "name": body.name, "token": token}


@router.get("/admin/settings")
async def settings(request: Request) -> dict[str, Any]:
    """The running settings (environment ``CALLSCOPE_*``), the database URL without its password."""
    rt = _rt(request)
    values = rt.settings.model_dump(mode="json")
    values["database_url"] = rt.db.describe()
    return values


@router.get("/audit")
async def audit_log(
    request: Request,
    actor: str | None = None,
    target_id: str | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> list[dict[str, Any]]:
    """Who viewed, changed, exported or deleted what, newest first."""

    def read() -> list[dict[str, Any]]:
        with _rt(request).db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT * FROM audit_log WHERE (CAST(:actor AS text) IS NULL OR actor = :actor) "
                    "AND (CAST(:target AS text) IS NULL OR target_id = :target) "
                    "AND (CAST(:action AS text) IS NULL OR action = :action) ORDER BY id DESC LIMIT :n"
                ),
                {"actor": actor, "target": target_id, "action": action, "n": limit},
            )
            return [dict(r._mapping) for r in rows]

    return await run_in_threadpool(read)


# ------------------------------------------------------------------------------------- pages


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an absolute URL (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return None
    return target


def _login_html() -> str:
    return (STATIC_DIR / "login.html").read_text(encoding="utf-8")


@pages.get("/login", include_in_schema=False)
async def login_page(next: str | None = None, error: str | None = None) -> HTMLResponse:
    message = (
        f'<p class="banner" role="alert" data-testid="login-error">{html.escape(error)}</p>' if error else ""
    )
    page = _login_html().replace("{error}", message).replace("{next}", html.escape(_safe_next(next) or ""))
    return HTMLResponse(page)


@pages.post("/login", include_in_schema=False)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    rt = _rt(request)
    client = request.client.host if request.client else None
    try:
        principal = await run_in_threadpool(auth.authenticate, rt, username, password)
    except auth.AuthError:
        await run_in_threadpool(
            lambda: audit(rt, username, "login", allowed=False, path="/login", client=client)
        )
        return await login_page(next=next, error="Wrong username or password.")
    secret = await run_in_threadpool(auth.create_session, rt, principal)
    await run_in_threadpool(
        lambda: audit(rt, principal.username, "login", role=principal.role, client=client)
    )
    response = RedirectResponse(_safe_next(next) or home_for(principal.role), status_code=303)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=auth.SESSION_HOURS * 3600,
        httponly=True,  # no script can read it
        samesite="lax",  # not sent on cross-site writes
        secure=rt.settings.secure_cookies,  # HTTPS only behind a TLS proxy
        path="/",
    )
    return response


async def _logout(request: Request, response: Response) -> Response:
    secret = request.cookies.get(COOKIE)
    if secret:
        await run_in_threadpool(auth.delete_session, _rt(request), secret)
    response.delete_cookie(COOKIE, path="/")
    return response


@pages.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    return await _logout(request, RedirectResponse("/login", status_code=303))
