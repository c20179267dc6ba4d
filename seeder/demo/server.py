"""Running the demo: ``seeder demo`` in the foreground, or a test's background
server on a free loopback port.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from seeder.demo.app import create_app
from seeder.demo.faults import parse_faults

__all__ = ["FAULTS_ENV", "serve", "serve_in_thread"]

FAULTS_ENV = "SEEDER_DEMO_FAULTS"


def serve(
    host: str,
    port: int,
    db: str | None,
    faults: str | None = None,
    *,
    ignore_idempotency_key: bool = False,
    block_seconds: float = 0.0,
) -> None:
    """Serve the demo until interrupted (Ctrl-C stops it cleanly).

    ``faults`` defaults to the ``SEEDER_DEMO_FAULTS`` environment variable; a bad
    spec raises :class:`~seeder.demo.faults.FaultSpecError` before anything starts.
    ``ignore_idempotency_key``, ``block_seconds``: see :mod:`seeder.demo.http.quirks`.
    """
    if faults is None:
        faults = os.environ.get(FAULTS_ENV)
    parse_faults(faults)  # fail before binding the port
    app = create_app(
        db, faults, ignore_idempotency_key=ignore_idempotency_key, block_seconds=block_seconds
    )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@contextmanager
def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` under uvicorn in a background thread on a free port of ``host``;
    yield its base URL (``http://127.0.0.1:PORT``); stop it on exit."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say
    # they are TCP; without it every response waits ~40 ms on a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the demo server did not start")
            time.sleep(0.005)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
