"""The example projects that ship with seeder: the demo's commands (with their
bindings) and the scenarios that use them. An installed wheel holds them as
``seeder/_examples`` (copied there at build time, see setup.py); a checkout of the
repository has them at its top, as ``commands/`` and ``scenarios/``.

A user names one by its stem (``seeder run library``) or copies them all into a
folder to edit (``seeder examples copy DIR``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from seeder.errors import SeederError

__all__ = ["copy_examples", "example_names", "examples_root", "find_example", "is_packaged"]

_PACKAGED = Path(__file__).parent / "_examples"
_REPOSITORY = Path(__file__).parent.parent


def examples_root() -> Path:
    """The folder that holds ``commands/`` and ``scenarios/``."""
    if (_PACKAGED / "scenarios").is_dir():
        return _PACKAGED
    return _REPOSITORY


def example_names() -> list[str]:
    """The bundled scenarios' names (YAML ones: the Python twin has the same name)."""
    return sorted(p.stem for p in (examples_root() / "scenarios").glob("*.yaml"))


def find_example(name: str) -> Path | None:
    """The bundled YAML scenario called ``name`` (``library``), if there is one."""
    if name not in example_names():
        return None
    return examples_root() / "scenarios" / f"{name}.yaml"


def is_packaged(path: Path) -> bool:
    """Whether ``path`` lies in the installed package's examples (a folder a run
    should not write its journal into)."""
    return path.resolve().is_relative_to(_PACKAGED.resolve())


def copy_examples(folder: Path, *, force: bool = False) -> list[Path]:
    """Copies ``commands/`` and ``scenarios/`` into ``folder``; returns the files
    written. An existing file is never replaced unless ``force``."""
    root = examples_root()
    sources = [
        path
        for sub in ("commands", "scenarios")
        for path in sorted((root / sub).iterdir())
        if path.is_file() and path.suffix in (".py", ".yaml")
    ]
    targets = [folder / p.relative_to(root) for p in sources]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise SeederError(
            f"{existing[0]} exists ({len(existing)} of the example files do); "
            "choose an empty folder, or add --force to overwrite them"
        )
    for source, target in zip(sources, targets, strict=True):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:
            raise SeederError(
                f"cannot write {target}: {exc.strerror}; choose another folder"
            ) from exc
    return targets
