"""``seeder init [DIR]``: a project that works at once against the embedded demo —
a commands module with one binding, a scenario, Given tests (a conftest.py with a
fixture built on ``given``, configured in pyproject.toml) and a CI workflow.

The files are templates in ``template/``: ``NAME.tmpl`` is written as ``NAME``, a
leading ``dot-`` becomes ``.`` (hidden files do not survive every packaging
tool), and ``__PROJECT__`` becomes the folder's name."""

from __future__ import annotations

import re
from pathlib import Path

from seeder.errors import SeederError

__all__ = ["scaffold"]

TEMPLATE = Path(__file__).parent / "template"


def _destination(template: Path) -> Path:
    parts = [
        "." + p.removeprefix("dot-") if p.startswith("dot-") else p
        for p in template.relative_to(TEMPLATE).parts
    ]
    return Path(*parts).with_name(parts[-1].removesuffix(".tmpl"))


def scaffold(folder: Path, *, force: bool = False) -> list[Path]:
    """Writes the project into ``folder`` (created if missing); returns the files
    written, relative to it. A folder that holds anything is refused unless
    ``force`` (then same-named files are replaced, others left alone)."""
    if folder.exists() and not folder.is_dir():
        raise SeederError(f"{folder} is a file; give a folder (new or empty) to seeder init")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise SeederError(
            f"{folder} is not empty; give a new or empty folder, or add --force to write "
            "the project's files into it (same-named files are replaced)"
        )
    name = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-") or "project"
    written = []
    for template in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = _destination(template)
        target = folder / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                template.read_text(encoding="utf-8").replace("__PROJECT__", name),
                encoding="utf-8",
            )
        except OSError as exc:
            raise SeederError(f"cannot write {target}: {exc.strerror}; check the folder") from exc
        written.append(relative)
    return written
