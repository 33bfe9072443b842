"""Issue 16 item 9: nothing in meldpunt/ or workers/ exists only for tests.

The delivery test once needed ``[feedback] test_delivery_delay`` (a sleep between claim and send);
it now gets its window from an SMTP server that holds back its answer. Identifiers named ``test_*``
in the application code are the mark of such hooks.
"""

from __future__ import annotations

import re
from pathlib import Path

from meldpunt.config import FeedbackSettings

ROOT = Path(__file__).resolve().parents[3]
# A name such as test_delivery_delay; not a path to a test module (tests/unit/app/test_policy.py) in a docstring.
_TEST_HOOK = re.compile(r"(?<![/\w])test_\w+")


def test_item_09_no_identifier_in_the_application_exists_only_for_tests():
    found = []
    for package in ("meldpunt", "workers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if _TEST_HOOK.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_item_09_the_delivery_delay_setting_is_gone():
    assert "test_delivery_delay" not in FeedbackSettings.__dataclass_fields__
