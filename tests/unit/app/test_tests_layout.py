"""Issue 16 item 9: test data comes from ``tests/factories.py``, shared helpers live in ``tests/support/``."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]
PRIVATE_FILING_HELPER = re.compile(r"^\s*def (_file|_signal)\(", re.M)


def test_item_09_no_private_helpers():
    """No test module defines its own ``_file``/``_signal``: filing goes through ``tests.factories``."""
    found = [
        f"{path.relative_to(TESTS)}:{text.count(chr(10), 0, match.start()) + 1}: def {match.group(1)}("
        for path in sorted(TESTS.rglob("*.py")) if path != TESTS / "factories.py"
        for text in [path.read_text(encoding="utf-8")]
        for match in PRIVATE_FILING_HELPER.finditer(text)
    ]
    assert found == [], "use tests/factories.py instead of a helper of your own:\n" + "\n".join(found)


def test_item_09_no_conftest_named_helper_modules():
    """Only pytest's own ``conftest.py`` files carry that name; helper modules are in ``tests/support/``."""
    misnamed = [str(p.relative_to(TESTS)) for p in TESTS.rglob("conftest*.py") if p.name != "conftest.py"]
    assert misnamed == []
    assert (TESTS / "support" / "logins.py").is_file() and (TESTS / "factories.py").is_file()


def test_item_09_tests_are_grouped_by_domain_mirroring_the_source_tree():
    """``tests/<kind>/<package>/test_*.py``: each folder is a package of ``meldpunt/`` (``app`` for the
    top-level modules and what crosses packages); no test module sits loose in a kind's folder."""
    packages = {p.name for p in (TESTS.parent / "meldpunt").iterdir() if (p / "__init__.py").is_file()}
    for kind in ("unit", "integration", "functional", "e2e"):
        loose = sorted(p.name for p in (TESTS / kind).glob("test_*.py"))
        assert loose == [], f"tests/{kind}: put these in a domain folder: {loose}"
        folders = {p.name for p in (TESTS / kind).iterdir() if p.is_dir() and p.name != "__pycache__"}
        assert folders <= packages | {"app"}, sorted(folders - packages)
