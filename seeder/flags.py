"""The command line's flags: their types, each checked when parsed, so that a
mistake is one line (``seeder: --scale must be > 0 ...; see 'seeder run --help'``)
and exit code 2 before anything is read or sent."""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from seeder.errors import elide

__all__ = [
    "USAGE_EXIT",
    "Parser",
    "concurrency",
    "execution_flags",
    "port",
    "rate",
    "report_path",
    "scale",
    "scenario",
    "seconds",
    "seed",
]

USAGE_EXIT = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # one line, no usage dump (DESIGN: errors are one or two lines); --help has it
        where = " ".join(["seeder", *self.prog.split()[1:]])
        self.exit(USAGE_EXIT, f"seeder: {message}; see '{where} --help'\n")


def scenario(text: str) -> str:
    """A scenario file, or the name of a bundled example (``library``: see
    ``seeder examples``). A missing file is left for the loader to report."""
    from seeder.examples import find_example

    if Path(text).exists():
        return text
    bundled = find_example(text)
    return text if bundled is None else str(bundled)


def scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--scale needs a number, got {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"--scale must be > 0 and finite, got {text}")
    return value


def report_path(text: str) -> str:
    """Checked before anything is sent: a report that cannot be written would
    otherwise fail the run after every command went out."""
    folder = Path(text).parent
    try:
        writable = not Path(text).is_dir() and folder.is_dir() and os.access(folder, os.W_OK)
    except OSError as exc:  # a name too long for the file system
        raise argparse.ArgumentTypeError(
            f"cannot write the report {elide(text)}: {exc.strerror}; choose another path"
        ) from None
    if not writable:
        raise argparse.ArgumentTypeError(
            f"cannot write the report {text}: {str(folder)!r} is not a writable folder; "
            "create it or choose another path"
        )
    return text


def seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed needs a whole number, got {text!r}") from None


def nonce(text: str) -> str:
    """A replay's nonce: letters, digits, '.', '_' or '-' (it goes into keys and values)."""
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", text):
        raise argparse.ArgumentTypeError(
            f"--nonce takes 1-40 letters, digits, '.', '_' or '-', got {text!r}"
        )
    return text


def _whole(flag: str, low: int, high: int, alternative: str = "") -> Callable[[str], int]:
    """A parser of a whole number for ``flag``, from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{flag} needs a whole number{alternative}, got {text!r}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{flag} must be between {low} and {high}, got {value}"
            )
        return value

    return parse


reads = _whole("--reads", 1, 100_000_000)
concurrency = _whole("--concurrency", 1, 10_000)
port = _whole("--port", 0, 65535)
_workers = _whole("--workers", 1, 256, " or auto")


def _seconds(flag: str, example: str, most: float = math.inf) -> Callable[[str], float]:
    """A parser of seconds for ``flag``: > 0, finite, at most ``most`` (0 allowed
    when bounded, meaning off)."""

    def parse(text: str) -> float:
        try:
            value = float(text.removesuffix("s"))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{flag} needs seconds, e.g. {example}, got {text!r}"
            ) from None
        if most == math.inf and not 0 < value < math.inf:
            raise argparse.ArgumentTypeError(f"{flag} must be > 0 and finite, got {text}")
        if most != math.inf and not 0 <= value <= most:
            raise argparse.ArgumentTypeError(
                f"{flag} must be between 0 and {most:g} seconds, got {text}"
            )
        return value

    return parse


seconds = _seconds("--timeout", "2.5")
block_seconds = _seconds("--block", "0.05", most=60)
retry_seconds = _seconds("--retry-for", "90", most=86_400)


def rate(text: str) -> float:
    number = text.removesuffix("/s")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--rate needs commands per second, e.g. 200 or 200/s, got {text!r}"
        ) from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"--rate must be > 0 and finite, got {text}")
    return value


def shard(text: str) -> str:
    """``--shard I/N``, checked when parsed (the run reads it with
    :func:`seeder.plan.shards.parse_shard`)."""
    from seeder.errors import SeederError
    from seeder.plan.shards import parse_shard

    try:
        parse_shard(text)
    except SeederError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


shard_wait_seconds = _seconds("--shard-wait", "600")


def workers(text: str) -> int:
    """``--workers N`` (1..256), or ``auto``: one per core this process may use."""
    if text == "auto":
        return max(1, len(os.sched_getaffinity(0)))
    return _workers(text)


def shard_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shard",
        type=shard,
        default=None,
        metavar="I/N",
        help="only shard I of N (1-based) of the plan; default: from the environment "
        "(SEEDER_SHARD, a Kubernetes Indexed Job, GitLab/CircleCI/Buildkite parallel)",
    )


def undo_flags(parser: argparse.ArgumentParser) -> None:
    """The flags ``seeder undo`` shares with a run: how it sends, and its journal."""
    _sending_flags(parser)
    _journal_path_flag(parser)


def _journal_path_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal",
        default=None,
        metavar="PATH",
        help="the run's journal (default: .seeder/NAME.journal beside the scenario)",
    )


def execution_flags(parser: argparse.ArgumentParser) -> None:
    _sending_flags(parser)
    _journal_flags(parser)


def _sending_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=concurrency,
        default=32,
        help="commands in flight at once (default 32)",
    )
    parser.add_argument("--rate", type=rate, default=None, help="at most R commands per second")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'K: V'",
        help="a header for every request; ${ENV} is expanded (repeatable)",
    )
    parser.add_argument(
        "--report",
        type=report_path,
        default=None,
        metavar="PATH.json",
        help="also write the report as JSON (its schema: seeder/report.schema.json)",
    )
    parser.add_argument(
        "--junit",
        type=report_path,
        default=None,
        metavar="PATH.xml",
        help="also write a JUnit XML report: one test case per entity",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        help="seconds to wait for one answer before retrying (default 10)",
    )
    parser.add_argument(
        "--no-adaptive",
        dest="adaptive",
        action="store_false",
        help="keep --concurrency commands in flight all along (default: paced to the "
        "service's latency and failures, up to --concurrency)",
    )
    parser.add_argument(
        "--retry-for",
        type=retry_seconds,
        default=90.0,
        metavar="SECONDS",
        help="how long one command keeps retrying transient failures (default 90: "
        "rides out a service restart of a minute; 0: no retry)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no live progress bars")
    parser.add_argument(
        "--yes",
        action="store_true",
        help="send a run of more than 10,000,000 commands (refused without it)",
    )
    parser.add_argument(
        "--allow-any-target",
        action="store_true",
        help="allow a non-loopback URL target when the scenario lists no allowed_targets",
    )
    parser.add_argument(
        "--http-client",
        choices=("aiohttp", "httpx"),
        default="aiohttp",
        help="HTTP client for URL targets (default aiohttp: see README)",
    )


def _journal_flags(parser: argparse.ArgumentParser) -> None:
    _journal_path_flag(parser)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run the journal holds: skip what is done, re-send the rest",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start over even if the journal holds an unfinished run (its record is lost)",
    )
    parser.add_argument(
        "--uncertain",
        choices=("skip", "resend"),
        default="skip",
        help="on --resume, commands that may have been applied and whose service does "
        "not honour Idempotency-Key: list them and skip (default), or send them again",
    )
    parser.add_argument(
        "--no-journal",
        dest="journal_on",
        action="store_false",
        help="keep no journal (the run cannot be resumed)",
    )
