"""Envelope encryption: DEK wrapping and field encryption (meldpunt.crypto.envelope)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meldpunt.crypto import (
    FORMAT_VERSION,
    CryptoError,
    DecryptionError,
    FieldCipher,
    KeyNotFoundError,
    NullFieldCipher,
    encode_aad,
    generate_dek,
    generate_keyring,
    rewrap_dek,
    unwrap_dek,
    wrap_dek,
)

CTX = {"table": "signals", "column": "description", "row_id": "42"}
DEK = generate_dek()
CIPHER = FieldCipher(DEK)
KEYRING = generate_keyring()

idents = st.text(min_size=0, max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000), idents, idents, idents)
def test_text_round_trip(text, table, column, row_id):
    blob = CIPHER.encrypt_text(text, table=table, column=column, row_id=row_id)
    assert CIPHER.decrypt_text(blob, table=table, column=column, row_id=row_id) == text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_bytes_round_trip_and_layout(data):
    blob = CIPHER.encrypt(data, **CTX)
    assert blob[0] == FORMAT_VERSION == 2
    assert len(blob) == 1 + 12 + (len(data) // 256 + 1) * 256 + 16
    assert CIPHER.decrypt(blob, **CTX) == data


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_same_plaintext_twice_gives_different_ciphertexts(data):
    a = CIPHER.encrypt(data, **CTX)
    b = CIPHER.encrypt(data, **CTX)
    assert a != b
    assert a[1:13] != b[1:13]  # fresh nonce


def test_swap_between_rows_fails_and_names_context():
    a = CIPHER.encrypt_text("secret A", table="signals", column="description", row_id="1")
    with pytest.raises(DecryptionError) as exc:
        CIPHER.decrypt_text(a, table="signals", column="description", row_id="2")
    msg = str(exc.value)
    assert "integrity check failed" in msg
    assert "signals" in msg and "description" in msg and "2" in msg
    assert "secret" not in msg


def test_swap_between_columns_fails():
    a = CIPHER.encrypt_text("secret", table="signals", column="description", row_id="1")
    with pytest.raises(DecryptionError, match="location_text"):
        CIPHER.decrypt_text(a, table="signals", column="location_text", row_id="1")


def test_swap_between_tables_fails():
    a = CIPHER.encrypt_text("secret", table="signals", column="notes", row_id="1")
    with pytest.raises(DecryptionError, match="cases"):
        CIPHER.decrypt_text(a, table="cases", column="notes", row_id="1")


def test_int_and_str_row_id_are_equivalent():
    blob = CIPHER.encrypt(b"x", table="t", column="c", row_id=7)  # type: ignore[arg-type]
    assert CIPHER.decrypt(blob, table="t", column="c", row_id="7") == b"x"


def test_aad_encoding_is_unambiguous():
    assert encode_aad("ab", "c") != encode_aad("a", "bc")
    assert encode_aad("a", "") != encode_aad("", "a")
    blob = CIPHER.encrypt(b"x", table="ab", column="c", row_id="1")
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(blob, table="a", column="bc", row_id="1")
    blob = CIPHER.encrypt(b"x", table="t", column="c1", row_id="2")
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(blob, table="t", column="c", row_id="12")


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=0, max_size=64), st.data())
def test_any_flipped_bit_fails(data, draw):
    blob = bytearray(CIPHER.encrypt(data, **CTX))
    bit = draw.draw(st.integers(min_value=0, max_value=len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(bytes(blob), **CTX)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=100), st.integers(min_value=0, max_value=40))
def test_truncated_or_extended_fails(data, cut):
    blob = CIPHER.encrypt(data, **CTX)
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(blob[: max(0, len(blob) - 1 - cut)], **CTX)
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(blob + b"\x00", **CTX)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=100))
def test_wrong_dek_fails(data):
    blob = CIPHER.encrypt(data, **CTX)
    with pytest.raises(DecryptionError):
        FieldCipher(generate_dek()).decrypt(blob, **CTX)


def test_dek_must_be_32_bytes():
    with pytest.raises(CryptoError):
        FieldCipher(b"short")
    assert len(generate_dek()) == 32
    assert generate_dek() != generate_dek()


def test_repr_hides_key():
    assert DEK.hex() not in repr(CIPHER)


def test_null_cipher_is_identity_with_version_zero_and_incompatible():
    null = NullFieldCipher()
    blob = null.encrypt_text("hallo", **CTX)
    assert blob == b"\x00hallo"
    assert null.decrypt_text(blob, **CTX) == "hallo"
    with pytest.raises(DecryptionError):
        null.decrypt(CIPHER.encrypt(b"hallo", **CTX), **CTX)
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(blob + b"\x00" * 40, **CTX)


# -- DEK wrapping -----------------------------------------------------------

def test_wrap_unwrap_round_trip():
    dek = generate_dek()
    kek_id, blob = wrap_dek(KEYRING, dek, key_ref="17")
    assert kek_id == KEYRING.active_kek_id
    assert dek not in blob
    assert unwrap_dek(KEYRING, kek_id, blob, key_ref="17") == dek


def test_wrapped_dek_bound_to_key_ref_and_kek_id():
    dek = generate_dek()
    kek_id, blob = wrap_dek(KEYRING, dek, key_ref="17")
    with pytest.raises(DecryptionError, match="integrity check failed"):
        unwrap_dek(KEYRING, kek_id, blob, key_ref="18")
    kr2 = KEYRING.with_new_kek()
    # same key bytes under another id must not verify: kek_id is in the AAD
    forged = type(kr2)(
        keks={**kr2.keks, "kek-other": KEYRING.kek(kek_id)},
        active_kek_id=kr2.active_kek_id,
        index_keys=kr2.index_keys,
        active_index_key_id=kr2.active_index_key_id,
    )
    with pytest.raises(DecryptionError):
        unwrap_dek(forged, "kek-other", blob, key_ref="17")


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_wrapped_dek_bit_flip_fails(draw):
    kek_id, blob = wrap_dek(KEYRING, DEK, key_ref="1")
    blob = bytearray(blob)
    bit = draw.draw(st.integers(min_value=0, max_value=len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        unwrap_dek(KEYRING, kek_id, bytes(blob), key_ref="1")


def test_unwrap_with_unknown_kek_raises_key_not_found():
    kek_id, blob = wrap_dek(KEYRING, DEK, key_ref="1")
    with pytest.raises(KeyNotFoundError):
        unwrap_dek(generate_keyring(), kek_id, blob, key_ref="1")


def test_rewrap_moves_to_active_kek():
    dek = generate_dek()
    old_id, blob = wrap_dek(KEYRING, dek, key_ref="5")
    kr2 = KEYRING.with_new_kek()
    new_id, new_blob = rewrap_dek(kr2, old_id, blob, key_ref="5")
    assert new_id == kr2.active_kek_id != old_id
    assert unwrap_dek(kr2, new_id, new_blob, key_ref="5") == dek


# ---------------------------------------------------------------------------- issue 15 item 8: padding


def legacy_encrypt(dek: bytes, data: bytes, *, table: str, column: str, row_id: str) -> bytes:
    """A version 1 field blob, written by hand from the documented format (no padding)."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    aad = encode_aad(b"meldpunt:field", bytes([1]), table, column, row_id)
    return bytes([1]) + nonce + AESGCM(dek).encrypt(nonce, data, aad)


def test_item_08_descriptions_of_10_and_200_characters_give_equal_ciphertext_lengths():
    short = CIPHER.encrypt_text("a" * 10, **CTX)
    long = CIPHER.encrypt_text("b" * 200, **CTX)
    assert len(short) == len(long) == 1 + 12 + 256 + 16
    assert len(CIPHER.encrypt_text("c" * 255, **CTX)) == len(short)
    assert len(CIPHER.encrypt_text("d" * 256, **CTX)) == len(short) + 256  # the next bucket


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1200), idents, idents, idents)
def test_item_08_old_format_ciphertext_still_decrypts(data, table, column, row_id):
    blob = legacy_encrypt(DEK, data, table=table, column=column, row_id=row_id)
    assert len(blob) == 1 + 12 + len(data) + 16
    assert CIPHER.decrypt(blob, table=table, column=column, row_id=row_id) == data


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=600))
def test_item_08_old_format_text_still_decrypts(text):
    blob = legacy_encrypt(DEK, text.encode(), **CTX)
    assert CIPHER.decrypt_text(blob, **CTX) == text


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1100))
def test_item_08_padding_is_unambiguous(data):
    from meldpunt.crypto.envelope import PAD_BUCKET, pad, unpad

    padded = pad(data)
    assert len(padded) % PAD_BUCKET == 0 and len(data) < len(padded) <= len(data) + PAD_BUCKET
    assert unpad(padded) == data


@pytest.mark.parametrize("bad", [b"", b"\x00" * 256, b"a" * 256, b"\x80" + b"\x00" * 255 + b"\x00" * 256, b"x" * 255])
def test_item_08_invalid_padding_is_refused(bad):
    from meldpunt.crypto.envelope import unpad

    with pytest.raises(ValueError):
        unpad(bad)


def test_item_08_padded_blob_relabelled_as_old_format_fails():
    blob = bytearray(CIPHER.encrypt(b"geheim", **CTX))
    blob[0] = 1
    with pytest.raises(DecryptionError, match="integrity check failed"):
        CIPHER.decrypt(bytes(blob), **CTX)
    old = bytearray(legacy_encrypt(DEK, b"geheim", **CTX))
    old[0] = 2
    with pytest.raises(DecryptionError, match="integrity check failed"):
        CIPHER.decrypt(bytes(old), **CTX)
