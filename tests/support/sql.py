"""Reading what the code sends to the database: the statements of a block, and the nodes of a query plan."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def captured_statements(engine) -> Iterator[list[tuple[str, object]]]:
    """Every SQL statement (with its parameters) the block sends to the database."""
    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def plan_nodes(plan: dict) -> Iterator[dict]:
    """The node ``plan`` (one of ``EXPLAIN (FORMAT JSON)``) and all nodes under it."""
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)
