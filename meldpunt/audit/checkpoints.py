"""The audit checkpoint outside the database: an append-only file of signed lines, and syslog.

Every transaction that seals audit entries ends with one checkpoint: the position and hash of
its newest entry. The database keeps it in ``audit_checkpoint`` (one row); after the COMMIT the
same checkpoint is appended as one line to ``[audit] checkpoint_file`` (next to the keyring by
default, opened with ``O_APPEND``, mode 0600) and, when ``[audit] syslog_address`` is set, sent to
syslog. A line looks like::

    v1 db=3f0c9a1e77b2d410 id=42 hash=<64 hex> at=2026-03-01T09:15:02.123456+00:00 key=idx-1 mac=<64 hex>

``db`` names the database the line is about (the first 16 hex digits of audit entry 1's hash,
which no other database shares); ``mac`` is an HMAC-SHA256 under the keyring's index key, so a
line cannot be forged or edited without the keyring. ``audit verify`` reads the file back
(:func:`read_lines`) and compares it with the database: rolling the database back to an older
checkpoint, or deleting the whole trail with its checkpoint row, no longer verifies.

Lines are written after the COMMIT (a rolled-back transaction leaves no line), by a session event
registered once (:func:`install`). Writing never fails the request: the data is committed by
then; a failed write is logged (without content) and shows up in ``audit verify``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import logging.handlers
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from meldpunt.database import savepoint_released

log = logging.getLogger(__name__)

#: ``Session.info`` key: checkpoints waiting for the COMMIT of this session's transaction.
_PENDING = "meldpunt.audit.pending_checkpoints"
_LINE_RE = re.compile(
    r"^v1 db=(?P<db>[0-9a-f]{16}) id=(?P<id>[0-9]+) hash=(?P<hash>[0-9a-f]{64}) at=(?P<at>\S+) "
    r"key=(?P<key>\S+) mac=(?P<mac>[0-9a-f]{64})$"
)
_syslog_handlers: dict[str, logging.Handler] = {}


def database_id(first_entry_hash: str) -> str:
    """The name of a database in the checkpoint file: the start of the hash of its audit entry 1."""
    return first_entry_hash[:16]


def line_mac(key: bytes, *, db: str, last_id: int, last_hash: str, at: str) -> str:
    message = f"audit-checkpoint-log\x00v1\x00{db}\x00{last_id}\x00{last_hash}\x00{at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def format_line(*, key_id: str, key: bytes, db: str, last_id: int, last_hash: str, at: datetime | None = None) -> str:
    stamp = (at or datetime.now(timezone.utc)).isoformat(timespec="microseconds")
    mac = line_mac(key, db=db, last_id=last_id, last_hash=last_hash, at=stamp)
    return f"v1 db={db} id={last_id} hash={last_hash} at={stamp} key={key_id} mac={mac}"


@dataclass(frozen=True)
class _Pending:
    entry: Any  # the AuditEntry object: only written when it is still in the database after the COMMIT
    last_id: int
    line: str
    path: Path
    syslog_address: str


def queue_line(session: Session, *, entry: Any, line: str, path: Path, syslog_address: str) -> None:
    """Write ``line`` once this session's (outermost) transaction commits."""
    session.info.setdefault(_PENDING, []).append(_Pending(entry, entry.position, line, path, syslog_address))


def append_line(path: Path, line: str) -> None:
    """Append one line with a single ``write`` on an ``O_APPEND`` descriptor (atomic between processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.write(fd, (line + "\n").encode("ascii"))
    finally:
        os.close(fd)


def _syslog(address: str) -> logging.Handler:
    handler = _syslog_handlers.get(address)
    if handler is None:
        if address.startswith("/"):
            target: Any = address
        else:
            host, _sep, port = address.rpartition(":")
            target = (host.strip("[]"), int(port))
        handler = logging.handlers.SysLogHandler(address=target, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV)
        handler.ident = "meldpunt-audit: "
        _syslog_handlers[address] = handler
    return handler


def send_to_syslog(address: str, line: str) -> None:
    record = logging.LogRecord("meldpunt.audit", logging.INFO, __file__, 0, "checkpoint %s", (line,), None)
    _syslog(address).emit(record)


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return  # a SAVEPOINT was released; the outer transaction is still open
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    kept = [p for p in pending if inspect(p.entry).persistent]  # entries of a rolled-back SAVEPOINT are gone
    if not kept:
        return
    newest = max(kept, key=lambda p: p.last_id)
    try:
        append_line(newest.path, newest.line)
    except OSError as exc:
        log.error("audit checkpoint %s could not be written to the checkpoint file (%s)", newest.last_id, exc.strerror)
    if newest.syslog_address:
        try:
            send_to_syslog(newest.syslog_address, newest.line)
        except OSError as exc:
            log.error("audit checkpoint %s could not be sent to syslog (%s)", newest.last_id, exc.strerror)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)  # rolled back or closed without a commit: nothing to write


def install() -> None:
    """Register the session events once (idempotent)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


@dataclass(frozen=True)
class CheckpointLine:
    number: int  # line number in the file, from 1
    db: str
    last_id: int
    last_hash: str
    at: str
    key_id: str
    mac: str


def read_lines(path: Path) -> tuple[list[CheckpointLine], list[int]] | None:
    """All checkpoint lines of the file and the numbers of lines that are not checkpoint lines; None: no file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    lines: list[CheckpointLine] = []
    malformed: list[int] = []
    for number, text in enumerate(raw.decode("ascii", "replace").splitlines(), 1):
        match = _LINE_RE.match(text.strip())
        if match is None:
            if text.strip():
                malformed.append(number)
            continue
        lines.append(CheckpointLine(number, match["db"], int(match["id"]), match["hash"], match["at"], match["key"],
                                    match["mac"]))
    return lines, malformed


def line_is_signed(line: CheckpointLine, key: bytes) -> bool:
    expected = line_mac(key, db=line.db, last_id=line.last_id, last_hash=line.last_hash, at=line.at)
    return hmac.compare_digest(expected, line.mac)
