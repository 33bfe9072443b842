"""Small-count suppression for published tables (raadsrapportage, ondermijningsbeeld).

A published table is a grid of counts with its row totals, column totals and grand total. Anyone
reading it knows every shown number and every sum relation between them ("lines"): each row adds
up to its row total, each column to its column total, the totals to the grand total. They also know
that counts are whole numbers of zero or more, that a cell shown as "< k" lies in 0..k-1 and that a
cell hidden to protect another (complementary suppression, shown as "x") is at least k.

``protect`` hides:

1. primary: every cell (margins included) below ``k``;
2. complementary: more cells until every hidden cell has at least two possible values given all of
   the above. Proof per hidden cell is constructive: a "move" (+1 on that cell and ±1 on other hidden
   cells) that keeps every line's sum and every cell within what the reader knows. Such a move exists
   exactly when the hidden cell lies on a cycle of hidden cells through the lines, with room to move;
   ``_find_move`` searches that cycle and ``_valid_move`` checks the result with plain arithmetic.

Earlier periods: a report never recomputes a figure it published before; the previous period's
column is copied from its frozen snapshot with its own hidden cells (``carry_forward``), so the
difference between two reports yields nothing that either does not show. A corrected version of a
report first hides again what the earlier version hid (``protect(..., also_hide=...)``).

This module is pure Python over plain values: no database, no Flask, nothing confidential.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PRIMARY = "primary"  # below k: shown as "< k"
COMPLEMENTARY = "complementary"  # hidden to protect another cell: shown as "x"

#: Key of a cell in the extended table: (row index, column index); ``TOTAL`` is the margin.
TOTAL = -1
Cell = tuple[int, int]
#: The vertex for "no line": a cell in fewer than two published sums ends here.
FREE = -1


@dataclass
class Table:
    """Counts ``values[r][c]`` with labels; ``row_totals``/``column_totals`` say which margins are published."""

    title: str
    row_labels: list[str]
    column_labels: list[str]
    values: list[list[int]]
    row_totals: bool = True
    column_totals: bool = True
    #: cell -> PRIMARY or COMPLEMENTARY, filled by ``protect``.
    hidden: dict[Cell, str] = field(default_factory=dict)

    # ----------------------------------------------------------------- the extended table

    def value(self, cell: Cell) -> int:
        cache = self.__dict__.setdefault("_value_cache", {})
        if cell not in cache:
            cache[cell] = self._compute(cell)
        return cache[cell]

    def _compute(self, cell: Cell) -> int:
        r, c = cell
        if r == TOTAL and c == TOTAL:
            return sum(sum(row) for row in self.values)
        if r == TOTAL:
            return sum(row[c] for row in self.values)
        if c == TOTAL:
            return sum(self.values[r])
        return self.values[r][c]

    def cells(self) -> list[Cell]:
        """Every published cell: the interior plus the published margins."""
        rows, cols = range(len(self.row_labels)), range(len(self.column_labels))
        out = [(r, c) for r in rows for c in cols]
        if self.row_totals:
            out += [(r, TOTAL) for r in rows]
        if self.column_totals:
            out += [(TOTAL, c) for c in cols]
        if self.row_totals and self.column_totals:
            out.append((TOTAL, TOTAL))
        return out

    def lines(self) -> list[list[tuple[Cell, int]]]:
        """The sum relations a reader knows, each as ``[(cell, coefficient), ...]`` adding up to 0."""
        if "_lines_cache" not in self.__dict__:
            self.__dict__["_lines_cache"] = self._lines()
        return self.__dict__["_lines_cache"]

    def _lines(self) -> list[list[tuple[Cell, int]]]:
        rows, cols = range(len(self.row_labels)), range(len(self.column_labels))
        out: list[list[tuple[Cell, int]]] = []
        if self.row_totals:
            out += [[((r, c), 1) for c in cols] + [((r, TOTAL), -1)] for r in rows]
        if self.column_totals:
            out += [[((r, c), 1) for r in rows] + [((TOTAL, c), -1)] for c in cols]
        if self.row_totals and self.column_totals:
            out.append([((TOTAL, c), 1) for c in cols] + [((TOTAL, TOTAL), -1)])
        return out

    # ----------------------------------------------------------------- what is published

    def shown(self, cell: Cell, k: int) -> str:
        kind = self.hidden.get(cell)
        if kind == PRIMARY:
            return f"< {k}"
        if kind == COMPLEMENTARY:
            return "x"
        return str(self.value(cell))

    def published(self, k: int) -> dict:
        """The table as published (JSON-ready): labels and the shown text of every cell."""
        rows = []
        for r, label in enumerate(self.row_labels):
            cells = [self.shown((r, c), k) for c in range(len(self.column_labels))]
            rows.append({"label": label, "cells": cells, "total": self.shown((r, TOTAL), k) if self.row_totals else None})
        totals = None
        if self.column_totals:
            totals = {"cells": [self.shown((TOTAL, c), k) for c in range(len(self.column_labels))],
                      "total": self.shown((TOTAL, TOTAL), k) if self.row_totals else None}
        return {"title": self.title, "columns": list(self.column_labels), "rows": rows, "totals": totals,
                "hidden": sorted([list(cell), kind] for cell, kind in self.hidden.items())}


def bounds(kind: str | None, value: int, k: int) -> tuple[int, float]:
    """What a reader knows of a cell: (lowest, highest) possible value."""
    if kind == PRIMARY:
        return 0, k - 1
    if kind == COMPLEMENTARY:
        return k, float("inf")
    return value, value


# ------------------------------------------------------------------------- the proof of one cell


def _incidence(table: Table) -> tuple[dict[Cell, list[tuple[int, int]]], int]:
    """cell -> [(line index, coefficient)], and the number of lines (each cell is in at most two)."""
    if "_incidence_cache" not in table.__dict__:
        where: dict[Cell, list[tuple[int, int]]] = {cell: [] for cell in table.cells()}
        lines = table.lines()
        for index, line in enumerate(lines):
            for cell, coef in line:
                where[cell].append((index, coef))
        table.__dict__["_incidence_cache"] = (where, len(lines))
    return table.__dict__["_incidence_cache"]


def _valid_move(table: Table, k: int, move: dict[Cell, int]) -> bool:
    """Plain check: after ``move`` every line still adds up and every cell stays within what is known."""
    if not move:
        return False
    for line in table.lines():
        if sum(coef * move.get(cell, 0) for cell, coef in line) != 0:
            return False
    for cell, delta in move.items():
        if cell not in table.hidden:
            return False
        low, high = bounds(table.hidden[cell], table.value(cell), k)
        if not low <= table.value(cell) + delta <= high:
            return False
    return True


def _find_move(table: Table, k: int, target: Cell) -> dict[Cell, int] | None:
    """A move that changes ``target`` by +1 or -1 and keeps everything the reader knows, or None.

    Graph: lines are vertices, hidden cells are edges between their (at most two) lines; a cell in
    fewer lines ends at the free vertex (no sum to keep there). The walk leaves the target through
    one of its lines and must come back to the other with the change that cancels the target's
    there; each line passed on the way demands the next cell's change that cancels the previous
    one, and a cell may take a step only if it stays within its known bounds.
    """
    where, _n = _incidence(table)

    def ends(cell: Cell) -> list[tuple[int, int]]:
        found = list(where[cell])
        while len(found) < 2:
            found.append((FREE, 0))
        return found

    by_line: dict[int, list[tuple[Cell, tuple[int, int], tuple[int, int]]]] = {}
    for cell in sorted(table.hidden):
        if cell == target:
            continue
        for near, far in _orientations(ends(cell)):
            by_line.setdefault(near[0], []).append((cell, near, far))
    target_ends = ends(target)
    for sigma in (1, -1):
        if not _step_ok(table, k, target, sigma):
            continue
        for (goal, goal_coef), (first, first_coef) in _orientations(target_ends):
            if first == FREE and goal == FREE:
                return {target: sigma}
            if first == FREE:
                continue  # the other orientation starts from the line that needs fixing
            queue: deque[tuple[int, int, tuple[tuple[Cell, int], ...]]] = deque()
            queue.append((first, -first_coef * sigma, ((target, sigma),)))
            seen = {(first, -first_coef * sigma)}
            while queue:
                line, need, path = queue.popleft()
                used = {cell for cell, _d in path}
                for cell, (_l1, c1), (l2, c2) in by_line.get(line, []):
                    if cell in used:
                        continue
                    deltas = (1, -1) if line == FREE else (need * c1,)
                    for delta in deltas:
                        if not _step_ok(table, k, cell, delta):
                            continue
                        new_path = path + ((cell, delta),)
                        closes = (goal == FREE and l2 == FREE) or (
                            l2 == goal and goal != FREE and c2 * delta + goal_coef * sigma == 0)
                        if closes:
                            move = dict(new_path)
                            if _valid_move(table, k, move):
                                return move
                            continue
                        state = (l2, 0 if l2 == FREE else -c2 * delta)
                        if state not in seen:
                            seen.add(state)
                            queue.append((state[0], state[1], new_path))
    return None


def _orientations(pair: list[tuple[int, int]]) -> Iterable[tuple[tuple[int, int], tuple[int, int]]]:
    yield pair[0], pair[1]
    if pair[0] != pair[1]:
        yield pair[1], pair[0]


def _step_ok(table: Table, k: int, cell: Cell, delta: int) -> bool:
    low, high = bounds(table.hidden.get(cell), table.value(cell), k)
    return low <= table.value(cell) + delta <= high


def undetermined(table: Table, k: int, cell: Cell) -> bool:
    """True when a reader of the published table cannot pin ``cell`` to one value (a move exists)."""
    return _find_move(table, k, cell) is not None


# ------------------------------------------------------------------------- hiding


def protect(table: Table, *, k: int = 5, also_hide: Iterable[Cell] = ()) -> Table:
    """Fill ``table.hidden``: primary below ``k``, then complementary until every hidden cell is safe.

    ``also_hide``: cells an earlier published version of this table hid (they stay hidden, as
    complementary unless they are below ``k``).
    """
    table.hidden = {}
    cells = table.cells()
    for cell in cells:
        if table.value(cell) < k:
            table.hidden[cell] = PRIMARY
    for cell in also_hide:
        if cell in cells and cell not in table.hidden:
            table.hidden[cell] = COMPLEMENTARY
    where, _n = _incidence(table)
    lines = table.lines()
    # Hiding more never makes a safe cell unsafe (its move stays valid), so each cell is settled once.
    queue = deque(sorted(table.hidden))
    while queue:
        cell = queue.popleft()
        if undetermined(table, k, cell):
            continue
        added = _hide_partner(table, k, cell, where, lines)
        if added is None:
            continue  # nothing left to hide on its lines
        queue.append(added)
        queue.append(cell)
    return table


def _hide_partner(table: Table, k: int, cell: Cell, where, lines) -> Cell | None:
    """Hide one more cell on a line through ``cell``: the first that makes ``cell`` safe, else the smallest."""
    candidates: list[Cell] = []
    for index, _coef in where[cell]:
        candidates += [other for other, _c in lines[index] if other not in table.hidden]
    if not candidates:
        # every cell on its lines is hidden already: widen to any shown cell (last resort)
        candidates = [other for other in table.cells() if other not in table.hidden]
    if not candidates:
        return None

    def cost(other: Cell) -> tuple[int, int, Cell]:
        is_margin = int(TOTAL in other)
        return (is_margin, table.value(other), other)

    ordered = sorted(set(candidates), key=cost)
    for other in ordered:
        if table.value(other) <= k:
            continue  # shown as "x" it would be known to be >= k: no room to move down
        table.hidden[other] = COMPLEMENTARY
        if undetermined(table, k, cell):
            return other
        del table.hidden[other]
    table.hidden[ordered[0]] = COMPLEMENTARY
    return ordered[0]


def carry_forward(published: dict | None, labels: Sequence[str]) -> list[str]:
    """The row totals of an earlier published table, for ``labels``, exactly as published then."""
    if not published:
        return ["–" for _ in labels]
    by_label = {row["label"]: row["total"] for row in published.get("rows", [])}
    return [by_label.get(label, "–") or "–" for label in labels]


def shown_value(text: str) -> int | None:
    """The number in a published cell, or None when hidden or absent."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
