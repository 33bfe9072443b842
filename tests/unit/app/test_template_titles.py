"""Every page title block is one line of text: no markup (a swallowed section once ended up in a <title>)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
TITLE = re.compile(r"{%-?\s*block title\s*-?%}(.*?){%-?\s*endblock", re.S)


def test_title_blocks_hold_text_only():
    bad = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for title in TITLE.findall(path.read_text(encoding="utf-8")):
            if "<" in title or "\n" in title.strip():
                bad.append(str(path.relative_to(TEMPLATES)))
    assert not bad, f"title blocks with markup or several lines: {bad}"
