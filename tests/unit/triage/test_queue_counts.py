"""Issue 23: how the queue shows its numbers, and that its index predicates match the transition table."""

from __future__ import annotations

from meldpunt.signals.models import QUEUE_EXIT_STATUSES
from meldpunt.triage.queue import Count, format_number
from meldpunt.signals.models import FINAL_STATUSES


def test_item_01_estimated_alle_count_reads_ruim_and_stays_below_the_estimate():
    assert Count(959_312, "estimate").label == "ruim 949.000"  # 1 % off, three significant digits
    assert Count(12_345, "estimate").label == "ruim 12.200"
    assert Count(1_234_567, "estimate").label == "ruim 1.220.000"


def test_item_01_exact_and_bounded_counts_in_dutch():
    assert Count(7).label == "7" and Count(1_234).label == "1.234" and format_number(950_041) == "950.041"
    assert Count(10_000, "at_least").label == "meer dan 10.000"
    assert Count(3).exact and not Count(3, "estimate").exact


def test_item_01_partial_index_predicates_use_the_final_statuses_of_the_transition_table():
    assert set(QUEUE_EXIT_STATUSES) == {status.value for status in FINAL_STATUSES}
