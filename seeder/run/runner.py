"""The runner: one flow for ``seeder run``, ``replay`` and ``--resume``.

A run resolves its target (guarded, checked for a listener), opens its journal
when the target is a URL (or refuses a resume that cannot be one), filters the
plan through the journal when resuming, sends it with the executor — SIGINT and
SIGTERM stop it gracefully — and reports through a :class:`View` (the console
draws; the runner only says what happened). Its outcome is an exit code: 0 all
done, 1 something not done (or planning failed part-way), 130 interrupted.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import shlex
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import anyio

from seeder.commands import Assumed
from seeder.errors import Problem, ScenarioError, SeederError, elide
from seeder.plan.items import PlanItem
from seeder.plan.shards import Partition, Shard
from seeder.ports import Port
from seeder.ports.health import Health
from seeder.ports.http import RetryPolicy
from seeder.run.bindings import Bindings
from seeder.run.executor import Executor
from seeder.run.guard import Guard, redact_url, url_userinfo
from seeder.run.journal import Journal, Mark, default_path, journal_exists
from seeder.run.loop import run_async
from seeder.run.results import Results
from seeder.run.sharding import ForeignDeps
from seeder.run.stats import RunStats, duration
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
ANNOUNCED_RUN = 100_000  # from this many commands, the plan's size is said before sending
LARGE_RUN = 10_000_000  # from this many, the run needs --yes
ASSUMED_RATE = 1_000.0  # commands/s for an estimate without --rate: the demo's (README)


@dataclass
class RunOptions:
    """How commands are sent: concurrency, rate, headers, client, timeouts, and
    which URLs the target guard allows."""

    concurrency: int = 32
    rate: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    timeout: float = 10.0
    adaptive: bool = True  # concurrency paced to the service, up to ``concurrency``
    retry_for: float = 90.0  # seconds one command keeps retrying (a restart of a minute)
    grace: float = 15.0  # seconds in-flight commands get to finish after SIGINT/SIGTERM
    allowed_targets: Sequence[str] | None = None  # the scenario's URL patterns
    allowed_from: str = "the scenario"  # where they were written, for messages
    allow_any_target: bool = False

    def pacing_words(self) -> str:
        """How the run paces itself and rides out failures, for its first line."""
        pace = (
            f"concurrency paced to the service, up to {self.concurrency}"
            if self.adaptive
            else f"concurrency {self.concurrency}"
        )
        if not self.retry_for:
            return f"{pace}; transient failures not retried"
        return (
            f"{pace}; transient failures retried for up to {self.retry_for:g}s per command "
            "(rides out a service restart)"
        )

    def target_options(self) -> TargetOptions:
        return TargetOptions(
            concurrency=self.concurrency,
            headers=self.headers,
            http_client=self.http_client,
            policy=RetryPolicy(
                attempts=RetryPolicy().attempts if self.retry_for else 1,
                timeout=self.timeout,
                total_seconds=self.retry_for,
            ),
            guard=Guard(self.allowed_targets, self.allowed_from, self.allow_any_target),
            check_reachable=True,
        )


def open_target(target: str, options: RunOptions, model: Model | None) -> Target:
    """Resolves a run's target name (use it in ``with``: it owns what it starts)."""
    return resolve_target(target, options.target_options(), model=model)


class Progress(Protocol):
    """Told of every item's end (created, rejected, failed, skipped, uncertain,
    earlier); entered for the run's duration. ``retrying`` is called every
    ``every`` seconds while commands are retrying (the service is failing)."""

    every: float

    def __call__(self, item: PlanItem, what: str) -> None: ...

    def retrying(self, count: int, reason: str, seconds: float, budget: float) -> None: ...

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

    def annotate(self, lines: Sequence[str]) -> None:
        """CI annotations (GitHub Actions workflow commands), one per line."""
        ...

    def summary(self, stats: RunStats, code: int) -> None:
        """The run's last line: its outcome in one greppable line."""
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
    journal: Path | str | None = None  # None: the default path; str: a PostgreSQL DSN
    journal_on: bool = True
    resume: bool = False
    fresh: bool = False
    resend_uncertain: bool = False
    report: Path | None = None
    junit: Path | None = None
    yes: bool = False  # a run over LARGE_RUN commands goes ahead
    refresh: bool = False  # undo the journal's run first, then seed again
    shard: Shard | None = None  # send only this shard of the plan (seeder.plan.shards)
    shard_from: str = "--shard"  # where the shard was given (a flag, the environment)
    shard_wait: float = 600.0  # seconds to wait for an item another shard makes
    nonce: str | None = None  # replay: new idempotency keys and unique values

    def resume_command(self) -> str:
        """The command that continues this run."""
        words = ["seeder", self.command, str(self.source), "--target", redact_url(self.target)]
        if self.seed is not None:
            words += ["--seed", str(self.seed)]
        if self.scale != 1.0:
            words += ["--scale", str(self.scale)]
        if self.journal is not None:
            words += ["--journal", redact_url(str(self.journal))]
        if self.shard is not None:
            words += ["--shard", str(self.shard)]
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
        if s.refresh and (s.resume or s.fresh or not s.journal_on):
            raise SeederError(
                "--refresh undoes the journal's run and seeds again: it cannot go with "
                + ("--resume" if s.resume else "--fresh" if s.fresh else "--no-journal")
                + " (to continue a refresh, run the same --refresh again)"
            )
        if s.refresh and not s.target.startswith(("http://", "https://")):
            raise SeederError(
                f"--refresh needs a URL target: {s.target} starts empty on every run, so "
                "there is nothing to undo"
            )
        if s.shard is not None and s.refresh:
            raise SeederError(
                f"--refresh cannot go with a shard ({s.shard}, from {s.shard_from}) yet: "
                "refresh with one process (it undoes and seeds the whole plan)"
            )
        if s.shard is not None and not s.journaled:
            raise SeederError(
                f"shard {s.shard} (from {s.shard_from}) needs a journal all shards share, to "
                "resolve references between them: give a URL --target and --journal "
                "postgresql://... (or a file the processes of one machine share)"
            )
        if not s.target.startswith(("http://", "https://")) and (s.resume or s.journal):
            raise SeederError(
                f"--resume and --journal need a URL target: {s.target} starts empty (or "
                "anew) on every run, so there is nothing to resume into"
            )

    def run_model(self, model: Model) -> int:
        """Plans ``model`` and sends it."""
        from seeder.plan.planner import plan_items

        self._check_size(model)
        options = self.settings.options
        options.allowed_targets = model.scenario.allowed_targets
        options.allowed_from = model.scenario.source or "the scenario"
        generation = 0
        if self.settings.refresh:
            previous = self._undo_previous()
            if previous is None:
                return EXIT_NOT_ALL_DONE
            generation = previous + 1
        items: Iterable[PlanItem] = plan_items(model)
        partition = None
        if self.settings.shard is not None:
            partition = Partition(self.settings.shard.total, model.expected_total())
            items = partition.filter(items, self.settings.shard)
        return self._execute(model, items, Bindings.of_model(model), generation, partition)

    def journal_location(self) -> Path | str:
        """The run's journal: ``--journal``, or the default file of the scenario and
        target."""
        return self._journal_path()

    def _journal_path(self) -> Path | str:
        s = self.settings
        return s.journal or default_path(s.source, s.target, self.environ)

    def undo(self) -> int:
        """``seeder undo``: deletes what the journal's run created, dependents first."""
        if not self._finish_previous():
            return EXIT_NOT_ALL_DONE
        journal = Journal.start_undo(self._journal_path(), redact_url(self.settings.target))
        code, _ = self._undo(journal)
        return code

    def _undo_previous(self) -> int | None:
        """``--refresh``, first half: undoes the journal's run (if any); its generation,
        or None when something of it remains (then nothing is seeded)."""
        path = self._journal_path()
        if not journal_exists(path):
            self.view.note(
                f"seeder: --refresh: no journal at {redact_url(str(path))}, nothing to undo"
            )
            return -1
        if not self._finish_previous():
            return None
        journal = Journal.start_undo(path, redact_url(self.settings.target))
        code, generation = self._undo(journal)
        if code != EXIT_OK:
            self.view.note(
                "seeder: --refresh: the previous run is not completely undone, so nothing "
                "was seeded again; run the same command again to continue"
            )
            return None
        return generation

    def _finish_previous(self) -> bool:
        """A run that did not finish may have had commands applied whose answers the
        journal lost (its last batch, those in flight): it is resumed first, with
        its own seed and scale, so everything it sent is known before it is undone
        (the service answers what it applied by idempotency key or lookup)."""
        path = self._journal_path()
        meta = Journal.read_meta(path) if journal_exists(path) else {}
        status = meta.get("status")
        if status is None or status in ("finished", "undone", "undoing", "undo-partial"):
            return True
        from seeder.model import load_model

        seed, scale = int(meta["seed"]), float(meta["scale"])
        self.view.note(
            f"seeder: the run journaled in {redact_url(str(path))} did not finish ({status}): "
            "resuming it "
            "first, so that every command it sent is known before it is undone"
        )
        settings = dataclasses.replace(
            self.settings, resume=True, refresh=False, fresh=False, seed=seed, scale=scale
        )
        settings = dataclasses.replace(settings, report=None, journal=path)
        from seeder.ports.existing import read_records

        model = load_model(settings.source, scale=scale, seed=seed)
        model = read_records(model, settings.target, settings.options.headers, self.environ)
        return Runner(settings, self.view, self.environ).run_model(model) != EXIT_INTERRUPTED

    def _undo(self, journal: Journal) -> tuple[int, int]:
        from seeder.run.undo import undo_plan

        s, view = self.settings, self.view
        generation = journal.generation
        status = "interrupted"
        try:
            done, undone = journal.done_in_order()
            run = f"{journal.identity.get('fingerprint', '')}~{generation}"
            plan = undo_plan(done, undone, run)
            results, stats = Results(), RunStats()
            for key in plan.kept_keys:
                results.failed(key)
            for key in plan.undone_keys:
                results.done(key, {})
            with open_target(s.target, s.options, None) as target:
                view.note(
                    f"seeder: undoing the run journaled in {journal.where} at "
                    f"{target.description}: {len(plan.items):,} to delete"
                    + (f", {len(plan.undone_keys):,} deleted earlier" if plan.undone_keys else "")
                )
                progress = view.progress(None)
                with progress:
                    run_async(
                        functools.partial(
                            run_items,
                            journal=journal,
                            results=results,
                            signals=True,
                            done_mark=Mark.UNDONE,
                        ),
                        plan.items,
                        target.port(),
                        plan.bindings,
                        s.options,
                        stats,
                        progress,
                    )
                view.report(stats, None)
            for entity, n in sorted(plan.kept.items()):
                view.note(
                    f"seeder: undo kept {n:,} {entity}: its binding declares no Undo "
                    "(add undo=Undo(...) to its HttpBinding), so what it refers to stays too"
                )
            deleted = stats.total.created
            view.note(f"seeder: undo deleted {deleted:,} (and {len(plan.undone_keys):,} earlier)")
            complete = stats.ok and not plan.kept
            if stats.interrupted:
                view.note(f"seeder: undo interrupted by {stats.interrupted}; run it again to go on")
                return EXIT_INTERRUPTED, generation
            status = "undone" if complete else "undo-partial"
            return (EXIT_OK if complete else EXIT_NOT_ALL_DONE), generation
        finally:
            journal.close(status)

    def _check_size(self, model: Model) -> None:
        """Says how big a large run is and how long it may take; refuses one over
        LARGE_RUN commands unless --yes."""
        expected = model.expected_total()
        if expected < ANNOUNCED_RUN:
            return
        rate = self.settings.options.rate or ASSUMED_RATE
        how = "--rate" if self.settings.options.rate else "an assumed"
        took = duration(expected / rate)
        if expected > LARGE_RUN and not self.settings.yes:
            raise SeederError(
                f"this run plans ~{expected:,.0f} commands (about {took} at {how} "
                f"{rate:,.0f}/s), more than {LARGE_RUN:,}; add --yes to send them, "
                "or lower --scale"
            )
        self.view.note(
            f"seeder: planned ~{expected:,.0f} commands; about {took} at {how} {rate:,.0f}/s"
        )

    def replay(self) -> int:
        """Sends the command log at ``settings.source`` (a JSONL file, or a CSV
        log's folder)."""
        from seeder.run.logs import open_log

        path = self.settings.source
        shown = elide(str(path))
        try:
            found = path.is_file() or path.is_dir()
            if path.is_dir():
                path = path / "manifest.json"
            if found:
                path.open("rb").close()  # readable now, not after the first sends
        except OSError as exc:
            raise SeederError(
                f"cannot read the command log {shown}: {exc.strerror}; check the path and "
                "its permissions"
            ) from None
        if not found:
            raise SeederError(f"command log not found: {shown}; check the path")
        self.settings.options.allowed_from = "a replayed command log"
        bindings, items, _ = open_log(self.settings.source, self.settings.nonce)
        return self._execute(None, items, bindings)

    def _execute(
        self,
        model: Model | None,
        items: Iterable[PlanItem],
        bindings: Bindings,
        generation: int = 0,
        partition: Partition | None = None,
    ) -> int:
        stats = RunStats()
        if model is not None:
            stats.track(model)
        code = self._send(model, items, bindings, stats, generation, partition)
        self._write_reports(stats, model)
        self.view.summary(stats, code)
        return code

    def _send(
        self,
        model: Model | None,
        items: Iterable[PlanItem],
        bindings: Bindings,
        stats: RunStats,
        generation: int = 0,
        partition: Partition | None = None,
    ) -> int:
        s, view = self.settings, self.view
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
            settle: set[str] = set()
            journal = self._open_journal(model, bindings, generation) if s.journaled else None
            if journal is not None and journal.generation:  # a refreshed run: new keys
                items = _of_generation(items, journal.generation)
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
                    settle=settle,
                    on_done=progress,
                )
            foreign = None
            if partition is not None and journal is not None and s.shard is not None:
                foreign = ForeignDeps(journal, partition, s.shard, results, stats, s.shard_wait)
                view.note(
                    f"seeder: shard {s.shard} (from {s.shard_from}): sending its part of the "
                    f"plan; what other shards make is read from the journal {journal.where}"
                )
            view.note(f"seeder: sending to {target.description}; {s.options.pacing_words()}")
            status = "failed"
            try:
                with progress:
                    run_async(
                        functools.partial(
                            run_items,
                            journal=journal,
                            results=results,
                            reacquire=reacquire,
                            settle=settle,
                            signals=True,
                            foreign=foreign,
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
                where = f"; the journal {journal.where} keeps what was done" if journal else ""
                view.note(f"seeder: stopped part-way: {exc}{where}")
                return EXIT_NOT_ALL_DONE
            finally:
                if journal is not None:
                    journal.close(status)
            view.report(stats, model)
            if foreign is not None and partition is not None:
                view.note(_shard_words(s.shard, partition, foreign))
            if target.counts is not None:
                view.counts({k: v for k, v in target.counts().items() if v})
        if stats.interrupted or stats.stopped:
            if stats.interrupted:
                view.note(f"seeder: interrupted by {stats.interrupted}")
            else:
                view.note(f"seeder: stopped: {stats.stopped}; nothing more was sent")
            if journal is not None:
                view.note(
                    f"seeder: journal kept at {journal.where}; resume with: {s.resume_command()}"
                )
            return EXIT_INTERRUPTED if stats.interrupted else EXIT_NOT_ALL_DONE
        return EXIT_OK if stats.ok else EXIT_NOT_ALL_DONE

    def _open_journal(
        self, model: Model | None, bindings: Bindings, generation: int = 0
    ) -> Journal:
        from seeder.run.resume import log_identity, run_identity

        s = self.settings
        source = s.source  # a replay under a nonce is another run: its own journal
        if s.nonce:
            source = source.with_name(f"{source.stem}~{s.nonce}{source.suffix}")
        path = s.journal or default_path(source, s.target, self.environ)
        shown = redact_url(s.target)  # the identity is stored: never a password
        of = f"of {s.shard.total}" if s.shard is not None else "1/1"  # the same for all shards
        identity = (
            run_identity(model, shown, of) if model is not None else log_identity(s.source, shown)
        )
        if s.nonce:
            identity["nonce"] = s.nonce
        secrets = {
            entity: frozenset({cred.name}) for entity, cred in bindings.credential_of_entity.items()
        }
        journal = Journal.start(
            path,
            identity,
            resume=s.resume,
            fresh=s.fresh or generation > 0,
            secrets=secrets,
            generation=generation,
            resume_hint=f"'{s.resume_command()}'",
            shard=s.shard.index if s.shard is not None else 0,
        )
        self.view.note(f"seeder: journal {journal.where}")
        return journal

    def _write_reports(self, stats: RunStats, model: Model | None) -> None:
        from seeder.run.ci import github_annotations, junit_xml

        s = self.settings
        if s.report is not None:
            _write(s.report, stats.to_json(model) + "\n")
        if s.junit is not None:
            _write(s.junit, junit_xml(stats, model, s.source.stem))
        if self.environ.get("GITHUB_ACTIONS") == "true":
            self.view.annotate(github_annotations(stats, model, str(s.source)))


def _shard_words(shard: Shard | None, partition: Partition, foreign: ForeignDeps) -> str:
    """The shard's last note: its share of the plan and of cross-shard references."""
    mine = partition.load[shard.index - 1] if shard is not None else 0
    return (
        f"seeder: shard {shard}: {mine:,} of the plan's {partition.assigned:,} items; "
        f"{partition.cross_share:.1%} of the plan's references cross shards; waited for "
        f"{foreign.waited:,} made by other shards"
    )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SeederError(f"cannot write the report {path}: {exc.strerror}") from exc


def _of_generation(items: Iterable[PlanItem], generation: int) -> Iterator[PlanItem]:
    """The plan's items with idempotency keys of this generation: a refreshed run
    is new to a service that stored the keys of the run it replaced."""
    suffix = f"~{generation}"
    for item in items:
        item.idempotency_key += suffix
        yield item


def _check_http_bindings(model: Model, bindings: Bindings) -> None:
    """Every command the plan sends to a URL has an HTTP binding: said at the
    command's class in its commands module, before anything is sent."""
    problems = []
    for em in model.created():
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
    settle: set[str] | None = None,
    signals: bool = False,
    done_mark: Mark | None = None,
    foreign: ForeignDeps | None = None,
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
        settle=settle,
        adaptive=options.adaptive,
        timeout=options.timeout,
        done_mark=done_mark,
        foreign=foreign,
    )
    if journal is not None and journal.prior_written_at:
        # the killed run's requests may still be in the service for one timeout (the
        # longest a binding with a lookup gives its command)
        since = time.time() - journal.prior_written_at
        longest = max(
            [options.timeout]
            + [
                b.http.timeout
                for b in bindings.by_command.values()
                if b.http is not None and b.http.lookup is not None and b.http.timeout
            ]
        )
        executor.recovery.quiet_until = time.monotonic() + max(0.0, longest - since)
    try:
        async with anyio.create_task_group() as tg:
            with anyio.CancelScope() as scope:
                if journal is not None:
                    tg.start_soon(journal.keep_flushing)
                if foreign is not None:
                    tg.start_soon(foreign.run)
                if signals:
                    tg.start_soon(_stop_on_signal, executor, scope, options.grace)
                health = getattr(port, "health", None)
                if isinstance(health, Health):
                    tg.start_soon(_watch, executor, health, progress, scope, options)
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


async def _watch(
    executor: Executor,
    health: Health,
    progress: Callable[[PlanItem, str], None] | None,
    scope: anyio.CancelScope,
    options: RunOptions,
) -> None:
    """Once a second: while commands retry, a line every ``progress.every``
    seconds saying how many, why and for how long; when the service answered
    nothing through a whole retry budget, the run stops as on SIGTERM (no new
    command; those in flight get the grace to end), journal kept, exit 1."""
    said = time.monotonic()
    retrying = getattr(progress, "retrying", None)
    every = float(getattr(progress, "every", 5.0) or 5.0)
    while True:
        await anyio.sleep(min(1.0, every))
        if health.down is not None:  # the executor halts at once if it sees it first
            if not executor.halted:
                executor.halt(health.down)
            scope.deadline = anyio.current_time() + options.grace
            return
        if executor.stopping:  # a signal: _stop_on_signal has it
            return
        now = time.monotonic()
        if health.retrying and retrying is not None and now - said >= every:
            said = now
            retrying(health.retrying, health.reason, health.silent_for(), options.retry_for)


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
    return run_async(
        run_items, plan_items(model), port, Bindings.of_model(model), options, stats, progress
    )
