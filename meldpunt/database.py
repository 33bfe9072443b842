"""Declarative base with a naming convention, so Alembic can name and drop constraints."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def savepoint_released(session: Session) -> bool:
    """True inside an ``after_commit`` hook that SQLAlchemy called for a released SAVEPOINT
    (``begin_nested``): the outer transaction is still open, so what it wrote is not committed yet.
    After-commit work (publishing notices and pack jobs, checkpoint lines) waits for the real commit."""
    return session.get_nested_transaction() is not None


def utcnow() -> datetime:
    """Timezone-aware UTC now; stored as naive UTC-free timestamps with timezone=True columns."""
    return datetime.now(timezone.utc)


def utc_hour(now: datetime | None = None) -> datetime:
    """``now`` (default: the current time) rounded down to the whole hour, in UTC.

    The only time stored for what an anonymous reporter does (filing, replying, opening the
    melding with the receipt code): an exact time could be matched against other records.
    """
    value = now or utcnow()
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys (ON DELETE SET NULL/CASCADE) and use WAL for concurrent readers."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def install_sqlite_pragmas() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def sql_in_list(values) -> str:
    """``'a', 'b'`` for a CHECK constraint listing an enum's values (``status IN (...)``)."""
    return ", ".join(f"'{v.value}'" for v in values)
