"""Issue 16 item 9: test data comes from ``tests/factories.py``, shared helpers live in ``tests/support/``."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
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
