"""What a person watching a run sees: progress while it goes (a live bar per entity
on a terminal, a quiet line every few seconds otherwise, for CI logs), notes, and
the final report as a table. :class:`TerminalView` is the runner's view."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from seeder.plan.items import PlanItem
from seeder.run.stats import RunStats, duration

if TYPE_CHECKING:  # rich is imported when something is drawn: after the first request
    from rich.console import Console
    from rich.progress import TaskID

    from seeder.model import Model

__all__ = [
    "LiveProgress",
    "QuietProgress",
    "TerminalView",
    "print_report",
    "retrying_line",
    "summary_line",
]


class QuietProgress:
    """For CI logs: a line every ``every`` seconds on ``out`` — done/total, percent,
    rate, ETA and how many were not created — and a last one when the run ends, whose
    counts are the final table's (the total is the plan's expected size, an estimate
    until the run ends)."""

    def __init__(
        self, out: IO[str] | None = None, every: float = 5.0, total: float | None = None
    ) -> None:
        self.out = out or sys.stderr
        self.every = every
        self.total = total
        self.done = 0
        self.problems = 0
        self.started = time.monotonic()
        self.last = self.started

    def __call__(self, item: PlanItem, what: str) -> None:
        self.done += 1
        self.problems += what not in ("created", "earlier")
        if self.done % 256 and self.every:
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._line(now, final=False)

    def retrying(self, count: int, reason: str, seconds: float, budget: float) -> None:
        print(retrying_line(count, reason, seconds, budget, self.done), file=self.out, flush=True)

    def _line(self, now: float, *, final: bool) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        total = self.done if final or not self.total else max(round(self.total), self.done)
        percent = 100.0 * self.done / total if total else 100.0
        if final:
            eta = f"in {elapsed:,.1f}s"
        elif rate > 0 and total > self.done:
            eta = f"ETA {duration((total - self.done) / rate)}"
        else:
            eta = "ETA -"
        print(
            f"seeder: {self.done:,}/{total:,} commands ({percent:.0f}%), {rate:,.0f}/s, "
            f"{eta}, {self.problems:,} not created",
            file=self.out,
            flush=True,
        )

    def __enter__(self) -> QuietProgress:
        self.started = self.last = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.done:
            self._line(time.monotonic(), final=True)


class LiveProgress:
    """rich bars, one per entity, sized by the expected counts."""

    def __init__(self, model: Model, console: Console) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description:<20}"),
            BarColumn(),
            TextColumn("{task.completed:>9,}/{task.total:,.0f}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.every = 5.0  # seconds between lines while commands are retrying
        self.done = 0
        self.tasks: dict[str, TaskID] = {}
        self.pending: Counter[str] = Counter()
        for em in model.created():
            self.tasks[em.name] = self.progress.add_task(em.name, total=max(em.expected, 1))
        self.last = 0.0

    def __call__(self, item: PlanItem, what: str) -> None:
        self.pending[item.entity] += 1
        self.done += 1
        now = time.monotonic()
        if now - self.last > 0.1:
            self.last = now
            for entity, n in self.pending.items():
                self.progress.advance(self.tasks[entity], n)
            self.pending.clear()

    def retrying(self, count: int, reason: str, seconds: float, budget: float) -> None:
        line = retrying_line(count, reason, seconds, budget, self.done)
        self.progress.console.print(line, markup=False, highlight=False)

    def __enter__(self) -> LiveProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for entity, n in self.pending.items():
            self.progress.advance(self.tasks[entity], n)
        for task in self.progress.tasks:  # expected counts are estimates: close the bars
            self.progress.update(task.id, total=task.completed)
        self.progress.stop()


def retrying_line(count: int, reason: str, seconds: float, budget: float, done: int) -> str:
    """While the service fails: how many commands are retrying, why, and how long
    it has answered nothing, against the budget after which the run stops."""
    silent = f"nothing answered for {seconds:.0f}s of {budget:g}s" if seconds else "answers coming"
    return (
        f"seeder: {count:,} command{'s' if count != 1 else ''} retrying ({reason}); {silent}; "
        f"{done:,} commands done"
    )


def print_report(stats: RunStats, model: Model | None, console: Console) -> None:
    from rich.table import Table

    data: dict[str, Any] = stats.as_dict(model)
    table = Table(title="seeder run", title_justify="left")
    t = data["totals"]
    columns = ["created", "rejected", "failed", "skipped"]
    columns += [c for c in ("uncertain", "earlier") if t[c]]  # shown when they happen
    table.add_column("entity", justify="left")
    for column in columns:
        table.add_column("done earlier" if column == "earlier" else column, justify="right")
    for name, c in data["entities"].items():
        table.add_row(name, *(f"{c[k]:,}" for k in columns))
    table.add_row("total", *(f"{t[k]:,}" for k in columns), style="bold")
    console.print(table)
    lat = data["latency_ms"]
    line = f"{data['commands_per_second']:,.0f} commands/s in {data['elapsed_seconds']:.2f}s"
    if lat["p50"] is not None:
        line += f"; latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms"
    console.print(line)
    if data["retries"]:
        console.print("retries: " + ", ".join(f"{k} ×{v}" for k, v in data["retries"].items()))
    for label, rows in (("rejected", data["rejections"]), ("failed", data["failures"])):
        for r in rows[:5]:
            status = f" ({r['status']})" if r["status"] is not None else ""
            console.print(
                f"[red]{label}[/red] {r['count']:,} × {r['command']}{status}: {r['message']}",
                markup=True,
                highlight=False,
            )
    if t["uncertain"]:
        shown = ", ".join(data["uncertain"][:10])
        console.print(
            f"[yellow]uncertain[/yellow] {t['uncertain']:,} commands may or may not have been "
            f"applied (their service does not honour Idempotency-Key): {shown}"
            + (" …" if t["uncertain"] > 10 else ""),
            markup=True,
            highlight=False,
        )
    settled = data["settled"]["counts"]
    if settled:
        words = {
            "found": "found by lookup (had been applied)",
            "resent": "not found by lookup, sent again",
            "adopted": "sent again, met its conflict answer: adopted",
            "unsettled": "lookup could not tell: left uncertain",
        }
        console.print("uncertain commands settled:")
        for s in settled:
            console.print(f"  {s['entity']}: {s['count']:,} {words.get(s['how'], s['how'])}")
    pacing = data["concurrency"]
    if pacing and pacing["adaptive"] and len(pacing["trace"]) > 1:
        limits = [limit for _, limit in pacing["trace"]]
        console.print(
            f"concurrency paced between {min(limits)} and {max(limits)} (at most "
            f"{pacing['maximum']}), {pacing['drops']} backoffs; ended at {pacing['limit']}"
        )
    if data["credentials_reacquired"]:
        console.print(f"credentials re-acquired: {data['credentials_reacquired']:,}")
    for note in data["notes"][:10]:
        console.print(note, markup=False, highlight=False)
    for s in data["skipped_because"][:5]:
        console.print(
            f"skipped {s['count']:,} × {s['entity']}: a dependency ({s['cause']}) was not created"
        )
    if data["distributions"]:
        dist = Table(
            title="achieved distributions (uses per referenced entity)", title_justify="left"
        )
        for column in ("reference", "referenced", "mean", "max", "top 20%", "asked"):
            dist.add_column(
                column,
                justify="left" if column in ("reference", "asked") else "right",
                no_wrap=column != "asked",
            )
        for row in data["distributions"]:
            asked = (
                ", ".join(
                    f"{k} {'/'.join(map(str, v)) if isinstance(v, list | tuple) else v}"
                    for k, v in row.get("asked", {}).items()
                )
                or "-"
            )
            dist.add_row(
                f"{row['reference']} → {row.get('target', '?')}",
                f"{row['referenced']:,}",
                f"{row['mean_uses']:,}",
                f"{row['max_uses']:,}",
                f"{row['top_20pct_share']:.0%}",
                asked,
            )
        console.print(dist)


def summary_line(stats: RunStats, code: int) -> str:
    """The run in one line of ``key=value`` words, the last of its output, for
    whoever greps a CI log (``grep '^seeder summary:'``)."""
    data = stats.as_dict()
    t = data["totals"]
    status = "ok" if stats.ok else "incomplete"
    if stats.interrupted or stats.stopped:
        status = "interrupted" if stats.interrupted else "stopped"
    words = [f"status={status}", f"exit={code}"]
    words += [f"{k}={t[k]}" for k in ("created", "rejected", "failed", "skipped", "uncertain")]
    if t["earlier"]:
        words.append(f"earlier={t['earlier']}")
    words += [f"elapsed={data['elapsed_seconds']}s", f"rate={data['commands_per_second']}/s"]
    return "seeder summary: " + " ".join(words)


def _progress_every(text: str | None) -> float:
    """Seconds between quiet progress lines: ``$SEEDER_PROGRESS_EVERY`` (the runs
    API of ``seeder serve`` asks for 1), else 5."""
    try:
        every = float(text) if text else 5.0
    except ValueError:
        return 5.0
    return every if every > 0 else 5.0


class TerminalView:
    """A run as the CLI shows it: live bars on a terminal (quiet lines otherwise),
    notes on stderr, the report and the service's counts on stdout. Off a terminal
    (a CI log, a file) lines are never wrapped: rich would fold tables at 80 columns."""

    def __init__(self, live: bool, console: Console | None = None) -> None:
        self.live = live
        self._console = console

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            console = Console(highlight=False)
            if not console.is_terminal:
                console = Console(highlight=False, width=_UNWRAPPED)
            self._console = console
        return self._console

    def progress(self, model: Model | None) -> LiveProgress | QuietProgress:
        if self.live and model is not None:
            return LiveProgress(model, self.console)
        every = _progress_every(os.environ.get("SEEDER_PROGRESS_EVERY"))
        return QuietProgress(
            every=every, total=model.expected_total() if model is not None else None
        )

    def note(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def report(self, stats: RunStats, model: Model | None) -> None:
        print_report(stats, model, self.console)

    def counts(self, counts: Mapping[str, int]) -> None:
        self.console.print(
            "service now holds: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()),
            soft_wrap=True,
        )

    def annotate(self, lines: Sequence[str]) -> None:
        for line in lines:
            print(line, flush=True)

    def summary(self, stats: RunStats, code: int) -> None:
        self.console.print(summary_line(stats, code), soft_wrap=True, markup=False)


_UNWRAPPED = 1000  # columns: wider than any table row, so nothing folds; lines are not padded
