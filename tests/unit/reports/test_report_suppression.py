"""Small-count suppression: no hidden cell of a published table can be recovered.

The test plays the reader: it knows every shown number, every row/column/grand total relation,
that a "< k" cell lies in 0..k-1 and an "x" cell is at least k. It enumerates every whole-number
filling of the hidden cells that satisfies all of that (brute force, small tables) and requires
at least two possible values for each hidden cell.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meldpunt.reports.suppression import COMPLEMENTARY, PRIMARY, TOTAL, Table, protect

K = 3  # a small k keeps the brute force small; the algorithm is the same for k = 5


def possible_values(table: Table, k: int, slack: int = 4) -> dict:
    """cell -> every value it can take given what the published table tells a reader."""
    hidden = sorted(table.hidden)
    ranges = []
    for cell in hidden:
        if table.hidden[cell] == PRIMARY:
            ranges.append(range(0, k))
        else:  # complementary: at least k; the search looks a few steps around the true value
            ranges.append(range(k, table.value(cell) + slack + 1))
    lines = table.lines()
    index = {cell: i for i, cell in enumerate(hidden)}
    found: dict = {cell: set() for cell in hidden}
    # lines that become checkable once the hidden cells up to position p are assigned
    ready: dict[int, list] = {}
    for line in lines:
        last = max((index[c] for c, _ in line if c in index), default=-1)
        ready.setdefault(last, []).append(line)
    assignment: list[int] = []

    def value(cell):
        return assignment[index[cell]] if cell in index else table.value(cell)

    def search(position: int) -> None:
        for line in ready.get(position - 1, []):
            if sum(coef * value(cell) for cell, coef in line) != 0:
                return
        if position == len(hidden):
            for cell, v in zip(hidden, assignment):
                found[cell].add(v)
            return
        for v in ranges[position]:
            assignment.append(v)
            search(position + 1)
            assignment.pop()

    search(0)
    return found


tables = st.integers(min_value=1, max_value=3).flatmap(lambda rows: st.integers(min_value=1, max_value=3).flatmap(
    lambda cols: st.tuples(
        st.lists(st.lists(st.sampled_from([0, 1, 2, 4, 5, 7, 9, 15]), min_size=cols, max_size=cols),
                 min_size=rows, max_size=rows),
        st.booleans())))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tables)
def test_suppressed_cells_are_not_recoverable_from_totals(drawn):
    values, row_totals = drawn
    table = Table("t", [f"r{i}" for i in range(len(values))], [f"c{j}" for j in range(len(values[0]))],
                  values, row_totals=row_totals or len(values[0]) > 1)
    protect(table, k=K)
    assume(len(table.hidden) <= 7)
    # every published cell below k is hidden (primary) and shows "< k"
    for cell in table.cells():
        if table.value(cell) < K:
            assert table.hidden.get(cell) == PRIMARY and table.shown(cell, K) == f"< {K}"
    solutions = possible_values(table, K)
    for cell, possible in solutions.items():
        assert table.value(cell) in possible
        assert len(possible) >= 2, f"{cell} of {values} is determined: {possible} (hidden {table.hidden})"


def test_suppressed_cells_a_known_example():
    table = Table("t", ["a", "b"], ["x", "y"], [[1, 9], [8, 12]])
    protect(table, k=5)
    assert table.hidden[(0, 0)] == PRIMARY
    assert sum(1 for kind in table.hidden.values() if kind == COMPLEMENTARY) >= 3  # a rectangle of four
    assert all(len(v) >= 2 for v in possible_values(table, 5).values())
    published = table.published(5)
    assert published["rows"][0]["cells"][0] == "< 5"


def test_suppressed_cells_a_correction_hides_what_the_earlier_version_hid():
    earlier = protect(Table("t", ["a", "b"], ["x", "y"], [[1, 9], [8, 12]]), k=5)
    corrected = protect(Table("t", ["a", "b"], ["x", "y"], [[6, 9], [8, 12]]), k=5, also_hide=list(earlier.hidden))
    assert set(earlier.hidden) <= set(corrected.hidden)
    assert all(len(v) >= 2 for v in possible_values(corrected, 5).values())


def test_suppressed_cells_margins_only_table():
    table = Table("t", ["a", "b", "c"], ["n"], [[3], [20], [30]], row_totals=False)
    protect(table, k=5)
    assert (0, 0) in table.hidden and len(table.hidden) >= 2
    assert (TOTAL, 0) not in table.hidden or table.value((TOTAL, 0)) < 5
    assert all(len(v) >= 2 for v in possible_values(table, 5).values())
