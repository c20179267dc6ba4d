"""The README's "Serving data" section runs: each ``seeder serve ... &`` line
starts a server (on a free port in place of the README's), each ``curl`` line is
asked of it and answers 200 with the format it asked for; the ``serve:`` excerpts
are what the scenarios hold."""

from __future__ import annotations

import json
import re
import shlex

import httpx

from tests.serve.sandbox import ROOT, start_serve, stop

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Serving data: `seeder serve`") :]
SECTION = SECTION[: SECTION.index("\n## ", 3)]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SECTION, flags=re.S)


def test_the_shell_lines_answer() -> None:
    (block,) = _blocks("shell")
    servers: dict[str, str] = {}  # README port -> real URL
    started = []
    asked = 0
    try:
        for line in block.splitlines():
            argv = shlex.split(line.split("  #")[0])
            if argv[:2] == ["seeder", "serve"]:
                port = argv[argv.index("--port") + 1]
                process, url = start_serve(
                    argv[2],
                    *[a for a in argv[3:] if a not in ("&",) and a != "--port" and a != port],
                )
                started.append(process)
                servers[port] = url
            elif argv[0] == "curl":
                url = next(a for a in argv if a.startswith("http://"))
                port = url.split(":")[2].split("/")[0]
                real = url.replace(f"http://127.0.0.1:{port}", servers[port])
                headers = dict([argv[argv.index("-H") + 1].split(": ", 1)]) if "-H" in argv else {}
                answer = httpx.get(real, headers=headers, timeout=30)
                assert answer.status_code == 200, (line, answer.text)
                kind = answer.headers["content-type"]
                if kind.startswith("application/json"):
                    json.loads(answer.text)
                elif kind.startswith("application/x-ndjson"):
                    lines = answer.text.splitlines()
                    assert lines and all(json.loads(x) for x in lines)
                else:
                    assert kind.startswith("text/csv") and answer.text.count("\n") > 1
                asked += 1
    finally:
        for process in started:
            stop(process)
    assert len(servers) == 2 and asked >= 6


def test_the_serve_excerpts_are_the_scenarios() -> None:
    school, energy = _blocks("text")[:2]
    assert school in (ROOT / "scenarios" / "school.yaml").read_text(encoding="utf-8")
    assert energy in (ROOT / "scenarios" / "energy.yaml").read_text(encoding="utf-8")
