"""Issue 21: the pure rules of weerbaarheid (status transitions, scan import parsing, quarters, Markdown)."""

from __future__ import annotations

from datetime import date

import pytest

from meldpunt.resilience.markdown import render_markdown
from meldpunt.resilience.service import (
    ResilienceError, TRANSITIONS, may_move, parse_scan_list, quarter_of, quarter_start, show_count,
)


def test_item_03_transition_table_owner_progresses_only_regisseur_declines_or_reopens_declined():
    assert may_move(current="open", target="in_uitvoering", by_keeper=False)
    assert may_move(current="in_uitvoering", target="gereed", by_keeper=False)
    assert may_move(current="gereed", target="in_uitvoering", by_keeper=False)  # reopen finished work
    assert not may_move(current="open", target="niet_overgenomen", by_keeper=False)
    assert may_move(current="open", target="niet_overgenomen", by_keeper=True)
    assert not may_move(current="niet_overgenomen", target="open", by_keeper=False)
    assert may_move(current="niet_overgenomen", target="open", by_keeper=True)
    assert not may_move(current="gereed", target="niet_overgenomen", by_keeper=True)
    assert not may_move(current="niet_overgenomen", target="gereed", by_keeper=True)
    assert set(TRANSITIONS) == {"open", "in_uitvoering", "gereed", "niet_overgenomen"}


def test_item_03_scan_list_parses_pasted_lines_and_csv():
    assert parse_scan_list("1. Eerste\n2) Tweede\n3.2 Derde\nAanbeveling 4: Vierde\n- Zonder nummer\n") == [
        ("1", "Eerste", ""), ("2", "Tweede", ""), ("3.2", "Derde", ""), ("4", "Vierde", ""),
        ("", "Zonder nummer", "")]
    assert parse_scan_list("nummer;tekst;brondocument\n7;Logging invoeren;Rekenkamer 2025\n8;Roulatie;\n") == [
        ("7", "Logging invoeren", "Rekenkamer 2025"), ("8", "Roulatie", "")]
    assert parse_scan_list('1,"Vier ogen, ook bij spoed"\n') == [("1", "Vier ogen, ook bij spoed", "")]
    with pytest.raises(ResilienceError):
        parse_scan_list(" \n\n")


def test_item_02_quarters_and_small_counts():
    assert quarter_of(date(2026, 12, 1)) == (2026, 4) and quarter_start(2026, 4) == date(2026, 10, 1)
    assert [show_count(n) for n in (0, 1, 4, 5, 12)] == ["0", "< 5", "< 5", "5", "12"]


def test_item_05_markdown_is_sanitised_by_an_allow_list():
    html = str(render_markdown("**vet** <script>alert(1)</script> [a](javascript:alert(2)) "
                               "<img src=x onerror=alert(3)> <a href=\"https://x.nl\" onclick=\"y()\">b</a>"))
    assert "<strong>vet</strong>" in html
    for bad in ("<script", "alert(", "javascript:", "onerror", "onclick", "<img"):
        assert bad not in html
    assert 'href="https://x.nl"' in html
