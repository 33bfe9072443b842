"""Streamed attachment encryption (meldpunt.crypto.stream)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meldpunt.crypto import (
    CHUNK_SIZE,
    DecryptionError,
    PlaintextTooLarge,
    decrypt_stream,
    encrypt_stream,
    encrypted_size,
    generate_dek,
    verify_stream,
)
from meldpunt.crypto.stream import HEADER_LENGTH, TAG_LENGTH

DEK = generate_dek()
CTX = "attachments:7"


class TrickleReader(io.RawIOBase):
    """Returns at most `step` bytes per read, like a socket."""

    def __init__(self, data: bytes, step: int) -> None:
        self._buf = io.BytesIO(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = self._step
        return self._buf.read(min(n, self._step))


def enc(data: bytes, chunk_size: int = 16, context: str = CTX, dek: bytes = DEK) -> bytes:
    out = io.BytesIO()
    n = encrypt_stream(dek, io.BytesIO(data), out, context=context, chunk_size=chunk_size)
    assert n == len(data)
    return out.getvalue()


def dec(blob: bytes, context: str = CTX, dek: bytes = DEK) -> bytes:
    return b"".join(decrypt_stream(dek, io.BytesIO(blob), context=context))


def split(blob: bytes, chunk_size: int) -> tuple[bytes, list[bytes]]:
    sealed = chunk_size + TAG_LENGTH
    body = blob[HEADER_LENGTH:]
    return blob[:HEADER_LENGTH], [body[i : i + sealed] for i in range(0, len(body), sealed)]


@st.composite
def data_and_chunk(draw):
    chunk = draw(st.integers(min_value=1, max_value=64))
    kind = draw(st.sampled_from(["any", "multiple", "empty"]))
    if kind == "empty":
        data = b""
    elif kind == "multiple":
        data = draw(st.binary(min_size=chunk * draw(st.integers(1, 5)), max_size=chunk * 5))
        data = data[: len(data) - len(data) % chunk]
    else:
        data = draw(st.binary(max_size=400))
    return data, chunk


@settings(max_examples=300, deadline=None)
@given(data_and_chunk())
def test_round_trip(dc):
    data, chunk = dc
    blob = enc(data, chunk)
    assert len(blob) == encrypted_size(len(data), chunk)
    assert dec(blob) == data
    assert verify_stream(DEK, io.BytesIO(blob), context=CTX) == len(data)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300), st.integers(1, 40), st.integers(1, 17))
def test_round_trip_with_short_reads(data, chunk, step):
    out = io.BytesIO()
    encrypt_stream(DEK, TrickleReader(data, step), out, context=CTX, chunk_size=chunk)
    got = b"".join(decrypt_stream(DEK, TrickleReader(out.getvalue(), step), context=CTX))
    assert got == data


def test_default_chunk_size_exact_multiple_and_empty():
    assert CHUNK_SIZE == 64 * 1024
    for size in (0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, 2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 5):
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        out = io.BytesIO()
        assert encrypt_stream(DEK, io.BytesIO(data), out, context=CTX) == size
        assert len(out.getvalue()) == encrypted_size(size)
        assert dec(out.getvalue()) == data


def test_empty_input_is_one_final_chunk_of_padding():
    blob = enc(b"", 16)
    assert len(blob) == HEADER_LENGTH + 16 + TAG_LENGTH
    assert dec(blob) == b""


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=100))
def test_same_plaintext_twice_differs(data):
    assert enc(data) != enc(data)


DATA = bytes(range(200))  # 13 chunks of 16 (the last one 8 bytes and 8 bytes of padding)


def test_drop_last_chunk_fails():
    header, chunks = split(enc(DATA), 16)
    with pytest.raises(DecryptionError, match="integrity check failed"):
        dec(header + b"".join(chunks[:-1]))


def test_drop_last_chunk_of_exact_multiple_fails():
    header, chunks = split(enc(DATA[:64]), 16)
    assert len(chunks) == 5  # four full chunks and one chunk of padding
    with pytest.raises(DecryptionError):
        dec(header + b"".join(chunks[:-1]))


def test_drop_all_chunks_fails():
    header, _ = split(enc(DATA), 16)
    with pytest.raises(DecryptionError):
        dec(header)


def test_drop_middle_chunk_fails():
    header, chunks = split(enc(DATA), 16)
    with pytest.raises(DecryptionError):
        dec(header + b"".join(chunks[:3] + chunks[4:]))


def test_reorder_chunks_fails():
    header, chunks = split(enc(DATA), 16)
    chunks[1], chunks[2] = chunks[2], chunks[1]
    with pytest.raises(DecryptionError):
        dec(header + b"".join(chunks))


def test_duplicate_chunk_fails():
    header, chunks = split(enc(DATA), 16)
    with pytest.raises(DecryptionError):
        dec(header + b"".join(chunks[:2] + [chunks[1]] + chunks[2:]))


@pytest.mark.parametrize("garbage", [b"\x00", b"x" * 16, b"y" * 32, b"z" * 100])
def test_appended_data_fails(garbage):
    with pytest.raises(DecryptionError):
        dec(enc(DATA) + garbage)
    with pytest.raises(DecryptionError):
        dec(enc(DATA[:64]) + garbage)
    with pytest.raises(DecryptionError):
        dec(enc(b"") + garbage)


@pytest.mark.parametrize("cut", [1, 8, 16, 24, 40])
def test_truncation_fails(cut):
    blob = enc(DATA)
    with pytest.raises(DecryptionError):
        dec(blob[:-cut])


def test_wrong_context_fails_and_is_named():
    with pytest.raises(DecryptionError, match="attachments:8"):
        dec(enc(DATA), context="attachments:8")


def test_wrong_dek_fails():
    with pytest.raises(DecryptionError):
        dec(enc(DATA), dek=generate_dek())


def test_splice_between_streams_fails():
    h1, c1 = split(enc(DATA), 16)
    h2, c2 = split(enc(DATA), 16)
    with pytest.raises(DecryptionError):
        dec(h1 + c1[0] + b"".join(c2[1:]))
    with pytest.raises(DecryptionError):
        dec(h2 + b"".join(c1))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=80), st.data())
def test_any_flipped_bit_fails(data, draw):
    blob = bytearray(enc(data, 16))
    bit = draw.draw(st.integers(0, len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        dec(bytes(blob))


def test_no_chunk_yielded_before_its_tag_verified():
    header, chunks = split(enc(DATA), 16)
    bad = bytearray(chunks[2])
    bad[0] ^= 1
    it = decrypt_stream(DEK, io.BytesIO(header + b"".join(chunks[:2]) + bytes(bad) + b"".join(chunks[3:])), context=CTX)
    assert next(it) == DATA[:16]
    assert next(it) == DATA[16:32]
    with pytest.raises(DecryptionError):
        next(it)


def test_max_bytes():
    out = io.BytesIO()
    assert encrypt_stream(DEK, io.BytesIO(b"a" * 100), out, context=CTX, chunk_size=16, max_bytes=100) == 100
    out = io.BytesIO()
    with pytest.raises(PlaintextTooLarge):
        encrypt_stream(DEK, io.BytesIO(b"a" * 101), out, context=CTX, chunk_size=16, max_bytes=100)
    # stops early: never reads (much) more than max_bytes + one chunk
    src = io.BytesIO(b"a" * 10_000)
    with pytest.raises(PlaintextTooLarge):
        encrypt_stream(DEK, src, io.BytesIO(), context=CTX, chunk_size=16, max_bytes=100)
    assert src.tell() <= 100 + 16


def test_plaintext_never_in_output():
    secret = b"VERTROUWELIJK-" * 50
    assert b"VERTROUWELIJK" not in enc(secret)


# ---------------------------------------------------------------------------- issue 15 item 8: padding


def legacy_stream(data: bytes, chunk_size: int, context: str = CTX, dek: bytes = DEK) -> bytes:
    """A version 1 (unpadded) stream, written by hand from the documented format."""
    import os
    import struct

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    salt, prefix = os.urandom(16), os.urandom(7)
    header = bytes([1]) + struct.pack(">I", chunk_size) + salt + prefix
    aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"meldpunt:stream:v1").derive(dek))
    pieces = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)] or [b""]
    out = [header]
    for i, piece in enumerate(pieces):
        nonce = prefix + struct.pack(">I", i) + (b"\x01" if i == len(pieces) - 1 else b"\x00")
        out.append(aead.encrypt(nonce, piece, header + context.encode()))
    return b"".join(out)


@settings(max_examples=200, deadline=None)
@given(data_and_chunk())
def test_item_08_old_format_stream_still_decrypts(dc):
    data, chunk = dc
    blob = legacy_stream(data, chunk)
    assert len(blob) == HEADER_LENGTH + len(data) + max(1, -(-len(data) // chunk)) * TAG_LENGTH
    assert dec(blob) == data
    assert verify_stream(DEK, io.BytesIO(blob), context=CTX) == len(data)
    with pytest.raises(DecryptionError):
        dec(legacy_stream(data, chunk, context="attachments:other"))


def test_item_08_file_size_shows_the_plaintext_size_only_in_chunk_steps():
    sizes = {len(enc(b"x" * n, 64)) for n in range(0, 64)}
    assert sizes == {HEADER_LENGTH + 64 + TAG_LENGTH}
    assert len(enc(b"x" * 64, 64)) == len(enc(b"x" * 127, 64)) == HEADER_LENGTH + 2 * (64 + TAG_LENGTH)
    small, larger = io.BytesIO(), io.BytesIO()
    encrypt_stream(DEK, io.BytesIO(b"a" * 10), small, context=CTX)
    encrypt_stream(DEK, io.BytesIO(b"a" * 60_000), larger, context=CTX)
    assert len(small.getvalue()) == len(larger.getvalue()) == encrypted_size(0)


def test_item_08_relabelled_version_fails():
    blob = bytearray(enc(DATA))
    blob[0] = 1
    with pytest.raises(DecryptionError):
        dec(bytes(blob))
    old = bytearray(legacy_stream(DATA, 16))
    old[0] = 2
    with pytest.raises(DecryptionError):
        dec(bytes(old))
