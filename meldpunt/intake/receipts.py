"""Receipt codes (ontvangstcodes) for anonymous reporters.

A code is 20 characters from Crockford's base32 alphabet (100 bits from
``secrets``), shown once as five groups of four. Only a keyed digest is stored:
``"<index key id>:<hex HMAC-SHA256>"`` under the active blind-index key, with its
own domain separator so it can never equal a subject digest. Look-ups try every
index key in the keyring, so codes keep working while index keys rotate; a code
found under an older key is re-digested under the active one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from meldpunt.crypto import Keyring
from meldpunt.intake.models import Signal

#: Crockford's base32: no I, L, O or U, so codes read aloud or retyped without confusion.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 20 x 5 bits = 100 bits of entropy
GROUP = 4
_DOMAIN = b"meldpunt:receipt:v1\x00"
_TYPO_MAP = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = str.maketrans("", "", " -_.\t\r\n\u00a0")


def generate_code() -> str:
    """A fresh code without separators (20 characters)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``"ABCD EFGH JKMN PQRS TVWX"``: five groups of four, easy to copy and to read."""
    return " ".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(entered: str) -> str | None:
    """The canonical code for what the reporter typed, or None when it cannot be one.

    Case-insensitive; spaces, dashes and dots are ignored; O/I/L/U typed by
    mistake count as 0/1/1/V (Crockford's rules).
    """
    value = (entered or "").upper().translate(_SEPARATORS).translate(_TYPO_MAP)
    if len(value) != CODE_LENGTH or any(ch not in ALPHABET for ch in value):
        return None
    return value


def _digest(key_id: str, key: bytes, code: str) -> str:
    return f"{key_id}:{hmac.new(key, _DOMAIN + code.encode('ascii'), hashlib.sha256).hexdigest()}"


def receipt_digest(keyring: Keyring, code: str) -> str:
    """The stored form of ``code`` under the active index key."""
    key_id, key = keyring.active_index_key()
    return _digest(key_id, key, code)


def candidate_digests(keyring: Keyring, code: str) -> list[str]:
    return [_digest(key_id, key, code) for key_id, key in sorted(keyring.index_keys.items())]


def issue_receipt_code(session: Session, *, keyring: Keyring, signal: Signal) -> str:
    """Give an anonymous signal a new code; returns the code (shown once, never stored)."""
    if not signal.is_anonymous:
        raise ValueError("receipt codes are for anonymous signals only")
    code = generate_code()
    signal.receipt_digest = receipt_digest(keyring, code)
    session.flush()
    return code


#: Digested when the entered text cannot be a code, so every attempt costs the same work.
_DUMMY_CODE = "0" * CODE_LENGTH


def find_signal_by_receipt(session: Session, *, keyring: Keyring, entered: str) -> Signal | None:
    """The signal the code belongs to, or None. Malformed and unknown codes take the same path."""
    code = normalise_code(entered)
    digests = candidate_digests(keyring, code or _DUMMY_CODE)
    signal = session.scalar(select(Signal).where(Signal.receipt_digest.in_(digests)))
    if signal is None or code is None:
        return None
    current = receipt_digest(keyring, code)
    if signal.receipt_digest != current:  # found under an older index key: move to the active one
        signal.receipt_digest = current
        session.flush()
    return signal
