"""Crypto-shredding of a signal: delete its data key, and everything encrypted under it is gone.

This is the retention mechanism. After ``shred_signal`` the signal row stays (status, dates,
taxonomy codes: the plaintext metadata that statistics need), but its fields, subjects,
messages, notes and attachments can no longer be decrypted, here or in any copy of the
database, once the KEK that wrapped the key in those copies has been rotated away and dropped
(see docs/security/encryption.md, "Crypto-shredding").

The daily retention job shreds many signals at once with ``meldpunt.retention.service.shred_signals``,
which does what this function does for each of them with a few statements per batch (docs/privacy.md).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.orm import Session

from meldpunt.audit.service import record
from meldpunt.database import utcnow
from meldpunt.vault.models import DataKey

if TYPE_CHECKING:
    from meldpunt.signals.models import Signal


class ShredReason(enum.StrEnum):
    """Why a signal is shredded: a code for the audit trail, never free text."""

    RETENTION = "bewaartermijn"  # the retention period has passed
    REQUEST = "verzoek"  # a request to erase (AVG art. 17) that was granted
    MISTAKE = "vergissing"  # filed by mistake, or content that must not be kept


class ShredError(ValueError):
    """Shredding was refused; the message is Dutch."""


@dataclass(frozen=True)
class ShredResult:
    """What ``shred_signal`` did. ``already_shredded``: the key was gone before this call."""

    already_shredded: bool
    key_deleted: bool
    files_deleted: int
    identifiers_deleted: int


def shred_signal(
    session: Session,
    *,
    signal: Signal,
    actor_label: str,
    reason: ShredReason | str,
    actor_id: int | None = None,
    uploads_folder: Path | None = None,
) -> ShredResult:
    """Crypto-shred ``signal``: delete its data key, its attachment files and its blind-index
    digests, set ``shredded_at``, and write an audit entry, in the caller's transaction.

    Idempotent: on an already shredded signal it only removes files that are still there
    (and writes no new audit entry when there was nothing left to do).

    Attachment files are unlinked right away, before the caller commits: if the transaction
    then rolls back, the signal keeps its key but its files are gone; call again to finish.
    """
    from meldpunt.intake.attachments import delete_attachment_files
    from meldpunt.intake.models import SubjectIdentifier

    try:
        reason = ShredReason(reason)
    except ValueError:
        raise ShredError("Kies een geldige reden om de melding te vernietigen.") from None
    folder = uploads_folder  # None: the configured [uploads] folder

    data_key_id = signal.data_key_id
    already = data_key_id is None and signal.shredded_at is not None
    key_deleted = False
    if data_key_id is not None:
        signal.data_key_id = None
        session.flush()
        data_key = session.get(DataKey, data_key_id)
        if data_key is not None:
            session.delete(data_key)
            key_deleted = True
    if signal.shredded_at is None:
        signal.shredded_at = utcnow()

    # Digests of a shredded signal would still link it to other signals: remove them.
    identifiers_deleted = session.execute(
        delete(SubjectIdentifier).where(SubjectIdentifier.signal_id == signal.id)
    ).rowcount or 0
    session.flush()

    # What meetings said about it is under the meeting's key: redact it (minutes, actions, stored packs).
    from meldpunt.retention.redaction import redact_meetings

    redact_meetings(session, keyring=None, signal_ids=[signal.id])

    # Unlinked, not overwritten: overwriting is pointless on journaling/copy-on-write file systems
    # and SSDs, and the files are ciphertext under a key that no longer exists anyway.
    attachments = len(signal.attachments)
    files_deleted = delete_attachment_files(signal, folder=folder)

    if not already or files_deleted or identifiers_deleted:
        record(
            session,
            action="signal.shred",
            actor_id=actor_id,
            actor_label=actor_label,
            object_type="signal",
            object_id=signal.id,
            details={
                "reason": reason.value,
                "key_deleted": key_deleted,
                "attachments": attachments,
                "files_deleted": files_deleted,
                "identifiers_deleted": identifiers_deleted,
            },
        )
    session.flush()
    return ShredResult(
        already_shredded=already,
        key_deleted=key_deleted,
        files_deleted=files_deleted,
        identifiers_deleted=identifiers_deleted,
    )
