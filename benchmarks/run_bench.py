"""Sending speed: ``seeder replay`` vs a hand-written aiohttp loop vs default httpx.

What is compared (issue 4), side by side in one run, against the same local endpoint,
each client at concurrency 32:

1. ``seeder replay LOG --target URL --concurrency 32 --no-progress`` as a subprocess,
   where LOG is a 100,000-command log written by ``seeder plan`` from a one-command
   scenario (``Ping``: POST /ping, 201, no dependencies between commands, so nothing
   waits). Timed by the wall clock of the subprocess (interpreter start, imports,
   reading the log and the report included) and by the rate seeder prints itself
   ("N commands/s in Xs", the executor's own timer).
2. a hand-written aiohttp loop: one ``ClientSession`` with ``TCPConnector(limit=32)``,
   32 worker coroutines posting JSON bodies built like seeder's (same fields, same
   sizes, ``Content-Type`` and an ``Idempotency-Key`` of the same length), reading and
   parsing each answer;
3. the same loop with a default ``httpx.AsyncClient()`` (default limits), usually on
   fewer requests because it is slow (the count is printed).

Both loops also run as subprocesses, timed by the wall clock and by their own timer
around the sending, so each seeder figure has a like-for-like loop figure. CPU per
request is the subprocess's user+sys time (``getrusage(RUSAGE_CHILDREN)`` deltas,
start-up included) divided by the requests; seeder's fixed start-up cost is measured
separately by replaying a one-command log. The server's CPU share during each run
(from /proc) tells whether the server was the ceiling.

Endpoints, each in its own process: uvicorn with a raw ASGI app (no FastAPI,
``http=httptools`` when installed, no access log) -- the issue's reference -- and,
because uvicorn can be the ceiling for every client, a raw asyncio protocol server
that parses minimal HTTP/1.1 keep-alive. Both answer any POST with 201 and
``{"id": <counter>}``. On a machine with 2+ CPUs the server is pinned to CPU 0 and
every client to CPU 1. Everything is on 127.0.0.1; the servers are killed at the end.

Also measured: in-process dispatch (``DispatchPort`` to a no-op application whose
handler returns ``{"id": n}``) driven by ``Executor(port, bindings, concurrency=32)``
over pre-planned items.

Also side by side, not targets: seeder on the standard asyncio loop (uvloop made
unimportable: as it runs where uvloop is not installed) and the aiohttp loop on
uvloop, so that the event loop's share and the rest are told apart.

Targets (issue 17): seeder >= 0.95x the aiohttp loop's throughput and <= 1.05x its
CPU per request; (issue 4) >= 10x default httpx; in-process >= 50,000 commands/s.
Every figure is the best of ``--repeat`` runs, taken in rounds (each client once per
round). On shared or throttled CPUs (a VM whose vCPUs are not always running; the
run prints how much of a CPU a busy loop gets) the wall clocks swing from run to
run, so seeder vs aiohttp is also judged by CPU time per request, start-up excluded,
which is steadier.

Run:  .venv/bin/python benchmarks/run_bench.py            # 100,000 commands, ~3-4 min
      .venv/bin/python benchmarks/run_bench.py --quick    # 20,000 commands, < 1 min
      .venv/bin/python benchmarks/run_bench.py --servers raw --repeat 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SEEDER = str(Path(PYTHON).with_name("seeder"))
CONCURRENCY = 32
TARGETS = {
    "aiohttp_share": 0.95,  # issue 17: throughput at least 0.95x the aiohttp loop's
    "cpu_ratio": 1.05,  # issue 17: CPU per request at most 1.05x the aiohttp loop's
    "httpx_multiple": 10.0,
    "inprocess_rate": 50_000.0,
    "journal_cost": 0.10,
}

COMMANDS_MODULE = """\
from seeder.commands import Command, HttpBinding, bind


@bind(http=HttpBinding("POST", "/ping", success=(201,)), handler="ping")
class Ping(Command):
    name: str
    size: int
"""

SCENARIO = """\
seed: 1
commands: ping_commands.py
entities:
  ping:
    command: Ping
    count: {count}
    fields:
      name: {{seq: "ping {{n:06d}}"}}
      size: {{range: [1, 1000]}}
"""


# -- the endpoints (run in their own process: --serve KIND) ---------------------------

_RESPONSE_HEAD = b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: "


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers any request with 201 and ``{"id": n}``, after reading the body."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    asgi_app.counter += 1  # type: ignore[attr-defined]
    body = b'{"id":%d}' % asgi_app.counter  # type: ignore[attr-defined]
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


asgi_app.counter = 0  # type: ignore[attr-defined]


class RawHttp(asyncio.Protocol):
    """Minimal HTTP/1.1 keep-alive: Content-Length bodies, 201 ``{"id": n}``."""

    counter = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        out = []
        close = False
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end].lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else None])
            elif b"\r\ntransfer-encoding:" in head:  # not needed by these clients
                self.transport.write(b"HTTP/1.1 411 Length Required\r\ncontent-length: 0\r\n\r\n")
                self.transport.close()
                return
            if len(buffer) < end + 4 + length:
                break
            buffer = buffer[end + 4 + length :]
            RawHttp.counter += 1
            body = b'{"id":%d}' % RawHttp.counter
            out.append(b"%s%d\r\n\r\n%s" % (_RESPONSE_HEAD, len(body), body))
            if b"\r\nconnection: close" in head:
                close = True
                break
        self.buffer = buffer
        if out:
            self.transport.write(b"".join(out))
        if close:
            self.transport.close()


def serve(kind: str, cpu: int | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    # proto=IPPROTO_TCP, or asyncio does not set TCP_NODELAY on accepted sockets, and
    # uvicorn's separate writes of head and body then wait ~40 ms on delayed ACKs
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    if kind == "uvicorn":
        import uvicorn

        config = uvicorn.Config(
            asgi_app,
            http=_uvicorn_http(),
            loop="asyncio",
            lifespan="off",
            access_log=False,
            log_level="warning",
            backlog=256,
        )
        uvicorn.Server(config).run(sockets=[sock])
        return

    async def main() -> None:
        sock.listen(256)
        server = await asyncio.get_running_loop().create_server(RawHttp, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _uvicorn_http() -> str:
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"


# -- the hand-written loops (run in their own process: --client KIND) ------------------


def _request(i: int) -> tuple[bytes, dict[str, str]]:
    """A body and headers of the same shape and size as seeder's for command i."""
    n = i + 1
    body = json.dumps(
        {"name": f"ping {n:06d}", "size": 1 + (n * 7919) % 1000},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"c47469ca3f41:ping:{n}"}
    return body, headers


async def aiohttp_loop(url: str, requests: int, concurrency: int) -> dict[str, Any]:
    import aiohttp

    counter = iter(range(requests))
    errors = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for i in counter:
            body, headers = _request(i)
            async with session.post(url, data=body, headers=headers) as response:
                data = await response.read()
                if response.status != 201 or "id" not in json.loads(data):
                    errors += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"requests": requests, "seconds": seconds, "cpu": cpu, "errors": errors}


async def httpx_loop(url: str, requests: int, concurrency: int) -> dict[str, Any]:
    import httpx

    counter = iter(range(requests))
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in counter:
            body, headers = _request(i)
            response = await client.post(url, content=body, headers=headers)
            if response.status_code != 201 or "id" not in response.json():
                errors += 1

    async with httpx.AsyncClient() as client:  # default limits, as users write it
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"requests": requests, "seconds": seconds, "cpu": cpu, "errors": errors}


class NoopApplication:
    """An application object whose handler does nothing but answer an id."""

    def __init__(self) -> None:
        self.n = 0

    def ping(self, fields: dict[str, Any], **_: Any) -> dict[str, int]:
        self.n += 1
        return {"id": self.n}


def inprocess(scenario: str, concurrency: int) -> dict[str, Any]:
    import anyio

    sys.path.insert(0, str(ROOT))
    from seeder.model import load_model
    from seeder.plan.planner import plan_items
    from seeder.ports.inprocess import DispatchPort
    from seeder.run.bindings import Bindings
    from seeder.run.executor import Executor

    model = load_model(scenario)
    items = list(plan_items(model))  # planned beforehand: only dispatch is timed
    application = NoopApplication()
    executor = Executor(
        DispatchPort(application), Bindings.of_model(model), concurrency=concurrency
    )
    cpu, started = time.process_time(), time.perf_counter()
    stats = anyio.run(executor.run, items)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    created = stats.total.created
    return {
        "requests": len(items),
        "seconds": seconds,
        "cpu": cpu,
        "errors": len(items) - created + (application.n != len(items)),
    }


def client(args: argparse.Namespace) -> None:
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    if args.client == "inprocess":
        result = inprocess(args.scenario, args.concurrency)
    elif args.client == "aiohttp-uvloop":  # the same loop on uvloop, as seeder runs
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            result = runner.run(aiohttp_loop(args.url, args.requests, args.concurrency))
    else:
        loop = aiohttp_loop if args.client == "aiohttp" else httpx_loop
        result = asyncio.run(loop(args.url, args.requests, args.concurrency))
    print(json.dumps(result), flush=True)


# -- the driver ------------------------------------------------------------------------


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[str]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    client: str
    requests: int
    wall: float  # seconds, the subprocess from start to exit
    own: float  # seconds, the client's own timer around the sending
    cpu: float  # user+sys seconds of the subprocess
    server_cpu: float  # server CPU seconds during the run
    own_cpu: float = 0.0  # CPU seconds inside the client's own timer (loops only)

    @property
    def wall_rate(self) -> float:
        return self.requests / self.wall

    @property
    def own_rate(self) -> float:
        return self.requests / self.own

    @property
    def server_share(self) -> float:
        return self.server_cpu / self.wall


@contextlib.contextmanager
def start_server(kind: str, cpu: int | None) -> Iterator[Server]:
    command = [PYTHON, __file__, "--serve", kind]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the {kind} server did not start (exit {process.poll()})")
        server = Server(kind, process, int(line))
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the {kind} server does not accept connections") from None
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(
    command: list[str], cpu: int | None, server: Server | None, timeout: float
) -> tuple[str, float, float, float]:
    """Runs command to completion: its stdout, wall seconds, CPU seconds, server CPU."""

    def pin() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    before_cpu = _children_cpu()
    before_server = server.cpu_seconds() if server else 0.0
    started = time.perf_counter()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=pin,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "120"},
    )
    wall = time.perf_counter() - started
    server_cpu = (server.cpu_seconds() - before_server) if server else 0.0
    used = _children_cpu() - before_cpu
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:3])}... exited {done.returncode}:\n"
            + (done.stderr[-2000:] or done.stdout[-2000:])
        )
    return done.stdout, wall, used, server_cpu


# seeder's CLI with uvloop made unimportable: the standard asyncio loop
STDLIB_SEEDER = (
    "import sys; sys.modules['uvloop'] = None; from seeder.cli import main; "
    "sys.argv[0] = 'seeder'; sys.exit(main())"
)
_RATE = re.compile(r"([\d,.]+) commands/s in ([\d.]+)s")
_TOTAL = re.compile(r"total\D*([\d,]+)")


def run_seeder(
    log: Path,
    requests: int,
    server: Server,
    cpu: int | None,
    timeout: float,
    journal: bool = True,
    adaptive: bool = True,
    stdlib_loop: bool = False,
) -> Run:
    command = [SEEDER, "replay", str(log), "--target", server.url]
    if stdlib_loop:  # seeder as it runs where uvloop is not installed
        command = [PYTHON, "-c", STDLIB_SEEDER, *command[1:]]
    command += ["--concurrency", str(CONCURRENCY), "--no-progress"]
    if not journal:
        command.append("--no-journal")
    if not adaptive:
        command.append("--no-adaptive")
    out, wall, used, server_cpu = timed(command, cpu, server, timeout)
    rate, total = _RATE.search(out), _TOTAL.search(out)
    if rate is None or total is None:
        raise RuntimeError(f"cannot read seeder's report:\n{out}")
    created = int(total.group(1).replace(",", ""))
    if created != requests:
        raise RuntimeError(f"seeder created {created} of {requests}:\n{out}")
    label = "seeder replay" if journal else "seeder replay --no-journal"
    if not adaptive:
        label += " --no-adaptive"
    if stdlib_loop:
        label += " (asyncio loop)"
    return Run(label, requests, wall, float(rate.group(2)), used, server_cpu)


def run_loop(
    kind: str, requests: int, server: Server | None, cpu: int | None, timeout: float, **extra: str
) -> Run:
    command = [PYTHON, __file__, "--client", kind, "--requests", str(requests)]
    command += ["--concurrency", str(CONCURRENCY)]
    if server is not None:
        command += ["--url", server.url + "/ping"]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    for key, value in extra.items():
        command += [f"--{key}", value]
    out, wall, used, server_cpu = timed(command, None, server, timeout)
    result = json.loads(out.strip().splitlines()[-1])
    if result["errors"]:
        raise RuntimeError(f"{kind}: {result['errors']} requests failed")
    label = {
        "aiohttp": "aiohttp loop",
        "aiohttp-uvloop": "aiohttp loop (uvloop)",
        "httpx": "httpx default",
        "inprocess": "in-process dispatch",
    }[kind]
    return Run(label, result["requests"], wall, result["seconds"], used, server_cpu, result["cpu"])


def best(runs: list[Run]) -> Run:
    """Best wall clock and best own timer (possibly from different rounds)."""
    fastest = min(runs, key=lambda r: r.wall)
    return Run(
        fastest.client,
        fastest.requests,
        fastest.wall,
        min(r.own for r in runs),
        min(r.cpu for r in runs),
        fastest.server_cpu,
        min(r.own_cpu for r in runs),
    )


def cpu_available(cpu: int | None, seconds: float = 0.5) -> float:
    """The share of one CPU a busy loop gets (below 1.0 on a shared or throttled VM)."""
    before = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        cpu_started, started = time.process_time(), time.perf_counter()
        while time.perf_counter() - started < seconds:
            sum(range(10_000))
        return (time.process_time() - cpu_started) / (time.perf_counter() - started)
    finally:
        os.sched_setaffinity(0, before)


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("aiohttp", "httpx", "httpcore", "uvicorn", "httptools", "anyio", "tenacity"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return ", ".join(parts)


def print_table(runs: list[Run], fixed: tuple[float, float] | None) -> None:
    print(
        f"  {'client':<21}{'requests':>9}{'wall s':>9}{'req/s wall':>12}{'own s':>9}"
        f"{'req/s own':>11}{'CPU us/req':>12}{'client CPU':>12}{'server CPU':>12}"
    )
    for r in runs:
        print(
            f"  {r.client:<21}{r.requests:>9,}{r.wall:>9.2f}{r.wall_rate:>12,.0f}{r.own:>9.2f}"
            f"{r.own_rate:>11,.0f}{r.cpu / r.requests * 1e6:>12.0f}{r.cpu / r.wall:>11.0%}"
            f"{r.server_share:>12.0%}"
        )
    if fixed is not None:
        print(
            f"  (seeder's fixed cost, a 1-command replay: {fixed[0]:.2f}s wall, "
            f"{fixed[1]:.2f}s CPU -- included in its wall and CPU figures above)"
        )


def verdicts(
    seeder: Run, aio: Run, hx: Run, seeder_us: float, aio_us: float
) -> list[tuple[str, float, str, bool]]:
    share, multiple = TARGETS["aiohttp_share"], TARGETS["httpx_multiple"]
    return [
        (
            "seeder / aiohttp loop (wall clock)",
            seeder.wall_rate / aio.wall_rate,
            f">= {share:.2f}",
            seeder.wall_rate >= share * aio.wall_rate,
        ),
        (
            "seeder / aiohttp loop (own timers)",
            seeder.own_rate / aio.own_rate,
            f">= {share:.2f}",
            seeder.own_rate >= share * aio.own_rate,
        ),
        (
            "seeder CPU per request / aiohttp loop's",
            seeder_us / aio_us,
            f"<= {TARGETS['cpu_ratio']:.2f}",
            seeder_us <= TARGETS["cpu_ratio"] * aio_us,
        ),
        (
            "seeder / httpx default (wall clock)",
            seeder.wall_rate / hx.wall_rate,
            f">= {multiple:.0f}x",
            seeder.wall_rate >= multiple * hx.wall_rate,
        ),
        (
            "seeder / httpx default (own timers)",
            seeder.own_rate / hx.own_rate,
            f">= {multiple:.0f}x",
            seeder.own_rate >= multiple * hx.own_rate,
        ),
    ]


def bench(args: argparse.Namespace) -> int:
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, client_cpu = (
        (cpus[0], cpus[1]) if len(cpus) >= 2 and not args.no_pin else (None,) * 2
    )
    print(f"machine: {platform.platform()}, nproc {os.cpu_count()} ({len(cpus)} usable)")
    print(f"python: {platform.python_version()} ({PYTHON})")
    print(f"versions: {_versions()}")
    if server_cpu is None:
        print("pinning: off (server and clients share the CPUs)")
    else:
        print(f"pinning: server -> CPU {server_cpu}, each client -> CPU {client_cpu}")
    print(
        f"concurrency {CONCURRENCY}; {args.requests:,} commands for seeder and the aiohttp loop, "
        f"{args.httpx_requests:,} for default httpx; best of {args.repeat}"
    )
    if _uvicorn_http() == "h11":
        print("note: httptools is not installed; uvicorn runs http=h11 (slower)")
    share = cpu_available(client_cpu)
    note = "" if share > 0.9 else " (shared or throttled CPUs: wall clocks are noisy)"
    print(f"CPU available to one busy process on the client CPU: {share:.0%}{note}")
    started = time.perf_counter()
    timeout = args.timeout
    failures = 0
    with tempfile.TemporaryDirectory(prefix="seeder-bench-") as folder:
        tmp = Path(folder)
        (tmp / "ping_commands.py").write_text(COMMANDS_MODULE)
        scenario = tmp / "ping.yaml"
        scenario.write_text(SCENARIO.format(count=args.requests))
        (tmp / "one.yaml").write_text(SCENARIO.format(count=1))
        log, one = tmp / "ping.jsonl", tmp / "one.jsonl"
        plan_started = time.perf_counter()
        for source, target in ((scenario, log), (tmp / "one.yaml", one)):
            subprocess.run(
                [SEEDER, "plan", str(source), "--out", str(target)],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        with log.open() as handle:
            handle.readline()  # the manifest
            first = json.loads(handle.readline())
        body = json.dumps(first["body"], separators=(",", ":")).encode()
        print(
            f"log: {args.requests:,} commands by seeder plan in "
            f"{time.perf_counter() - plan_started:.1f}s ({log.stat().st_size / 1e6:.1f} MB); "
            f"first body {body.decode()} ({len(body)} bytes), "
            f"Idempotency-Key {first['idempotency_key']}"
        )

        for kind in args.servers:
            title = {
                "uvicorn": f"uvicorn, raw ASGI app, http={_uvicorn_http()}, asyncio loop, "
                "no access log",
                "raw": "raw asyncio protocol server (minimal HTTP/1.1 keep-alive)",
            }[kind]
            print(f"\n== endpoint: {title} ==")
            with start_server(kind, server_cpu) as server:
                # warm the server (imports, first connections) before timing anything
                run_loop("aiohttp", 2000, server, client_cpu, timeout)
                _, fixed_wall, fixed_cpu, _ = timed(
                    [SEEDER, "replay", str(one), "--target", server.url, "--no-progress"],
                    client_cpu,
                    server,
                    timeout,
                )
                rounds: dict[str, list[Run]] = {
                    "seeder": [],
                    "stdlib": [],
                    "nojournal": [],
                    "fixed": [],
                    "aiohttp": [],
                    "uvloop": [],
                    "httpx": [],
                }
                for _ in range(args.repeat):
                    rounds["seeder"].append(
                        run_seeder(log, args.requests, server, client_cpu, timeout)
                    )
                    rounds["aiohttp"].append(
                        run_loop("aiohttp", args.requests, server, client_cpu, timeout)
                    )
                    rounds["stdlib"].append(
                        run_seeder(
                            log, args.requests, server, client_cpu, timeout, stdlib_loop=True
                        )
                    )
                    rounds["uvloop"].append(
                        run_loop("aiohttp-uvloop", args.requests, server, client_cpu, timeout)
                    )
                    rounds["nojournal"].append(
                        run_seeder(log, args.requests, server, client_cpu, timeout, False)
                    )
                    rounds["fixed"].append(
                        run_seeder(log, args.requests, server, client_cpu, timeout, adaptive=False)
                    )
                    rounds["httpx"].append(
                        run_loop("httpx", args.httpx_requests, server, client_cpu, timeout)
                    )
            seeder, aio, hx = (best(rounds[k]) for k in ("seeder", "aiohttp", "httpx"))
            bare, fixed = best(rounds["nojournal"]), best(rounds["fixed"])
            stdlib, uvl = best(rounds["stdlib"]), best(rounds["uvloop"])
            print_table([seeder, stdlib, bare, fixed, aio, uvl, hx], (fixed_wall, fixed_cpu))
            print(
                "  adaptive concurrency (the default) vs --no-adaptive: "
                f"{seeder.wall_rate / fixed.wall_rate:.3f} (wall clock), "
                f"{seeder.own_rate / fixed.own_rate:.3f} (own timers) of the throughput"
            )
            for label, with_, without in (
                ("wall clock", seeder.wall_rate, bare.wall_rate),
                ("own timers", seeder.own_rate, bare.own_rate),
                ("CPU per command", bare.cpu / bare.requests, seeder.cpu / seeder.requests),
            ):
                cost = 1 - with_ / without
                ok = cost < TARGETS["journal_cost"]
                failures += not ok
                print(
                    f"  journal cost ({label}): {cost:+.1%} of throughput; target < "
                    f"{TARGETS['journal_cost']:.0%} {'PASS' if ok else 'FAIL'}"
                )
            print(
                f"  seeder CPU per command {seeder.cpu / seeder.requests * 1e6:.0f} us "
                f"({(seeder.cpu - fixed_cpu) / seeder.requests * 1e6:.0f} us without its "
                f"fixed cost) vs the aiohttp loop {aio.cpu / aio.requests * 1e6:.0f} us"
            )
            if min(r.server_share for r in (seeder, aio)) > 0.9:
                print(
                    "  the server used >90% of its core during both seeder and the aiohttp "
                    "loop: it is the ceiling here"
                )
            seeder_us = (seeder.cpu - fixed_cpu) / seeder.requests * 1e6
            aio_us = aio.own_cpu / aio.requests * 1e6
            print(
                f"  CPU per request, start-up excluded: seeder {seeder_us:.0f} us, "
                f"aiohttp loop {aio_us:.0f} us (in its timer)"
            )
            for label, ratio, target, ok in verdicts(seeder, aio, hx, seeder_us, aio_us):
                failures += not ok
                shown = f"{ratio:.1f}x" if target.endswith("x") else f"{ratio:.3f}"
                print(f"  {label:<40}{shown:>8}  target {target:<7} {'PASS' if ok else 'FAIL'}")
            # not targets: the loops on the same event loop as each other
            stdlib_us = (stdlib.cpu - fixed_cpu) / stdlib.requests * 1e6
            uvl_us = uvl.own_cpu / uvl.requests * 1e6
            print(
                "  like for like (not targets): seeder on the asyncio loop / aiohttp loop: "
                f"{stdlib.own_rate / aio.own_rate:.3f} throughput (own timers), "
                f"{stdlib_us / aio_us:.3f} CPU per request; seeder / aiohttp loop on uvloop: "
                f"{seeder.own_rate / uvl.own_rate:.3f}, {seeder_us / uvl_us:.3f}"
            )

        print("\n== in-process dispatch (DispatchPort, no-op handler, no network) ==")
        runs = [
            run_loop("inprocess", args.requests, None, client_cpu, timeout, scenario=str(scenario))
            for _ in range(args.repeat)
        ]
        ip = best(runs)
        ok = ip.own_rate >= TARGETS["inprocess_rate"]
        failures += not ok
        print(
            f"  {ip.requests:,} commands (planned beforehand) through Executor(concurrency="
            f"{CONCURRENCY}): {ip.own:.2f}s, {ip.own_rate:,.0f} commands/s, "
            f"{ip.own / ip.requests * 1e6:.1f} us/command ({ip.own_cpu / ip.requests * 1e6:.1f} "
            f"us CPU); target >= "
            f"{TARGETS['inprocess_rate']:,.0f}/s {'PASS' if ok else 'FAIL'}"
        )
    print(
        f"\ntotal benchmark time {time.perf_counter() - started:.0f}s; {failures} target(s) missed"
    )
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=textwrap.dedent(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="20,000 commands, best of 2")
    parser.add_argument("--requests", type=int, default=None, help="commands (default 100,000)")
    parser.add_argument(
        "--httpx-requests", type=int, default=None, help="requests for default httpx"
    )
    parser.add_argument("--repeat", type=int, default=None, help="rounds (default 3; quick 2)")
    parser.add_argument(
        "--servers",
        type=lambda s: s.split(","),
        default=["uvicorn", "raw"],
        help="endpoints, comma-separated: uvicorn,raw (default both)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and clients")
    parser.add_argument(
        "--timeout", type=float, default=240.0, help="seconds allowed to any one subprocess"
    )
    # internal: the endpoint and client subprocesses
    parser.add_argument("--serve", choices=("uvicorn", "raw"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--client",
        choices=("aiohttp", "aiohttp-uvloop", "httpx", "inprocess"),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        serve(args.serve, args.cpu)
        return 0
    if args.client:
        client(args)
        return 0
    unknown = set(args.servers) - {"uvicorn", "raw"}
    if unknown:
        parser.error(f"--servers takes uvicorn and/or raw, not {', '.join(sorted(unknown))}")
    if not Path(SEEDER).exists() and not shutil.which("seeder"):
        parser.error(f"{SEEDER} not found: install seeder into the venv (make test does)")
    args.requests = args.requests or (20_000 if args.quick else 100_000)
    args.httpx_requests = args.httpx_requests or (1_000 if args.quick else 5_000)
    args.repeat = args.repeat or (2 if args.quick else 3)
    for name in ("requests", "httpx_requests", "repeat"):
        if not 1 <= getattr(args, name) <= 10_000_000:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 10,000,000")
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
