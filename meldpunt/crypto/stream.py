"""Streaming authenticated encryption for attachments (STREAM construction).

Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its
Nonce-Reuse Misuse-Resistance" (CRYPTO 2015): the plaintext is cut into chunks,
each sealed with AES-256-GCM under a nonce made of a random per-stream prefix,
a chunk counter and a last-chunk flag. Reordering, dropping, duplicating or
truncating chunks and appending data all fail authentication. Nothing is ever
written to disk in plaintext: the caller streams the upload straight into
:func:`encrypt_stream` and the output file holds only ciphertext.

File layout (version 2)::

    header (28 bytes):
        version      1 byte   (= 2)
        chunk_size   4 bytes  big-endian plaintext chunk size
        salt        16 bytes  random, for the per-stream subkey
        nonce_prefix 7 bytes  random
    chunk 0 .. n-1:  AES-256-GCM(stream_key, chunk) + 16-byte tag
        the plaintext is followed by 0x80 and zero bytes up to the next multiple
        of chunk_size (ISO/IEC 7816-4 padding, always at least one byte), so
        every chunk holds exactly chunk_size bytes and the file size shows the
        plaintext size only in steps of chunk_size (64 KiB): n = size // chunk_size + 1

Version 1 (written before padding was introduced) has no padding: every chunk
except the last holds chunk_size bytes, the last 0..chunk_size (empty input =
one empty last chunk). It still decrypts and is never written any more.

    stream_key = HKDF-SHA256(DEK, salt, info=b"meldpunt:stream:v1")
    nonce_i    = nonce_prefix (7) | i as 4-byte big-endian | last flag (1 byte: 0 or 1)
    AAD        = header (28 bytes) | context (UTF-8), e.g. "attachments:<row id>"

The subkey separates stream encryption from field encryption under the same
DEK, so random field nonces and structured stream nonces can never collide.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import CryptoError, DecryptionError, PlaintextTooLarge

STREAM_FORMAT_VERSION = 2
#: Unpadded stream format; still decrypted, never written.
LEGACY_STREAM_FORMAT_VERSION = 1
CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
SALT_LENGTH = 16
NONCE_PREFIX_LENGTH = 7
TAG_LENGTH = 16
HEADER_LENGTH = 1 + 4 + SALT_LENGTH + NONCE_PREFIX_LENGTH
_MAX_CHUNKS = 2**32
_HKDF_INFO = b"meldpunt:stream:v1"


def _stream_key(dek: bytes, salt: bytes) -> AESGCM:
    if not isinstance(dek, (bytes, bytearray)) or len(dek) != 32:
        raise CryptoError("a data key must be 32 bytes")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(bytes(dek))
    return AESGCM(key)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def _read_full(src: BinaryIO, n: int) -> bytes:
    """Read exactly n bytes unless EOF comes first (handles short reads)."""
    parts = []
    remaining = n
    while remaining > 0:
        data = src.read(remaining)
        if not data:
            break
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def padded_size(plaintext_size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """Plaintext plus padding: the size that the encrypted file reveals (a multiple of ``chunk_size``)."""
    return (plaintext_size // chunk_size + 1) * chunk_size


def encrypted_size(plaintext_size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """Size in bytes of the encrypted file for ``plaintext_size`` bytes."""
    chunks = plaintext_size // chunk_size + 1
    return HEADER_LENGTH + chunks * (chunk_size + TAG_LENGTH)


def encrypt_stream(
    dek: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    *,
    context: str,
    chunk_size: int = CHUNK_SIZE,
    max_bytes: int | None = None,
) -> int:
    """Encrypt everything read from ``src`` into ``dst``; return the plaintext size.

    Raises :class:`PlaintextTooLarge` as soon as more than ``max_bytes`` bytes
    were read; ``dst`` then holds a partial file that the caller must delete.
    """
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK_SIZE}")
    salt = os.urandom(SALT_LENGTH)
    prefix = os.urandom(NONCE_PREFIX_LENGTH)
    header = bytes([STREAM_FORMAT_VERSION]) + struct.pack(">I", chunk_size) + salt + prefix
    aead = _stream_key(dek, salt)
    aad = header + context.encode("utf-8")

    total = 0

    def read_chunk() -> bytes:
        nonlocal total
        data = _read_full(src, chunk_size)
        total += len(data)
        if max_bytes is not None and total > max_bytes:
            raise PlaintextTooLarge(f"more than {max_bytes} bytes")
        return data

    dst.write(header)
    counter = 0
    while True:
        current = read_chunk()  # _read_full: shorter than chunk_size only at the end of the input
        if len(current) == chunk_size:
            dst.write(aead.encrypt(_nonce(prefix, counter, False), current, aad))
        else:
            padded = current + b"\x80" + bytes(chunk_size - len(current) - 1)
            dst.write(aead.encrypt(_nonce(prefix, counter, True), padded, aad))
            return total
        counter += 1
        if counter >= _MAX_CHUNKS:
            raise CryptoError("stream too long for this chunk size")


def decrypt_stream(dek: bytes, src: BinaryIO, *, context: str) -> Iterator[bytes]:
    """Yield verified plaintext chunks of a stream written by :func:`encrypt_stream`.

    Each chunk is yielded only after its tag verified. Any tampering
    (including truncation or appended bytes) raises :class:`DecryptionError`,
    at the latest when the end of the stream is reached — so a consumer must
    not treat data as complete before the iterator finished without error.
    """
    where = f"integrity check failed for stream {context}"
    header = _read_full(src, HEADER_LENGTH)
    if len(header) != HEADER_LENGTH:
        raise DecryptionError(f"{where}: header truncated")
    version = header[0]
    if version not in (STREAM_FORMAT_VERSION, LEGACY_STREAM_FORMAT_VERSION):
        raise DecryptionError(f"{where}: unknown format version {version}")
    (chunk_size,) = struct.unpack(">I", header[1:5])
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise DecryptionError(f"{where}: invalid chunk size")
    salt = header[5 : 5 + SALT_LENGTH]
    prefix = header[5 + SALT_LENGTH :]
    aead = _stream_key(dek, salt)
    aad = header + context.encode("utf-8")
    sealed_size = chunk_size + TAG_LENGTH

    current = _read_full(src, sealed_size)
    counter = 0
    while True:
        following = _read_full(src, sealed_size) if len(current) == sealed_size else b""
        last = not following
        if len(current) < TAG_LENGTH:
            raise DecryptionError(f"{where}: chunk {counter} truncated")
        try:
            plaintext = aead.decrypt(_nonce(prefix, counter, last), current, aad)
        except InvalidTag:
            raise DecryptionError(f"{where} (chunk {counter})") from None
        if version == STREAM_FORMAT_VERSION and last:
            plaintext = _unpad_last(plaintext, chunk_size, where)
        if plaintext:
            yield plaintext
        if last:
            return
        counter += 1
        if counter >= _MAX_CHUNKS:
            raise DecryptionError(f"{where}: too many chunks")
        current = following


def _unpad_last(chunk: bytes, chunk_size: int, where: str) -> bytes:
    """Strip the ISO/IEC 7816-4 padding of the (authenticated) last chunk of a version 2 stream."""
    end = len(chunk.rstrip(b"\x00"))
    if len(chunk) != chunk_size or end == 0 or chunk[end - 1] != 0x80:
        raise DecryptionError(f"{where}: invalid padding")
    return chunk[: end - 1]


def verify_stream(dek: bytes, src: BinaryIO, *, context: str) -> int:
    """Authenticate a whole stream without keeping plaintext; return its plaintext size."""
    return sum(len(chunk) for chunk in decrypt_stream(dek, src, context=context))
