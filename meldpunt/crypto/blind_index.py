"""Blind indexes: keyed digests of normalised identifiers.

A blind index lets the application find "other signals that mention the same
subject" without decrypting anything: equal normalised identifiers give equal
digests under the same index key. Digests reveal equality only (and only to
someone who can see several digests); without the index key nobody can test a
guess, because the digest is HMAC-SHA256, not a plain hash.

Every normaliser is pure, total (it returns a string or raises ``ValueError``
with a Dutch message meant for the user, never anything else) and idempotent:
``f(f(x)) == f(x)``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable

from .keyring import Keyring

IDENTIFIER_KINDS = ("kvk", "address", "name", "plate", "permit")

# Legal forms removed from the start or end of a (company) name, after dots
# were turned into spaces and runs of single letters were joined ("B.V." -> "bv").
LEGAL_FORMS = frozenset({"bv", "nv", "vof", "cv", "io", "bvio"})

_POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
_HUISNUMMER_RE = re.compile(r"^0*([1-9][0-9]{0,4})(.*)$")


def _fixpoint(step: Callable[[str], str], value: str) -> str:
    """Apply ``step`` until the value no longer changes (Unicode folding is
    not always idempotent in a single pass)."""
    for _ in range(8):
        new = step(value)
        if new == value:
            return new
        value = new
    return value


def _alnum_upper(value: str) -> str:
    def step(v: str) -> str:
        v = unicodedata.normalize("NFKC", v).upper()
        return "".join(ch for ch in v if ch.isalnum())

    return _fixpoint(step, value)


def normalise_kvk(value: str) -> str:
    """Normalise a KvK (Chamber of Commerce) number to its 8 digits.

    >>> normalise_kvk("12.34.56.78")
    '12345678'
    >>> normalise_kvk(" 1234 5678 ")
    '12345678'

    Separators (spaces, dots, dashes, ...) are dropped; letters or any other
    number of digits than 8 raise ``ValueError("Een KvK-nummer heeft 8 cijfers.")``.
    """
    value = unicodedata.normalize("NFKC", str(value))
    digits = []
    for ch in value:
        if ch in "0123456789":
            digits.append(ch)
        elif ch.isalnum():
            raise ValueError("Een KvK-nummer heeft 8 cijfers.")
    if len(digits) != 8:
        raise ValueError("Een KvK-nummer heeft 8 cijfers.")
    return "".join(digits)


def normalise_postcode(postcode: str) -> str:
    """``"1234 ab"`` -> ``"1234AB"``; ValueError (Dutch) unless 4 digits + 2 letters."""
    value = "".join(unicodedata.normalize("NFKC", str(postcode)).split()).upper()
    if not _POSTCODE_RE.match(value):
        raise ValueError("Een postcode bestaat uit 4 cijfers en 2 letters, bijvoorbeeld 1234 AB.")
    return value


def normalise_huisnummer(huisnummer: str | int) -> str:
    """House number with addition, canonical form.

    >>> normalise_huisnummer("12a"), normalise_huisnummer("12 A"), normalise_huisnummer("12-a")
    ('12A', '12A', '12A')
    >>> normalise_huisnummer("12-1"), normalise_huisnummer("12 1"), normalise_huisnummer("012 hs")
    ('12-1', '12-1', '12HS')

    The number keeps no leading zeros; the addition is upper-cased and
    stripped of separators; an addition starting with a digit is written
    after a dash so that 12-1 and 121 stay different.
    """
    value = unicodedata.normalize("NFKC", str(huisnummer)).strip().upper()
    match = _HUISNUMMER_RE.match(value)
    if not match or not match.group(1).isascii():
        raise ValueError("Een huisnummer begint met een getal, bijvoorbeeld 12 of 12a.")
    number, rest = match.group(1), match.group(2)
    addition = _alnum_upper(rest)
    if addition and not addition.isascii():
        raise ValueError("Een huisnummer begint met een getal, bijvoorbeeld 12 of 12a.")
    if not addition:
        return number
    if addition[0].isdigit():
        # "12-1", "12 1", "12/1": number 12, addition 1. A bare "121" is number 121.
        if not rest or rest[0].isdigit():
            # digits directly after the number were consumed by the number regex
            # only up to 5 digits; a sixth digit is not a valid house number.
            raise ValueError("Een huisnummer begint met een getal, bijvoorbeeld 12 of 12a.")
        return f"{number}-{addition}"
    return number + addition


def normalise_postcode_huisnummer(postcode: str, huisnummer: str | int) -> str:
    """``("1234 ab", "12a")`` -> ``"1234AB|12A"``.

    Raises ValueError with a Dutch message for an invalid postcode or house number.
    """
    return f"{normalise_postcode(postcode)}|{normalise_huisnummer(huisnummer)}"


# Latin letters that NFKD does not decompose.
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def _strip_accents_fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", value).casefold().translate(_TRANSLITERATE)
    value = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in value if not unicodedata.category(ch).startswith("M"))


def _name_step(value: str) -> str:
    value = _strip_accents_fold(value)
    # Letters and digits stay; everything else (punctuation, symbols, spaces) separates.
    value = "".join(ch if ch.isalnum() else " " for ch in value)
    tokens = value.split()
    # Join runs of single characters: "b v" (from "B.V.") -> "bv", "j p" -> "jp".
    joined: list[str] = []
    run: list[str] = []
    for tok in tokens + [""]:
        if len(tok) == 1:
            run.append(tok)
            continue
        if run:
            joined.append("".join(run))
            run = []
        if tok:
            joined.append(tok)
    while joined and joined[-1] in LEGAL_FORMS:
        joined.pop()
    while joined and joined[0] in LEGAL_FORMS:
        joined.pop(0)
    return " ".join(joined)


def normalise_name(value: str) -> str:
    """Normalise a person's or company's name.

    Case-folded, accents removed (NFKD; also æ, ø, œ, ł, ...), punctuation and whitespace collapsed
    to single spaces, runs of single letters joined (initials and "B.V."), and
    Dutch legal forms (B.V., BV, N.V., V.O.F., C.V., i.o.) dropped at the start
    or end. "Holding", "Stichting" and the like are kept.

    >>> normalise_name("Jansen Bouw B.V.") == normalise_name("jansen  bouw bv") == "jansen bouw"
    True
    >>> normalise_name("Café Ünal V.O.F.")
    'cafe unal'
    >>> normalise_name("J.P. de Vries"), normalise_name("J. P.  de  Vries")
    ('jp de vries', 'jp de vries')

    May return ``""`` (e.g. for "B.V." alone); :func:`index_identifier` refuses that.
    """
    return _fixpoint(_name_step, str(value))


def normalise_plate(value: str) -> str:
    """Licence plate: upper case, separators removed. ``"12-abc-3"`` -> ``"12ABC3"``."""
    return _alnum_upper(str(value))


def normalise_permit(value: str) -> str:
    """Permit / licence number: upper case, whitespace and separators removed.

    >>> normalise_permit(" olo-1234 / 2024 ")
    'OLO12342024'
    """
    return _alnum_upper(str(value))


_NORMALISERS: dict[str, tuple[Callable[..., str], int]] = {
    "kvk": (normalise_kvk, 1),
    "address": (normalise_postcode_huisnummer, 2),
    "name": (normalise_name, 1),
    "plate": (normalise_plate, 1),
    "permit": (normalise_permit, 1),
}

_EMPTY_MESSAGES = {
    "name": "Vul een naam in.",
    "plate": "Vul een kenteken in.",
    "permit": "Vul een vergunningnummer in.",
}


def normalise(kind: str, *parts: str) -> str:
    """Normalise ``parts`` with the normaliser for ``kind``; refuses an empty result."""
    try:
        func, arity = _NORMALISERS[kind]
    except KeyError:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {IDENTIFIER_KINDS}") from None
    if len(parts) != arity:
        raise TypeError(f"identifier kind {kind!r} takes {arity} part(s), got {len(parts)}")
    result = func(*parts)
    if not result:
        raise ValueError(_EMPTY_MESSAGES.get(kind, "Deze waarde is leeg."))
    return result


def blind_index(key: bytes, kind: str, normalised: str) -> str:
    """Hex HMAC-SHA256 (64 characters) over ``kind + "\\x00" + normalised``.

    The kind is a domain separator: the same string as a name and as a permit
    number gives unrelated digests.
    """
    if kind not in IDENTIFIER_KINDS:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {IDENTIFIER_KINDS}")
    message = kind.encode("ascii") + b"\x00" + normalised.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def index_identifier(keyring: Keyring, kind: str, *parts: str) -> tuple[str, str]:
    """Normalise and digest under the active index key: ``(index_key_id, digest)``.

    ``index_identifier(kr, "kvk", "12.34.56.78")``;
    ``index_identifier(kr, "address", "1234 ab", "12a")``.
    """
    normalised = normalise(kind, *parts)
    key_id, key = keyring.active_index_key()
    return key_id, blind_index(key, kind, normalised)


def index_identifier_all_keys(keyring: Keyring, kind: str, *parts: str) -> dict[str, str]:
    """Digests under every index key in the keyring: ``{index_key_id: digest}``.

    For look-ups while ``keys rotate-index`` is still recomputing stored digests.
    """
    normalised = normalise(kind, *parts)
    return {key_id: blind_index(key, kind, normalised) for key_id, key in keyring.index_keys.items()}
