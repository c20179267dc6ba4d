"""Making Faker generators at a lower start-up cost, with the same result.

``import faker`` and the first ``Faker(locale)`` list Faker's package folders to
find its providers and locales: ``pkgutil.iter_modules`` over ~40 provider folders
and their ~700 locale sub-folders, twice, opening every one to see whether it holds
an ``__init__`` (~40 M instructions, 8–10 ms of a ~250 ms ``seeder validate``).
:func:`new_faker` builds the generator while ``pkgutil.iter_modules`` answers
folder listings with :func:`_iter_modules`: the same modules, in the same order,
with the same importers, found with one ``stat`` per sub-folder
(``__init__.py``, else the full listing as before). Anything but plain folders on
the file system (zip files, other importers) goes to the original function, which
is put back when the generator is made.
"""

from __future__ import annotations

import importlib.machinery
import inspect
import os
import pkgutil
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["new_faker"]

_lock = threading.Lock()
_depth = 0
_original: Callable[..., Iterator[pkgutil.ModuleInfo]] = pkgutil.iter_modules


def new_faker(locale: str, weighting: bool) -> Any:
    """``faker.Faker(locale, use_weighting=weighting)`` (it raises AttributeError
    for a locale Faker does not have)."""
    _enter()
    try:
        from faker import Faker

        return Faker(locale, use_weighting=weighting)
    finally:
        _exit()


def _enter() -> None:
    global _depth, _original
    with _lock:
        if _depth == 0:
            _original = pkgutil.iter_modules
            pkgutil.iter_modules = _iter_modules  # type: ignore[assignment]
        _depth += 1


def _exit() -> None:
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0 and pkgutil.iter_modules is _iter_modules:
            pkgutil.iter_modules = _original


def _iter_modules(
    path: Iterable[str] | None = None, prefix: str = ""
) -> Iterator[pkgutil.ModuleInfo]:
    """``pkgutil.iter_modules(path, prefix)``, faster for folders on the file system."""
    if path is None or isinstance(path, str) or not isinstance(prefix, str):
        return _original(path, prefix)
    paths = list(path)
    if not all(isinstance(p, str) for p in paths):
        return _original(paths, prefix)
    importers = [pkgutil.get_importer(p) for p in paths]
    if not all(type(i) is importlib.machinery.FileFinder for i in importers):
        return _original(paths, prefix)
    return _modules_of(importers, prefix)  # type: ignore[arg-type]


def _modules_of(
    importers: list[importlib.machinery.FileFinder], prefix: str
) -> Iterator[pkgutil.ModuleInfo]:
    yielded: set[str] = set()
    for importer in importers:
        for name, ispkg in _folder_modules(importer.path, prefix):
            if name not in yielded:
                yielded.add(name)
                yield pkgutil.ModuleInfo(importer, name, ispkg)


def _folder_modules(folder: str, prefix: str) -> Iterator[tuple[str, bool]]:
    """What ``pkgutil``'s file-finder listing yields for ``folder``: its modules
    (``name.py``, ``name.cpython-311-….so``) and packages (sub-folders without a dot
    holding an ``__init__``), sorted by file name, each name once, ``__init__`` not."""
    if not os.path.isdir(folder):
        return
    try:
        entries = sorted((entry.name, entry) for entry in os.scandir(folder))
    except OSError:
        entries = []
    yielded: set[str] = set()
    for name, entry in entries:
        if "." in name:  # only a name with a dot can end in a module suffix
            modname = inspect.getmodulename(name)
            if not modname or modname == "__init__" or modname in yielded or "." in modname:
                continue
            yielded.add(modname)
            yield prefix + modname, False
            continue
        try:
            if not entry.is_dir():
                continue
        except OSError:
            continue
        sub = os.path.join(folder, name)
        if not os.path.exists(os.path.join(sub, "__init__.py")):
            try:
                contents = os.listdir(sub)
            except OSError:
                contents = []
            if not any(inspect.getmodulename(fn) == "__init__" for fn in contents):
                continue  # not a package
        if name not in yielded:
            yielded.add(name)
            yield prefix + name, True
