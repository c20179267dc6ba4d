"""``seeder demo`` as a user runs it: a real process that starts fast (within 2
seconds of its own CPU time: wall time on a loaded machine says more about the
machine than about the demo) and stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_LIMIT = 2.0  # seconds of the process's own CPU time until it answers
READY_WAIT = 60.0  # wall seconds to wait for it to answer at all


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc), else nan."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_demo(
    *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str, float]:
    """Start ``python -m seeder demo``; return it, its URL and the CPU time it took
    to answer (its wall time where /proc is missing)."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "seeder", "demo", "--port", str(port), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() - started < READY_WAIT:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"seeder demo exited with {process.returncode}: {err}")
        try:
            if httpx.get(url + "/_counts", timeout=2).status_code == 200:
                cpu = cpu_seconds(process.pid)
                return process, url, time.monotonic() - started if math.isnan(cpu) else cpu
        except httpx.TransportError:
            time.sleep(0.02)
    process.kill()
    process.communicate()
    pytest.fail(f"seeder demo did not answer within {READY_WAIT:.0f} seconds")


def interrupt(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("seeder demo did not stop within 10 seconds of SIGINT")
    return process.returncode, err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery is POSIX-only here")
def test_seeder_demo_starts_fast_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    process, url, elapsed = start_demo("--db", str(tmp_path / "demo.db"))
    try:
        assert elapsed < STARTUP_LIMIT, f"took {elapsed:.2f}s of CPU to answer"
        reply = httpx.post(url + "/tenants", json={"name": "Acme"}, timeout=5)
        assert reply.status_code == 201 and reply.json()["id"] == 1
    finally:
        code, err = interrupt(process)
    assert code in (0, 130), err
    assert "Traceback" not in err
    assert (tmp_path / "demo.db").exists()


def test_faults_come_from_the_environment() -> None:
    process, url, _ = start_demo(env={"SEEDER_DEMO_FAULTS": "status503=1,retry_after=1"})
    try:
        reply = httpx.post(url + "/tenants", json={"name": "Acme"}, timeout=5)
        assert reply.status_code == 503 and reply.headers["retry-after"] == "1"
        assert httpx.get(url + "/_counts", timeout=5).json()["tenants"] == 0
    finally:
        code, err = interrupt(process)
    assert code in (0, 130) and "Traceback" not in err


def test_a_bad_faults_spec_is_one_line_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seeder", "demo", "--port", str(free_port())],
        cwd=ROOT,
        env={**os.environ, "SEEDER_DEMO_FAULTS": "drop=2"},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "drop" in result.stderr
