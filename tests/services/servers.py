"""Real third-party services for the tests: each installed from PyPI, at a pinned
version, into its own virtualenv under ``~/.cache/seeder-tests/`` (``$SEEDER_TEST_CACHE``
to move it; installed once, then reused), and started on 127.0.0.1 on a free port.
Never mocked: what seeder is tested against is the service its users run."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import free_port

CACHE = Path(os.environ.get("SEEDER_TEST_CACHE", "~/.cache/seeder-tests")).expanduser()
KINTO = "kinto==26.5.0"
MLFLOW = "mlflow==3.17.2"
PREFECT = "prefect==3.9.1"
INSTALL_SECONDS = 1800  # a cold install of mlflow took 8 minutes on a loaded 2-core machine


def venv(requirement: str) -> Path:
    """The virtualenv holding ``requirement``, installed on first use (xdist-safe: one
    installer at a time, the others wait on its lock)."""
    name = requirement.split("==")[0]
    digest = hashlib.sha256(f"{requirement} {sys.version_info[:2]}".encode()).hexdigest()[:10]
    home = CACHE / f"{name}-{digest}"
    stamp = home / ".installed"
    if stamp.exists():
        return home
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            shutil.rmtree(home, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
            subprocess.run(
                [str(home / "bin" / "python"), "-m", "pip", "install", "-q", requirement],
                check=True,
                timeout=INSTALL_SECONDS,
            )
            stamp.write_text(requirement + "\n")
    return home


class Served(str):
    """A running service's base URL, knowing its process id (``pid``)."""

    pid: int


@contextlib.contextmanager
def started(
    argv: list[str], url: str, health: str, log: Path, cwd: Path, env: dict[str, str] | None = None
) -> Iterator[Served]:
    """Runs ``argv`` until ``url + health`` answers 200; yields its URL; stops it."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env={**os.environ, **(env or {})}
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{argv[0]} exited: {log.read_text()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url + health, timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} did not start: {log.read_text()[-2000:]}")
                time.sleep(0.3)
            served = Served(url)
            served.pid = process.pid
            yield served
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


KINTO_INI = """\
[server:main]
use = egg:waitress#main
host = 127.0.0.1
port = %(http_port)s
threads = 8

[app:main]
use = egg:kinto
kinto.storage_backend = kinto.core.storage.memory
kinto.storage_url =
kinto.cache_backend = kinto.core.cache.memory
kinto.cache_url =
kinto.permission_backend = kinto.core.permission.memory
kinto.permission_url =
kinto.userid_hmac_secret = seeder-tests
multiauth.policies = basicauth
kinto.bucket_create_principals = system.Authenticated

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARNING
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = WARNING
formatter = generic
[formatter_generic]
format = %(message)s
"""


@contextlib.contextmanager
def kinto(folder: Path) -> Iterator[Served]:
    """Kinto with its memory backend and Basic auth (any user and password: the
    user id is derived from them)."""
    home = venv(KINTO)
    ini = folder / "kinto.ini"
    ini.write_text(KINTO_INI)
    port = free_port()
    argv = [str(home / "bin" / "kinto"), "start", "--ini", str(ini), "--port", str(port)]
    with started(
        argv, f"http://127.0.0.1:{port}", "/v1/__heartbeat__", folder / "kinto.log", folder
    ) as url:
        yield url


@contextlib.contextmanager
def mlflow(folder: Path) -> Iterator[Served]:
    """MLflow's tracking server on SQLite, one worker, without its job runner."""
    home = venv(MLFLOW)
    port = free_port()
    argv = [
        str(home / "bin" / "mlflow"),
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--default-artifact-root",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    # no job runner: it starts seven huey consumers (~170 MB and a share of a core
    # each) that outlive the server, and seeding needs none of its jobs
    env = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    url = f"http://127.0.0.1:{port}"
    with started(argv, url, "/health", folder / "mlflow.log", folder, env) as served:
        yield served


@contextlib.contextmanager
def prefect(folder: Path) -> Iterator[Served]:
    """Prefect's orchestration server (FastAPI, OpenAPI 3.1 at /api/openapi.json) on
    SQLite in ``folder``, without its UI and analytics."""
    home = venv(PREFECT)
    port = free_port()
    argv = [str(home / "bin" / "prefect"), "server", "start", "--host", "127.0.0.1"]
    env = {
        "PREFECT_HOME": str(folder / "prefect"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{folder / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    argv += ["--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with started(argv, url, "/api/health", folder / "prefect.log", folder, env) as served:
        yield served


if __name__ == "__main__":  # pre-install: python -m tests.services.servers
    for requirement in (KINTO, MLFLOW, PREFECT):
        print(venv(requirement))
