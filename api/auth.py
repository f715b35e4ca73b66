"""Users, passwords, web sessions and API tokens.

Passwords are hashed with Argon2id (pwdlib). Session and token secrets are random 32-byte values
shown to their holder once; the database keeps only their SHA-256 digests, so a copy of the database
opens no session. A user has one role (``ROLES``) and a scope: an agent sees the calls carrying their
``agent_id``; a manager or evaluator sees the calls of their ``teams`` (none listed: every team).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal

from sqlalchemy import text

from api.runtime import Runtime
from common.errors import CallscopeError, InvalidInput, NotFound

__all__ = [
    "ROLES",
    "AuthError",
    "Principal",
    "Role",
    "UserRecord",
    "authenticate",
    "create_session",
    "create_token",
    "create_user",
    "delete_session",
    "ensure_first_admin",
    "list_users",
    "principal_for_session",
    "principal_for_token",
    "set_password",
    "update_user",
]

Role = Literal["agent", "evaluator", "manager", "admin"]
ROLES: tuple[Role, ...] = ("agent", "evaluator", "manager", "admin")
SESSION_HOURS = 12
TOKEN_PREFIX = "cs_"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class AuthError(CallscopeError):
    """Credentials missing, wrong or expired (HTTP 401)."""


@dataclass(slots=True, frozen=True)
class Principal:
    """Who is asking, as every route and service sees them."""

    username: str
    role: Role
    user_id: int | None = None
    agent_id: str | None = None
    teams: tuple[str, ...] = ()
    via: str = "session"  # session, token or cli

    @property
    def all_teams(self) -> bool:
        return self.role == "admin" or (self.role in ("manager", "evaluator") and not self.teams)


@dataclass(slots=True)
class UserRecord:
    username: str
    role: Role
    agent_id: str | None
    teams: list[str] = field(default_factory=list)
    active: bool = True
    created_at: datetime | None = None
    last_login_at: datetime | None = None


@cache
def _hasher() -> Any:
    from pwdlib import PasswordHash

    return PasswordHash.recommended()  # Argon2id


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_user(username: str, role: str, password: str | None) -> None:
    if not _USERNAME.match(username):
        raise InvalidInput(
            f"username {username!r}: use 1-100 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    if role not in ROLES:
        raise InvalidInput(f"role {role!r}: use one of {', '.join(ROLES)}")
    if password is not None and len(password) < 10:
        raise InvalidInput("the password is too short: use at least 10 characters")


def _record(row: Any) -> UserRecord:
    return UserRecord(
        row.username,
        row.role,
        row.agent_id,
        list(row.teams or []),
        row.active,
        row.created_at,
        row.last_login_at,
    )


def create_user(
    rt: Runtime,
    username: str,
    role: str,
    *,
    password: str | None = None,
    agent_id: str | None = None,
    teams: list[str] | None = None,
) -> tuple[UserRecord, str]:
    """Add a user; returns it with its password (generated when none is given, to be shown once)."""
    _check_user(username, role, password)
    if role == "agent" and not agent_id:
        raise InvalidInput("an agent needs --agent-id: the agent id their calls carry")
    secret = password or secrets.token_urlsafe(12)
    with rt.db.engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM users WHERE username = :u"), {"u": username}).first():
            raise InvalidInput(f"user {username!r} exists; `callscope users passwd` changes a password")
        row = conn.execute(
            text(
                "INSERT INTO users (username, password_hash, role, agent_id, teams) "
                "VALUES (:u, :h, :r, :a, :t) RETURNING *"
            ),
            {"u": username, "h": _hasher().hash(secret), "r": role, "a": agent_id, "t": list(teams or [])},
        ).one()
    return _record(row), secret


def update_user(
    rt: Runtime,
    username: str,
    *,
    role: str | None = None,
    agent_id: str | None = None,
    teams: list[str] | None = None,
    active: bool | None = None,
) -> UserRecord:
    if role is not None:
        _check_user(username, role, None)
    with rt.db.engine.begin() as conn:
        row = conn.execute(
            text(
                "UPDATE users SET role = coalesce(:r, role), agent_id = coalesce(:a, agent_id), "
                "teams = coalesce(:t, teams), active = coalesce(:act, active) WHERE username = :u RETURNING *"
            ),
            {"u": username, "r": role, "a": agent_id, "t": teams, "act": active},
        ).one_or_none()
        if row is None:
            raise NotFound(f"no user {username!r}; `callscope users list` shows them")
        if active is False:  # a disabled user's sessions end now
            conn.execute(text("DELETE FROM auth_sessions WHERE user_id = :id"), {"id": row.id})
    return _record(row)


def set_password(rt: Runtime, username: str, password: str | None = None) -> str:
    """Set (or generate) a user's password; every session of theirs ends."""
    _check_user(username, "admin", password)
    secret = password or secrets.token_urlsafe(12)
    with rt.db.engine.begin() as conn:
        uid = conn.execute(
            text("UPDATE users SET password_hash = :h WHERE username = :u RETURNING id"),
            {"u": username, "h": _hasher().hash(secret)},
        ).scalar()
        if uid is None:
            raise NotFound(f"no user {username!r}")
        conn.execute(text("DELETE FROM auth_sessions WHERE user_id = :id"), {"id": uid})
    return secret


def list_users(rt: Runtime) -> list[UserRecord]:
    with rt.db.engine.connect() as conn:
        return [_record(r) for r in conn.execute(text("SELECT * FROM users ORDER BY username"))]


def _principal(row: Any, via: str) -> Principal:
    return Principal(row.username, row.role, row.id, row.agent_id, tuple(row.teams or ()), via)


def authenticate(rt: Runtime, username: str, password: str) -> Principal:
    """The user for these credentials; the same error for an unknown user and a wrong password."""
    with rt.db.engine.begin() as conn:
        row = conn.execute(
            text("SELECT * FROM users WHERE username = :u AND active"), {"u": username}
        ).one_or_none()
        # Hash even for an unknown user, so timing does not tell which usernames exist.
        stored = row.password_hash if row is not None else _dummy_hash()
        if not _hasher().verify(password, stored) or row is None:
            raise AuthError("wrong username or password")
        conn.execute(text("UPDATE users SET last_login_at = now() WHERE id = :id"), {"id": row.id})
    return _principal(row, "session")


@cache
def _dummy_hash() -> str:
    return str(_hasher().hash(secrets.token_urlsafe(16)))


def create_session(rt: Runtime, principal: Principal) -> str:
    """A new web session for the user; returns the cookie value."""
    secret = secrets.token_urlsafe(32)
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM auth_sessions WHERE expires_at < now()"))
        conn.execute(
            text("INSERT INTO auth_sessions (digest, user_id, expires_at) VALUES (:d, :u, :e)"),
            {
                "d": _digest(secret),
                "u": principal.user_id,
                "e": datetime.now(UTC) + timedelta(hours=SESSION_HOURS),
            },
        )
    return secret


def delete_session(rt: Runtime, secret: str) -> None:
    with rt.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM auth_sessions WHERE digest = :d"), {"d": _digest(secret)})


def principal_for_session(rt: Runtime, secret: str) -> Principal | None:
    with rt.db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT u.* FROM auth_sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.digest = :d AND s.expires_at > now() AND u.active"
            ),
            {"d": _digest(secret)},
        ).one_or_none()
    return _principal(row, "session") if row is not None else None


def create_token(rt: Runtime, username: str, name: str) -> str:
    """An API token acting as ``username``; returns it (shown once)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with rt.db.engine.begin() as conn:
        uid = conn.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar()
        if uid is None:
            raise NotFound(f"no user {username!r}; create it first with `callscope users add`")
        conn.execute(
            text("INSERT INTO api_tokens (digest, user_id, name) VALUES (:d, :u, :n)"),
            {"d": _digest(secret), "u": uid, "n": name},
        )
    return secret


def principal_for_token(rt: Runtime, secret: str) -> Principal | None:
    digest = _digest(secret)
    with rt.db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT u.*, t.last_used_at > now() - interval '1 minute' AS fresh FROM api_tokens t "
                "JOIN users u ON u.id = t.user_id WHERE t.digest = :d AND t.revoked_at IS NULL AND u.active"
            ),
            {"d": digest},
        ).one_or_none()
        if row is not None and not row.fresh:
            # At most once a minute: an integration's token in every request must not queue its
            # requests behind one row lock.
            conn.execute(text("UPDATE api_tokens SET last_used_at = now() WHERE digest = :d"), {"d": digest})
            conn.commit()
    return _principal(row, "token") if row is not None else None


def ensure_first_admin(rt: Runtime) -> str | None:
    """On first run (no users at all) create ``admin`` with a generated password and return it, to
    be printed once; None when users exist."""
    with rt.db.engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM users LIMIT 1")).first():
            return None
    _, password = create_user(rt, "admin", "admin")
    return password
