"""Envelope encryption: per-signal data keys (DEKs) wrapped by keyring KEKs,
and authenticated field encryption under a DEK.

Wrapped DEK blob::

    version (1 byte, DEK_FORMAT_VERSION = 1) | nonce (12 bytes) | AES-256-GCM(KEK, DEK) + tag (48 bytes)
    AAD = enc(b"meldpunt:dek:v1", kek_id, key_ref)

Encrypted field blob::

    version (1 byte, = 2) | nonce (12 bytes) | AES-256-GCM(DEK, pad(plaintext)) + tag
    AAD = enc(b"meldpunt:field", version byte, table, column, row_id)

    pad(p) = p | 0x80 | 0x00 ... up to the next multiple of PAD_BUCKET (256) bytes
             (ISO/IEC 7816-4 padding: always at least one byte, so 255 bytes of
             plaintext take one bucket and 256 bytes take two)

Version 1 (written before padding was introduced) is the same without ``pad``;
it still decrypts, and is never written any more. The version byte is part of
the AAD, so a version-2 blob relabelled as version 1 (to skip the unpadding)
fails authentication.

``enc`` is the canonical length-prefixed encoding of :func:`encode_aad`: every
part is preceded by its length as a 4-byte big-endian integer, so
("ab", "c") and ("a", "bc") give different AADs.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import CryptoError, DecryptionError
from .keyring import Keyring

#: Field format written now (padded plaintext).
FORMAT_VERSION = 2
#: Field format without padding; still decrypted, never written.
LEGACY_FORMAT_VERSION = 1
NULL_FORMAT_VERSION = 0
#: Format of a wrapped data key (unchanged by field padding: a DEK is always 32 bytes).
DEK_FORMAT_VERSION = 1
#: Field plaintexts are padded to a multiple of this many bytes (so lengths show only in steps of 256).
PAD_BUCKET = 256
DEK_LENGTH = 32
NONCE_LENGTH = 12
TAG_LENGTH = 16

_DEK_AAD_LABEL = b"meldpunt:dek:v1"
_FIELD_AAD_LABEL = b"meldpunt:field"


def encode_aad(*parts: str | bytes) -> bytes:
    """Canonical, unambiguous encoding of ``parts`` (4-byte length prefix each)."""
    out = bytearray()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else bytes(part)
        out += struct.pack(">I", len(data))
        out += data
    return bytes(out)


def _check_dek(dek: bytes) -> bytes:
    if not isinstance(dek, (bytes, bytearray)) or len(dek) != DEK_LENGTH:
        raise CryptoError(f"a data key must be {DEK_LENGTH} bytes")
    return bytes(dek)


def generate_dek() -> bytes:
    """A fresh random 256-bit data key."""
    return os.urandom(DEK_LENGTH)


def pad(data: bytes, bucket: int = PAD_BUCKET) -> bytes:
    """ISO/IEC 7816-4 padding of ``data`` to the next multiple of ``bucket`` (always adds 1..bucket bytes)."""
    filler = bucket - len(data) % bucket
    return bytes(data) + b"\x80" + bytes(filler - 1)


def unpad(data: bytes, bucket: int = PAD_BUCKET) -> bytes:
    """Inverse of :func:`pad`; raises ``ValueError`` on anything :func:`pad` cannot have produced."""
    if not data or len(data) % bucket:
        raise ValueError("padded data must be a non-empty multiple of the bucket size")
    end = len(data.rstrip(b"\x00"))
    if end == 0 or data[end - 1] != 0x80 or len(data) - end >= bucket:
        raise ValueError("invalid padding")
    return data[: end - 1]


def _dek_aad(kek_id: str, key_ref: str) -> bytes:
    return encode_aad(_DEK_AAD_LABEL, kek_id, str(key_ref))


def wrap_dek(keyring: Keyring, dek: bytes, *, key_ref: str) -> tuple[str, bytes]:
    """Wrap ``dek`` under the active KEK. Returns ``(kek_id, blob)``.

    ``key_ref`` is the id of the row that owns the data key (as str); the
    wrapped key can only be unwrapped with the same ``key_ref``.
    """
    dek = _check_dek(dek)
    kek_id, kek = keyring.active_kek()
    nonce = os.urandom(NONCE_LENGTH)
    ct = AESGCM(kek).encrypt(nonce, dek, _dek_aad(kek_id, key_ref))
    return kek_id, bytes([DEK_FORMAT_VERSION]) + nonce + ct


def unwrap_dek(keyring: Keyring, kek_id: str, blob: bytes, *, key_ref: str) -> bytes:
    """Unwrap a DEK. Raises KeyNotFoundError (KEK gone) or DecryptionError."""
    kek = keyring.kek(kek_id)
    where = f"integrity check failed for data key {key_ref!s} (KEK {kek_id})"
    blob = bytes(blob)
    if len(blob) != 1 + NONCE_LENGTH + DEK_LENGTH + TAG_LENGTH:
        raise DecryptionError(f"{where}: wrapped key has the wrong length")
    if blob[0] != DEK_FORMAT_VERSION:
        raise DecryptionError(f"{where}: unknown format version {blob[0]}")
    nonce, ct = blob[1 : 1 + NONCE_LENGTH], blob[1 + NONCE_LENGTH :]
    try:
        return AESGCM(kek).decrypt(nonce, ct, _dek_aad(kek_id, key_ref))
    except InvalidTag:
        raise DecryptionError(where) from None


def rewrap_dek(keyring: Keyring, kek_id: str, blob: bytes, *, key_ref: str) -> tuple[str, bytes]:
    """Unwrap with the KEK ``kek_id`` and wrap again under the active KEK."""
    return wrap_dek(keyring, unwrap_dek(keyring, kek_id, blob, key_ref=key_ref), key_ref=key_ref)


def _field_aad(version: int, table: str, column: str, row_id: str) -> bytes:
    return encode_aad(_FIELD_AAD_LABEL, bytes([version]), str(table), str(column), str(row_id))


def _context(table: str, column: str, row_id: str) -> str:
    return f"{table}.{column} row {row_id}"


class FieldCipher:
    """Encrypts column values under one DEK, bound to (table, column, row_id).

    ``row_id`` is converted with ``str()``, so ``1`` and ``"1"`` are the same.
    """

    __slots__ = ("_aead",)

    def __init__(self, dek: bytes) -> None:
        self._aead = AESGCM(_check_dek(dek))

    def __repr__(self) -> str:
        return "FieldCipher(<key hidden>)"

    def encrypt(self, plaintext: bytes, *, table: str, column: str, row_id: str) -> bytes:
        """Pad and encrypt (format 2): the blob's length shows the plaintext length only in steps of 256."""
        nonce = os.urandom(NONCE_LENGTH)
        ct = self._aead.encrypt(nonce, pad(bytes(plaintext)), _field_aad(FORMAT_VERSION, table, column, row_id))
        return bytes([FORMAT_VERSION]) + nonce + ct

    def decrypt(self, blob: bytes, *, table: str, column: str, row_id: str) -> bytes:
        where = f"integrity check failed for {_context(table, column, row_id)}"
        blob = bytes(blob)
        if len(blob) < 1 + NONCE_LENGTH + TAG_LENGTH:
            raise DecryptionError(f"{where}: ciphertext too short")
        version = blob[0]
        if version not in (FORMAT_VERSION, LEGACY_FORMAT_VERSION):
            raise DecryptionError(f"{where}: unknown format version {version}")
        nonce, ct = blob[1 : 1 + NONCE_LENGTH], blob[1 + NONCE_LENGTH :]
        try:
            data = self._aead.decrypt(nonce, ct, _field_aad(version, table, column, row_id))
        except InvalidTag:
            raise DecryptionError(where) from None
        if version == LEGACY_FORMAT_VERSION:
            return data
        try:
            return unpad(data)
        except ValueError:  # authenticated, so only a faulty writer gets here
            raise DecryptionError(f"{where}: invalid padding") from None

    def encrypt_text(self, text: str, *, table: str, column: str, row_id: str) -> bytes:
        return self.encrypt(text.encode("utf-8"), table=table, column=column, row_id=row_id)

    def decrypt_text(self, blob: bytes, *, table: str, column: str, row_id: str) -> str:
        data = self.decrypt(blob, table=table, column=column, row_id=row_id)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise CryptoError(f"{_context(table, column, row_id)} does not hold UTF-8 text") from None


class NullFieldCipher:
    """No encryption at all (version byte 0 + plaintext).

    For the benchmark's "encryption disabled" comparison only. It refuses to
    decrypt real (version 1 or 2) ciphertexts and FieldCipher refuses its output.
    """

    __slots__ = ()

    def __init__(self, dek: bytes | None = None) -> None:
        pass

    def encrypt(self, plaintext: bytes, *, table: str, column: str, row_id: str) -> bytes:
        return bytes([NULL_FORMAT_VERSION]) + bytes(plaintext)

    def decrypt(self, blob: bytes, *, table: str, column: str, row_id: str) -> bytes:
        blob = bytes(blob)
        if not blob or blob[0] != NULL_FORMAT_VERSION:
            raise DecryptionError(
                f"integrity check failed for {_context(table, column, row_id)}: "
                "not an unencrypted (version 0) value"
            )
        return blob[1:]

    def encrypt_text(self, text: str, *, table: str, column: str, row_id: str) -> bytes:
        return self.encrypt(text.encode("utf-8"), table=table, column=column, row_id=row_id)

    def decrypt_text(self, blob: bytes, *, table: str, column: str, row_id: str) -> str:
        return self.decrypt(blob, table=table, column=column, row_id=row_id).decode("utf-8")
