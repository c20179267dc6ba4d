"""The runner: one flow for ``seeder run``, ``replay`` and ``--resume``.

A run resolves its target (guarded, checked for a listener), opens its journal
when the target is a URL (or refuses a resume that cannot be one), filters the
plan through the journal when resuming, sends it with the executor — SIGINT and
SIGTERM stop it gracefully — and reports through a :class:`View` (the console
draws; the runner only says what happened). Its outcome is an exit code: 0 all
done, 1 something not done (or planning failed part-way), 130 interrupted.
"""

from __future__ import annotations

import functools
import inspect
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio

from seeder.commands import Assumed
from seeder.errors import Problem, ScenarioError, SeederError
from seeder.plan.items import PlanItem
from seeder.ports import Port
from seeder.ports.http import RetryPolicy
from seeder.run.bindings import Bindings
from seeder.run.executor import Executor
from seeder.run.guard import Guard, redact_url, url_userinfo
from seeder.run.journal import Journal, default_path
from seeder.run.results import Results
from seeder.run.stats import RunStats
from seeder.run.targets import Target, TargetOptions, resolve_target
from seeder.scenario.modules import shown_path

if TYPE_CHECKING:
    from seeder.model import Model

__all__ = [
    "Progress",
    "RunOptions",
    "RunSettings",
    "Runner",
    "View",
    "open_target",
    "run_items",
    "run_model",
]

EXIT_OK, EXIT_NOT_ALL_DONE, EXIT_INTERRUPTED = 0, 1, 130


@dataclass
class RunOptions:
    """How commands are sent: concurrency, rate, headers, client, timeouts, and
    which URLs the target guard allows."""

    concurrency: int = 32
    rate: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    timeout: float = 10.0
    grace: float = 15.0  # seconds in-flight commands get to finish after SIGINT/SIGTERM
    allowed_targets: Sequence[str] | None = None  # the scenario's URL patterns
    allowed_from: str = "the scenario"  # where they were written, for messages
    allow_any_target: bool = False

    def target_options(self) -> TargetOptions:
        return TargetOptions(
            concurrency=self.concurrency,
            headers=self.headers,
            http_client=self.http_client,
            policy=RetryPolicy(timeout=self.timeout),
            guard=Guard(self.allowed_targets, self.allowed_from, self.allow_any_target),
            check_reachable=True,
        )


def open_target(target: str, options: RunOptions, model: Model | None) -> Target:
    """Resolves a run's target name (use it in ``with``: it owns what it starts)."""
    return resolve_target(target, options.target_options(), model=model)


class Progress(Protocol):
    """Told of every item's end (created, rejected, failed, skipped, uncertain,
    earlier); entered for the run's duration."""

    def __call__(self, item: PlanItem, what: str) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...


class View(Protocol):
    """What the person watching a run is told (the console draws it)."""

    def progress(self, model: Model | None) -> Progress: ...

    def note(self, line: str) -> None:
        """One line about the run (on stderr)."""
        ...

    def report(self, stats: RunStats, model: Model | None) -> None: ...

    def counts(self, counts: Mapping[str, int]) -> None:
        """What the service holds now (the embedded demo)."""
        ...


@dataclass(frozen=True)
class RunSettings:
    """One run as the user asked for it (the CLI's flags)."""

    command: Literal["run", "replay"]
    source: Path  # the scenario or the command log
    target: str
    options: RunOptions = field(default_factory=RunOptions)
    seed: int | None = None  # given on the command line (to repeat it in a resume)
    scale: float = 1.0
    journal: Path | None = None  # None: the default path, when journaled
    journal_on: bool = True
    resume: bool = False
    fresh: bool = False
    resend_uncertain: bool = False
    report: Path | None = None

    def resume_command(self) -> str:
        """The command that continues this run."""
        words = ["seeder", self.command, str(self.source), "--target", redact_url(self.target)]
        if self.seed is not None:
            words += ["--seed", str(self.seed)]
        if self.scale != 1.0:
            words += ["--scale", str(self.scale)]
        if self.journal is not None:
            words += ["--journal", str(self.journal)]
        return shlex.join([*words, "--resume"])

    @property
    def journaled(self) -> bool:
        return self.target.startswith(("http://", "https://")) and self.journal_on


class Runner:
    """Runs a model's plan or a command log with the given settings."""

    def __init__(self, settings: RunSettings, view: View, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self.view = view
        self.environ = environ
        self._check_flags()

    def _check_flags(self) -> None:
        s = self.settings
        if s.resume and (s.fresh or not s.journal_on):
            raise SeederError(
                "--resume continues the journal's run: it cannot go with "
                + ("--fresh" if s.fresh else "--no-journal")
            )
        if s.resend_uncertain and not s.resume:
            raise SeederError(
                "--uncertain resend decides what a --resume does with commands that may "
                "have been applied; add --resume, or drop --uncertain"
            )
        if not s.target.startswith(("http://", "https://")) and (s.resume or s.journal):
            raise SeederError(
                f"--resume and --journal need a URL target: {s.target} starts empty (or "
                "anew) on every run, so there is nothing to resume into"
            )

    def run_model(self, model: Model) -> int:
        """Plans ``model`` and sends it."""
        from seeder.plan.planner import plan_items

        options = self.settings.options
        options.allowed_targets = model.scenario.allowed_targets
        options.allowed_from = model.scenario.source or "the scenario"
        return self._execute(model, plan_items(model), Bindings.of_model(model))

    def replay(self) -> int:
        """Sends the command log at ``settings.source``."""
        from seeder.plan.commandlog import read_log

        path = self.settings.source
        if not path.is_file():
            raise SeederError(f"command log not found: {path}; check the path")
        self.settings.options.allowed_from = "a replayed command log"
        bindings = Bindings()
        return self._execute(None, read_log(path, bindings.learn), bindings)

    def _execute(self, model: Model | None, items: Iterable[PlanItem], bindings: Bindings) -> int:
        s, view = self.settings, self.view
        stats = RunStats()
        if model is not None:
            stats.track(model)
        _check_url_credentials(s.target, s.options, bindings)
        if model is not None and s.target.startswith(("http://", "https://")):
            _check_http_bindings(model, bindings)
            assumed = _idempotency_assumed(model)
            if assumed:
                view.note(assumed)
        with open_target(s.target, s.options, model) as target:
            progress = view.progress(model)
            results = Results()
            reacquire: set[str] = set()
            journal = self._open_journal(model, bindings) if s.journaled else None
            if journal is not None and s.resume:
                from seeder.run.resume import resume_items

                items = resume_items(
                    items,
                    journal,
                    results,
                    stats,
                    bindings,
                    resend_uncertain=s.resend_uncertain,
                    reacquire=reacquire,
                    on_done=progress,
                )
            view.note(f"seeder: sending to {target.description}")
            status = "failed"
            try:
                with progress:
                    anyio.run(
                        functools.partial(
                            run_items,
                            journal=journal,
                            results=results,
                            reacquire=reacquire,
                            signals=True,
                        ),
                        items,
                        target.port(),
                        bindings,
                        s.options,
                        stats,
                        progress,
                    )
                status = "interrupted" if stats.interrupted else "finished"
            except SeederError as exc:
                if not stats.total.created + stats.total.rejected + stats.total.failed:
                    raise  # nothing was sent: an input error, exit 2
                # planning failed part-way (a unique space ran dry): say what was done
                stats.finish()
                view.report(stats, model)
                where = f"; the journal {journal.path} keeps what was done" if journal else ""
                view.note(f"seeder: stopped part-way: {exc}{where}")
                return EXIT_NOT_ALL_DONE
            finally:
                if journal is not None:
                    journal.close(status)
            view.report(stats, model)
            if target.counts is not None:
                view.counts({k: v for k, v in target.counts().items() if v})
        self._write_report(stats, model)
        if stats.interrupted:
            view.note(f"seeder: interrupted by {stats.interrupted}")
            if journal is not None:
                view.note(
                    f"seeder: journal kept at {journal.path}; resume with: {s.resume_command()}"
                )
            return EXIT_INTERRUPTED
        return EXIT_OK if stats.ok else EXIT_NOT_ALL_DONE

    def _open_journal(self, model: Model | None, bindings: Bindings) -> Journal:
        from seeder.run.resume import log_identity, run_identity

        s = self.settings
        path = s.journal or default_path(s.source, s.target, self.environ)
        shown = redact_url(s.target)  # the identity is stored: never a password
        identity = (
            run_identity(model, shown) if model is not None else log_identity(s.source, shown)
        )
        secrets = {
            entity: frozenset({cred.name}) for entity, cred in bindings.credential_of_entity.items()
        }
        journal = Journal.start(
            path,
            identity,
            resume=s.resume,
            fresh=s.fresh,
            secrets=secrets,
            resume_hint=f"'{s.resume_command()}'",
        )
        self.view.note(f"seeder: journal {path}")
        return journal

    def _write_report(self, stats: RunStats, model: Model | None) -> None:
        report = self.settings.report
        if report is None:
            return
        try:
            report.write_text(stats.to_json(model) + "\n", encoding="utf-8")
        except OSError as exc:
            raise SeederError(f"cannot write the report {report}: {exc.strerror}") from exc


def _check_http_bindings(model: Model, bindings: Bindings) -> None:
    """Every command the plan sends to a URL has an HTTP binding: said at the
    command's class in its commands module, before anything is sent."""
    problems = []
    for em in model.entities.values():
        name = em.command.__name__
        if bindings.by_command.get(name) is None or bindings.by_command[name].http is None:
            try:
                file: str | None = inspect.getsourcefile(em.command)
                line: int | None = inspect.getsourcelines(em.command)[1]
            except (OSError, TypeError):
                file, line = None, None
            problems.append(
                Problem(
                    f"command {name} (entity {em.name}) has no HTTP binding, and the target "
                    "is a URL; add @bind(http=HttpBinding(...)) to it",
                    shown_path(file) if file else None,
                    line,
                )
            )
    if problems:
        raise ScenarioError(problems)


def _idempotency_assumed(model: Model) -> str | None:
    """The note, said once per run, when some bindings leave unsaid whether the
    service honours Idempotency-Key (then assumed: a rerun of the same plan against a
    service that ignores the key would create everything again)."""
    unsaid = []
    for em in model.entities.values():
        http = em.http
        if http is not None and isinstance(http.idempotent, Assumed):
            where = (
                f" ({shown_path(http.defined_at[0])}:{http.defined_at[1]})"
                if http.defined_at
                else ""
            )
            unsaid.append(f"{em.command.__name__}{where}")
    if not unsaid:
        return None
    shown = ", ".join(dict.fromkeys(unsaid))
    return (
        f"seeder: note: assuming the service honours Idempotency-Key for {shown}; if it "
        "does not, running this plan again creates duplicates: say idempotent=True or "
        "False in each binding"
    )


def _check_url_credentials(target: str, options: RunOptions, bindings: Bindings) -> None:
    """A user and password in the target URL are sent as ``Authorization: Basic``;
    refused when another Authorization would replace them on some commands."""
    if not url_userinfo(target):
        return
    if any(name.lower() == "authorization" for name in options.headers):
        raise SeederError(
            f"target {redact_url(target)} carries a user and password and --header gives "
            "an Authorization too; keep one of them"
        )
    for entity, cred in bindings.credential_of_entity.items():
        if cred.header.lower() == "authorization":
            raise SeederError(
                f"target {redact_url(target)} carries a user and password (sent as "
                f"Authorization: Basic), but the commands sent on behalf of {entity} present "
                "their credential in Authorization; drop the user and password from the URL "
                "(or give the service's credential another header)"
            )


async def run_items(
    items: Iterable[PlanItem],
    port: Port,
    bindings: Bindings,
    options: RunOptions,
    stats: RunStats,
    progress: Callable[[PlanItem, str], None] | None = None,
    *,
    journal: Journal | None = None,
    results: Results | None = None,
    reacquire: set[str] | None = None,
    signals: bool = False,
) -> RunStats:
    """Sends ``items``. With ``signals`` (the CLI, in the main thread), SIGINT and
    SIGTERM stop the run gracefully: no new item is taken, those in flight get
    ``options.grace`` seconds to finish (a second signal cancels them at once), and
    ``stats.interrupted`` names the signal. With a ``journal``, outcomes are
    committed in batches while the run goes."""
    executor = Executor(
        port,
        bindings,
        concurrency=options.concurrency,
        rate=options.rate,
        results=results,
        stats=stats,
        on_done=progress,
        journal=journal,
        reacquire=reacquire,
    )
    try:
        async with anyio.create_task_group() as tg:
            with anyio.CancelScope() as scope:
                if journal is not None:
                    tg.start_soon(journal.keep_flushing)
                if signals:
                    tg.start_soon(_stop_on_signal, executor, scope, options.grace)
                await executor.run(items)
            tg.cancel_scope.cancel()
        return stats
    except BaseExceptionGroup as group:  # from the task group: surface our own error alone
        own = _first(group, (SeederError, KeyboardInterrupt))
        if own is not None:
            raise own from None
        raise
    finally:
        await port.aclose()


async def _stop_on_signal(executor: Executor, scope: anyio.CancelScope, grace: float) -> None:
    import signal

    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
        async for signum in received:
            if executor.stopping:  # a second signal: stop waiting for the in-flight
                scope.cancel()
                return
            executor.stats.interrupted = signal.Signals(signum).name
            executor.stop()
            scope.deadline = anyio.current_time() + grace


def _first(
    group: BaseExceptionGroup[Any], kinds: tuple[type[BaseException], ...]
) -> BaseException | None:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            inner = _first(exc, kinds)
            if inner is not None:
                return inner
        elif isinstance(exc, kinds):
            return exc
    return None


def run_model(
    model: Model,
    port: Port,
    options: RunOptions | None = None,
    progress: Callable[[PlanItem, str], None] | None = None,
) -> RunStats:
    """Plans ``model`` and sends it through ``port``; returns the run's statistics."""
    from seeder.plan.planner import plan_items

    options = options or RunOptions()
    stats = RunStats()
    stats.track(model)
    return anyio.run(
        run_items, plan_items(model), port, Bindings.of_model(model), options, stats, progress
    )
