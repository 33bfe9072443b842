"""The key and cipher types the domains work with, from one place: the vault.

Domains (intake, triage, cases, meetings, feedback, retention, ...) import these from here, never from
``meldpunt.crypto``: a keyring and a field cipher come from the vault (``meldpunt.vault.service.cipher_for``),
and only the vault unwraps a data key. ``make check`` enforces it (contract "domains-keys-via-vault").
"""

from __future__ import annotations

from meldpunt.crypto import (
    CryptoError,
    FieldCipher,
    Keyring,
    PlaintextTooLarge,
    decrypt_stream,
    encrypt_stream,
    encrypted_size,
    index_identifier,
    index_identifier_all_keys,
    normalise,
    padded_size,
)
from meldpunt.crypto.blind_index import normalise_huisnummer, normalise_kvk, normalise_postcode

__all__ = [
    "CryptoError",
    "FieldCipher",
    "Keyring",
    "PlaintextTooLarge",
    "decrypt_stream",
    "encrypt_stream",
    "encrypted_size",
    "index_identifier",
    "index_identifier_all_keys",
    "normalise",
    "normalise_huisnummer",
    "normalise_kvk",
    "normalise_postcode",
    "padded_size",
]
