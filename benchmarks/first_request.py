"""Time to the first request: from starting ``seeder run`` until a local HTTP
endpoint receives its first command, at --scale 0.01, 1 and 10 of the library
scenario, side by side with a reference in the same run: a bare Python process
that imports aiohttp and sends one POST (the floor for any Python client).

The endpoint (a raw asyncio HTTP/1.1 server in this process, on 127.0.0.1) answers
every POST with 201 and ids, tokens and numbers enough for the library's bindings,
and notes when the first request line arrives; the client is then stopped
(SIGTERM) — only the start-up is measured. Best of --repeat runs.

    .venv/bin/python benchmarks/first_request.py [--repeat 3] [--scales 0.01,1,10] [--against DIR]

``--against DIR`` also runs seeder from DIR, a copy of another version (``git
worktree add DIR COMMIT``: its ``seeder`` package, commands and scenarios; the
installed packages are the same), in the same rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = """
import sys, aiohttp, asyncio
async def main():
    async with aiohttp.ClientSession() as s:
        async with s.post(sys.argv[1] + "/tenants", json={"name": "x"}) as r:
            await r.read()
asyncio.run(main())
"""


class Endpoint:
    def __init__(self) -> None:
        self.first = threading.Event()
        self.at = 0.0
        self.n = 0
        self.loop = asyncio.new_event_loop()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.sock = sock
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, sock=self.sock))
        self.loop.run_until_complete(server.serve_forever())

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if not self.first.is_set():
                    self.at = time.monotonic()
                    self.first.set()
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                self.n += 1
                body = json.dumps({"id": self.n, "number": self.n, "token": "t"}).encode()
                writer.write(
                    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return

    def time_first(self, argv: list[str], cwd: Path = ROOT) -> float:
        self.first.clear()
        started = time.monotonic()
        process = subprocess.Popen(
            argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            if not self.first.wait(timeout=300):
                raise SystemExit(f"no request within 300 s from {argv}")
            return self.at - started
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", default="0.01,1,10")
    parser.add_argument("--against", type=Path, help="another version's folder")
    args = parser.parse_args()
    endpoint = Endpoint()
    url = f"http://127.0.0.1:{endpoint.port}"
    runs: dict[str, tuple[list[str], Path]] = {
        "reference (python + aiohttp, one POST)": ([sys.executable, "-c", REFERENCE, url], ROOT)
    }
    roots = [ROOT] if args.against is None else [args.against.resolve(), ROOT]
    for root in roots:  # bytecode on both sides, as an installed wheel has it
        compileall.compile_dir(root / "seeder", quiet=1)
        compileall.compile_dir(root / "commands", quiet=1)
    for root, scale in [(root, scale) for root in roots for scale in args.scales.split(",")]:
        name = f"seeder run library --scale {scale}"
        if args.against is not None:
            name += f" ({'this' if root == ROOT else root.name})"
        runs[name] = (
            [
                sys.executable,
                "-m",
                "seeder",
                "run",
                "scenarios/library.yaml",
                "--target",
                url,
                "--scale",
                scale,
                "--no-journal",
                "--no-progress",
                "--yes",
            ],
            root,
        )
    best: dict[str, float] = {}
    for _ in range(args.repeat):  # in rounds, each client once per round
        for name, (argv, cwd) in runs.items():
            seconds = endpoint.time_first(argv, cwd)
            best[name] = min(best.get(name, seconds), seconds)
    reference = next(iter(best.values()))
    width = max(45, *(len(name) for name in best))
    print(f"{'client':<{width}} {'first request':>14} {'/ reference':>12}")
    for name, seconds in best.items():
        print(f"{name:<{width}} {seconds * 1000:>11,.0f} ms {seconds / reference:>11.2f}x")


if __name__ == "__main__":
    main()
