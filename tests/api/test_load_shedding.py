"""Load shedding: beyond ``max_in_flight`` requests (and a short, bounded wait) the server answers 503 with
``Retry-After``; health checks and WebSockets pass; the count goes back to 0 however requests end. And
an unreachable database is a 503 with a reason, not a 500.

Requests are fired concurrently in one event loop through httpx's ASGI transport, at a slow endpoint
held open by a gate the test opens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import psycopg
import pytest
import sqlalchemy.exc
from fastapi import FastAPI
from procrastinate.exceptions import ConnectorException, UniqueViolation

from api import load_shedding
from api.load_shedding import LoadShedder, SheddingOptions
from common.errors import ConfigError


class Gate:
    """Holds ``/slow`` requests until opened; counts those that got in."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.entered = 0


def _app(gate: Gate, **options: Any) -> tuple[FastAPI, LoadShedder]:
    app = FastAPI()

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        gate.entered += 1
        await gate.event.wait()
        return {"status": "done"}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler failed")

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app, load_shedding.install(app, **options)


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def _until(check: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.005)


def _run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


def test_excess_requests_get_503_with_retry_after_while_the_others_succeed() -> None:
    async def main() -> None:
        gate = Gate()
        app, shedder = _app(gate, max_in_flight=4, max_queued=2, max_wait_s=10, retry_after_s=3)
        async with _client(app) as client:
            held = [asyncio.create_task(client.get("/slow")) for _ in range(4)]
            await _until(lambda: gate.entered == 4, "four requests in the handler")
            waiting = [asyncio.create_task(client.get("/slow")) for _ in range(2)]
            await _until(lambda: shedder.waiting == 2, "two requests waiting for a slot")
            assert shedder.in_flight == 4 and gate.entered == 4  # the waiting ones are not in yet

            # Beyond the limit and the queue: shed at once, with a reason and Retry-After.
            shed = await asyncio.gather(*(client.get("/slow") for _ in range(3)))
            for r in shed:
                assert r.status_code == 503
                assert r.headers["retry-after"] == "3"
                assert r.headers["content-type"] == "application/json"
                assert "busy" in r.json()["detail"] and "CALLSCOPE_MAX_IN_FLIGHT" in r.json()["detail"]
            assert shedder.shed == 3
            # Health checks are never shed.
            assert (await client.get("/api/health")).status_code == 200

            gate.event.set()  # the held requests finish; the waiting ones get their slots
            done = await asyncio.gather(*held, *waiting)
            assert [r.status_code for r in done] == [200] * 6 and gate.entered == 6
        assert (shedder.in_flight, shedder.waiting, shedder.shed) == (0, 0, 3)

    _run(main)


def test_a_request_waits_a_bounded_time_for_a_slot() -> None:
    async def main() -> None:
        gate = Gate()
        app, shedder = _app(gate, max_in_flight=1, max_wait_s=0.2)
        async with _client(app) as client:
            held = asyncio.create_task(client.get("/slow"))
            await _until(lambda: gate.entered == 1, "one request in the handler")
            loop = asyncio.get_running_loop()
            started = loop.time()
            late = await client.get("/slow")
            waited = loop.time() - started
            assert late.status_code == 503 and int(late.headers["retry-after"]) >= 1
            assert 0.2 <= waited < 2.0, waited
            assert shedder.waiting == 0 and shedder.in_flight == 1
            gate.event.set()
            assert (await held).status_code == 200
        assert shedder.in_flight == 0

    _run(main)


def test_the_count_goes_back_when_the_app_raises_or_the_client_goes_away() -> None:
    async def main() -> None:
        gate = Gate()
        app, shedder = _app(gate, max_in_flight=1, max_wait_s=10)
        async with _client(app) as client:
            # The handler raises: a 500, and the slot is back.
            assert (await client.get("/boom")).status_code == 500
            assert shedder.in_flight == 0

            # A client that goes away mid-request (its request is cancelled) gives its slot back, and so
            # does one that goes away while it waits for a slot.
            inside = asyncio.create_task(client.get("/slow"))
            await _until(lambda: gate.entered == 1, "one request in the handler")
            queued = asyncio.create_task(client.get("/slow"))
            await _until(lambda: shedder.waiting == 1, "one request waiting")
            queued.cancel()
            await asyncio.gather(queued, return_exceptions=True)
            assert shedder.waiting == 0 and shedder.in_flight == 1
            inside.cancel()
            await asyncio.gather(inside, return_exceptions=True)
            await _until(lambda: shedder.in_flight == 0, "the slot given back")

            # Still serving, at full capacity.
            gate.event.set()
            assert (await client.get("/slow")).status_code == 200
        assert (shedder.in_flight, shedder.waiting, shedder.shed) == (0, 0, 0)

    _run(main)


def test_websockets_and_lifespan_are_never_counted_or_shed() -> None:
    async def main() -> None:
        passed: list[str] = []

        async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
            passed.append(scope["type"])

        shedder = LoadShedder(SheddingOptions(max_in_flight=1, max_wait_s=0))
        shedder.in_flight = 1  # saturated
        middleware = load_shedding.LoadSheddingMiddleware(inner, shedder)
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        await middleware({"type": "websocket", "path": "/api/assist/ws"}, receive, send)
        await middleware({"type": "lifespan"}, receive, send)
        await middleware({"type": "http", "path": "/api/calls", "method": "GET"}, receive, send)
        assert passed == ["websocket", "lifespan"]  # the HTTP request was shed, not passed on
        assert sent[0]["status"] == 503 and (b"retry-after", b"2") in sent[0]["headers"]
        assert shedder.in_flight == 1 and shedder.shed == 1

    _run(main)


def test_an_unreachable_database_is_a_503_with_a_reason() -> None:
    app = FastAPI()
    refused = psycopg.OperationalError('connection to server on socket "/tmp/.s.PGSQL.5432" failed')

    @app.get("/sqlalchemy")
    async def via_sqlalchemy() -> None:
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, refused)

    @app.get("/queue")
    async def via_queue() -> None:
        raise ConnectorException() from refused

    @app.get("/constraint")
    async def constraint() -> None:  # a refused query is not an outage: still a 500
        raise UniqueViolation(constraint_name="x", queueing_lock=None)

    load_shedding.install(app)

    async def main() -> None:
        async with _client(app) as client:
            for path in ("/sqlalchemy", "/queue"):
                r = await client.get(path)
                assert r.status_code == 503, (path, r.text)
                assert r.headers["retry-after"] == "5"
                detail = r.json()["detail"]
                assert detail.startswith("the database cannot be reached (connection to server on socket")
                assert "try again" in detail and "CALLSCOPE_DATABASE_URL" in detail
                assert "SELECT 1" not in detail  # no SQL in a message for people
            assert (await client.get("/constraint")).status_code == 500

    _run(main)


def test_install_once_and_refuse_nonsense() -> None:
    app = FastAPI()
    first = load_shedding.install(app, max_in_flight=8)
    assert load_shedding.install(app) is first and app.state.load_shedding is first
    assert first.options.max_in_flight == 8
    with pytest.raises(ConfigError, match="not negative"):
        load_shedding.install(FastAPI(), max_in_flight=-1)
