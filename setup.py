"""Build step only (the metadata is in pyproject.toml): the wheel carries the top-level ``templates/`` and
``migrations/`` folders as package data under ``meldpunt/_bundled/``, so an installed app finds them
(``meldpunt.bundled_folder``). A source checkout and an editable install keep using the top-level folders."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("templates", "migrations")


class BuildPyWithBundledFolders(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "meldpunt" / "_bundled"
        for name in BUNDLED:
            shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithBundledFolders})
