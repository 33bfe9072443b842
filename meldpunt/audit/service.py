"""Write and verify the hash-chained audit trail.

Entries hold metadata only (ids, action names, results); callers must never pass
content, names, passwords, codes or tokens in ``details``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from meldpunt.audit.models import AuditEntry

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
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits or rolls back with the change)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        created_at=datetime.now(timezone.utc),
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
    session.flush()
    return entry


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
    return breaks
