"""Normalisers and blind indexes (meldpunt.crypto.blind_index)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meldpunt.crypto import (
    IDENTIFIER_KINDS,
    blind_index,
    generate_keyring,
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

KEYRING = generate_keyring()
KEY = KEYRING.active_index_key()[1]


# -- examples ---------------------------------------------------------------

@pytest.mark.parametrize("raw", ["12.34.56.78", "1234 5678", "12345678", " 12-34-56-78 ", "１２３４５６７８"])
def test_kvk_examples(raw):
    assert normalise_kvk(raw) == "12345678"


@pytest.mark.parametrize("raw", ["1234567", "123456789", "", "abcdefgh", "1234567a", "KvK 12345678"])
def test_kvk_invalid(raw):
    with pytest.raises(ValueError, match="Een KvK-nummer heeft 8 cijfers."):
        normalise_kvk(raw)


@pytest.mark.parametrize(
    "postcode, huisnummer, expected",
    [
        ("1234 ab", "12a", "1234AB|12A"),
        ("1234AB", "12 A", "1234AB|12A"),
        (" 1234  ab ", "12-a", "1234AB|12A"),
        ("9999zz", 7, "9999ZZ|7"),
        ("1011 AB", "012", "1011AB|12"),
        ("1011 AB", "12-1", "1011AB|12-1"),
        ("1011 AB", "12 1", "1011AB|12-1"),
        ("1011 AB", "12/1", "1011AB|12-1"),
        ("1011 AB", "121", "1011AB|121"),
        ("1011 AB", "12 hs", "1011AB|12HS"),
        ("1011 AB", "12 bis", "1011AB|12BIS"),
    ],
)
def test_postcode_huisnummer_examples(postcode, huisnummer, expected):
    assert normalise_postcode_huisnummer(postcode, huisnummer) == expected


@pytest.mark.parametrize("postcode", ["123 AB", "12345", "0123AB", "1234 A", "1234 ABC", "ABCD 12", ""])
def test_postcode_invalid(postcode):
    with pytest.raises(ValueError, match="postcode bestaat uit 4 cijfers en 2 letters"):
        normalise_postcode_huisnummer(postcode, "1")


@pytest.mark.parametrize("huisnummer", ["", "a", "0", "-12", "123456", "abc 12"])
def test_huisnummer_invalid(huisnummer):
    with pytest.raises(ValueError, match="huisnummer begint met een getal"):
        normalise_postcode_huisnummer("1234AB", huisnummer)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Jansen Bouw B.V.", "jansen  bouw bv"),
        ("Jansen Bouw BV", "JANSEN BOUW"),
        ("V.O.F. De Bakker", "de bakker"),
        ("Bakkerij Müller N.V.", "bakkerij muller"),
        ("Café  Ünal", "cafe unal"),
        ("J.P. de Vries", "J. P.  de Vries"),
        ("Jansen-Bouw B.V. i.o.", "jansen bouw"),
        ("'t Hoen & Zn.", "T HOEN ZN"),
    ],
)
def test_name_equal_pairs(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_name_examples():
    assert normalise_name("Jansen Bouw B.V.") == "jansen bouw"
    assert normalise_name("Jansen Holding B.V.") == "jansen holding"  # Holding is kept
    assert normalise_name("Stichting De Brug") == "stichting de brug"
    assert normalise_name("  Ærø  Straße ") == "aero strasse"
    assert normalise_name("") == ""
    assert normalise_name("B.V.") == ""


def test_name_different_stay_different():
    assert normalise_name("Jansen Holding BV") != normalise_name("Jansen BV")
    assert normalise_name("Jansen") != normalise_name("Janssen")


@pytest.mark.parametrize("raw", ["12-ABC-3", "12 abc 3", "12abc3", " 12–ABC–3 "])
def test_plate_examples(raw):
    assert normalise_plate(raw) == "12ABC3"


@pytest.mark.parametrize("raw", ["OLO-1234/2024", " olo 1234 2024 ", "olo.1234.2024", "OLO_1234-2024"])
def test_permit_examples(raw):
    assert normalise_permit(raw) == "OLO12342024"


# -- idempotence ------------------------------------------------------------

texts = st.text(max_size=60)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_name_idempotent(value):
    once = normalise_name(value)
    assert normalise_name(once) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=300, deadline=None)
@given(texts)
def test_plate_and_permit_idempotent(value):
    for f in (normalise_plate, normalise_permit):
        once = f(value)
        assert f(once) == once
        assert not re.search(r"[\s\-./]", once)


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, st.from_regex(r"\A[ .\-]?(\d[ .\-]?){8}\Z")))
def test_kvk_idempotent_and_total(value):
    try:
        once = normalise_kvk(value)
    except ValueError as exc:
        assert str(exc) == "Een KvK-nummer heeft 8 cijfers."
        return
    assert re.fullmatch(r"[0-9]{8}", once)
    assert normalise_kvk(once) == once


postcodes = st.from_regex(r"\A ?[1-9][0-9]{3} ?[a-zA-Z]{2} ?\Z")
huisnummers = st.one_of(
    texts,
    st.integers(min_value=-5, max_value=200_000),
    st.from_regex(r"\A0?[1-9][0-9]{0,3}([ \-/]?[a-zA-Z0-9]{1,3})?\Z"),
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(texts, postcodes), huisnummers)
def test_address_idempotent_and_total(postcode, huisnummer):
    try:
        once = normalise_postcode_huisnummer(postcode, huisnummer)
    except ValueError as exc:
        assert "postcode" in str(exc) or "huisnummer" in str(exc)
        return
    pc, hn = once.split("|")
    assert normalise_postcode_huisnummer(pc, hn) == once
    assert normalise_postcode(pc) == pc and normalise_huisnummer(hn) == hn


# -- blind index ------------------------------------------------------------

def test_blind_index_kvk_equality():
    a = index_identifier(KEYRING, "kvk", "12.34.56.78")
    b = index_identifier(KEYRING, "kvk", "12345678")
    assert a == b
    assert a[0] == KEYRING.active_index_key_id
    assert re.fullmatch(r"[0-9a-f]{64}", a[1])


def test_blind_index_address_and_name():
    assert index_identifier(KEYRING, "address", "1234 ab", "12a") == index_identifier(
        KEYRING, "address", "1234AB", "12 A"
    )
    assert index_identifier(KEYRING, "name", "Jansen Bouw B.V.") == index_identifier(
        KEYRING, "name", "jansen  bouw bv"
    )


def test_kinds_are_domain_separated():
    digests = {blind_index(KEY, kind, "12345678") for kind in IDENTIFIER_KINDS}
    assert len(digests) == len(IDENTIFIER_KINDS)
    assert index_identifier(KEYRING, "plate", "ABC123")[1] != index_identifier(KEYRING, "permit", "ABC123")[1]


def test_different_keys_give_different_digests():
    kr2 = KEYRING.with_new_index_key()
    a = index_identifier(KEYRING, "kvk", "12345678")
    b = index_identifier(kr2, "kvk", "12345678")
    assert a[0] != b[0] and a[1] != b[1]
    both = index_identifier_all_keys(kr2, "kvk", "12345678")
    assert both == {a[0]: a[1], b[0]: b[1]}


def test_blind_index_is_hmac_not_plain_hash():
    import hashlib
    import hmac

    assert blind_index(KEY, "kvk", "12345678") == hmac.new(KEY, b"kvk\x0012345678", hashlib.sha256).hexdigest()
    assert blind_index(KEY, "kvk", "12345678") != hashlib.sha256(b"kvk\x0012345678").hexdigest()


def test_index_identifier_rejects_bad_input():
    with pytest.raises(ValueError, match="KvK"):
        index_identifier(KEYRING, "kvk", "123")
    with pytest.raises(ValueError):
        index_identifier(KEYRING, "name", "B.V.")
    with pytest.raises(ValueError):
        index_identifier(KEYRING, "plate", " - ")
    with pytest.raises(ValueError, match="unknown identifier kind"):
        index_identifier(KEYRING, "email", "a@b.nl")
    with pytest.raises(TypeError):
        index_identifier(KEYRING, "address", "1234AB")
    with pytest.raises(ValueError):
        blind_index(KEY, "email", "x")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["name", "plate", "permit"]), texts)
def test_index_of_normalised_equals_index_of_raw(kind, value):
    try:
        raw = index_identifier(KEYRING, kind, value)
    except ValueError:
        return
    assert index_identifier(KEYRING, kind, normalise(kind, value)) == raw
