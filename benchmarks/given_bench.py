"""Speed of ``given("book")`` in-process, as an acceptance test pays it.

Each iteration is one test: a new ``Given`` (a fresh registry and a seed of its
own, on the library scenario) bound to one warm demo application, then
``given("book")``, which plans and sends a new tenant, a new author and the book
(three commands), then ``close()``. Timed separately:

- ``given("book")`` — the call (the test's planner is built lazily by it);
- the whole test's cost — constructing, the call, closing;
- a second ``given("book")`` in the same test (the tenant and author are reused:
  usually one command);
- the async face, ``await agiven("book")``, in one event loop;
- the floors: the same three commands sent straight to the demo application
  (``create_tenant``, ``register_author``, ``publish_book`` with idempotency keys:
  the service's own cost, SQLite commit included), and ``given("book")`` against a
  no-op application with the same handler names (the engine alone).

Both SQLite settings of the demo are measured: in-memory and a temporary file (WAL,
synchronous=NORMAL, as ``seeder demo --db`` runs). Figures are the median and p90
of ``--tests`` iterations after ``--warmup`` (wall clock, and for the call the
process's CPU time, steadier on a busy machine); the process is pinned to one core.
``--profile`` prints the top of a cProfile of the in-memory ``given("book")`` loop.

The target is judged on the CPU time of the in-memory call (robust to load); the
header line says the machine's load average, for the README.

Run:  .venv/bin/python benchmarks/given_bench.py             # ~20 s
      .venv/bin/python benchmarks/given_bench.py --profile
Target (issue 17): ``given("book")`` in-process, warm, under 1 ms median (CPU time).
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seeder.demo.app import build_application  # noqa: E402
from seeder.testing import AsyncGiven, Given  # noqa: E402

LIBRARY = ROOT / "scenarios" / "library.yaml"


class NoOp:
    """An application with the library's handler names that stores nothing."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def _made(self, payload: Any, **_: Any) -> dict[str, Any]:
        return {"id": next(self._ids), "number": 1, "token": "t", **payload}

    create_tenant = register_author = publish_book = register_member = borrow_book = _made


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return statistics.median(ordered) * 1e3, p90 * 1e3


def row(label: str, samples: list[float], cpu: list[float] | None = None) -> None:
    median, p90 = percentiles(samples)
    line = f"  {label:<58} median {median:6.3f} ms   p90 {p90:6.3f} ms"
    if cpu:
        cpu_median, cpu_p90 = percentiles(cpu)
        line += f"   (CPU: median {cpu_median:6.3f}, p90 {cpu_p90:6.3f})"
    print(line)


def per_test(target: Any, tests: int, warmup: int, tag: str) -> dict[str, list[float]]:
    """``tests`` fresh Givens on one target: the call, the whole test, a second call."""
    timer, cpu = time.perf_counter, time.process_time
    call: list[float] = []
    call_cpu: list[float] = []
    whole: list[float] = []
    second: list[float] = []
    for i in range(warmup + tests):
        started = timer()
        given = Given(LIBRARY, target, seed=f"{tag}::test_{i}")
        before, before_cpu = timer(), cpu()
        book = given("book")
        after, after_cpu = timer(), cpu()
        given("book")
        again = timer()
        given.close()
        ended = timer()
        assert book.tenant.key == "tenant:1" and book.author.key == "author:1"
        if i >= warmup:
            call.append(after - before)
            call_cpu.append(after_cpu - before_cpu)
            second.append(again - after)
            whole.append((before - started) + (after - before) + (ended - again))
    return {"call": call, "cpu": call_cpu, "whole": whole, "second": second}


def async_calls(target: Any, tests: int, warmup: int) -> list[float]:
    samples: list[float] = []

    async def main() -> None:
        for i in range(warmup + tests):
            given = AsyncGiven(LIBRARY, target, seed=f"async::test_{i}")
            started = time.perf_counter()
            await given("book")
            if i >= warmup:
                samples.append(time.perf_counter() - started)
            await given.aclose()

    anyio.run(main)
    return samples


def service_floor(application: Any, tests: int, warmup: int) -> list[float]:
    """The three commands sent straight to the application: the service's cost."""
    samples: list[float] = []
    for i in range(warmup + tests):
        started = time.perf_counter()
        key = f"floor-{id(application)}-{i}"
        tenant = application.create_tenant({"name": f"T{i}", "plan": "free"}, idempotency_key=key)
        author = application.register_author(
            {"tenant_id": tenant["id"], "name": "A", "birth_year": 1970}, idempotency_key=key + "a"
        )
        application.publish_book(
            {
                "tenant_id": tenant["id"],
                "author_id": author["id"],
                "isbn": "978-0-00-000001-1",
                "title": "T",
                "subtitle": None,
                "status": "published",
                "published_on": "2001-01-01",
            },
            idempotency_key=key + "b",
        )
        if i >= warmup:
            samples.append(time.perf_counter() - started)
    return samples


def measure(name: str, make: Callable[[], Any], args: argparse.Namespace) -> list[float]:
    """Prints the rows of one target; returns the CPU times of the fresh call."""
    application = make()
    try:
        print(f"\n{name}")
        results = per_test(application, args.tests, args.warmup, name)
        row(
            'given("book") in a fresh test (tenant, author, book: 3 commands)',
            results["call"],
            results["cpu"],
        )
        row("  the whole test: Given(...), given('book'), close()", results["whole"])
        row('  a second given("book") in the same test (reuses tenant/author)', results["second"])
        row(
            '  async face: await agiven("book") in a fresh test',
            async_calls(application, args.tests, args.warmup),
        )
        if not isinstance(application, NoOp):
            row(
                "  floor: the 3 commands sent straight to the application",
                service_floor(application, args.tests, args.warmup),
            )
        return results["cpu"]
    finally:
        close = getattr(application, "close", None)
        if close is not None:
            close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(
        f"given_bench: {args.tests} tests after {args.warmup} warm-up, "
        f"Python {sys.version.split()[0]}, load average {load}"
    )
    folder = tempfile.mkdtemp(prefix="given-bench-")
    memory = measure("demo, in-memory SQLite", lambda: build_application(":memory:"), args)
    measure(
        "demo, SQLite file (WAL, synchronous=NORMAL)",
        lambda: build_application(str(Path(folder) / "demo.db")),
        args,
    )
    measure("no-op application (same handler names): the engine alone", NoOp, args)
    median, p90 = percentiles(memory)
    verdict = "met" if median < 1.0 else "MISSED"
    print(
        f"\ntarget: given('book') in-process, warm, < 1 ms median CPU time: median "
        f"{median:.3f} ms, p90 {p90:.3f} ms ({verdict})"
    )
    if args.profile:
        application = build_application(":memory:")
        profile = cProfile.Profile()
        profile.enable()
        per_test(application, 500, 0, "profile")
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
