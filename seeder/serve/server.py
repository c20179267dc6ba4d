"""Running ``seeder serve``: the scenario planned into a store in a temporary
folder, then served by uvicorn until interrupted."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from seeder.errors import SeederError
from seeder.model import Model
from seeder.plan.planner import plan_items
from seeder.serve.routes import site_of
from seeder.serve.store import Store

if TYPE_CHECKING:
    from seeder.serve.runs import Runs

__all__ = ["build_store", "runs_of", "serve"]


def build_store(model: Model, folder: Path) -> Store:
    """``model``'s plan written into ``folder/data.sqlite``; raises ScenarioError
    for a mistake in the ``serve:`` section before anything is planned."""
    store = Store(folder / "data.sqlite", site_of(model))
    store.build(plan_items(model))
    return store


def fill_in_background(model: Model, store: Store) -> threading.Thread:
    """Plans ``model`` into ``store`` (created already) in a thread, so that the
    server answers from the first batch on (``GET /_status`` says how far it is)."""

    def fill() -> None:
        started = time.monotonic()
        try:
            store.fill(plan_items(model))
        except SeederError as exc:  # a plan that cannot go on (a unique space ran dry)
            store.failed = str(exc)
            print(f"seeder serve: planning stopped: {exc}", file=sys.stderr, flush=True)
            return
        except Exception as exc:  # seeder's own bug: said, and the rows so far still served
            store.failed = f"internal error: {type(exc).__name__}: {exc}"
            print(f"seeder serve: planning stopped: {store.failed}", file=sys.stderr, flush=True)
            return
        print(
            f"seeder serve: {store.rows} rows planned in {time.monotonic() - started:.1f}s",
            file=sys.stderr,
            flush=True,
        )

    thread = threading.Thread(target=fill, name="seeder-serve-plan", daemon=True)
    thread.start()
    return thread


def runs_of(
    model: Model, folder: Path, scenarios: Path | None, max_runs: int, environ: dict[str, str]
) -> Runs:
    """The runs API's state: the served scenario (the default of ``POST /runs``) and
    the scenario files of ``scenarios``, by name."""
    from seeder.serve.runs import TOKEN_ENV, Runs, offered_of

    source = Path(model.scenario.source or "")
    offered = [offered_of(source)]
    if scenarios is not None:
        if not scenarios.is_dir():
            raise SeederError(f"--scenarios {scenarios}: not a folder; name the scenarios' folder")
        for path in sorted([*scenarios.glob("*.yaml"), *scenarios.glob("*.yml")]):
            if path.stem != offered[0].name:
                offered.append(offered_of(path))
    folder.mkdir(parents=True, exist_ok=True)
    token = environ.get(TOKEN_ENV) or None
    return Runs(offered, folder, max_runs=max_runs, token=token, environ=environ)


def serve(
    model: Model,
    host: str,
    port: int,
    *,
    runs: bool = True,
    scenarios: Path | None = None,
    max_runs: int = 2,
) -> None:
    """Serve ``model``'s data (and, with ``runs``, the runs API) until interrupted."""
    try:
        import uvicorn

        from seeder.serve.app import make_app
    except ImportError as exc:
        raise SeederError(
            f"seeder serve needs the 'serve' extra ({exc.name} is missing); "
            "install it with: pip install 'seeder[serve]'"
        ) from exc
    folder = Path(tempfile.mkdtemp(prefix="seeder-serve-"))
    try:
        site = site_of(model)
        taken = [p for p in site.paths() if p == "/runs" or p.startswith("/runs/")]
        if runs and taken:
            raise SeederError(
                f"the scenario serves {taken[0]}, where the runs API is; rename the "
                "route (serve: routes:) or pass --no-runs"
            )
        api = (
            runs_of(model, folder / "runs", scenarios, max_runs, dict(os.environ)) if runs else None
        )
        store = Store(folder / "data.sqlite", site)
        store.create()
        fill_in_background(model, store)
        print(
            f"seeder serve: {model.scenario.source}: serving on http://{host}:{port} "
            "while it is planned (GET /_status)",
            file=sys.stderr,
            flush=True,
        )
        name = Path(model.scenario.source or "").name
        app = make_app(model, store, title=f"seeder serve {name}", runs=api)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
