"""Answer 503 with ``Retry-After`` rather than fall over: when too many requests are in flight, and
when the database cannot be reached.

``install(app)`` adds a pure-ASGI middleware that lets at most ``max_in_flight`` HTTP requests run at
once; a request beyond that waits up to ``max_wait_s`` for a slot (at most ``max_queued`` wait), and
is otherwise answered ``503`` with ``Retry-After`` and ``{"detail": ...}``. Health checks and
WebSocket connections are never shed (a live call must not be cut by a burst of page loads). A slot is
given back however the request ends: a response, an exception, a client that went away.

It also registers handlers that turn "the database cannot be reached" (PostgreSQL restarting, a
connection pool that timed out) into the same kind of 503, where it would otherwise be a 500.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from common.errors import ConfigError, StorageError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from fastapi import FastAPI
    from starlette.requests import HTTPConnection
    from starlette.responses import Response

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = [
    "LoadShedder",
    "LoadSheddingMiddleware",
    "SheddingOptions",
    "database_unavailable",
    "install",
    "install_storage_errors",
    "storage_error",
]

_log = logging.getLogger(__name__)


@dataclass(slots=True, frozen=True)
class SheddingOptions:
    """``max_in_flight``: HTTP requests handled at once (0 = no limit); ``max_wait_s``: how long a
    request beyond the limit may wait for a slot; ``max_queued``: requests that may wait at once (the
    rest are shed at once); ``retry_after_s``: the ``Retry-After`` of a shed request;
    ``database_retry_after_s``: the ``Retry-After`` while the database cannot be reached;
    ``exempt_paths``: never shed (health checks)."""

    max_in_flight: int = 64
    max_wait_s: float = 1.0
    max_queued: int = 64
    retry_after_s: int = 2
    database_retry_after_s: int = 5
    exempt_paths: tuple[str, ...] = ("/api/health",)


class LoadShedder:
    """The in-flight count shared by the middleware and whoever watches it (tests, metrics).

    Used from one event loop: no lock is needed, every change happens between awaits.
    """

    def __init__(self, options: SheddingOptions | None = None) -> None:
        self.options = options or SheddingOptions()
        self.in_flight = 0
        self.shed = 0  # requests answered 503 since the start
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        return sum(not w.done() for w in self._waiters)

    async def acquire(self) -> bool:
        """Take a slot, waiting up to ``max_wait_s``; False when the request is to be shed."""
        o = self.options
        if self.in_flight < o.max_in_flight:
            self.in_flight += 1
            return True
        if o.max_wait_s <= 0 or self.waiting >= o.max_queued:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait((waiter,), timeout=o.max_wait_s)
        except BaseException:  # cancelled while waiting (the client went away, the server stops)
            if waiter.done() and not waiter.cancelled():
                self.release()  # a slot was handed over just now: pass it on
            else:
                self._drop(waiter)
            raise
        if waiter.done():
            return True  # ``release`` handed its slot over: the count already includes this request
        self._drop(waiter)
        return False

    def release(self) -> None:
        """Give a slot back: to the longest waiting request, else to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.in_flight -= 1

    def _drop(self, waiter: asyncio.Future[None]) -> None:
        waiter.cancel()
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)


class LoadSheddingMiddleware:
    """Pure ASGI (no ``BaseHTTPMiddleware``: it would buffer streamed responses and break on
    disconnects). Only ``http`` requests outside ``exempt_paths`` count."""

    def __init__(self, app: ASGIApp, shedder: LoadShedder) -> None:
        self.app = app
        self.shedder = shedder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        o = self.shedder.options
        if scope["type"] != "http" or o.max_in_flight <= 0 or scope.get("path") in o.exempt_paths:
            await self.app(scope, receive, send)
            return
        if not await self.shedder.acquire():
            self.shedder.shed += 1
            await self._shed(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:  # also when the app raised or the client went away (cancellation)
            self.shedder.release()

    async def _shed(self, send: Send) -> None:
        o = self.shedder.options
        detail = (
            f"the server is busy: {o.max_in_flight} requests are in flight, its limit "
            f"(CALLSCOPE_MAX_IN_FLIGHT); retry in {o.retry_after_s} s"
        )
        await _send_json(send, 503, {"detail": detail}, retry_after=o.retry_after_s)


async def _send_json(send: Send, status: int, content: dict[str, Any], *, retry_after: int) -> None:
    body = json.dumps(content).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(max(1, retry_after)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# ------------------------------------------------------------------------------ the database


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the database cannot be reached now:
    a connection refused or cut, a server shutting down, a pool that timed out. Retrying later may
    work; a refused query (a constraint, bad SQL) is not this."""
    import psycopg
    import sqlalchemy.exc

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (psycopg.OperationalError, sqlalchemy.exc.OperationalError)):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__
    return False


def _first_line(exc: BaseException) -> str:
    """The root cause's message, first line (SQLAlchemy appends the SQL and a help link)."""
    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    text = (getattr(root, "orig", None) or root).__str__().strip()
    return text.splitlines()[0] if text else type(root).__name__


def storage_error(
    exc: BaseException, where: str = "the database", *, waited_s: float | None = None
) -> StorageError:
    """The ``StorageError`` to raise for an unreachable database: what failed and what to do."""
    waited = f" for {waited_s:.0f} s" if waited_s is not None else ""
    return StorageError(
        f"{where} cannot be reached{waited} ({_first_line(exc)}); it may be restarting: try again in a "
        "few seconds, and if it persists check that PostgreSQL is running (CALLSCOPE_DATABASE_URL)"
    )


def install_storage_errors(app: FastAPI, *, retry_after_s: int = 5) -> None:
    """Answer 503 + ``Retry-After`` instead of 500 when a request finds the database unreachable."""
    import psycopg
    import sqlalchemy.exc
    from procrastinate.exceptions import ConnectorException
    from starlette.websockets import WebSocket

    async def unavailable(conn: HTTPConnection, exc: Exception) -> Response:
        from fastapi.responses import JSONResponse

        if not database_unavailable(exc):
            raise exc  # another database error (a refused query) stays a 500
        if isinstance(conn, WebSocket):  # 1013: try again later
            await conn.close(code=1013, reason="the database cannot be reached; reconnect shortly")
        return JSONResponse(
            status_code=503,
            content={"detail": str(storage_error(exc))},
            headers={"Retry-After": str(max(1, retry_after_s))},
        )

    for kind in (sqlalchemy.exc.OperationalError, psycopg.OperationalError, ConnectorException):
        app.add_exception_handler(kind, unavailable)


def install(
    app: FastAPI,
    options: SheddingOptions | None = None,
    *,
    max_in_flight: int | None = None,
    max_wait_s: float | None = None,
    max_queued: int | None = None,
    retry_after_s: int | None = None,
) -> LoadShedder:
    """Add load shedding and the database-unavailable handlers to ``app`` (before it starts); keyword
    arguments override ``options``. A second call returns the first one's ``LoadShedder``.

    The shedder is also ``app.state.load_shedding``: its ``in_flight`` and ``shed`` are live counts.
    """
    existing = getattr(app.state, "load_shedding", None)
    if isinstance(existing, LoadShedder):
        return existing
    o = options or SheddingOptions()
    overrides: dict[str, Any] = {
        "max_in_flight": max_in_flight,
        "max_wait_s": max_wait_s,
        "max_queued": max_queued,
        "retry_after_s": retry_after_s,
    }
    o = replace(o, **{k: v for k, v in overrides.items() if v is not None})
    if o.max_in_flight < 0 or o.max_queued < 0 or not math.isfinite(o.max_wait_s) or o.retry_after_s < 0:
        raise ConfigError(f"load shedding options must be finite and not negative: {o}")
    shedder = LoadShedder(o)
    app.add_middleware(LoadSheddingMiddleware, shedder=shedder)
    install_storage_errors(app, retry_after_s=o.database_retry_after_s)
    app.state.load_shedding = shedder
    return shedder
