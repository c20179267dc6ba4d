"""The container image, where no Docker engine runs: the Dockerfile is read, its
COPY lines are done into a fresh folder standing for the image's, its install step
(deploy/install.sh, the RUN line) runs there into a fresh virtualenv, and its
ENTRYPOINT and CMD run with its ENV — the sandbox answers, and serves a scenario
given as the mounted volume's path. What is not run: the base image, useradd.

The dependencies' wheels come from a wheelhouse kept in ~/.cache/seeder-tests
(one per constraints.txt), so only the first run downloads; the install is new
each run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("package"), pytest.mark.timeout(900)]

PIP_WHEEL = (sys.executable, "-m", "pip", "wheel", "-q")
CACHE = Path(os.environ.get("SEEDER_TEST_CACHE", Path.home() / ".cache" / "seeder-tests"))


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, (KEYWORD, arguments), continuation lines joined."""
    out: list[tuple[str, str]] = []
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _wheelhouse() -> Path:
    """The wheels the install step needs (seeder's serve extra, the build backend),
    at the pinned versions; downloaded once per constraints.txt."""
    pins = hashlib.sha256((ROOT / "constraints.txt").read_bytes()).hexdigest()[:16]
    house = CACHE / f"image-wheelhouse-{pins}"
    if house.is_dir():
        return house
    partial = CACHE / f".image-wheelhouse-{pins}-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    source = partial.with_suffix(".src")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info"))
    want = [f"{source}[serve]", "setuptools>=77", "wheel"]
    subprocess.run(
        [*PIP_WHEEL, "-c", str(ROOT / "constraints.txt"), "-w", str(partial), *want],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(source, ignore_errors=True)
    for own in partial.glob("command_seeder-*"):
        own.unlink()
    try:
        partial.rename(house)
    except OSError:  # another run finished first
        shutil.rmtree(partial, ignore_errors=True)
    return house


def test_the_dockerfile_is_slim_non_root_and_serves_a_mounted_volume() -> None:
    steps = instructions()
    keywords = [k for k, _ in steps]
    (base,) = [a for k, a in steps if k == "FROM"]
    assert base.startswith("python:3.1") and base.endswith("-slim")
    user = [a for k, a in steps if k == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert any(
        k == "RUN" and f"useradd --create-home --uid 10001 {user[-1]}" in a for k, a in steps
    )
    (volume,) = [json.loads(a) for k, a in steps if k == "VOLUME"]
    assert "/scenarios" in volume
    (entry,) = [json.loads(a) for k, a in steps if k == "ENTRYPOINT"]
    assert entry[:2] == ["seeder", "serve"] and "0.0.0.0" in entry


def test_the_images_install_step_and_entrypoint_run_in_a_fresh_folder(tmp_path: Path) -> None:
    house = _wheelhouse()
    image = tmp_path / "image"  # stands for the image's filesystem root
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env |= {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(house), "HOME": str(tmp_path)}
    workdir = image
    for keyword, args in instructions():
        if keyword == "ENV":
            for word in shlex.split(args):
                name, _, value = word.partition("=")
                parts = [
                    env["PATH"] if p == "$PATH" else _rooted(p, image) for p in value.split(":")
                ]
                env[name] = ":".join(parts)
        elif keyword == "WORKDIR":
            workdir = Path(_rooted(args, image))
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, dest = shlex.split(args)
            for source in sources:
                into = workdir / dest if len(sources) == 1 and dest != "./" else workdir
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source, into, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy(ROOT / source, workdir / Path(source).name)
        elif keyword == "RUN" and "deploy/install.sh" in args:
            line = [_rooted(w, image) for w in shlex.split(args)]
            done = subprocess.run(
                line, cwd=workdir, env=env, capture_output=True, text=True, timeout=600
            )
            assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
            assert "seeder 0.1.0" in done.stdout
        elif keyword == "ENTRYPOINT":
            entry = json.loads(args)
        elif keyword == "CMD":
            cmd = json.loads(args)
    seeder = image / "opt" / "seeder" / "bin" / "seeder"
    assert seeder.exists()
    # the image's own CMD (a bundled example), then a scenario from the mounted volume
    volume = image / "scenarios"
    shutil.copytree(ROOT / "scenarios", volume / "scenarios")
    shutil.copytree(ROOT / "commands", volume / "commands")
    for args, entity in ((cmd, "school"), ([f"{volume}/scenarios/energy.yaml"], "customer")):
        port = free_port()
        argv = [str(seeder), *entry[1:], *args]
        argv[argv.index("0.0.0.0")] = "127.0.0.1"  # the test listens on loopback only
        argv[argv.index("--port") + 1] = str(port)
        process = subprocess.Popen(
            argv,
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            while not _first_answer(url + "/_status", process).json()["complete"]:
                time.sleep(0.1)
            counts = httpx.get(url + "/_counts").json()
            assert counts[entity] > 0, counts
        finally:
            process.terminate()
            process.communicate(timeout=30)


def _rooted(value: str, image: Path) -> str:
    """An absolute path of the image (/opt/seeder, /src) under the folder standing for it."""
    return f"{image}{value}" if value.startswith("/") else value


def _first_answer(url: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if process.poll() is not None:
                pytest.fail(f"the entrypoint exited: {process.communicate()[1][-2000:]}")
            assert time.monotonic() < deadline, "the entrypoint did not answer"
            time.sleep(0.1)
