"""Seeding runs over HTTP: ``POST /runs`` starts one, ``GET /runs/{id}`` says how
far it is (and, once it ended, gives its JSON report), ``DELETE /runs/{id}``
interrupts it (journal kept), ``POST /runs/{id}/resume`` continues it.

Each run is a ``python -m seeder run`` child process, not a task in the server:

- the runner owns its process — its own event loop (``anyio.run``), SIGINT/SIGTERM
  handlers for the graceful stop, the user's commands module imported — none of
  which can live inside uvicorn's loop or a thread of it;
- cancelling is the CLI's own graceful path: SIGINT, 15 s for the commands in
  flight, the journal committed, exit 130; a second DELETE cancels those at once;
- a run that crashes or grows its memory takes nothing of the server with it, and
  ``--max-runs`` bounds how many go at once (a 429 past it);
- the report is the CLI's ``--report`` file, the same JSON (``report.schema.json``).

Headers given for the target reach the child in environment variables (never on
its command line, which ``ps`` shows), are kept in memory for a resume, and are
never shown: a run tells the header names only, and its log lines are scrubbed of
the values as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import os
import re
import signal
import sys
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from seeder.errors import SeederError, suggest
from seeder.run.guard import Guard, guard_target, url_userinfo

__all__ = ["Problem", "RunRequest", "Runs", "problem_body"]

START_WAIT = 60.0  # seconds POST /runs waits for the run to start sending (or refuse)
LOG_KEPT = 40  # lines of a run's output kept (its tail is in GET /runs/{id})
TOKEN_ENV = "SEEDER_SERVE_TOKEN"

_PROGRESS = re.compile(
    r"^seeder: ([\d,]+)/([\d,]+) commands \((\d+)%\), ([\d,.]+)/s, (.*?), ([\d,]+) not created"
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

Status = Literal["starting", "running", "stopping", "done", "incomplete", "interrupted", "failed"]
ENDED = ("done", "incomplete", "interrupted", "failed")


class Problem(Exception):
    """A request refused: an RFC 7807 problem (``application/problem+json``)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


def problem_body(p: Problem) -> dict[str, Any]:
    return {"type": "about:blank", "title": p.title, "status": p.status, "detail": p.detail}


class RunRequest(BaseModel):
    """The body of ``POST /runs``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    target: str = Field(
        pattern=r"^https?://[^\s]+$",
        max_length=2000,
        description="the service's URL (the scenario's allowed_targets apply)",
    )
    scenario: str | None = Field(
        None,
        description="a scenario this server offers (GET /runs/scenarios); default: the served one",
    )
    seed: int | None = Field(None, ge=0, lt=2**63, description="override the scenario's seed")
    scale: float = Field(1.0, gt=0, le=1e6, description="multiply every root count")
    concurrency: int = Field(32, ge=1, le=1024, description="commands in flight at most")
    rate: float | None = Field(None, gt=0, le=1e6, description="commands per second at most")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="headers sent with every command (never shown back, nor logged)",
    )
    fresh: bool = Field(False, description="start over even if the journal has an unfinished run")


def _one_line(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(x) for x in error["loc"]) or "body"
        if error["type"] == "extra_forbidden":
            known = list(RunRequest.model_fields)
            hint = suggest(str(error["loc"][-1]), known) or f"known: {', '.join(known)}"
            parts.append(f"{where}: unknown field; {hint}")
        elif error["type"] == "string_pattern_mismatch" and where == "target":
            given = str(error.get("input", ""))[:80]
            parts.append(f"target: must be an http:// or https:// URL, got {given!r}")
        elif error["type"] == "missing":
            parts.append(f"{where}: required")
        else:
            parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def parse_request(raw: bytes) -> RunRequest:
    try:
        body = json.loads(raw)
    except ValueError:
        raise Problem(
            400, "Bad request", 'the body must be JSON, e.g. {"target": "http://127.0.0.1:8000"}'
        ) from None
    if not isinstance(body, dict):
        raise Problem(422, "Invalid run", 'the body must be a JSON object with at least "target"')
    try:
        return RunRequest.model_validate(body)
    except ValidationError as exc:
        raise Problem(422, "Invalid run", _one_line(exc)) from None


@dataclass
class Offered:
    """A scenario ``POST /runs`` may name: its file and where its targets are allowed."""

    name: str
    path: Path
    allowed_targets: tuple[str, ...] | None
    source: str


@dataclass
class Run:
    id: str
    scenario: Offered
    request: RunRequest
    resume_of: str | None = None
    status: Status = "starting"
    exit_code: int | None = None
    created_at: str = ""
    ended_at: str | None = None
    progress: dict[str, Any] | None = None
    summary: str | None = None
    journal: str | None = None
    error: str | None = None
    log: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_KEPT))
    report_path: Path | None = None
    process: asyncio.subprocess.Process | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def scrub(self, line: str) -> str:
        for value in self.request.headers.values():
            if value:
                line = line.replace(value, "***")
        return line

    def shown(self, *, full: bool) -> dict[str, Any]:
        r = self.request
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "scenario": self.scenario.name,
            "target": r.target,
            "seed": r.seed,
            "scale": r.scale,
            "concurrency": r.concurrency,
            "rate": r.rate,
            "header_names": sorted(r.headers),
            "resume_of": self.resume_of,
            "created_at": self.created_at,
            "ended_at": self.ended_at,
            "exit_code": self.exit_code,
            "progress": self.progress,
            "summary": self.summary,
            "error": self.error,
        }
        if full:
            out["journal"] = self.journal
            out["log"] = list(self.log)
            out["report"] = self.report()
        return out

    def report(self) -> Any:
        if self.status not in ENDED or self.report_path is None:
            return None
        try:
            return json.loads(self.report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


class Runs:
    """The runs this server started (in memory: a restarted server lists none, but
    their journals stay where ``seeder run`` keeps them, for ``--resume``)."""

    def __init__(
        self,
        offered: list[Offered],
        folder: Path,
        *,
        max_runs: int = 2,
        token: str | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.offered = {o.name: o for o in offered}
        self.default = offered[0]
        self.folder = folder
        self.max_runs = max_runs
        self.token = token
        self.environ = dict(os.environ if environ is None else environ)
        self.runs: dict[str, Run] = {}

    # -- checks ----------------------------------------------------------------------

    def authorize(self, header: str | None) -> None:
        if self.token is None:
            return
        given = header[7:] if header and header.lower().startswith("bearer ") else ""
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise Problem(
                401,
                "Unauthorized",
                f"the runs API needs 'Authorization: Bearer <token>' (the server's ${TOKEN_ENV})",
            )

    def _scenario(self, name: str | None) -> Offered:
        if name is None:
            return self.default
        found = self.offered.get(name)
        if found is None:
            names = list(self.offered)
            hint = suggest(name, names) or f"offered: {', '.join(names)}"
            raise Problem(422, "Invalid run", f"scenario: no scenario {name!r} here; {hint}")
        return found

    def _check(self, request: RunRequest, offered: Offered) -> None:
        target = request.target
        if not target.startswith(("http://", "https://")):
            raise Problem(
                422,
                "Invalid run",
                f"target: must be an http:// or https:// URL, got {target[:80]!r}",
            )
        if url_userinfo(target):
            raise Problem(
                422,
                "Invalid run",
                "target: a user and password in the URL would be shown in GET /runs; "
                'give them in "headers" instead (e.g. {"Authorization": "Basic ..."})',
            )
        for name in request.headers:
            if not _HEADER_NAME.match(name):
                raise Problem(422, "Invalid run", f"headers: {name[:40]!r} is not a header name")
        try:
            guard_target(target, Guard(offered.allowed_targets, offered.source))
        except SeederError as exc:
            said = str(exc).replace(", or pass --allow-any-target", "")
            raise Problem(422, "Target not allowed", f"target: {said}") from None
        self._check_free(offered, target)

    def _check_free(self, offered: Offered, target: str) -> None:
        active = [r for r in self.runs.values() if r.status not in ENDED]
        for r in active:
            if r.scenario.name == offered.name and r.request.target.rstrip("/") == target.rstrip(
                "/"
            ):
                raise Problem(
                    409,
                    "Run in progress",
                    f"run {r.id} of {offered.name} to this target is {r.status}; they would "
                    f"share a journal: wait for it, or DELETE /runs/{r.id}",
                )
        if len(active) >= self.max_runs:
            raise Problem(
                429,
                "Too many runs",
                f"{len(active)} runs are going (at most {self.max_runs}, the server's --max-runs); "
                "retry when one has ended",
            )

    # -- starting --------------------------------------------------------------------

    async def start(self, request: RunRequest) -> Run:
        offered = self._scenario(request.scenario)
        self._check(request, offered)
        run = Run(uuid.uuid4().hex[:12], offered, request, created_at=_now())
        return await self._launch(run, resume=False)

    async def resume(self, run_id: str) -> Run:
        old = self.get(run_id)
        if old.status not in ("interrupted", "incomplete", "failed"):
            raise Problem(
                409,
                "Nothing to resume",
                f"run {old.id} is {old.status}; only an interrupted, incomplete or failed run "
                "resumes",
            )
        self._check_free(old.scenario, old.request.target)
        request = old.request.model_copy(update={"fresh": False})
        run = Run(uuid.uuid4().hex[:12], old.scenario, request, resume_of=old.id, created_at=_now())
        return await self._launch(run, resume=True)

    def _argv(self, run: Run, resume: bool) -> tuple[list[str], dict[str, str]]:
        r = run.request
        run.report_path = self.folder / f"{run.id}.report.json"
        argv = [sys.executable, "-m", "seeder", "run", str(run.scenario.path)]
        argv += ["--target", r.target, "--scale", repr(r.scale)]
        argv += ["--concurrency", str(r.concurrency), "--report", str(run.report_path)]
        argv += ["--no-progress"]
        if r.rate is not None:
            argv += ["--rate", repr(r.rate)]
        if r.seed is not None:
            argv += ["--seed", str(r.seed)]
        env = {**self.environ, "SEEDER_PROGRESS_EVERY": "1", "COLUMNS": "200"}
        env.pop(TOKEN_ENV, None)
        for i, (name, value) in enumerate(sorted(r.headers.items())):
            env[f"SEEDER_RUN_HEADER_{i}"] = value
            argv += ["--header", f"{name}: ${{SEEDER_RUN_HEADER_{i}}}"]
        if resume:
            argv.append("--resume")
        elif r.fresh:
            argv.append("--fresh")
        return argv, env

    async def _launch(self, run: Run, *, resume: bool) -> Run:
        argv, env = self._argv(run, resume)
        run.process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,  # a ^C at the server's terminal is the server's alone
        )
        self.runs[run.id] = run
        asyncio.get_running_loop().create_task(self._watch(run))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.started.wait(), START_WAIT)
        if run.status == "failed" and run.exit_code == 2:
            # refused before anything was sent: the user's mistake, in the runner's words
            del self.runs[run.id]
            raise Problem(422, "Run refused", run.error or "the run was refused")
        return run

    async def _watch(self, run: Run) -> None:
        process = run.process
        assert process is not None and process.stdout is not None
        async for raw in process.stdout:
            line = run.scrub(raw.decode("utf-8", "replace").rstrip())
            if not line:
                continue
            run.log.append(line)
            self._read(run, line)
        code = await process.wait()
        run.exit_code = code
        run.ended_at = _now()
        ended: dict[int, Status] = {0: "done", 1: "incomplete", 130: "interrupted"}
        run.status = ended.get(code, "failed")
        if run.status == "failed":  # its last words say why (exit 2: the user's mistake)
            said = [x for x in run.log if not x.startswith("seeder summary: ")]
            run.error = (said or [f"exit code {code}"])[-1]
        run.started.set()
        run.ended.set()

    @staticmethod
    def _read(run: Run, line: str) -> None:
        if (m := _PROGRESS.match(line)) is not None:
            done, total = _int(m[1]), _int(m[2])
            run.progress = {
                "done": done,
                "total": total,
                "percent": int(m[3]),
                "per_second": float(m[4].replace(",", "")),
                "eta": m[5],
                "not_created": _int(m[6]),
            }
        elif line.startswith("seeder: sending to "):
            if run.status == "starting":
                run.status = "running"
            run.started.set()
        elif line.startswith("seeder: journal ") and run.journal is None:  # its first note
            run.journal = line.removeprefix("seeder: journal ")
        elif line.startswith("seeder summary: "):
            run.summary = line.removeprefix("seeder summary: ")

    # -- reading, stopping ---------------------------------------------------------

    def get(self, run_id: str) -> Run:
        run = self.runs.get(run_id)
        if run is None:
            raise Problem(404, "No such run", f"no run {run_id[:40]!r} here; GET /runs lists them")
        return run

    def stop(self, run_id: str) -> Run:
        run = self.get(run_id)
        if run.status in ENDED:
            raise Problem(
                409, "Run ended", f"run {run.id} has ended ({run.status}); nothing to stop"
            )
        assert run.process is not None
        with contextlib.suppress(ProcessLookupError):
            # the first SIGINT stops taking commands (15 s grace); a second cancels them
            run.process.send_signal(signal.SIGINT)
        run.status = "stopping"
        return run

    def listing(self) -> list[dict[str, Any]]:
        return [r.shown(full=False) for r in reversed(self.runs.values())]

    def offered_names(self) -> list[dict[str, Any]]:
        return [
            {"name": o.name, "default": o is self.default, "allowed_targets": o.allowed_targets}
            for o in self.offered.values()
        ]

    async def close(self) -> None:
        """The server stops: every run still going is interrupted (journal kept)."""
        going = [r for r in self.runs.values() if r.status not in ENDED and r.process]
        for r in going:
            with contextlib.suppress(ProcessLookupError):
                assert r.process is not None
                r.process.send_signal(signal.SIGINT)
        if going:
            await asyncio.wait([asyncio.ensure_future(r.ended.wait()) for r in going], timeout=20)
        for r in going:
            if r.process is not None and r.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    r.process.kill()


def offered_of(path: Path, name: str | None = None) -> Offered:
    """A scenario file as ``POST /runs`` offers it (its allowed targets read now)."""
    from seeder.scenario.load import load_scenario

    scenario, _ = load_scenario(path)
    allowed = scenario.allowed_targets
    return Offered(
        name or path.stem,
        path.resolve(),
        None if allowed is None else tuple(allowed),
        scenario.source or str(path),
    )
