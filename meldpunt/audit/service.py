"""Write, seal and verify the hash-chained audit trail.

``record`` appends an entry in the caller's transaction with one INSERT and no lock; ``seal`` (Celery
beat every second, and ``flask audit verify``) chains the committed entries in order and signs the
checkpoint. Entries hold metadata only (ids, action names, results); callers must never pass
content, names, passwords, codes or tokens in ``details``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, literal, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from meldpunt.audit import checkpoints
from meldpunt.audit.models import AuditCheckpoint, AuditEntry, DeferredAuditEntry
from meldpunt.database import utc_hour

GENESIS = "0" * 64
_SEALER_LOCK_KEY = 0x4D454C44  # "MELD": one sealer at a time on PostgreSQL
#: SQLite: how often taking the sealer lock is tried when it stays busy beyond ``busy_timeout``.
SQLITE_LOCK_ATTEMPTS = 3

#: Tables whose rows are only ever made together with an audit entry in the same transaction
#: (``signal.file``, ``message.post``, ``signal.enrich``, ``case.create``; for an anonymous reporter a
#: deferred entry that joins the chain when its hour has ended). When one of them has rows and neither
#: the chain nor the deferred entries hold anything, the audit trail has been deleted.
ALWAYS_AUDITED_TABLES = ("signals", "messages", "enrichment_notes", "cases")

checkpoints.install()


def _canonical(entry: AuditEntry) -> bytes:
    created = entry.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    payload = {
        "id": entry.position,  # the place in the chain (the row's id is only a storage key)
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


def _new_entry(
    *, action: str, actor_id: int | None = None, actor_label: str = "", object_type: str = "", object_id: Any = "",
    result: str = "ok", origin: str = "", details: dict[str, Any] | None = None, created_at: datetime | None = None,
) -> AuditEntry:
    return AuditEntry(
        created_at=created_at or datetime.now(timezone.utc),
        actor_id=actor_id,
        actor_label=str(actor_label)[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else "",
        result=result,
        origin=str(origin)[:64],
        details=json.dumps(details or {}, sort_keys=True, default=str),
    )


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

    One INSERT, written with the transaction's other rows at its flush; no lock and no read, so
    writers never wait for each other here. ``seal`` chains the entry once it is committed.
    ``created_at`` (default: now) is the time the entry states; the chain orders entries by the
    order they were sealed in, so an earlier stated time (a deferred anonymous entry's hour) keeps it valid.
    """
    entry = _new_entry(action=action, actor_id=actor_id, actor_label=actor_label, object_type=object_type,
                       object_id=object_id, result=result, origin=origin, details=details, created_at=created_at)
    session.add(entry)
    return entry


def record_many(session: Session, *, entries: list[dict[str, Any]]) -> list[AuditEntry]:
    """Append several entries at once (batch jobs): one multi-row INSERT at the next flush.
    Each dict takes the keyword arguments of ``record``; they are sealed in this order."""
    made = [_new_entry(**item) for item in entries]
    session.add_all(made)
    return made


#: How many entries one ``seal`` call chains at most (the beat task calls it until none are left).
SEAL_BATCH = 5000


def seal(session: Session, *, limit: int = SEAL_BATCH) -> int:
    """Chain the committed entries that are not sealed yet, in ``id`` order; returns how many (verzegelen).

    Each gets the next ``position``, the previous entry's hash and its own hash; the signed checkpoint
    row moves to the newest, and after the caller's COMMIT its line goes to the checkpoint file and
    syslog. One sealer at a time: on PostgreSQL a second one finds the sealer lock taken and returns 0
    at once (the first one seals its entries too); on SQLite the write lock serialises them. An entry
    whose transaction commits after a later one was sealed is sealed in the next run, after it.
    """
    if not _take_sealer_lock(session):
        return 0
    waiting = session.scalars(
        select(AuditEntry).where(AuditEntry.position.is_(None)).order_by(AuditEntry.id).limit(limit)
    ).all()
    if not waiting:
        return 0
    last = session.execute(
        select(AuditEntry.position, AuditEntry.entry_hash).where(AuditEntry.position.is_not(None))
        .order_by(AuditEntry.position.desc()).limit(1)
    ).first()
    position, prev_hash = (last.position, last.entry_hash) if last else (0, GENESIS)
    for entry in waiting:
        position += 1
        entry.position = position
        entry.prev_hash = prev_hash
        entry.entry_hash = compute_hash(entry)
        prev_hash = entry.entry_hash
    _advance_checkpoint(session, waiting[-1])
    session.flush()
    return len(waiting)


def seal_all(session: Session) -> int:
    """Seal until nothing committed is left, committing after each batch; returns how many."""
    total = 0
    while True:
        count = seal(session)
        session.commit()
        total += count
        if count < SEAL_BATCH:
            return total


def unsealed_count(session: Session) -> int:
    """Entries appended but not sealed yet (committed ones wait for the next seal, about a second)."""
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.position.is_(None))) or 0


def _take_sealer_lock(session: Session) -> bool:
    """Take the sealer lock for the rest of this transaction; False when another sealer holds it.

    PostgreSQL: a transaction-scoped advisory lock, tried without waiting. SQLite: a write on the
    checkpoint row takes SQLite's single write lock (pysqlite opens the transaction right before it),
    so no other transaction can seal or commit entries until this one ends. Waiting for it is
    SQLite's ``busy_timeout`` (meldpunt.database), tried up to ``SQLITE_LOCK_ATTEMPTS`` times.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _SEALER_LOCK_KEY}))
    if dialect != "sqlite":
        return True
    for attempt in range(1, SQLITE_LOCK_ATTEMPTS + 1):
        try:
            session.execute(text("UPDATE audit_checkpoint SET id = id WHERE id = 1"))
            return True
        except OperationalError as exc:
            if "locked" not in str(exc.orig).lower() or attempt == SQLITE_LOCK_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    return False  # pragma: no cover - the loop returns or raises


def reporter_label(signal_id: uuid.UUID | str) -> str:
    """The pseudonymous actor of a reporter's own actions on a signal: "Melder" and a code per signal.

    Stable for one signal (all the reporter's entries about it carry the same label), different for
    every signal (two signals of one person do not look alike), and never derived from the person.
    """
    digest = hashlib.sha256(f"meldpunt-melder\x00{signal_id}".encode()).hexdigest()
    return f"Melder {digest[:4]}-{digest[4:8]}"


def record_reporter_action(
    session: Session, *, action: str, signal_id: Any, object_type: str = "signal", object_id: Any = None,
    result: str = "ok", details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Audit what a reporter does on their own melding (filing, messages, extra files, reading it).

    The actor is the signal's pseudonym (``reporter_label``): no account id, no e-mail, no client
    address, so the beheerder's audit view (and its actor filter) cannot tell who reported.
    """
    return record(
        session, action=action, actor_id=None, actor_label=reporter_label(signal_id), object_type=object_type,
        object_id=signal_id if object_id is None else object_id, result=result, origin="", details=details,
    )


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
    """Move the signed checkpoint row to ``entry`` (just sealed) and queue its line for after the COMMIT."""
    position, entry_hash = entry.position, entry.entry_hash
    if position is None or entry_hash is None:
        raise ValueError("only a sealed entry can be the checkpoint")
    checkpoint = session.get(AuditCheckpoint, 1, populate_existing=True)
    if checkpoint is None:
        checkpoint = AuditCheckpoint(id=1, last_id=0, last_hash=GENESIS)
        session.add(checkpoint)
    key = _checkpoint_key()
    checkpoint.last_id = position
    checkpoint.last_hash = entry_hash
    checkpoint.key_id = key[0] if key else ""
    checkpoint.mac = checkpoint_mac(key[1], position, entry_hash) if key else ""
    checkpoint.updated_at = datetime.now(timezone.utc)
    target = _checkpoint_target()
    if key is not None and target is not None:
        first_hash = _first_hash(session, entry)
        if first_hash:
            line = checkpoints.format_line(key_id=key[0], key=key[1], db=checkpoints.database_id(first_hash),
                                           last_id=position, last_hash=entry_hash)
            checkpoints.queue_line(session, entry=entry, line=line, path=target[0], syslog_address=target[1])


def _first_hash(session: Session, entry: AuditEntry) -> str | None:
    """The hash of the chain's entry 1 (it names the database in the checkpoint file)."""
    if entry.position == 1:
        return entry.entry_hash
    return session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.position == 1))


def _checkpoint_target() -> tuple[Path, str] | None:
    """(checkpoint file, syslog address) from the app's settings; None without an app."""
    from flask import current_app, has_app_context

    if not has_app_context() or "meldpunt.settings" not in current_app.extensions:
        return None
    settings = current_app.extensions["meldpunt.settings"].audit
    return settings.checkpoint_file, settings.syslog_address


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def verify_chain(session: Session, *, batch_size: int = 5000) -> list[ChainBreak]:
    """Recompute the chain of sealed entries (call ``seal_all`` first); return every entry that was
    edited, inserted or follows a deletion, named by its position.

    Then compare the chain's end with the signed checkpoint row, with the checkpoint file outside
    the database, and (for an empty trail) with the tables whose rows are always audited.
    ``ChainBreak.entry_id`` is 0 for problems that are not about one entry.
    """
    breaks: list[ChainBreak] = []
    first_hash = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.position == 1))
    external = _read_checkpoint_file(db=checkpoints.database_id(first_hash) if first_hash else None)
    wanted = external.latest.last_id if external is not None and external.latest is not None else None
    hash_at_wanted: str | None = None
    prev_hash = GENESIS
    expected_id = 1
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.position > last_id).order_by(AuditEntry.position).limit(batch_size)
        ).all()
        if not rows:
            break
        for entry in rows:
            position = entry.position or 0
            if position != expected_id:
                breaks.append(ChainBreak(position, f"entries {expected_id}..{position - 1} are missing"))
            if entry.prev_hash != prev_hash:
                breaks.append(ChainBreak(position, "previous-hash link does not match (entry deleted or reordered)"))
            if compute_hash(entry) != entry.entry_hash:
                breaks.append(ChainBreak(position, "content does not match its hash (entry edited)"))
            if position == wanted:
                hash_at_wanted = entry.entry_hash
            prev_hash = entry.entry_hash or ""
            expected_id = position + 1
            last_id = position
        session.expunge_all()
    checkpoint = session.get(AuditCheckpoint, 1)
    breaks.extend(_verify_checkpoint(checkpoint, last_id=last_id, last_hash=prev_hash))
    if external is not None:
        breaks.extend(_verify_against_file(external, checkpoint=checkpoint, last_id=last_id, hash_at_latest=hash_at_wanted,
                                           has_first=first_hash is not None))
    if last_id == 0 and not deferred_count(session) and not unsealed_count(session):
        breaks.extend(_verify_not_emptied(session))
    return breaks


def _verify_checkpoint(checkpoint: AuditCheckpoint | None, *, last_id: int, last_hash: str) -> list[ChainBreak]:
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
class _FileState:
    path: Path
    exists: bool
    problems: list[ChainBreak]
    latest: checkpoints.CheckpointLine | None  # newest signed line about this database
    other_databases: int  # signed lines about other databases (or all of them, when this one has no entry 1)
    newest_any: checkpoints.CheckpointLine | None


def _read_checkpoint_file(*, db: str | None) -> _FileState | None:
    """Read and check the signatures of the checkpoint file; None without an app (no keyring, no path)."""
    from flask import current_app, has_app_context

    from meldpunt.crypto.errors import KeyNotFoundError

    if not has_app_context() or "meldpunt.keyring" not in current_app.extensions:
        return None
    target = _checkpoint_target()
    if target is None:
        return None
    path = target[0]
    keyring = current_app.extensions["meldpunt.keyring"]
    read = checkpoints.read_lines(path)
    if read is None:
        return _FileState(path, False, [], None, 0, None)
    lines, malformed = read
    problems = [ChainBreak(0, f"checkpoint file line {n} is not a checkpoint line (file edited)") for n in malformed]
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        problems.append(ChainBreak(0, f"checkpoint file {path} is open to group or others (mode {mode:04o}); "
                                      "run chmod 600"))
    signed: list[checkpoints.CheckpointLine] = []
    unknown_key: list[checkpoints.CheckpointLine] = []
    for line in lines:
        try:
            key = keyring.index_key(line.key_id)
        except KeyNotFoundError:
            unknown_key.append(line)
            continue
        if checkpoints.line_is_signed(line, key):
            signed.append(line)
        else:
            problems.append(ChainBreak(line.last_id, f"checkpoint file line {line.number}: signature does not match "
                                                     "(line edited or forged)"))
    mine = [line for line in signed if line.db == db]
    latest = max(mine, key=lambda line: line.last_id, default=None)
    newest_unknown = max((line for line in unknown_key if line.db == db), key=lambda line: line.last_id, default=None)
    if newest_unknown is not None and (latest is None or newest_unknown.last_id > latest.last_id):
        problems.append(ChainBreak(newest_unknown.last_id, f"checkpoint file line {newest_unknown.number} is signed "
                                                           f"with key {newest_unknown.key_id!r}, which is not in the keyring"))
    others = [line for line in signed if line.db != db]
    return _FileState(path, True, problems, latest, len(others), max(signed, key=lambda line: line.last_id, default=None))


def _verify_against_file(
    state: _FileState, *, checkpoint: AuditCheckpoint | None, last_id: int, hash_at_latest: str | None, has_first: bool
) -> list[ChainBreak]:
    """The database's newest checkpoint must be the file's newest one for this database."""
    problems = list(state.problems)
    if not state.exists:
        if last_id:
            problems.append(ChainBreak(0, f"checkpoint file {state.path} does not exist, but the database holds "
                                          f"{last_id} audit entries (file deleted or moved; after an upgrade the next "
                                          "audit entry writes it)"))
        return problems
    if last_id == 0:
        if state.newest_any is not None:
            newest = state.newest_any
            problems.append(ChainBreak(0, f"the database has no audit entries, but checkpoint file {state.path} "
                                          f"records {newest.last_id} (line {newest.number}): the audit trail and its "
                                          "checkpoint were deleted"))
        return problems
    if not has_first:
        return problems  # entry 1 is gone (reported above): the file cannot be matched to this database
    latest = state.latest
    if latest is None:
        problems.append(ChainBreak(0, f"checkpoint file {state.path} has no checkpoint for this database "
                                      "(the file was replaced or belongs to another database)"))
        return problems
    where = f"checkpoint file line {latest.number}"
    if latest.last_id > last_id:
        problems.append(ChainBreak(latest.last_id, f"{where} records entries up to {latest.last_id}, the database only "
                                                   f"up to {last_id}: newest entries deleted"))
    elif hash_at_latest is None or not hmac.compare_digest(hash_at_latest, latest.last_hash):
        problems.append(ChainBreak(latest.last_id, f"entry {latest.last_id} does not match {where} (chain rewritten)"))
    if checkpoint is not None and (checkpoint.last_id, checkpoint.last_hash) != (latest.last_id, latest.last_hash):
        if checkpoint.last_id < latest.last_id:
            problems.append(ChainBreak(checkpoint.last_id, f"the database checkpoint (entry {checkpoint.last_id}) is "
                                                           f"older than {where} (entry {latest.last_id}): checkpoint "
                                                           "rolled back"))
        elif checkpoint.last_id > latest.last_id:
            problems.append(ChainBreak(checkpoint.last_id, f"the database checkpoint (entry {checkpoint.last_id}) is "
                                                           f"not in the checkpoint file, which ends at entry "
                                                           f"{latest.last_id} (line {latest.number})"))
        else:
            problems.append(ChainBreak(checkpoint.last_id, f"the database checkpoint does not match {where}"))
    return problems


def _verify_not_emptied(session: Session) -> list[ChainBreak]:
    """An empty trail is only right for a database in which nothing audited has happened yet."""
    problems = []
    for name in ALWAYS_AUDITED_TABLES:
        table = sa_table(name)  # by name: the audit package imports no domain model
        if session.execute(select(literal(1)).select_from(table).limit(1)).first() is not None:
            problems.append(ChainBreak(0, f"the audit trail is empty, but table {name} has rows that are always "
                                          "audited: the audit trail was deleted"))
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
            # An e-mail address or a pseudonym ("Melder 4f9c-2a1b"). A reporter's own actions carry only
            # their signal's pseudonym, so filtering on the reporter's e-mail or id never finds them.
            query = query.where(func.lower(AuditEntry.actor_label) == actor.strip().lower())
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
    """(position of the newest sealed entry, its hash): to note down elsewhere as an external anchor."""
    last = session.execute(
        select(AuditEntry.position, AuditEntry.entry_hash).where(AuditEntry.position.is_not(None))
        .order_by(AuditEntry.position.desc()).limit(1)
    ).first()
    return (last.position, last.entry_hash) if last else (0, GENESIS)
