"""Command logs opened for sending: a JSONL log with its manifest (its first
line), a JSONL log written before manifests (each line's method and path only),
or a CSV log's folder; with a ``--nonce``, the items as sent again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seeder.errors import SeederError
from seeder.plan.items import PlanItem
from seeder.plan.nonce import vary_of_manifest, with_nonce
from seeder.run.bindings import Bindings

__all__ = ["open_log"]


def open_log(
    path: Path, nonce: str | None = None
) -> tuple[Bindings, Iterator[PlanItem], dict[str, Any] | None]:
    """The bindings, the items and the manifest (None for an old log) of ``path``."""
    from seeder.plan.commandlog import read_log, read_manifest
    from seeder.plan.csvlog import read_csv_log
    from seeder.plan.csvlog import read_manifest as read_csv_manifest

    if path.is_dir():
        manifest: dict[str, Any] | None = read_csv_manifest(path)
        assert manifest is not None
        bindings = Bindings.of_manifest(manifest, str(path / "manifest.json"))
        items: Iterator[PlanItem] = read_csv_log(path, manifest)
    else:
        manifest = read_manifest(path)
        if manifest is None:  # format 1: learnt line by line from method and path
            bindings = Bindings()
            items = read_log(path, bindings.learn)
        else:
            bindings = Bindings.of_manifest(manifest, f"{path}:1")
            items = read_log(path, _known(bindings, path))
    if nonce is not None and not nonce:
        raise SeederError("--nonce needs a value, e.g. --nonce run-2")
    return bindings, with_nonce(items, nonce, vary_of_manifest(manifest)), manifest


def _known(bindings: Bindings, path: Path) -> Any:
    def learn(item: PlanItem, method: str | None, route: str | None) -> None:
        if item.command not in bindings.by_command:
            bindings.for_item(item, method, route)

    return learn
