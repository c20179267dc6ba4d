"""Running ``seeder serve``: the scenario planned into a store in a temporary
folder, then served by uvicorn until interrupted."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from seeder.errors import SeederError
from seeder.model import Model
from seeder.plan.planner import plan_items
from seeder.serve.routes import site_of
from seeder.serve.store import Store

__all__ = ["build_store", "serve"]


def build_store(model: Model, folder: Path) -> Store:
    """``model``'s plan written into ``folder/data.sqlite``; raises ScenarioError
    for a mistake in the ``serve:`` section before anything is planned."""
    store = Store(folder / "data.sqlite", site_of(model))
    store.build(model, plan_items(model))
    return store


def serve(model: Model, host: str, port: int) -> None:
    """Serve ``model``'s data until interrupted."""
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
        started = time.monotonic()
        store = build_store(model, folder)
        print(
            f"seeder serve: {model.scenario.source}: planned in "
            f"{time.monotonic() - started:.1f}s; serving on http://{host}:{port}",
            file=sys.stderr,
            flush=True,
        )
        app = make_app(model, store, title=f"seeder serve {Path(model.scenario.source or '').name}")
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
