"""Key rotation in batches: re-wrap data keys under the active KEK; recompute blind indexes.

Both are resumable: each row records which key it is under, so a rerun picks up
exactly the rows that are not yet done.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from meldpunt.crypto import Keyring, rewrap_dek
from meldpunt.database import utcnow
from meldpunt.vault.models import DataKey


def kek_created_on(session: Session, *, kek_id: str) -> date | None:
    """When a KEK was made: the date in its id (``kek-YYYY-MM-DD-…``), else its oldest data key's date."""
    match = re.fullmatch(r"kek-(\d{4}-\d{2}-\d{2})-[0-9a-f]+", kek_id)
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            pass
    first = session.scalar(select(func.min(DataKey.created_at)).where(DataKey.kek_id == kek_id))
    return first.date() if first is not None else None


def oldest_kek(session: Session, *, keyring: Keyring) -> tuple[str, date | None] | None:
    """The oldest KEK still in the keyring. While it exists, a backup of the database made since it was
    created can still open signals that were shredded after the backup (docs/privacy.md)."""
    # On the same day the active KEK is the newer one (rotation makes the new KEK active).
    dated = [(kek_created_on(session, kek_id=k) or date.max, k == keyring.active_kek_id, k) for k in keyring.keks]
    if not dated:
        return None
    created, _active, kek_id = min(dated)
    return kek_id, None if created == date.max else created


def count_outdated(session: Session, *, keyring: Keyring) -> int:
    return session.scalar(select(func.count()).select_from(DataKey).where(DataKey.kek_id != keyring.active_kek_id)) or 0


def count_using_kek(session: Session, *, kek_id: str) -> int:
    return session.scalar(select(func.count()).select_from(DataKey).where(DataKey.kek_id == kek_id)) or 0


def rewrap_batch(session: Session, *, keyring: Keyring, batch_size: int = 500) -> int:
    """Re-wrap up to ``batch_size`` data keys not under the active KEK; returns how many."""
    rows = session.scalars(
        select(DataKey).where(DataKey.kek_id != keyring.active_kek_id).order_by(DataKey.id).limit(batch_size)
    ).all()
    now = utcnow()
    for data_key in rows:
        data_key.kek_id, data_key.wrapped = rewrap_dek(
            keyring, data_key.kek_id, data_key.wrapped, key_ref=str(data_key.id)
        )
        data_key.rewrapped_at = now
    session.flush()
    return len(rows)


def count_outdated_digests(session: Session, *, keyring: Keyring) -> int:
    from meldpunt.intake.models import SubjectIdentifier

    active, _ = keyring.active_index_key()
    return (
        session.scalar(
            select(func.count(func.distinct(SubjectIdentifier.subject_id))).where(SubjectIdentifier.key_id != active)
        )
        or 0
    )


def reindex_batch(session: Session, *, keyring: Keyring, batch_size: int = 500) -> int:
    """Recompute the digests of up to ``batch_size`` subjects indexed under an older index key.

    Subjects of a shredded signal cannot be decrypted; their old digests are deleted instead
    (a shredded signal must not stay linkable). Returns how many subjects were handled.
    """
    from meldpunt.intake.models import Signal, Subject, SubjectIdentifier
    from meldpunt.intake.subjects import reindex_subject

    active, _ = keyring.active_index_key()
    subject_ids = session.scalars(
        select(SubjectIdentifier.subject_id)
        .where(SubjectIdentifier.key_id != active)
        .distinct()
        .order_by(SubjectIdentifier.subject_id)
        .limit(batch_size)
    ).all()
    for subject_id in subject_ids:
        subject = session.get(Subject, subject_id)
        signal = session.get(Signal, subject.signal_id) if subject is not None else None
        if subject is None or signal is None or signal.data_key_id is None:
            session.execute(delete(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject_id))
            continue
        reindex_subject(session, keyring=keyring, subject=subject)
    session.flush()
    return len(subject_ids)


def count_using_index_key(session: Session, *, key_id: str) -> int:
    """Rows that still need index key ``key_id``: subject digests, and receipt-code digests
    (stored as ``<index key id>:<digest>``), which cannot be recomputed without the code."""
    from meldpunt.intake.models import Signal, SubjectIdentifier

    digests = session.scalar(
        select(func.count()).select_from(SubjectIdentifier).where(SubjectIdentifier.key_id == key_id)
    ) or 0
    receipts = session.scalar(
        select(func.count()).select_from(Signal).where(Signal.receipt_digest.startswith(f"{key_id}:", autoescape=True))
    ) or 0
    return digests + receipts
