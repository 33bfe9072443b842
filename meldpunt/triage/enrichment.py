"""Enrichment (verrijken): the regisseur's notes on a melding, with the register consulted and the legal basis.

Each note is sealed under the signal's data key and audited in the caller's transaction; the view commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.i18n import N_
from meldpunt.signals.models import Signal
from meldpunt.triage.models import EnrichmentNote, Register
from meldpunt.signals.service import (
    TriageError,
    signal_cipher,
)
from meldpunt.vault.service import field_reader, seal

NOTE_MAX = 20_000


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    register: Register
    consulted_on: date
    author: str
    created_at: datetime
    source: str | None
    legal_basis: str | None
    content: str | None


def checked_text(value: str | None, name: str, *, required: bool = True, maximum: int = NOTE_MAX) -> str | None:
    value = (value or "").strip() or None
    if required and not value:
        raise TriageError(gettext("Vul %(what)s in.", what=gettext(name)))
    if value and len(value) > maximum:
        text = gettext(name)
        raise TriageError(gettext("%(what)s is te lang (hoogstens %(maximum)s tekens).",
                                  what=text[:1].upper() + text[1:], maximum=maximum))
    return value


def add_enrichment_note(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    actor: User,
    register: Register | str,
    consulted_on: date,
    source: str,
    legal_basis: str,
    content: str,
) -> EnrichmentNote:
    """One note per register consulted, with source, date and doelbinding; all text encrypted."""
    try:
        register = Register(register)
    except ValueError:
        raise TriageError(gettext("Kies het register dat u heeft geraadpleegd.")) from None
    source = checked_text(source, N_("de bron"), maximum=500)
    legal_basis = checked_text(legal_basis, N_("de grondslag (doelbinding)"), maximum=1000)
    content = checked_text(content, N_("wat u heeft gevonden"))
    if consulted_on > utcnow().date():
        raise TriageError(gettext("De datum van raadplegen kan niet in de toekomst liggen."))
    cipher = signal_cipher(session, keyring, signal)
    note = EnrichmentNote(
        id=uuid.uuid4(), signal_id=signal.id, register=register.value, consulted_on=consulted_on, author_id=actor.id
    )
    seal(cipher, note, "source", source)
    seal(cipher, note, "legal_basis", legal_basis)
    seal(cipher, note, "content", content)
    session.add(note)
    record(
        session,
        action="signal.enrich",
        actor_id=actor.id,
        actor_label=actor.email,
        object_type="signal",
        object_id=signal.id,
        details={"note_id": str(note.id), "register": register.value},
    )
    session.flush()
    return note


def enrichment_notes(session: Session, *, keyring: Keyring, signal: Signal) -> list[NoteView]:
    notes = session.scalars(
        select(EnrichmentNote).options(joinedload(EnrichmentNote.author))
        .where(EnrichmentNote.signal_id == signal.id).order_by(EnrichmentNote.consulted_on, EnrichmentNote.created_at)
    ).all()
    _open = field_reader(session, keyring=keyring, data_key_id=signal.data_key_id)

    return [
        NoteView(n.id, Register(n.register), n.consulted_on, n.author.name if n.author else "—", n.created_at,
                 _open(n, "source"), _open(n, "legal_basis"), _open(n, "content"))
        for n in notes
    ]
