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


@contextmanager
def module_database(pg_admin, tmp_path_factory, label: str) -> Iterator[object]:
    """A PostgreSQL database of its own for a module's seeded data: the app on it (tables made, TESTING on);
    connections closed and the database dropped afterwards."""
    import uuid

    from meldpunt import create_app
    from meldpunt.crypto import generate_keyring, write_keyring
    from meldpunt.extensions import db
    from tests.conftest import PG_URL, make_config

    name = f"mp_test_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    instance = tmp_path_factory.mktemp(label) / "instance"
    (instance / "uploads").mkdir(parents=True)
    write_keyring(instance / "keyring.json", generate_keyring())
    app = create_app(make_config(instance, sa.engine.make_url(PG_URL).set(database=name).render_as_string(
        hide_password=False)))
    app.config["TESTING"] = True
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with pg_admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
