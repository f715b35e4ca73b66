"""Run the real FastAPI app under uvicorn in a background thread, for tests that need a real server
(a browser, a WebSocket client from another process)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from api.settings import Settings

__all__ = ["serve"]


@contextmanager
def serve(settings: Settings, *, startup_timeout: float = 120.0) -> Iterator[str]:
    """Serve ``create_app(settings)`` on 127.0.0.1 and a free port; yields the base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the port between
    choosing it and listening on it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():  # startup failed (the lifespan raised): uvicorn logged why
                raise RuntimeError("the test server did not start; see the log above")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the test server did not start within {startup_timeout:.0f} s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
