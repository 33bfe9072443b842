"""Encryption at rest for Meldpunt: keyring, envelope encryption, streamed
attachment encryption and blind indexes.

Pure library code: stdlib and ``cryptography`` only, no Flask or SQLAlchemy.
See docs/security/encryption.md for the design.
"""

from .blind_index import (
    IDENTIFIER_KINDS,
    blind_index,
    index_identifier,
    index_identifier_all_keys,
    normalise,
    normalise_huisnummer,
    normalise_kvk,
    normalise_name,
    normalise_permit,
    normalise_plate,
    normalise_postcode,
    normalise_postcode_huisnummer,
)
from .envelope import (
    FORMAT_VERSION,
    PAD_BUCKET,
    FieldCipher,
    NullFieldCipher,
    encode_aad,
    generate_dek,
    rewrap_dek,
    unwrap_dek,
    wrap_dek,
)
from .errors import (
    CryptoError,
    DecryptionError,
    KeyNotFoundError,
    KeyringError,
    PlaintextTooLarge,
)
from .keyring import (
    Keyring,
    dumps_keyring,
    generate_keyring,
    load_keyring,
    load_keyring_from_env_value,
    write_keyring,
)
from .stream import CHUNK_SIZE, decrypt_stream, encrypt_stream, encrypted_size, padded_size, verify_stream

__all__ = [
    "CHUNK_SIZE",
    "FORMAT_VERSION",
    "IDENTIFIER_KINDS",
    "CryptoError",
    "DecryptionError",
    "FieldCipher",
    "KeyNotFoundError",
    "Keyring",
    "KeyringError",
    "NullFieldCipher",
    "PAD_BUCKET",
    "PlaintextTooLarge",
    "blind_index",
    "decrypt_stream",
    "dumps_keyring",
    "encode_aad",
    "encrypt_stream",
    "encrypted_size",
    "generate_dek",
    "generate_keyring",
    "index_identifier",
    "index_identifier_all_keys",
    "load_keyring",
    "load_keyring_from_env_value",
    "normalise",
    "normalise_huisnummer",
    "normalise_kvk",
    "normalise_name",
    "normalise_permit",
    "normalise_plate",
    "normalise_postcode",
    "normalise_postcode_huisnummer",
    "padded_size",
    "rewrap_dek",
    "unwrap_dek",
    "verify_stream",
    "write_keyring",
    "wrap_dek",
]
