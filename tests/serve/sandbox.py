"""``seeder serve`` as a user runs it: a real process on a free loopback port."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
READY_WAIT = 60.0  # wall seconds to wait for it to answer at all


def start_serve(
    scenario: str | Path, *args: str, complete: bool = True
) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m seeder serve SCENARIO``; return it once it answers (and,
    with ``complete``, once its whole plan is stored), and its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "seeder", "serve", str(scenario), "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while time.monotonic() - started < READY_WAIT:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"seeder serve exited with {process.returncode}: {err}")
        try:
            status = httpx.get(url + "/_status", timeout=2)
            if status.status_code == 200 and (status.json()["complete"] or not complete):
                return process, url
            time.sleep(0.05)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("seeder serve did not answer")


def stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


@contextlib.contextmanager
def serving(scenario: str | Path, *args: str) -> Iterator[httpx.Client]:
    process, url = start_serve(scenario, *args)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            yield client
    finally:
        stop(process)
