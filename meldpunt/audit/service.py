"""Write and verify the hash-chained audit trail.

Entries hold metadata only (ids, action names, results); callers must never pass
content, names, passwords, codes or tokens in ``details``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import hmac
from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from meldpunt.audit.models import AuditCheckpoint, AuditEntry, DeferredAuditEntry
from meldpunt.database import utc_hour

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x4D454C44  # "MELD": serialises appends on PostgreSQL


def _canonical(entry: AuditEntry) -> bytes:
    created = entry.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    payload = {
        "id": entry.id,
        "at": created.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "result": entry.result,
        "origin": entry.origin,
        "details": entry.details,
        "prev": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def record(
    session: Session,
    *,
    action: str,
    actor_id: int | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: Any = "",
    result: str = "ok",
    origin: str = "",
    details: dict[str, Any] | None = None,
    created_at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change).

    ``created_at`` (default: now) is the time the entry states; the chain orders entries by id,
    not by time, so an earlier stated time (a deferred anonymous entry's hour) keeps it valid.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        created_at=created_at or datetime.now(timezone.utc),
        actor_id=actor_id,
        actor_label=actor_label[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else "",
        result=result,
        origin=origin[:64],
        details=json.dumps(details or {}, sort_keys=True, default=str),
        prev_hash=last.entry_hash if last else GENESIS,
    )
    entry.entry_hash = compute_hash(entry)
    session.add(entry)
    _advance_checkpoint(session, entry)
    session.flush()
    return entry


ANONYMOUS_ACTOR = "anoniem"


def record_anonymous(
    session: Session,
    *,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    result: str = "ok",
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> DeferredAuditEntry:
    """Audit what an anonymous reporter did: no actor, no origin, only the hour; chained after the hour.

    Written in the caller's transaction like ``record``. ``append_deferred`` adds it to the
    chain once its hour has ended (see ``DeferredAuditEntry``).
    """
    entry = DeferredAuditEntry(
        id=uuid.uuid4(),
        hour=utc_hour(now),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else "",
        result=result,
        details=json.dumps(details or {}, sort_keys=True, default=str),
    )
    session.add(entry)
    session.flush()
    return entry


def append_deferred(session: Session, *, now: datetime | None = None) -> int:
    """Move the deferred anonymous entries of every hour that has ended into the chain; returns how many.

    Oldest hour first; within an hour in the order of their random ids (not the order they
    happened in). Each gets actor "anoniem", no origin, and its hour as time. Runs in the
    caller's transaction (the caller commits); called by the audit view, ``audit verify`` and
    Celery beat (hourly).
    """
    current_hour = utc_hour(now)
    waiting = session.scalars(
        select(DeferredAuditEntry)
        .where(DeferredAuditEntry.hour < current_hour)
        .order_by(DeferredAuditEntry.hour, DeferredAuditEntry.id)
    ).all()
    for deferred in waiting:
        record(
            session, action=deferred.action, actor_label=ANONYMOUS_ACTOR, object_type=deferred.object_type,
            object_id=deferred.object_id, result=deferred.result, origin="",
            details=json.loads(deferred.details or "{}"), created_at=deferred.hour,
        )
        session.delete(deferred)
    session.flush()
    return len(waiting)


def deferred_count(session: Session) -> int:
    """Anonymous entries still waiting for their hour to end (``audit verify`` reports them)."""
    return session.scalar(select(func.count()).select_from(DeferredAuditEntry)) or 0


def _checkpoint_key(key_id: str | None = None) -> tuple[str, bytes] | None:
    """The keyring's blind-index key (outside the database) signs the checkpoint; None without an app."""
    from flask import current_app, has_app_context

    if not has_app_context() or "meldpunt.keyring" not in current_app.extensions:
        return None
    keyring = current_app.extensions["meldpunt.keyring"]
    if key_id:
        try:
            return key_id, keyring.index_key(key_id)
        except Exception:  # noqa: BLE001 - an unknown key id is reported by verify
            return None
    return keyring.active_index_key()


def checkpoint_mac(key: bytes, last_id: int, last_hash: str) -> str:
    message = f"audit-checkpoint\x00{last_id}\x00{last_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _advance_checkpoint(session: Session, entry: AuditEntry) -> None:
    checkpoint = session.get(AuditCheckpoint, 1)
    if checkpoint is None:
        checkpoint = AuditCheckpoint(id=1, last_id=0, last_hash=GENESIS)
        session.add(checkpoint)
    key = _checkpoint_key()
    checkpoint.last_id = entry.id
    checkpoint.last_hash = entry.entry_hash
    checkpoint.key_id = key[0] if key else ""
    checkpoint.mac = checkpoint_mac(key[1], entry.id, entry.entry_hash) if key else ""
    checkpoint.updated_at = datetime.now(timezone.utc)


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def verify_chain(session: Session, *, batch_size: int = 5000) -> list[ChainBreak]:
    """Recompute the chain; return every entry that was edited, inserted or follows a deletion."""
    breaks: list[ChainBreak] = []
    prev_hash = GENESIS
    expected_id = 1
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch_size)
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.id != expected_id:
                breaks.append(ChainBreak(entry.id, f"entries {expected_id}..{entry.id - 1} are missing"))
            if entry.prev_hash != prev_hash:
                breaks.append(ChainBreak(entry.id, "previous-hash link does not match (entry deleted or reordered)"))
            if compute_hash(entry) != entry.entry_hash:
                breaks.append(ChainBreak(entry.id, "content does not match its hash (entry edited)"))
            prev_hash = entry.entry_hash
            expected_id = entry.id + 1
            last_id = entry.id
        session.expunge_all()
    breaks.extend(_verify_checkpoint(session, last_id=last_id, last_hash=prev_hash))
    return breaks


def _verify_checkpoint(session: Session, *, last_id: int, last_hash: str) -> list[ChainBreak]:
    checkpoint = session.get(AuditCheckpoint, 1)
    if checkpoint is None:
        if last_id:
            return [ChainBreak(last_id, "checkpoint row is missing (deleted?)")]
        return []
    problems: list[ChainBreak] = []
    key = _checkpoint_key(checkpoint.key_id) if checkpoint.key_id else None
    if key is None and _checkpoint_key() is not None:
        problems.append(ChainBreak(checkpoint.last_id, "checkpoint is not signed with a known key"))
    elif key is not None and not hmac.compare_digest(
        checkpoint_mac(key[1], checkpoint.last_id, checkpoint.last_hash), checkpoint.mac
    ):
        problems.append(ChainBreak(checkpoint.last_id, "checkpoint signature does not match (checkpoint edited)"))
    if checkpoint.last_id != last_id:
        if checkpoint.last_id > last_id:
            problems.append(ChainBreak(
                checkpoint.last_id, f"entries {last_id + 1}..{checkpoint.last_id} are missing (newest entries deleted)"
            ))
        else:
            problems.append(ChainBreak(last_id, f"entries after {checkpoint.last_id} are not covered by the checkpoint"))
    elif not hmac.compare_digest(checkpoint.last_hash, last_hash):
        problems.append(ChainBreak(last_id, "chain end does not match the checkpoint (chain rewritten)"))
    return problems


@dataclass(frozen=True)
class AuditPage:
    entries: Sequence[AuditEntry]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def search_entries(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    result: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Filtered, newest-first page of audit metadata (for the beheerder's audit view)."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if actor:
        if actor.isdigit():
            query = query.where(AuditEntry.actor_id == int(actor))
        else:
            query = query.where(AuditEntry.actor_label == actor.strip().lower())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if result:
        query = query.where(AuditEntry.result == result)
    if since:
        query = query.where(AuditEntry.created_at >= since)
    if until:
        query = query.where(AuditEntry.created_at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(page, 1)
    entries = session.scalars(query.order_by(AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page)).all()
    return AuditPage(entries=entries, page=page, per_page=per_page, total=total)


def chain_summary(session: Session) -> tuple[int, str]:
    """(number of the newest entry, its hash): to note down elsewhere as an external anchor."""
    last = session.execute(select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    return (last.id, last.entry_hash) if last else (0, GENESIS)
