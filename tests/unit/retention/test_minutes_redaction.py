"""Issue 19 item 3: which part of free-text minutes belongs to a shredded agenda item."""

from __future__ import annotations

from meldpunt.retention.redaction import REDACTED, redact_minutes_text

MINUTES = """Opening door de voorzitter.

Punt 1 Vastgoed
Eerste regel over pand.
Tweede regel over pand.

Agendapunt 2: Horeca
Horeca blijft.

MO-2026-00007 staat los en blijft
Nog een regel over MO-2026-00007.

Rondvraag: MO-2026-00003 komt terug in april.
Ook noemde iemand iets anders.

MO-2026-000031 is een ander nummer.
"""


def test_item_03_section_by_number_and_paragraphs_naming_the_reference_are_redacted():
    result = redact_minutes_text(MINUTES, numbers={1}, references={"MO-2026-00003"},
                                 other_references={"MO-2026-00007"})
    assert "pand" not in result and "april" not in result and "iets anders" not in result
    assert result.count(REDACTED) == 2
    for kept in ("Opening door de voorzitter.", "Horeca blijft.", "MO-2026-00007 staat los en blijft",
                 "MO-2026-000031 is een ander nummer."):
        assert kept in result
    assert result.endswith("\n")


def test_item_03_section_that_starts_with_the_reference_runs_to_the_next_heading():
    text = "MO-2026-00003 besproken\nGeheim detail.\nPunt 4 Volgende\nBlijft staan."
    result = redact_minutes_text(text, numbers=set(), references={"MO-2026-00003"}, other_references=set())
    assert result == f"{REDACTED}\nPunt 4 Volgende\nBlijft staan."


def test_item_03_minutes_without_the_item_stay_as_written():
    assert redact_minutes_text(MINUTES, numbers={9}, references={"MO-2026-09999"}, other_references=set()) == MINUTES


def test_item_03_a_standing_part_ends_the_section_of_the_last_item():
    text = "Punt 2 Vastgoed\nGeheim.\n\nRondvraag\nNiets.\nSluiting om 11 uur."
    result = redact_minutes_text(text, numbers={2}, references=set(), other_references=set())
    assert result == f"{REDACTED}\n\nRondvraag\nNiets.\nSluiting om 11 uur."
