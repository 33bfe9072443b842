"""Receipt codes (ontvangstcodes) for anonymous reporters.

A code is 20 characters from Crockford's base32 alphabet (100 bits from
``secrets``), shown once as five groups of four. Only a keyed digest is stored:
``"<index key id>:<hex HMAC-SHA256>"`` under the active blind-index key, with its
own domain separator so it can never equal a subject digest. Look-ups try every
index key in the keyring, so codes keep working while index keys rotate; a code
found under an older key is re-digested under the active one.

After a correct code the browser gets a *grant* (``open_grant``): a random 256-bit handle in
the session cookie, and a ``ReceiptGrant`` row keyed by a digest of that handle. The row holds
the signal's receipt digest encrypted under a key derived from the handle, and expires after
``GRANT_IDLE`` without use or ``GRANT_ABSOLUTE`` in total; "Melding sluiten" deletes it. Every
request re-checks that the row is live and that an anonymous signal still has that digest
(``signal_for_grant``). The cookie names no signal, and the app's secret key alone opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, delete, literal, or_, select
from sqlalchemy.orm import Session

from meldpunt.vault.keys import CryptoError, FieldCipher, Keyring
from meldpunt.database import utc_hour, utcnow
from meldpunt.intake.models import ReceiptDisplay, ReceiptGrant
from meldpunt.signals.models import Signal

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
    _stamp_update(signal)
    session.flush()
    return code


def _stamp_update(signal: Signal) -> None:
    """This update is the anonymous reporter's: ``updated_at`` gets the hour, not the exact time.

    Assigned as a SQL value so it is always written: an attribute set to the value it already
    holds is left out of the UPDATE, and the column's ``onupdate`` would then store the exact time.
    """
    signal.updated_at = literal(utc_hour(), DateTime(timezone=True))


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
        _stamp_update(signal)
        session.flush()
    return signal


# ----------------------------------------------------------------------------- grants

#: A grant ends after this long without a request, or this long after the code was entered.
GRANT_IDLE = timedelta(minutes=30)
GRANT_ABSOLUTE = timedelta(hours=4)
_GRANT_ID_DOMAIN = b"meldpunt:receipt-grant:id:v1\x00"
_GRANT_KEY_DOMAIN = b"meldpunt:receipt-grant:key:v1\x00"
_HANDLE_BYTES = 32


def _grant_id(handle: str) -> str:
    return hashlib.sha256(_GRANT_ID_DOMAIN + handle.encode("ascii")).hexdigest()


def _grant_cipher(handle: str) -> FieldCipher:
    """AES-GCM under a key only the cookie's handle gives: the row alone does not name its signal."""
    return FieldCipher(hmac.new(handle.encode("ascii"), _GRANT_KEY_DOMAIN, hashlib.sha256).digest())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _expired(grant: ReceiptGrant, now: datetime) -> bool:
    return now - _aware(grant.last_used_at) > GRANT_IDLE or now - _aware(grant.created_at) > GRANT_ABSOLUTE


def purge_expired_grants(session: Session, *, now: datetime | None = None) -> int:
    """Delete every grant past its idle or absolute lifetime; returns how many."""
    now = now or utcnow()
    result = session.execute(
        delete(ReceiptGrant)
        .where(or_(ReceiptGrant.last_used_at < now - GRANT_IDLE, ReceiptGrant.created_at < now - GRANT_ABSOLUTE))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def open_grant(session: Session, *, signal: Signal, now: datetime | None = None) -> str:
    """A new grant for ``signal`` (its code was just entered); returns the handle for the session cookie."""
    if not signal.is_anonymous or not signal.receipt_digest:
        raise ValueError("receipt grants are for anonymous signals with a receipt code only")
    now = now or utcnow()
    purge_expired_grants(session, now=now)
    handle = secrets.token_urlsafe(_HANDLE_BYTES)
    grant_id = _grant_id(handle)
    sealed = _grant_cipher(handle).encrypt_text(
        signal.receipt_digest, table=ReceiptGrant.__tablename__, column="digest", row_id=grant_id
    )
    session.add(ReceiptGrant(id=grant_id, digest_ct=sealed, created_at=now, last_used_at=now))
    session.flush()
    return handle


def signal_for_grant(session: Session, *, handle: object, now: datetime | None = None) -> Signal | None:
    """The signal a live grant opens, or None; a dead grant (expired, or its signal changed) is deleted.

    Checked on every request: the grant row exists and is within its lifetimes, and an anonymous
    signal still carries the digest the grant was opened with. Moves ``last_used_at`` forward.
    """
    if not isinstance(handle, str) or not 20 <= len(handle) <= 100 or not handle.isascii():
        return None
    grant = session.get(ReceiptGrant, _grant_id(handle))
    if grant is None:
        return None
    now = now or utcnow()
    signal = None
    if not _expired(grant, now):
        try:
            digest = _grant_cipher(handle).decrypt_text(
                grant.digest_ct, table=ReceiptGrant.__tablename__, column="digest", row_id=grant.id
            )
        except CryptoError:
            digest = None
        if digest:
            signal = session.scalar(
                select(Signal).where(Signal.receipt_digest == digest, Signal.is_anonymous.is_(True))
            )
    if signal is None:
        session.delete(grant)
    else:
        grant.last_used_at = now
    session.flush()
    return signal


def close_grant(session: Session, *, handle: object) -> None:
    """"Melding sluiten": delete the grant, so the cookie (or a copy of it) opens nothing any more."""
    if isinstance(handle, str) and handle.isascii() and len(handle) <= 100:
        session.execute(
            delete(ReceiptGrant).where(ReceiptGrant.id == _grant_id(handle)).execution_options(synchronize_session=False)
        )
        session.flush()


# ----------------------------------------------------------------------------- showing the code once

#: A code waiting to be shown lives at least an hour: its times are hours (anonymous), so two hours from the hour.
DISPLAY_LIFETIME = timedelta(hours=2)
_DISPLAY_TOKEN_DOMAIN = b"meldpunt:receipt-display:token:v1\x00"
_DISPLAY_ID_DOMAIN = b"meldpunt:receipt-display:id:v1\x00"
_DISPLAY_KEY_DOMAIN = b"meldpunt:receipt-display:key:v1\x00"


def display_token_for(filing_key: str) -> str:
    """The single-use display token of one sent form, derived from its idempotency key.

    A repeated POST of the same form (a double click whose first answer the browser dropped)
    therefore finds the code of the first POST, as long as it was not shown yet.
    """
    return hmac.new(filing_key.encode("utf-8"), _DISPLAY_TOKEN_DOMAIN, hashlib.sha256).hexdigest()


def _display_id(token: str) -> str:
    return hashlib.sha256(_DISPLAY_ID_DOMAIN + token.encode("ascii")).hexdigest()


def _display_cipher(token: str) -> FieldCipher:
    return FieldCipher(hmac.new(token.encode("ascii"), _DISPLAY_KEY_DOMAIN, hashlib.sha256).digest())


def hold_code_for_display(session: Session, *, token: str, code: str, reference: str,
                          now: datetime | None = None) -> None:
    """Keep ``code`` (and the reference) for one showing, encrypted under a key only ``token`` gives."""
    hour = utc_hour(now)
    row_id = _display_id(token)
    sealed = _display_cipher(token).encrypt_text(
        json.dumps({"code": code, "reference": reference}), table=ReceiptDisplay.__tablename__,
        column="payload", row_id=row_id,
    )
    session.add(ReceiptDisplay(id=row_id, payload_ct=sealed, created_at=hour, expires_at=hour + DISPLAY_LIFETIME))
    session.flush()


def purge_expired_displays(session: Session, *, now: datetime | None = None) -> int:
    """Delete codes that waited too long to be shown (an abandoned confirmation page)."""
    result = session.execute(
        delete(ReceiptDisplay).where(ReceiptDisplay.expires_at < (now or utcnow()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def take_code_for_display(session: Session, *, token: object, now: datetime | None = None) -> tuple[str, str] | None:
    """``(code, reference)`` once: the row is deleted in the same transaction. None when shown, expired or unknown."""
    now = now or utcnow()
    purge_expired_displays(session, now=now)
    if not isinstance(token, str) or not token.isascii() or not 20 <= len(token) <= 100:
        return None
    row = session.get(ReceiptDisplay, _display_id(token))
    if row is None:
        return None
    try:
        payload = json.loads(_display_cipher(token).decrypt_text(
            row.payload_ct, table=ReceiptDisplay.__tablename__, column="payload", row_id=row.id,
        ))
    except (CryptoError, ValueError):
        payload = None
    session.delete(row)
    session.flush()
    if not isinstance(payload, dict):
        return None
    return str(payload["code"]), str(payload["reference"])
