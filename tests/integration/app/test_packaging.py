"""Issue 16 item 10: the app runs from an installed wheel.

``templates/`` and ``migrations/`` stay at the top level of the repository; the wheel carries them as
``meldpunt/_bundled/`` (setup.py's build step) next to ``meldpunt/static/``. The wheel is built from a
copy of the sources (the checkout stays clean), unpacked as an installer would put it in
site-packages, and a fresh Python process with only the unpacked wheel on its path builds the app,
upgrades an empty database with the bundled migrations and renders pages from the bundled templates.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("meldpunt", "workers", "templates", "migrations", "pyproject.toml", "setup.py", "README.md")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=SKIP)
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = Path(sys.executable).with_name("pip")
    result = subprocess.run([str(pip), "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (built,) = (work / "dist").glob("meldpunt-*.whl")
    return built


def test_item_10_the_wheel_carries_templates_migrations_and_static(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in (("templates", "meldpunt/_bundled/templates"), ("migrations", "meldpunt/_bundled/migrations"),
                           ("meldpunt/static", "meldpunt/static")):
        expected = {f"{inside}/{name}" for name in _files(ROOT / folder)}
        assert expected and expected <= names, sorted(expected - names)[:10]
    assert "meldpunt/_bundled/migrations/alembic.ini" in names and "meldpunt/_bundled/templates/base.html" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("templates/", "migrations/", "tests/"))]


def test_item_10_the_unpacked_wheel_runs_the_app_without_the_top_level_folders(wheel, tmp_path, instance_path):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    assert not (site / "templates").exists() and not (site / "migrations").exists()
    config = tmp_path / "config.json"
    config.write_text(json.dumps(make_config(instance_path, f"sqlite:///{tmp_path / 'wheel.sqlite'}")))
    script = """
import json, sys
import meldpunt
from flask_migrate import upgrade
app = meldpunt.create_app(json.load(open(sys.argv[1])))
with app.app_context():
    upgrade()
client = app.test_client()
pages = {path: client.get(path) for path in ("/", "/inloggen", "/static/css/meldpunt.css")}
print(json.dumps({
    "module": meldpunt.__file__,
    "templates": app.jinja_env.get_template("base.html").filename,
    "migrations": app.extensions["migrate"].directory,
    "status": {path: response.status_code for path, response in pages.items()},
    "login_form": 'name="password"' in pages["/inloggen"].get_data(as_text=True),
}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MELDPUNT_", "PYTHON"))}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run([sys.executable, "-c", script, str(config)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(seen["module"]).is_relative_to(site)  # the unpacked wheel, not the checkout
    assert Path(seen["templates"]).is_relative_to(site / "meldpunt" / "_bundled" / "templates")
    assert Path(seen["migrations"]) == site / "meldpunt" / "_bundled" / "migrations"
    assert seen["status"] == {"/": 200, "/inloggen": 200, "/static/css/meldpunt.css": 200} and seen["login_form"]
