"""The one way a melding changes status: ``transition_signal``.

It checks the move against the table (``meldpunt.signals.transitions``), asks the packages that care
(``meldpunt.signals.events``: an open casus, a four-eyes approval), then writes the status change (reason
encrypted), tells the listeners (the reporter's notice) and writes exactly one audit entry, all in the
caller's transaction. ``TriageError`` and its kin are the refusals every handling package shares.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.vault.keys import FieldCipher, Keyring
from meldpunt.database import utcnow
from meldpunt.signals.events import approval_checking, status_changed, status_moving, track_changing
from meldpunt.signals.models import FINAL_STATUSES, Signal, SignalStatus, StatusChange, Track, handler_roles
from meldpunt.signals.transitions import Path, TransitionError, check_transition, track_after
from meldpunt.vault.service import ShreddedError, cipher_for, seal

REASON_MAX = 5_000
STALE_MESSAGE = "Iemand anders heeft deze melding net gewijzigd. Bekijk de nieuwe gegevens en probeer het opnieuw."


class TriageError(ValueError):
    """A refused action on a melding; the message is Dutch and shown to the user."""


class ReasonError(TransitionError):
    """The move is allowed but its reason is missing or too long (shown next to the reason field)."""


class StaleSignalError(TriageError):
    """The form was based on an older version of the signal (answer 409)."""

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)


def signal_cipher(session: Session, keyring: Keyring, signal: Signal) -> FieldCipher:
    """The signal's field cipher; ``TriageError`` when its content has been shredded."""
    try:
        return cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        raise TriageError(gettext("Deze melding is verwijderd; er kan niets meer aan worden toegevoegd.")) from None


def check_version(signal: Signal, expected_version: int | None) -> None:
    if expected_version is not None and signal.version_id != expected_version:
        raise StaleSignalError()


def flush_checked(session: Session) -> None:
    """Flush; a version conflict (someone else changed the signal meanwhile) becomes ``StaleSignalError``."""
    try:
        session.flush()
    except StaleDataError:
        raise StaleSignalError() from None


def handlers_of_track(session: Session, *, track: str) -> list[User]:
    """The enabled accounts that handle ``track`` (behandelaars), by name."""
    return list(session.scalars(
        select(User).where(User.role.in_(handler_roles(track)), User.is_enabled.is_(True)).order_by(User.name, User.id)
    ))


def responsible_handlers(session: Session, *, signal: Signal) -> list[User]:
    """Who is told about a signal: its assignee (while enabled and handling its track), else every handler of it."""
    assignee = signal.assignee
    if assignee is not None and assignee.is_enabled and assignee.role in handler_roles(signal.track):
        return [assignee]
    return handlers_of_track(session, track=signal.track)


def transition_signal(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    actor: Any,
    target: SignalStatus | str,
    path: Path | str,
    four_eyes: bool,
    reason: str | None = None,
    expected_version: int | None = None,
    approval: Any = None,
    audit_details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> StatusChange:
    """Move ``signal`` to ``target`` if the table allows it for ``actor`` on ``path``; refuse before changing anything.

    ``path`` is where the caller is (the status buttons, a forwarding, a case, the casusoverleg,
    or the completion of an approved request); ``four_eyes`` is the ``[security] four_eyes``
    setting: a row that carries four eyes is then taken only on the approval path, with the
    approved ``approval`` in hand (``meldpunt.approvals`` checks it covers this signal). A signal
    in an open case does not move on the status path (``meldpunt.cases`` refuses it).

    Writes the status change (reason encrypted), exactly one audit entry and, where
    the table says so, one outbox row for the reporter — all in the caller's transaction.
    """
    check_version(signal, expected_version)
    if signal.is_shredded:
        raise TriageError(gettext("Deze melding is verwijderd (bewaartermijn verstreken). De status kan niet meer veranderen."))
    transition = check_transition(signal.status, target, role=actor.role, track=signal.track, path=path,
                                  four_eyes=four_eyes)
    path = Path(path)
    if path == Path.APPROVAL:
        answers = approval_checking.send(signal, session=session, approval=approval)
        if approval is None or not any(answer is True for _receiver, answer in answers):
            raise TransitionError("Hiervoor is eerst akkoord van een collega nodig (vier ogen).")
    status_moving.send(signal, session=session, transition=transition, path=path)
    reason = (reason or "").strip() or None
    if transition.reason_required and not reason:
        raise ReasonError(gettext("Geef een reden op. Die wordt vertrouwelijk bewaard."))
    if reason and len(reason) > REASON_MAX:
        raise ReasonError(gettext("De reden is te lang (hoogstens %(maximum)s tekens).", maximum=REASON_MAX))
    cipher = signal_cipher(session, keyring, signal) if reason else None
    now = now or utcnow()
    source = signal.status
    change = StatusChange(
        signal_id=signal.id, from_status=source, to_status=transition.target.value, actor_id=actor.id, created_at=now
    )
    session.add(change)
    signal.status = transition.target.value
    new_track = track_after(transition, Track(signal.track)).value
    if new_track != signal.track:
        # e.g. cases: a signal leaving the regular track leaves its case (and the case its subjects).
        for _receiver, details in track_changing.send(signal, session=session, new_track=new_track):
            if details:
                audit_details = {**(audit_details or {}), **details}
    signal.track = new_track
    if source == SignalStatus.RECEIVED.value and signal.triaged_at is None:
        signal.triaged_at = now
    signal.closed_at = now if transition.target in FINAL_STATUSES else None
    flush_checked(session)  # assigns the change's id (needed for the reason's AAD) and checks the version
    if cipher is not None:
        seal(cipher, change, "reason", reason)
    status_changed.send(signal, session=session, transition=transition, change=change)
    details = {"from": source, "to": transition.target.value, "path": path.value,
               "notice": transition.notice is not None, "reason": reason is not None}
    if approval is not None:
        details["approval_id"] = approval.id
    details.update(audit_details or {})
    record(
        session,
        action="signal.transition",
        actor_id=actor.id,
        actor_label=actor.email,
        object_type="signal",
        object_id=signal.id,
        details=details,
    )
    flush_checked(session)
    return change
