"""Build hook: the example projects (``commands/`` and ``scenarios/`` at the top of
the repository, where the demo and the tests use them) are copied into the
package as ``seeder/_examples/`` so that an installed wheel can run them
(``seeder run library``, ``seeder examples copy DIR``). Everything else about the
build is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
EXAMPLES = {"commands": ("*.py",), "scenarios": ("*.yaml", "*.py")}


class BuildPyWithExamples(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install finds them in the repository
            return
        target = Path(self.build_lib) / "seeder" / "_examples"
        for folder, patterns in EXAMPLES.items():
            (target / folder).mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for source in sorted((HERE / folder).glob(pattern)):
                    shutil.copyfile(source, target / folder / source.name)


setup(cmdclass={"build_py": BuildPyWithExamples})
