"""Triage of one melding: assignment, the audited "toon melder" and the history a handler reads.

The queue is in ``queue.py``, enrichment notes in ``enrichment.py``, forwarding in ``forwarding.py``; status
moves go through ``meldpunt.signals.service.transition_signal``. Every mutation checks first, then changes,
then writes its audit entry in the caller's transaction; the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.vault.keys import Keyring
from meldpunt.signals.models import Signal, SignalStatus, StatusChange
from meldpunt.signals.service import (
    TriageError,
    check_version,
    flush_checked,
    handlers_of_track,
)
from meldpunt.vault.service import ShreddedError, cipher_for, field_reader, unseal

# ---------------------------------------------------------------------------- assignment


def assign_signal(
    session: Session, *, signal: Signal, actor: User, assignee_id: int | None, expected_version: int | None = None
) -> Signal:
    """Give the signal to a colleague of the same track (or to nobody)."""
    check_version(signal, expected_version)
    if assignee_id is not None:
        allowed = {u.id for u in handlers_of_track(session, track=signal.track)}
        if assignee_id not in allowed:
            raise TriageError(gettext("Kies een collega die deze meldingen mag behandelen."))
    previous = signal.assignee_id
    signal.assignee_id = assignee_id
    record(
        session,
        action="signal.assign",
        actor_id=actor.id,
        actor_label=actor.email,
        object_type="signal",
        object_id=signal.id,
        details={"from": previous, "to": assignee_id},
    )
    flush_checked(session)
    return signal


# ---------------------------------------------------------------------------- reporter identity

#: Audit action of every time a handler has the reporter's identity shown ("Toon melder").
REPORTER_IDENTITY_VIEW = "signal.reporter_identity.view"


@dataclass(frozen=True)
class ReporterIdentity:
    name: str
    email: str
    contact: str | None  # how the reporter wants to hear back (encrypted with the signal)


def reporter_erased_text(erased_at: datetime) -> str:
    """What the handler reads about a melding whose reporter's identity was erased (AVG): plain, and never
    suggesting the melding was filed anonymously."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    if erased_at.tzinfo is None:  # SQLite returns naive UTC
        erased_at = erased_at.replace(tzinfo=timezone.utc)
    from meldpunt.i18n import current_language

    day = format_date(erased_at.astimezone(ZoneInfo("Europe/Amsterdam")).date(), "d MMMM y", locale=current_language())
    return gettext("De melder heeft deze melding met naam gedaan. Op %(day)s is de identiteit van de melder gewist "
                   "na een verzoek onder de AVG. Wie de melder was, is daarom niet meer te zien.", day=day)


def reveal_reporter_identity(
    session: Session, *, keyring: Keyring, signal: Signal, actor: User, origin: str = ""
) -> ReporterIdentity:
    """Who filed ``signal``, for a handler of its track only; audited as a read of identity.

    The handler's page shows "Melder met naam" until the handler asks for this. Refused with a
    Dutch ``TriageError`` for an anonymous or shredded signal. The audit entry names the signal
    and the handler, never the reporter.
    """
    from meldpunt.policy import Action, can

    if not can(actor, Action.VIEW_REPORTER_IDENTITY, signal):
        raise TriageError(gettext("U mag niet zien wie deze melding deed."))
    if signal.reporter_erased_at is not None:
        raise TriageError(reporter_erased_text(signal.reporter_erased_at))
    if signal.is_anonymous or signal.reporter is None:
        raise TriageError(gettext("Deze melding is anoniem gedaan. Er is geen melder om te tonen."))
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        raise TriageError(gettext("Deze melding is verwijderd. Wie de melder was, wordt niet meer getoond.")) from None
    identity = ReporterIdentity(signal.reporter.name, signal.reporter.email, unseal(cipher, signal, "contact"))
    record(
        session,
        action=REPORTER_IDENTITY_VIEW,
        actor_id=actor.id,
        actor_label=actor.email,
        object_type="signal",
        object_id=signal.id,
        origin=origin,
    )
    session.flush()
    return identity


# ---------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryItem:
    """A status change, or (``to_status`` None, ``note`` set) a re-classification or checklist step."""

    created_at: datetime
    from_status: SignalStatus | None
    to_status: SignalStatus | None
    actor: str
    reason: str | None
    note: str | None = None


def signal_history(session: Session, *, keyring: Keyring, signal: Signal) -> list[HistoryItem]:
    rows = session.scalars(
        select(StatusChange).options(joinedload(StatusChange.actor))
        .where(StatusChange.signal_id == signal.id).order_by(StatusChange.created_at, StatusChange.id)
    ).all()
    read = field_reader(session, keyring=keyring, data_key_id=signal.data_key_id)
    items = []
    for row in rows:
        reason = read(row, "reason")
        items.append(HistoryItem(row.created_at, SignalStatus(row.from_status) if row.from_status else None,
                                 SignalStatus(row.to_status), row.actor.name if row.actor else "Systeem", reason))
    from meldpunt.triage.classification import classification_history

    items += [HistoryItem(c.created_at, None, None, c.actor, None, note=c.text)
              for c in classification_history(session, signal=signal)]
    items.sort(key=lambda item: _aware(item.created_at))
    return items


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
