"""User modules: the commands file a scenario names, a Python scenario file, and
the modules of ``python:`` providers. User code that fails to import is reported
as the user's problem, never as a traceback."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from seeder.errors import InvalidProvider

__all__ = ["import_function", "load_module_file", "module_location", "shown_path"]


def load_module_file(path: Path, purpose: str) -> ModuleType:
    """Imports a Python file by path under a name derived from its location."""
    digest = hashlib.blake2b(str(path.resolve()).encode(), digest_size=6).hexdigest()
    name = f"_seeder_{purpose}_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def module_location(exc: BaseException, path: Path) -> tuple[str, int, int | None] | None:
    """Where in the user's file ``path`` importing it failed: a syntax error's
    line and column, a binding's line, or the deepest line of that file in the
    traceback (an ImportError, a NameError, a RecursionError...)."""
    target = str(path.resolve())
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return exc.filename, exc.lineno, exc.offset
    where = getattr(exc, "where", None)  # BindingError: the line that made the binding
    if isinstance(where, tuple) and len(where) == 2:
        return str(where[0]), int(where[1]), None
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if str(Path(tb.tb_frame.f_code.co_filename).resolve()) == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return None if line is None else (str(path), line, None)


def shown_path(filename: str) -> str:
    """A path as messages show it: relative to the working folder when below it."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())


def import_function(spec: str, base_dir: Path) -> Callable[..., Any]:
    """``module:function``: a file in the scenario's folder tree first (``pkg.mod``
    is ``pkg/mod.py`` below it), else an installed module of that name. The module
    name is dotted identifiers (PythonFunction checks), and a file that resolves
    outside the folder (a symlink) is refused rather than loaded."""
    module_name, _, attr = spec.partition(":")
    base = base_dir.resolve()
    relative = Path(*module_name.split("."))
    candidates = [
        base / relative.with_name(relative.name + ".py"),
        base / relative / "__init__.py",
    ]
    try:
        for path in candidates:
            if path.is_file():
                if not path.resolve().is_relative_to(base):
                    raise InvalidProvider(
                        f"python: {path.relative_to(base)} resolves outside the scenario's "
                        f"folder {base} (a symlink?); copy the module into the folder or "
                        "install it"
                    )
                module = load_module_file(path, "providers")
                break
        else:
            module = importlib.import_module(module_name)
    except InvalidProvider:
        raise
    except ImportError as exc:
        raise InvalidProvider(
            f"python: cannot import {module_name!r} ({exc}); put {module_name}.py next "
            "to the scenario or install the module"
        ) from exc
    except (Exception, SystemExit) as exc:  # the user's module failed while importing
        raise InvalidProvider(
            f"python: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise InvalidProvider(f"python: {module_name!r} has no function {attr!r}")
    return fn  # type: ignore[no-any-return]
