"""``seeder serve`` at scale, side by side with its floor: a static JSON page served
by the same server (uvicorn, one process, no work per request).

A scenario of N customers (sequences and choices: planning cost, not Faker's, is
what is measured) is served by ``python -m seeder serve``; this measures

- time to first answer: from the process start to the first 200 of a page;
- time until the whole plan is stored (``GET /_status`` says complete);
- pages at concurrency C for D seconds, once while the plan is still being stored
  (if it is), then once complete for each mix: random offsets; the first, middle and
  last pages; the same of a filtered route (``/tariffs/flat/customers``: 60% of the
  rows) and random pages of a smaller filter (``demand``: 10%) — p50/p99 latency and
  requests/s, each request a page of 50;
- the server's peak memory (VmHWM) and the store's size on disk.

The floor: the same load against uvicorn serving one fixed JSON page (the size of
a seeder page) from memory.

    .venv/bin/python benchmarks/serve_bench.py --customers 10000000 --seconds 5

Figures are printed as a table, with the ratios to the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 32
PAGE = 50

SCENARIO = """\
seed: 1
commands: {commands}
entities:
  customer:
    command: RegisterCustomer
    count: {count}
    fields:
      name: {{seq: "Customer {{n}}"}}
      email: {{seq: "c{{n}}@example.com"}}
      tariff: {{choice: {{flat: 0.6, time_of_use: 0.3, demand: 0.1}}}}
      postcode: {{seq: "{{n:05d}}"}}
serve:
  routes:
    by_tariff:
      path: /tariffs/{{tariff}}/customers
      entity: customer
      where: {{tariff: tariff}}
"""

FLOOR = """\
import sys
import uvicorn

body = open(sys.argv[1], "rb").read()

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False, lifespan="off")
"""


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def load(base: str, paths: list[str], seconds: float) -> tuple[list[float], int]:
    """Requests ``paths`` (cycled) at CONCURRENCY for ``seconds``; latencies (s)."""
    latencies: list[float] = []
    errors = 0
    end = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(k: int) -> None:
            nonlocal errors
            i = k
            while time.monotonic() < end:
                started = time.perf_counter()
                try:
                    answer = await client.get(paths[i % len(paths)])
                    errors += answer.status_code != 200
                except httpx.TimeoutException:  # past 30 s: counted, and its time kept
                    errors += 1
                latencies.append(time.perf_counter() - started)
                i += CONCURRENCY

        await asyncio.gather(*(worker(k) for k in range(CONCURRENCY)))
    return latencies, errors


def serial(base: str, paths: list[str], count: int) -> tuple[float, float]:
    """One request at a time (the service time of a page, without queueing):
    p50 and p99 in ms over ``count`` requests."""
    latencies = []
    with httpx.Client(base_url=base, timeout=600) as client:
        for path in paths[:count]:
            started = time.perf_counter()
            answer = client.get(path)
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[98] * 1000


def summary(name: str, latencies: list[float], seconds: float, errors: int) -> dict[str, float]:
    q = statistics.quantiles(latencies, n=100)
    row = {"p50": q[49] * 1000, "p99": q[98] * 1000, "rps": len(latencies) / seconds}
    print(
        f"  {name:<48} p50 {row['p50']:7.2f} ms  p99 {row['p99']:7.2f} ms  "
        f"{row['rps']:8.0f} req/s  ({len(latencies)} requests, {errors} errors)"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per mix of pages")
    parser.add_argument("--serial", type=int, default=300, help="pages one at a time, per mix")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    scenario = folder / "big.yaml"
    scenario.write_text(
        SCENARIO.format(commands=ROOT / "commands" / "energy.py", count=args.customers)
    )
    port = free_port()
    env = {**os.environ, "TMPDIR": str(folder)}
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "seeder", "serve", str(scenario), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    first_page = None
    while first_page is None:
        try:
            answer = httpx.get(base + f"/customers?limit={PAGE}", timeout=5)
            if answer.status_code == 200 and answer.json()["items"]:
                first_page = answer.content
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            sys.exit(f"seeder serve exited: {server.stderr.read() if server.stderr else ''}")
        time.sleep(0.01)
    first = time.monotonic() - started
    print(f"{args.customers:,} customers; concurrency {CONCURRENCY}, pages of {PAGE}")
    print(f"  time to first answer: {first:.2f} s (process start to a page of {PAGE})")
    rng = random.Random(1)

    def pages(rows: int) -> list[str]:
        top = max(rows - PAGE, 1)
        return [f"/customers?offset={rng.randrange(top)}&limit={PAGE}" for _ in range(5000)]

    def at(path: str, low: int, high: int) -> list[str]:
        """Pages of ``path`` at random offsets in [low, high)."""
        high = max(high, low + 1)
        return [f"{path}?offset={rng.randrange(low, high)}&limit={PAGE}" for _ in range(5000)]

    status = httpx.get(base + "/_status").json()
    if not status["complete"]:
        rows = status["rows"]
        lat, errors = asyncio.run(load(base, pages(rows), args.seconds))
        summary(f"while planning (first {rows:,} rows)", lat, args.seconds, errors)
    while not httpx.get(base + "/_status").json()["complete"]:
        time.sleep(0.5)
    stored = time.monotonic() - started
    print(f"  whole plan stored after: {stored:.1f} s")
    n = args.customers
    flat = httpx.get(base + "/tariffs/flat/customers?limit=1", timeout=600).json()["total"]
    demand = httpx.get(base + "/tariffs/demand/customers?limit=1", timeout=600).json()["total"]
    mixes = {
        "random pages (offset/limit)": pages(n),
        "first pages": at("/customers", 0, 1000),
        "middle pages": at("/customers", n // 2 - 500, n // 2 + 500),
        "last pages": at("/customers", n - PAGE - 1000, n - PAGE),
        f"filtered, first pages (flat, {flat:,} rows)": at("/tariffs/flat/customers", 0, 1000),
        "filtered, middle pages (flat)": at(
            "/tariffs/flat/customers", flat // 2 - 500, flat // 2 + 500
        ),
        "filtered, last pages (flat)": at(
            "/tariffs/flat/customers", flat - PAGE - 1000, flat - PAGE
        ),
        f"filtered, random pages (demand, {demand:,} rows)": at(
            "/tariffs/demand/customers", 0, demand - PAGE
        ),
    }
    print(f"  one request at a time ({args.serial} pages per mix): p50 / p99")
    for name, paths in mixes.items():
        serial(base, paths[-5:], 5)  # the first total of a filter is counted once, here
        p50, p99 = serial(base, paths, args.serial)
        print(f"  {name:<48} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")
    print(f"  at concurrency {CONCURRENCY} for {args.seconds:g} s each:")
    results = {}
    for name, paths in mixes.items():
        lat, errors = asyncio.run(load(base, paths, args.seconds))
        results[name] = summary(name, lat, args.seconds, errors)
    memory = peak_kib(server.pid)
    store_bytes = sum(p.stat().st_size for p in folder.rglob("data.sqlite*"))
    server.terminate()
    server.wait()

    page_file = folder / "page.json"
    page_file.write_bytes(first_page)
    floor_port = free_port()
    floor = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(FLOOR), str(page_file), str(floor_port)]
    )
    floor_base = f"http://127.0.0.1:{floor_port}"
    while True:
        try:
            httpx.get(floor_base + "/")
            break
        except httpx.TransportError:
            time.sleep(0.02)
    lat, errors = asyncio.run(load(floor_base, pages(args.customers), args.seconds))
    base_row = summary("floor: a static JSON page", lat, args.seconds, errors)
    floor_memory = peak_kib(floor.pid)
    floor.terminate()
    floor.wait()
    print(
        f"  peak memory: seeder serve {memory / 1024:.0f} MiB, floor {floor_memory / 1024:.0f} MiB"
    )
    print(f"  store on disk: {store_bytes / 2**20:.0f} MiB")
    for name, row in results.items():
        p50, p99 = row["p50"] / base_row["p50"], row["p99"] / base_row["p99"]
        rps = row["rps"] / base_row["rps"]
        print(f"  {name}: p50 x{p50:.2f}, p99 x{p99:.2f}, req/s x{rps:.2f} of the floor")
    print(f"  peak RSS: {memory / 1024:.0f} MiB (VmHWM of the seeder serve process)")


if __name__ == "__main__":
    main()
