"""The ``seeder`` command line: a thin shell over the library.

It parses arguments, calls the library, and turns ``SeederError`` into one clear
message and an exit code (DESIGN.md: 0 done, 1 some rejected, 2 invalid input,
130 interrupted).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from seeder import __version__, flags
from seeder.errors import ScenarioError, SeederError
from seeder.examples import is_packaged

if TYPE_CHECKING:
    from seeder.plan.shards import Shard
    from seeder.run.runner import Runner


@contextlib.contextmanager
def _output(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        handle = Path(path).open("w", encoding="utf-8", newline="\n")  # noqa: SIM115
    except OSError as exc:
        raise SeederError(f"cannot write {path}: {exc.strerror}; choose another --out") from exc
    with handle:
        yield handle


@contextlib.contextmanager
def _start_up() -> Iterator[None]:
    """Loading and checking a scenario without the cyclic garbage collector.

    Start-up imports pydantic, Faker, PyYAML and the commands module, and compiles
    the model: ~1 million objects, nearly all kept for the whole process, that the
    collector would otherwise walk again at every generation threshold (~3% of a
    ``seeder validate``'s instructions). The collector is on again, as it was,
    for the work that follows (planning, sending)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan(args: argparse.Namespace) -> int:
    from seeder.model import load_model
    from seeder.plan.checks import check_sample, check_size
    from seeder.plan.commandlog import CsvCommandLog, JsonlCommandLog
    from seeder.plan.manifest import manifest_of
    from seeder.plan.planner import plan_items
    from seeder.plan.reads import read_bindings, with_reads
    from seeder.ports.existing import read_records

    with _start_up():
        model = load_model(args.scenario, scale=args.scale, seed=args.seed)
        check_size(model)
        model = read_records(model, args.target or model.scenario.target)
        check_size(model)  # again: children of the records read count now
        check_sample(model)
    reads = read_bindings(model) if args.reads else {}
    if args.reads and args.format == "csv":
        raise SeederError("--reads writes a JSONL log; drop --format csv")
    if args.reads and not reads:
        raise SeederError(
            f"--reads: no binding of {args.scenario} declares reads; add "
            "reads=(Read('/books/{id}'),) to the HttpBinding of what should be read"
        )
    partition = None
    shard, shard_from = _shard(args)
    if shard is None and not args.reads and args.format != "csv":
        # the common case: the planner writes each line as it makes it
        with _output(args.out) as out:
            jsonl = JsonlCommandLog(model, out, manifest_of(model, reads))
            count = jsonl.write_plan(model)
            jsonl.close()
        if args.out != "-":
            print(f"planned {count} commands -> {args.out}", file=sys.stderr)
        return 0
    items = plan_items(model)
    if shard is not None:
        from seeder.plan.shards import Partition

        partition = Partition(shard.total, model.expected_total())
        items = partition.filter(items, shard)
    if args.format == "csv":
        if args.out == "-":
            raise SeederError(
                "--format csv writes one file per command type; give a folder with --out DIR"
            )
        log = CsvCommandLog(model, Path(args.out))
        try:
            count = log.write_all(items)
        finally:
            log.close()
    else:
        with _output(args.out) as out:
            jsonl = JsonlCommandLog(model, out, manifest_of(model, reads))
            if args.reads:
                items = with_reads(model, items, args.reads, jsonl)
            count = jsonl.write_all(items)
            jsonl.close()
    if args.out != "-":
        print(f"planned {count} commands -> {args.out}", file=sys.stderr)
    if partition is not None:
        print(
            f"seeder: shard {shard} (from {shard_from}): {count:,} of {partition.assigned:,} "
            f"commands; {partition.cross_share:.1%} of the plan's references cross shards",
            file=sys.stderr,
        )
    return 0


def _shard(args: argparse.Namespace) -> tuple[Shard | None, str]:
    """The shard asked by ``--shard``, else by the environment (see
    :func:`seeder.plan.shards.shard_from_environ`); one shard of one is none."""
    from seeder.plan.shards import parse_shard, shard_from_environ

    if getattr(args, "shard", None):
        shard = parse_shard(args.shard)
        return (shard if shard.total > 1 else None), "--shard"
    return shard_from_environ(os.environ)


def _validate(args: argparse.Namespace) -> int:
    with _start_up():
        return _validated(args)


def _validated(args: argparse.Namespace) -> int:
    from seeder.model import load_model
    from seeder.plan.checks import check_sample, check_size
    from seeder.ports.existing import reads_records

    model = load_model(args.scenario, scale=args.scale)
    check_size(model)
    existing = [n for n, em in model.entities.items() if em.existing is not None]
    if not reads_records(model):
        check_sample(model)
    if model.scenario.serve is not None:
        from seeder.serve.routes import site_of

        site_of(model)  # its serve: section's names, checked against the model
    print(f"{args.scenario}: valid (seed {model.scenario.seed}, fingerprint {model.fingerprint})")
    width = max(len(n) for n in model.entities)
    unread: set[str] = set()  # existing, or made per records not read yet: no count
    for name in model.order:
        em = model.entities[name]
        if (em.existing is not None and model.records is None) or em.parent in unread:
            unread.add(name)
        if em.parent is not None:
            how = f"per {em.parent}"
        elif em.count is not None:
            how = f"count {em.count}"
        elif em.existing is not None:
            how = "existing"
        else:
            how = "on demand"
        count = "?" if name in unread else f"~{em.expected:,.0f}"
        print(f"  {name:<{width}}  {em.command.__name__:<22} {how:<18} {count}")
    more = " and those made per existing records" if unread - set(existing) else ""
    print(f"  expected commands: ~{model.expected_total():,.0f}{more}")
    if existing:
        print(
            f"  existing ({', '.join(existing)}): read from the service when planning; the "
            "sample check of the commands runs then"
        )
    return 0


def _runner(args: argparse.Namespace, source: str, target: str) -> Runner:
    from seeder.console import TerminalView
    from seeder.run.guard import expand_headers
    from seeder.run.runner import Runner, RunOptions, RunSettings

    options = RunOptions(
        concurrency=args.concurrency,
        rate=args.rate,
        headers=expand_headers(args.header, os.environ),
        http_client=args.http_client,
        timeout=args.timeout,
        adaptive=args.adaptive,
        retry_for=args.retry_for,
        allow_any_target=args.allow_any_target,
    )
    shard, shard_from = _shard(args) if args.command == "run" else (None, "")
    settings = RunSettings(
        command="run" if args.command == "undo" else args.command,
        source=Path(source),
        target=target,
        options=options,
        seed=getattr(args, "seed", None),
        scale=getattr(args, "scale", 1.0),
        journal=_journal_location(args.journal),
        journal_on=getattr(args, "journal_on", True),
        resume=getattr(args, "resume", False),
        fresh=getattr(args, "fresh", False),
        resend_uncertain=getattr(args, "uncertain", "skip") == "resend",
        report=Path(args.report) if args.report else None,
        junit=Path(args.junit) if args.junit else None,
        yes=getattr(args, "yes", False),
        refresh=getattr(args, "refresh", False),
        shard=shard,
        shard_from=shard_from,
        shard_wait=getattr(args, "shard_wait", 600.0),
        nonce=getattr(args, "nonce", None),
    )
    live = not args.no_progress and sys.stdout.isatty()
    environ = dict(os.environ)
    if is_packaged(Path(source)):  # a bundled example: its journal goes here, not in the package
        environ.setdefault("SEEDER_JOURNAL_DIR", ".seeder")
    return Runner(settings, TerminalView(live), environ)


def _journal_location(text: str | None) -> Path | str | None:
    """``--journal``: a file path, or a PostgreSQL DSN kept as written."""
    if not text:
        return None
    return text if text.startswith(("postgresql://", "postgres://")) else Path(text)


def _run(args: argparse.Namespace) -> int:
    from seeder.model import load_model
    from seeder.plan.checks import check_sample, check_size
    from seeder.ports.existing import read_records

    with _start_up():
        model = load_model(args.scenario, scale=args.scale, seed=args.seed)
        check_size(model)
        target = args.target or model.scenario.target or "demo"
        runner = _runner(args, args.scenario, target)
        model = read_records(model, target, runner.settings.options.headers)
        check_size(model)  # again: children of the records read count now
        check_sample(model)
        sends_here = args.workers <= 1 and target.startswith(("http://", "https://"))
        if sends_here and args.http_client == "aiohttp":
            import aiohttp  # noqa: F401  # the first request's import, made here without the GC
    if args.workers > 1:
        return _run_workers(args, runner, model.expected_total())
    return runner.run_model(model)


def _run_workers(args: argparse.Namespace, runner: Runner, expected: float) -> int:
    """``--workers N``: N processes, one shard each (seeder.run.workers)."""
    from seeder.run.workers import run_workers

    s = runner.settings
    if not s.journaled or s.refresh:
        why = "--refresh" if s.refresh else f"the target {s.target}"
        if not s.journal_on:
            why = "--no-journal"
        raise SeederError(
            f"--workers {args.workers} cannot go with {why}: the workers share a URL target "
            "and a journal (the run's SQLite file, or --journal postgresql://...)"
        )
    return run_workers(
        args.argv,
        args.workers,
        s.shard,
        runner.journal_location(),
        expected,
        runner.view.note,
        s.report,
    )


def _undo(args: argparse.Namespace) -> int:
    from seeder.scenario.load import load_scenario

    scenario, _ = load_scenario(args.scenario)  # for its allowed targets
    runner = _runner(args, args.scenario, args.target)
    runner.settings.options.allowed_targets = scenario.allowed_targets
    runner.settings.options.allowed_from = scenario.source or "the scenario"
    return runner.undo()


def _replay(args: argparse.Namespace) -> int:
    return _runner(args, args.feed, args.target).replay()


def _examples(args: argparse.Namespace) -> int:
    from seeder.examples import copy_examples, example_names, examples_root

    if args.action == "copy":
        written = copy_examples(Path(args.folder), force=args.force)
        print(f"copied {len(written)} files into {args.folder}: commands/ and scenarios/")
        print(f"try: seeder run {Path(args.folder) / 'scenarios' / 'library.yaml'} --target demo")
        return 0
    root = examples_root()
    for name in example_names():
        print(f"{name:<10} {root / 'scenarios' / (name + '.yaml')}")
    print("run one with: seeder run NAME --target demo; edit them after: seeder examples copy DIR")
    return 0


def _init(args: argparse.Namespace) -> int:
    from seeder.scaffold import scaffold

    folder = Path(args.folder)
    written = scaffold(folder, force=args.force)
    print(f"seeder: wrote {len(written)} files into {folder}:")
    for path in written:
        print(f"  {path}")
    where = "" if args.folder == "." else f"cd {shlex.quote(args.folder)} && "
    print(f"next: {where}seeder run scenarios/tenants.yaml --target demo && python -m pytest")
    return 0


def _demo(args: argparse.Namespace) -> int:
    try:
        from seeder.demo.server import serve  # the optional 'demo' extra
    except ImportError as exc:
        raise SeederError(
            f"the demo service needs the 'demo' extra ({exc.name} is missing); "
            "install it with: pip install 'command-seeder[demo]'"
        ) from exc
    from seeder.demo.faults import FaultSpecError

    try:
        serve(
            host=args.host,
            port=args.port,
            db=args.db,
            faults=args.faults,
            ignore_idempotency_key=args.ignore_idempotency_key,
            block_seconds=args.block,
        )
    except FaultSpecError as exc:
        raise SeederError(str(exc)) from exc
    return 0


def _fit(args: argparse.Namespace) -> int:
    from seeder.fit.cli import fit_command

    return fit_command(args)


_SCENARIO_HELP = "a scenario file (YAML or Python), or a bundled example's name (seeder examples)"


def _serve(args: argparse.Namespace) -> int:
    from seeder.model import load_model
    from seeder.plan.checks import check_sample
    from seeder.ports.existing import read_records
    from seeder.serve.server import serve

    model = load_model(args.scenario, scale=args.scale, seed=args.seed)
    model = read_records(model, None)  # existing sql: records; get: has no target here
    check_sample(model)
    scenarios = Path(args.scenarios) if args.scenarios else None
    serve(
        model,
        host=args.host,
        port=args.port,
        runs=args.runs,
        scenarios=scenarios,
        max_runs=args.max_runs,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = flags.Parser(
        prog="seeder",
        description="Fill a running service with realistic, "
        "related test data through its own commands.",
    )
    parser.add_argument(
        "--version", action="version", version=f"seeder {__version__} (command-seeder)"
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=flags.Parser
    )

    plan = sub.add_parser("plan", help="write the command log of a scenario (no network)")
    plan.add_argument("scenario", type=flags.scenario, help=_SCENARIO_HELP)
    plan.add_argument("--seed", type=flags.seed, default=None, help="override the scenario's seed")
    plan.add_argument("--scale", type=flags.scale, default=1.0, help="multiply every root count")
    plan.add_argument(
        "--target",
        default=None,
        help="the service whose existing records (existing: get:) the plan picks among",
    )
    plan.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    plan.add_argument(
        "--reads",
        type=flags.reads,
        default=0,
        help="after the commands, N read requests over what they make, as popular as "
        "the scenario makes it (the bindings' reads=)",
    )
    plan.add_argument("--out", default="-", help="file (jsonl), folder (csv), or - for stdout")
    flags.shard_flag(plan)
    plan.set_defaults(handler=_plan)

    validate = sub.add_parser("validate", help="check a scenario and summarise it")
    validate.add_argument("scenario", type=flags.scenario, help=_SCENARIO_HELP)
    validate.add_argument("--scale", type=flags.scale, default=1.0)
    validate.set_defaults(handler=_validate)

    run = sub.add_parser("run", help="send a scenario's commands to a service")
    run.add_argument("scenario", type=flags.scenario, help=_SCENARIO_HELP)
    run.add_argument(
        "--target", default=None, help="URL, demo (default), demo:inprocess, demo:asgi or file:PATH"
    )
    run.add_argument("--seed", type=flags.seed, default=None, help="override the scenario's seed")
    run.add_argument("--scale", type=flags.scale, default=1.0, help="multiply every root count")
    flags.execution_flags(run)
    run.set_defaults(handler=_run)

    flags.shard_flag(run)
    run.add_argument(
        "--workers",
        type=flags.workers,
        default=1,
        metavar="N|auto",
        help="run N processes on this machine, one shard each, sharing the journal "
        "(auto: one per core; default 1)",
    )
    run.add_argument(
        "--shard-wait",
        type=flags.shard_wait_seconds,
        default=600.0,
        metavar="SECONDS",
        help="how long a shard waits for an item another shard makes (default 600)",
    )
    run.add_argument(
        "--refresh",
        action="store_true",
        help="first undo what the journal's previous run created (seeder undo), then "
        "seed again; run it again to continue after a crash",
    )

    undo = sub.add_parser(
        "undo", help="delete what a journaled run created, dependents first (resumable)"
    )
    undo.add_argument("scenario")
    undo.add_argument("--target", required=True, help="the URL the run was sent to")
    flags.undo_flags(undo)
    undo.set_defaults(handler=_undo)

    replay = sub.add_parser("replay", help="send a command log (from seeder plan)")
    replay.add_argument("feed", metavar="FEED.jsonl", help="a JSONL log, or a CSV log's folder")
    replay.add_argument("--target", required=True, help="URL, demo or demo:asgi")
    replay.add_argument(
        "--nonce",
        type=flags.nonce,
        default=None,
        help="send the log again as new data: new idempotency keys and unique values",
    )
    flags.execution_flags(replay)
    replay.set_defaults(handler=_replay)

    examples = sub.add_parser("examples", help="list the bundled example scenarios, or copy them")
    examples.add_argument("action", nargs="?", choices=("list", "copy"), default="list")
    examples.add_argument("folder", nargs="?", default=".", help="where copy writes (default .)")
    examples.add_argument("--force", action="store_true", help="overwrite existing files")
    examples.set_defaults(handler=_examples)

    init = sub.add_parser("init", help="scaffold a project that runs against the demo at once")
    init.add_argument("folder", nargs="?", default=".", metavar="DIR", help="default: .")
    init.add_argument("--force", action="store_true", help="write into a non-empty folder")
    init.set_defaults(handler=_init)

    serve = sub.add_parser("serve", help="serve a scenario's data read-only over HTTP")
    serve.add_argument("scenario", type=flags.scenario, help=_SCENARIO_HELP)
    serve.add_argument("--seed", type=flags.seed, default=None, help="override the scenario's seed")
    serve.add_argument("--scale", type=flags.scale, default=1.0, help="multiply every root count")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=flags.port, default=8000)
    serve.add_argument(
        "--scenarios",
        default=None,
        metavar="DIR",
        help="a folder of scenarios POST /runs may name too (default: only the served one)",
    )
    serve.add_argument(
        "--max-runs",
        type=flags.concurrency,
        default=2,
        metavar="N",
        help="seeding runs going at once over HTTP (default 2)",
    )
    serve.add_argument(
        "--no-runs", dest="runs", action="store_false", help="serve the data only: no /runs API"
    )
    serve.set_defaults(handler=_serve)

    fit = sub.add_parser("fit", help="write a scenario from a database or CSV, or check one")
    fit.add_argument("--dsn", help="postgresql://... or mysql://... (the password is never shown)")
    fit.add_argument("--schema", help="default: the connection's current schema or database")
    fit.add_argument("--tables", help="a,b: only these tables (default: all)")
    fit.add_argument("--csv", metavar="FILE", help="fit one column of a CSV file (with --column)")
    fit.add_argument("--column", metavar="C")
    fit.add_argument("--check", metavar="SCENARIO", help="compare the database with a scenario")
    fit.add_argument("--map", action="append", default=[], metavar="ENTITY=TABLE")
    fit.add_argument("--scale", type=flags.scale, default=1.0, help="the run's --scale (--check)")
    fit.add_argument("--pools", choices=("fixed", "growing"), default="fixed")
    fit.add_argument("--commands", metavar="FILE", help="match tables to these commands")
    fit.add_argument("--out", default="-", help="the scenario file (default: stdout)")
    fit.set_defaults(handler=_fit)

    demo = sub.add_parser("demo", help="run the embedded demo service")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=flags.port, default=8000)
    demo.add_argument(
        "--db", default=None, help="SQLite file path, or a postgresql:// DSN (default: memory)"
    )
    demo.add_argument(
        "--faults", default=None, help="fault injection, e.g. status503=0.1,drop=0.02,seed=7"
    )
    demo.add_argument(
        "--ignore-idempotency-key",
        action="store_true",
        help="behave like a service that never heard of Idempotency-Key",
    )
    demo.add_argument(
        "--block",
        type=flags.block_seconds,
        default=0.0,
        metavar="SECONDS",
        help="block the event loop this long per command request (like password hashing)",
    )
    demo.set_defaults(handler=_demo)

    from seeder.importers.command import add_parsers  # seeder import openapi, seeder schema

    add_parsers(sub)
    return parser


class Interrupted(KeyboardInterrupt):
    """SIGTERM before the run takes signals over (loading, planning the sample,
    starting the target): handled like SIGINT's KeyboardInterrupt."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def _on_sigterm(signum: int, frame: object) -> None:
    raise Interrupted("SIGTERM")


@contextlib.contextmanager
def _start_up_signals() -> Iterator[None]:
    """SIGTERM raises :class:`Interrupted` while this command runs (the run itself
    installs its own graceful handlers, then gives these back)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # called from a thread (a test): signals are not ours to take
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    with _start_up_signals():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # for --workers
        code: int = args.handler(args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return exc.exit_code
    except SeederError as exc:
        print(f"seeder: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        name = exc.signal_name if isinstance(exc, Interrupted) else "SIGINT"
        print(f"seeder: interrupted by {name}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `seeder plan x | head`: the reader left, which is fine
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit cannot fail again
        return 0
    except Exception as exc:  # seeder's own bug: one line; the traceback goes to a file
        saved = _save_traceback(exc)
        what = f"{type(exc).__name__}: {exc}"
        print(
            f"seeder: internal error ({what[:200]}); please report it with {saved}",
            file=sys.stderr,
        )
        return INTERNAL_ERROR_EXIT
    return code


INTERNAL_ERROR_EXIT = 1


def _save_traceback(exc: BaseException) -> str:
    """Writes the traceback to ``$SEEDER_CRASH_DIR`` (default: the temporary
    folder); returns its path, or why it could not be written."""
    import tempfile
    import time
    import traceback

    folder = Path(os.environ.get("SEEDER_CRASH_DIR") or tempfile.gettempdir())
    path = folder / f"seeder-internal-error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    try:
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    except OSError as error:
        return f"(the traceback could not be saved: {error.strerror})"
    return str(path)
