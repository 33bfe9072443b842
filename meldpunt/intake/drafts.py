"""The melden form kept server-side while the reporter checks it ("Controleer uw melding", issue 22 item 4).

The browser's session cookie holds only a random token. The row is keyed by a SHA-256 digest of the
token; the form's fields and the chosen files are encrypted (AES-GCM) under a key derived from the
token, so neither the row nor the app's keys alone open it. A draft lives an hour after it was last
saved; ``load_draft`` and ``save_draft`` purge the expired ones, and sending takes it (``take_draft``:
one ``DELETE … RETURNING`` inside the filing's transaction, so a filing that rolls back keeps it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from meldpunt.audit.service import record_anonymous
from meldpunt.database import utcnow
from meldpunt.intake.models import FilingKey, IntakeDraft
from meldpunt.intake.service import filing_key_digest
from meldpunt.vault.keys import CryptoError, FieldCipher

DRAFT_LIFETIME = timedelta(hours=1)
_ID_DOMAIN = b"meldpunt:intake-draft:id:v1\x00"
_KEY_DOMAIN = b"meldpunt:intake-draft:key:v1\x00"


@dataclass(frozen=True)
class Draft:
    """The form's fields as sent (name, value pairs, without the CSRF token) and the chosen files."""

    fields: list[tuple[str, str]]
    files: list[tuple[str, bytes]]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _row_id(token: str) -> str:
    return hashlib.sha256(_ID_DOMAIN + token.encode("ascii")).hexdigest()


def _cipher(token: str) -> FieldCipher:
    return FieldCipher(hmac.new(token.encode("ascii"), _KEY_DOMAIN, hashlib.sha256).digest())


def _valid(token: object) -> bool:
    return isinstance(token, str) and token.isascii() and 20 <= len(token) <= 100


def purge_expired_drafts(session: Session, *, now: datetime | None = None) -> int:
    result = session.execute(
        delete(IntakeDraft).where(IntakeDraft.expires_at < (now or utcnow())).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def save_draft(session: Session, *, token: str, draft: Draft, now: datetime | None = None) -> None:
    """Store (or replace) the draft of ``token``; it expires an hour from now.

    Audited without content and without the reporter, as an anonymous filing is (no actor, no origin,
    only the hour, chained after the hour), never with the draft's id or token. Also for a logged-in
    reporter: every filing now passes the check page (issue 22 item 4), seconds before the melding is
    filed under a pseudonym; an entry with the account and the exact time would link the two.
    """
    now = now or utcnow()
    purge_expired_drafts(session, now=now)
    row_id = _row_id(token)
    payload = json.dumps({
        "fields": draft.fields,
        "files": [[name, base64.b64encode(content).decode("ascii")] for name, content in draft.files],
    })
    sealed = _cipher(token).encrypt_text(payload, table=IntakeDraft.__tablename__, column="payload", row_id=row_id)
    # One upsert: a send of the same browser that takes the row meanwhile (another tab) cannot make it fail.
    # Core statements on the table here and in take_draft: the ORM's bulk path costs milliseconds.
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    drafts = IntakeDraft.__table__
    upsert = insert(drafts).values(id=row_id, payload_ct=sealed, expires_at=now + DRAFT_LIFETIME)
    session.execute(upsert.on_conflict_do_update(
        index_elements=[drafts.c.id],
        set_={"payload_ct": upsert.excluded.payload_ct, "expires_at": upsert.excluded.expires_at},
    ))
    details = {"files": len(draft.files)}
    record_anonymous(session, action="intake.draft_save", object_type="intake_draft", details=details, now=now)


def load_draft(session: Session, *, token: object, now: datetime | None = None) -> Draft | None:
    """The live draft of ``token``, or None (none, expired, or a token that opens nothing)."""
    purge_expired_drafts(session, now=now)
    if not isinstance(token, str) or not _valid(token):
        return None
    row = session.get(IntakeDraft, _row_id(token))
    if row is None:
        return None
    return _opened(token, row_id=row.id, sealed=row.payload_ct)


def take_draft(session: Session, *, token: object, now: datetime | None = None) -> Draft | None:
    """Load and delete the live draft of ``token`` in one statement (``DELETE … RETURNING``), for sending.

    It runs in the caller's transaction: the filing's commit makes it gone, a rollback (the filing was
    refused) keeps it. Two sends at once meet at the row: the second waits for the first to commit
    (PostgreSQL) and then takes nothing. Expired drafts are not purged here (the beat task does).
    """
    if not isinstance(token, str) or not _valid(token):
        return None
    row_id = _row_id(token)
    drafts = IntakeDraft.__table__
    sealed = session.execute(
        delete(drafts).where(drafts.c.id == row_id, drafts.c.expires_at >= (now or utcnow()))
        .returning(drafts.c.payload_ct)
    ).scalar()
    return None if sealed is None else _opened(token, row_id=row_id, sealed=sealed)


def _opened(token: str, *, row_id: str, sealed: bytes) -> Draft | None:
    try:
        payload = json.loads(_cipher(token).decrypt_text(
            sealed, table=IntakeDraft.__tablename__, column="payload", row_id=row_id))
    except (CryptoError, ValueError):
        return None
    return Draft(fields=[(str(k), str(v)) for k, v in payload["fields"]],
                 files=[(str(n), base64.b64decode(c)) for n, c in payload["files"]])


def sent_form(session: Session, *, filing_key: object) -> tuple[bool, uuid.UUID | None]:
    """Whether a form with this idempotency key was filed, and the melding it filed (named filings only).

    For a send whose draft is already gone (a double click on "Melding versturen"): the answer is then
    "al verstuurd", not "niet meer bewaard".
    """
    if not isinstance(filing_key, str) or not filing_key:
        return False, None
    row = session.execute(select(FilingKey.signal_id).where(FilingKey.id == filing_key_digest(filing_key))).first()
    return (row is not None), (row.signal_id if row is not None else None)


def delete_draft(session: Session, *, token: object) -> None:
    """Sent or abandoned: the draft and its files are gone."""
    if isinstance(token, str) and _valid(token):
        session.execute(delete(IntakeDraft).where(IntakeDraft.id == _row_id(token))
                        .execution_options(synchronize_session=False))
        session.flush()
