"""Key rotation in batches: re-wrap data keys under the active KEK; recompute blind indexes.

Both are resumable: each row records which key it is under, so a rerun picks up
exactly the rows that are not yet done.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meldpunt.crypto import Keyring, rewrap_dek
from meldpunt.database import utcnow
from meldpunt.vault.models import DataKey


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
    """Recompute the digests of up to ``batch_size`` subjects indexed under an older index key."""
    from meldpunt.intake.models import Subject, SubjectIdentifier
    from meldpunt.intake.subjects import reindex_subject

    active, _ = keyring.active_index_key()
    subject_ids = session.scalars(
        select(SubjectIdentifier.subject_id).where(SubjectIdentifier.key_id != active).distinct().limit(batch_size)
    ).all()
    for subject_id in subject_ids:
        subject = session.get(Subject, subject_id)
        if subject is not None:
            reindex_subject(session, keyring=keyring, subject=subject)
    session.flush()
    return len(subject_ids)
