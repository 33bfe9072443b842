"""Seal and open confidential fields of database rows under their owner's data key.

A row's ciphertext is bound (AAD) to its table, column and id, so the row must
have its id assigned before sealing: services set ``id=uuid.uuid4()`` on construction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
import uuid
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from meldpunt.crypto import DecryptionError, FieldCipher, Keyring, NullFieldCipher, generate_dek, unwrap_dek, wrap_dek
from meldpunt.vault.models import DataKey

#: ``FieldCipher`` in the application. ``NullFieldCipher`` (no encryption) exists only so that
#: bench/bench_crypto.py can run the very same code path with encryption switched off.
CipherClass = type[FieldCipher] | type[NullFieldCipher]


class ShreddedError(Exception):
    """The data key is gone (crypto-shredded): the content can no longer be read."""


def current_keyring() -> Keyring:
    return current_app.extensions["meldpunt.keyring"]


def create_data_key(
    session: Session, *, keyring: Keyring, cipher_class: CipherClass = FieldCipher
) -> tuple[DataKey, FieldCipher]:
    """A fresh random DEK, stored only wrapped by the active KEK."""
    key_id = uuid.uuid4()
    dek = generate_dek()
    kek_id, blob = wrap_dek(keyring, dek, key_ref=str(key_id))
    data_key = DataKey(id=key_id, kek_id=kek_id, wrapped=blob)
    session.add(data_key)
    return data_key, cipher_class(dek)


def data_key_bytes(session: Session, *, keyring: Keyring, data_key_id: uuid.UUID | None) -> bytes:
    """The raw DEK (for ``meldpunt.crypto.encrypt_stream``); ``ShreddedError`` when it was shredded.

    Keep the bytes only as long as the operation needs them; never log or store them.
    """
    if data_key_id is None:
        raise ShreddedError("data key shredded")
    data_key = session.get(DataKey, data_key_id)
    if data_key is None:
        raise ShreddedError("data key shredded")
    return unwrap_dek(keyring, data_key.kek_id, data_key.wrapped, key_ref=str(data_key.id))


def cipher_for(
    session: Session, *, keyring: Keyring, data_key_id: uuid.UUID | None, cipher_class: CipherClass = FieldCipher
) -> FieldCipher:
    """The cipher for a data key; raises ``ShreddedError`` when the key was shredded."""
    return cipher_class(data_key_bytes(session, keyring=keyring, data_key_id=data_key_id))


def _context(obj: Any, column: str) -> dict[str, str]:
    if obj.id is None:
        raise ValueError(f"{type(obj).__name__} needs an id before sealing {column}")
    return {"table": obj.__tablename__, "column": column, "row_id": str(obj.id)}


def seal(cipher: FieldCipher, obj: Any, column: str, value: str | None) -> None:
    """Encrypt ``value`` into ``obj.<column>_ct`` (None stays None)."""
    setattr(obj, f"{column}_ct", None if value is None else cipher.encrypt_text(value, **_context(obj, column)))


def unseal(cipher: FieldCipher, obj: Any, column: str) -> str | None:
    blob = getattr(obj, f"{column}_ct")
    if blob is None:
        return None
    return cipher.decrypt_text(blob, **_context(obj, column))


#: What a field reads as once its data key was shredded.
SHREDDED_TEXT = "Verwijderd"


def field_reader(session: Session, *, keyring: Keyring, data_key_id: uuid.UUID | None) -> Callable[[Any, str], str | None]:
    """``read(obj, column)`` for rows under one data key: the plaintext, None for an empty field,
    or ``SHREDDED_TEXT`` for every filled field once the key is shredded (pages show it instead of failing)."""
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=data_key_id)
    except ShreddedError:
        return lambda obj, column: None if getattr(obj, f"{column}_ct") is None else SHREDDED_TEXT
    return lambda obj, column: unseal(cipher, obj, column)


def seal_json(cipher: FieldCipher, obj: Any, column: str, value: Any) -> None:
    seal(cipher, obj, column, None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True))


def unseal_json(cipher: FieldCipher, obj: Any, column: str) -> Any:
    raw = unseal(cipher, obj, column)
    return None if raw is None else json.loads(raw)


def shred_data_key(session: Session, *, data_key_id: uuid.UUID) -> bool:
    """Delete a wrapped DEK: everything encrypted under it becomes unreadable. Returns whether it existed."""
    data_key = session.get(DataKey, data_key_id)
    if data_key is None:
        return False
    session.delete(data_key)
    session.flush()
    return True


__all__ = [
    "DecryptionError",
    "ShreddedError",
    "cipher_for",
    "create_data_key",
    "current_keyring",
    "data_key_bytes",
    "seal",
    "seal_json",
    "shred_data_key",
    "unseal",
    "unseal_json",
]
