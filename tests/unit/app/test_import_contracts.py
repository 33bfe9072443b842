"""Issue 16 items 7 and 8: import contracts and a Flask-free crypto package.

The contracts live in pyproject.toml ([tool.importlinter]) and run in `make check`. These tests run the
real `lint-imports` on the real tree, and on a scratch copy with forbidden imports written into it, to show
the contracts have teeth.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run(  # nosec B603 - our own tool, fixed arguments
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _scratch_copy(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "static", "*.pyc")
    for package in ("meldpunt", "workers"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_item_07_import_contracts_hold_on_the_tree():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_item_07_a_forbidden_import_breaks_the_contracts(tmp_path):
    scratch = _scratch_copy(tmp_path)
    _append(scratch / "meldpunt/crypto/errors.py", "import meldpunt.config  # forbidden: crypto knows no app")
    _append(scratch / "meldpunt/crypto/stream.py", "import flask  # forbidden: crypto is Flask-free")
    _append(scratch / "meldpunt/admin/service.py", "from meldpunt.vault import service as _vault  # forbidden")
    _append(scratch / "meldpunt/audit/checkpoints.py", "import meldpunt.web  # forbidden: audit sits below the web")
    _append(scratch / "meldpunt/signals/transitions.py", "import meldpunt.feedback.models  # forbidden: the core sits below feedback")

    result = _lint_imports(scratch)

    assert result.returncode != 0
    output = " ".join(result.stdout.split())  # lint-imports wraps long lines
    assert "4 broken" in output, output  # the three forbidden-import contracts and the layers
    assert "meldpunt.crypto.errors -> meldpunt.config" in output
    assert "meldpunt.crypto.stream -> flask" in output
    assert "meldpunt.admin.service -> meldpunt.vault" in output
    assert "meldpunt.audit.checkpoints -> meldpunt.web" in output
    assert "meldpunt.signals.transitions -> meldpunt.feedback.models" in output


def test_item_07_importing_the_crypto_package_loads_no_flask_and_no_sqlalchemy():
    code = (
        "import sys, meldpunt.crypto\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug', 'sqlalchemy'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(  # nosec B603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
