"""Key rotation in batches: re-wrap data keys under the active KEK; recompute blind indexes.

Both are resumable: each row records which key it is under, so a rerun picks up
exactly the rows that are not yet done.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
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


# ---------------------------------------------------------------------------- blind-index users


@dataclass(frozen=True)
class IndexUser:
    """A table whose rows hold digests under a blind-index key, and how to bring them under the active key.

    Registered by the domain that owns the rows (``meldpunt.intake.subjects``): the vault knows keys, not signals.
    """

    name: str
    count_outdated: Callable[..., int]  # (session, *, keyring) -> rows not yet under the active index key
    reindex_batch: Callable[..., int]  # (session, *, keyring, batch_size) -> rows handled
    count_using: Callable[..., int]  # (session, *, key_id) -> rows that still need index key ``key_id``


_INDEX_USERS: dict[str, IndexUser] = {}


def register_index_user(user: IndexUser) -> None:
    _INDEX_USERS[user.name] = user


def count_outdated_digests(session: Session, *, keyring: Keyring) -> int:
    return sum(user.count_outdated(session, keyring=keyring) for user in _INDEX_USERS.values())


def reindex_batch(session: Session, *, keyring: Keyring, batch_size: int = 500) -> int:
    """Recompute up to ``batch_size`` rows indexed under an older index key; returns how many were handled."""
    handled = 0
    for user in _INDEX_USERS.values():
        if handled >= batch_size:
            break
        handled += user.reindex_batch(session, keyring=keyring, batch_size=batch_size - handled)
    session.flush()
    return handled


def count_using_index_key(session: Session, *, key_id: str) -> int:
    """Rows that still need index key ``key_id`` (digests, receipt codes): the key may go only at 0."""
    return sum(user.count_using(session, key_id=key_id) for user in _INDEX_USERS.values())
