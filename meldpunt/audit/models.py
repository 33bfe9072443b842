"""Audit entries: who did what to which object, when, from where, with what result."""

from __future__ import annotations

from datetime import datetime

import uuid

from sqlalchemy import DateTime, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from meldpunt.database import Base, utcnow


class AuditEntry(Base):
    """One audit entry (logregel).

    A request appends an entry with one INSERT and takes no lock: ``id`` comes from the database
    (a sequence on PostgreSQL) and ``position``, ``prev_hash`` and ``entry_hash`` stay empty. The
    sealer (``meldpunt.audit.service.seal``: Celery beat every second, and first thing in ``flask
    audit verify``) gives the committed entries, in ``id`` order, the next ``position`` in the chain
    and ``entry_hash`` = SHA-256 over the previous hash and the entry's canonical form. The chain
    runs by ``position``, which has no gaps; ``id`` may have gaps (a rolled-back request used one).
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int | None] = mapped_column(Integer, unique=True)  # None until sealed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the trail outlives accounts
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    result: Mapped[str] = mapped_column(String(20), default="ok")
    origin: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON of non-confidential metadata
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # None until sealed
    entry_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # None until sealed


#: The sealer's work list: only the entries not sealed yet (a handful), however long the trail is.
Index("ix_audit_entries_unsealed", AuditEntry.id,
      postgresql_where=AuditEntry.position.is_(None), sqlite_where=AuditEntry.position.is_(None))


class AuditCheckpoint(Base):
    """One row (id 1): the position and hash of the newest sealed entry, signed with an HMAC under a key
    outside the database (``last_id`` is that position).

    Updated in the same transaction as every seal. ``audit verify`` compares the chain's end with it,
    so deleting the newest entries (tail truncation) or rewriting the whole chain after an edit is
    detected: the signature cannot be recomputed without the keyring.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64), default="")
    mac: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeferredAuditEntry(Base):
    """An audit entry about an anonymous reporter, waiting for its hour to end before it joins the chain.

    Written in the same transaction as the action it records. It has no actor, no origin and no
    exact time: only the hour (UTC) it happened in. ``meldpunt.audit.service.append_deferred``
    moves the entries of every hour that has ended into the hash chain, in random order and
    stamped with that hour, so an entry's place in the chain cannot be matched against the
    entries around it (a logout, a login) to find the exact moment.
    """

    __tablename__ = "audit_deferred"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)  # random: no order
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[str] = mapped_column(String(20), default="ok")
    details: Mapped[str] = mapped_column(Text, default="{}")
