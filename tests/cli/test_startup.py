"""What start-up does faster must give what it gave before: Faker's folder listings
(seeder/providers/fakers.py) are pkgutil's, and a user's pydantic plugins still
see seeder's validations of their command models (seeder/commands.py skips
pydantic's plugin search only when no plugin is installed)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from seeder.providers import fakers
from tests.conftest import ROOT


def _faker_folders() -> list[str]:
    import faker.providers

    root = Path(faker.providers.__file__).parent
    folders = [str(root)]
    for info in pkgutil.iter_modules([str(root)]):
        module = importlib.import_module(f"faker.providers.{info.name}")
        if getattr(module, "localized", False):
            folders.append(str(Path(module.__file__ or "").parent))
    return folders


def test_faker_folders_list_as_with_pkgutil() -> None:
    folders = _faker_folders()
    assert len(folders) >= 15
    for folder in folders:
        assert list(fakers._iter_modules([folder])) == list(pkgutil.iter_modules([folder]))
    both = folders[:3] + folders[:1]  # several paths, one twice: each name once
    assert list(fakers._iter_modules(both, "x.")) == list(pkgutil.iter_modules(both, "x."))


def test_odd_folders_list_as_with_pkgutil(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "compiled").mkdir()  # a package with only compiled bytecode
    (tmp_path / "compiled" / "__init__.pyc").write_bytes(b"")
    (tmp_path / "plain").mkdir()  # no __init__: not a package
    (tmp_path / "plain" / "x.py").write_text("")
    (tmp_path / "dotted.name").mkdir()
    (tmp_path / "dotted.name" / "__init__.py").write_text("")
    (tmp_path / "both").mkdir()  # a package and a module of the same name
    (tmp_path / "both" / "__init__.py").write_text("")
    (tmp_path / "both.py").write_text("")
    (tmp_path / "mod.py").write_text("")
    (tmp_path / "ext.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    (tmp_path / "a.b.py").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "README").write_text("")
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "pkg")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    paths = [str(tmp_path), str(tmp_path / "missing"), str(tmp_path / "mod.py")]
    expected = list(pkgutil.iter_modules(paths))
    assert {m.name for m in expected} >= {"pkg", "compiled", "both", "mod", "ext", "link"}
    assert list(fakers._iter_modules(paths)) == expected
    assert list(fakers._iter_modules(None)) == list(pkgutil.iter_modules(None))


def test_new_faker_puts_pkgutil_back() -> None:
    original = pkgutil.iter_modules
    fake = fakers.new_faker("de_DE", True)
    assert pkgutil.iter_modules is original
    assert fake.name() and fake["de_DE"].providers
    with pytest.raises(AttributeError):
        fakers.new_faker("xx_XX", True)
    assert pkgutil.iter_modules is original


PLUGIN = """
import os

class Plugin:
    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):
        with open(os.environ["PLUGIN_SAW"], "a") as f:
            f.write(path.name + "\\n")

        def on_enter(*args, **kwargs):
            with open(os.environ["PLUGIN_SAW"], "a") as f:
                f.write("validated " + path.name + "\\n")

        class Handler:
            pass

        handler = Handler()
        handler.on_enter = on_enter
        return handler, None, None

plugin = Plugin()
"""


def test_a_users_pydantic_plugin_sees_seeders_validations(tmp_path: Path) -> None:
    (tmp_path / "sawplugin.py").write_text(PLUGIN)
    info = tmp_path / "sawplugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sawplugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nsaw = sawplugin:plugin\n")
    saw = tmp_path / "saw.txt"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PLUGIN_SAW": str(saw)}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    result = subprocess.run(
        [sys.executable, "-m", "seeder", "validate", "scenarios/library.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    lines = saw.read_text().splitlines()
    assert "Command" in lines and "PublishBook" in lines  # seeder's model, the user's
    assert "validated PublishBook" in lines  # the sample check's validations, observed
