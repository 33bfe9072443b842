"""Casus: create from signals, link and unlink signals and subjects, risk picture, interventions, closing.

Linking a signal moves it to "gekoppeld aan casus" through ``transition_signal`` on the
case path; "uit de casus halen" moves it back to "verrijking" and removes the link in the
same call. Closing a case (with four eyes when configured) closes its open signals too: on the
case path, or on the approval path once a second regisseur approved. A signal in an open
case moves on no other path than the case, the casusoverleg or a forwarding.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.cases.models import Case, CaseIntervention, CaseSignal, CaseStatus, CaseSubject, Intervention
from meldpunt.vault.keys import FieldCipher, Keyring
from meldpunt.database import utcnow
from meldpunt.i18n import N_
from meldpunt.approvals.models import Approval, ApprovalKind, ApprovalState
from meldpunt.approvals.service import register_kind
from meldpunt.auth.models import Role
from meldpunt.intake.models import Subject
from meldpunt.signals.events import status_moving, track_changing
from meldpunt.signals.models import FINAL_STATUSES, Signal, SignalStatus, Track
from meldpunt.signals.service import TriageError, transition_signal
from meldpunt.signals.transitions import Path, TransitionError, can_start
from meldpunt.vault.service import ShreddedError, cipher_for, create_data_key, seal, unseal

REFERENCE_PREFIX = "CA"
TEXT_MAX = 20_000
STALE_CASE_MESSAGE = "Iemand anders heeft deze casus net gewijzigd. Bekijk de nieuwe gegevens en probeer het opnieuw."


class CaseError(TriageError):
    """A refused case action (Dutch message)."""


class StaleCaseError(CaseError):
    def __init__(self) -> None:
        super().__init__(STALE_CASE_MESSAGE)


def _audit(session: Session, actor: User, action: str, case: Case, **details) -> None:
    record(session, action=action, actor_id=actor.id, actor_label=actor.email, object_type="case",
           object_id=case.id, details=details)


def _cipher(session: Session, keyring: Keyring, case: Case) -> FieldCipher:
    try:
        return cipher_for(session, keyring=keyring, data_key_id=case.data_key_id)
    except ShreddedError:
        raise CaseError(gettext("Deze casus is verwijderd.")) from None


def _require_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED.value:
        raise CaseError(gettext("Deze casus is afgesloten. Er kan niets meer aan veranderen."))


def check_case_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version_id != expected_version:
        raise StaleCaseError()


def _clean(value: str | None, what: str, *, required: bool, maximum: int = TEXT_MAX) -> str | None:
    value = (value or "").strip() or None
    if required and not value:
        raise CaseError(gettext("Vul %(what)s in.", what=gettext(what)))
    if value and len(value) > maximum:
        raise CaseError(gettext("Dit is te lang (hoogstens %(maximum)s tekens).", maximum=maximum))
    return value


def create_case(
    session: Session, *, keyring: Keyring, actor: User, title: str, signals: list[Signal] | None = None,
    phenomenon_code: str | None = None, now: datetime | None = None,
) -> Case:
    """A new case with its own data key, made from zero or more signals."""
    title = _clean(title, N_("een korte naam voor de casus"), required=True, maximum=200)
    now = now or utcnow()
    data_key, cipher = create_data_key(session, keyring=keyring)
    case = Case(id=uuid.uuid4(), ref_year=now.year, status=CaseStatus.OPEN.value, data_key_id=data_key.id,
                created_by_id=actor.id, created_at=now, phenomenon_code=phenomenon_code or None)
    seal(cipher, case, "title", title)
    for _attempt in range(5):
        current = session.scalar(select(func.max(Case.ref_seq)).where(Case.ref_year == now.year)) or 0
        case.ref_seq = current + 1
        case.reference = f"{REFERENCE_PREFIX}-{now.year}-{case.ref_seq:04d}"
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover
        raise CaseError(gettext("Het opslaan lukte niet door drukte. Probeer het nog een keer."))
    _audit(session, actor, "case.create", case, signals=len(signals or []))
    for signal in signals or []:
        add_signal_to_case(session, keyring=keyring, case=case, signal=signal, actor=actor)
    session.flush()
    return case


def add_signal_to_case(session: Session, *, keyring: Keyring, case: Case, signal: Signal, actor: User) -> CaseSignal:
    _require_open(case)
    if signal.track != Track.REGULAR.value:
        raise CaseError(gettext("Meldingen uit het integriteitstraject horen niet in een casus."))
    existing = session.scalar(select(CaseSignal).where(CaseSignal.signal_id == signal.id))
    if existing is not None:
        raise CaseError(gettext("Melding %(reference)s hoort al bij een casus.", reference=signal.reference))
    if not can_start(signal.status, SignalStatus.LINKED_TO_CASE, role=actor.role, track=signal.track, path=Path.CASE):
        raise CaseError(
            gettext("Melding %(reference)s kan nu niet aan een casus worden gekoppeld (status: %(status)s). "
                    "Neem hem eerst in behandeling.", reference=signal.reference, status=gettext(signal.status_enum.label))
        )
    # Linking carries no four eyes in the table: the setting does not matter here.
    transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.LINKED_TO_CASE,
                      path=Path.CASE, four_eyes=False, audit_details={"case_id": str(case.id)})
    link = CaseSignal(case_id=case.id, signal_id=signal.id, added_by_id=actor.id)
    session.add(link)
    case.updated_at = utcnow()
    session.flush()
    return link


def remove_signal_from_case(session: Session, *, keyring: Keyring, case: Case, signal: Signal, actor: User) -> None:
    """Uit de casus halen: the status move back to "verrijking" and the removal of the link, in one call.

    The status history gets its change, the audit trail one entry for the move and one for the
    case; the case forgets the signal's subjects. A signal that already left the flow
    (doorgezonden, afgesloten) or whose status no longer matches its link only loses the link.
    On the agenda or discussed, it comes off the agenda first (casusoverleg).
    """
    _require_open(case)
    link = session.get(CaseSignal, (case.id, signal.id))
    if link is None:
        raise CaseError(gettext("Deze melding hoort niet bij deze casus."))
    status = SignalStatus(signal.status)
    if status in (SignalStatus.ON_AGENDA, SignalStatus.DISCUSSED):
        raise CaseError(gettext("Melding %(reference)s staat op de agenda of is besproken; haal hem eerst van de agenda.",
                                reference=signal.reference))
    if status == SignalStatus.LINKED_TO_CASE:
        transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.ENRICHMENT,
                          path=Path.CASE, four_eyes=False, audit_details={"case_id": str(case.id), "unlinked": True})
    unlink_from_case(session, signal=signal)
    _audit(session, actor, "case.remove_signal", case, signal_id=str(signal.id), status=signal.status)
    case.updated_at = utcnow()
    session.flush()


def add_subject_to_case(session: Session, *, case: Case, subject: Subject, actor: User) -> CaseSubject:
    _require_open(case)
    if session.get(CaseSignal, (case.id, subject.signal_id)) is None:
        raise CaseError(gettext("Deze betrokkene komt uit een melding die niet bij deze casus hoort."))
    existing = session.get(CaseSubject, (case.id, subject.id))
    if existing is not None:
        return existing
    link = CaseSubject(case_id=case.id, subject_id=subject.id)
    session.add(link)
    _audit(session, actor, "case.add_subject", case, subject_id=str(subject.id))
    session.flush()
    return link


def remove_subject_from_case(session: Session, *, case: Case, subject_id: uuid.UUID, actor: User) -> None:
    _require_open(case)
    link = session.get(CaseSubject, (case.id, subject_id))
    if link is None:
        raise CaseError(gettext("Deze betrokkene hoort niet bij deze casus."))
    session.delete(link)
    _audit(session, actor, "case.remove_subject", case, subject_id=str(subject_id))
    session.flush()


def update_case(
    session: Session, *, keyring: Keyring, case: Case, actor: User, title: str, risk_picture: str | None,
    status: CaseStatus | str, expected_version: int | None = None,
) -> Case:
    """Title, risk picture (encrypted) and status open/monitoren (closing goes through ``close_case``)."""
    check_case_version(case, expected_version)
    _require_open(case)
    try:
        status = CaseStatus(status)
    except ValueError:
        raise CaseError(gettext("Kies een status.")) from None
    if status == CaseStatus.CLOSED:
        raise CaseError(gettext("Sluit een casus af met de knop ‘Casus afsluiten’."))
    title = _clean(title, N_("een korte naam voor de casus"), required=True, maximum=200)
    risk_picture = _clean(risk_picture, N_("het risicobeeld"), required=False)
    cipher = _cipher(session, keyring, case)
    seal(cipher, case, "title", title)
    seal(cipher, case, "risk_picture", risk_picture)
    previous = case.status
    case.status = status.value
    _audit(session, actor, "case.update", case, status_from=previous, status_to=status.value)
    _flush_case(session)
    return case


def _flush_case(session: Session) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    try:
        session.flush()
    except StaleDataError:
        raise StaleCaseError() from None


def add_intervention(session: Session, *, keyring: Keyring, case: Case, actor: User, kind: Intervention | str,
                     note: str | None) -> CaseIntervention:
    _require_open(case)
    try:
        kind = Intervention(kind)
    except ValueError:
        raise CaseError(gettext("Kies een interventie.")) from None
    note = _clean(note, N_("een toelichting"), required=False)
    item = CaseIntervention(id=uuid.uuid4(), case_id=case.id, kind=kind.value, created_by_id=actor.id)
    seal(_cipher(session, keyring, case), item, "note", note)
    session.add(item)
    _audit(session, actor, "case.add_intervention", case, intervention_id=str(item.id), kind=kind.value)
    session.flush()
    return item


def remove_intervention(session: Session, *, case: Case, intervention_id: uuid.UUID, actor: User) -> None:
    _require_open(case)
    item = session.get(CaseIntervention, intervention_id)
    if item is None or item.case_id != case.id:
        raise CaseError(gettext("Deze interventie hoort niet bij deze casus."))
    session.delete(item)
    _audit(session, actor, "case.remove_intervention", case, intervention_id=str(intervention_id), kind=item.kind)
    session.flush()


def close_case(session: Session, *, keyring: Keyring, case: Case, actor: User, reason: str, four_eyes: bool,
               expected_version: int | None = None) -> Approval | None:
    """Close now, or (four eyes) ask a second regisseur; returns the pending approval in that case."""
    check_case_version(case, expected_version)
    _require_open(case)
    reason = _clean(reason, N_("de reden van afsluiten"), required=True, maximum=5000)
    if pending_case_approval(session, case=case) is not None:
        raise CaseError(gettext("Voor deze casus wacht al een verzoek om af te sluiten op akkoord."))
    _check_signals_closable(case, actor)
    if four_eyes:
        approval = Approval(kind=ApprovalKind.CLOSE_CASE.value, case_id=case.id, requested_by_id=actor.id)
        session.add(approval)
        session.flush()
        seal(_cipher(session, keyring, case), approval, "reason", reason)
        _audit(session, actor, "approval.request", case, approval_id=approval.id, kind=approval.kind)
        session.flush()
        return approval
    _close(session, keyring=keyring, case=case, actor=actor, reason=reason, four_eyes=four_eyes)
    return None


def _signals_to_close(case: Case) -> list[Signal]:
    """The case's signals still in the flow; those that already left it (doorgezonden, afgesloten ...) stay as they are."""
    return [link.signal for link in case.links if SignalStatus(link.signal.status) not in FINAL_STATUSES]


def _check_signals_closable(case: Case, actor: User) -> None:
    for signal in _signals_to_close(case):
        if not can_start(signal.status, SignalStatus.CLOSED, role=actor.role, track=signal.track, path=Path.CASE):
            raise CaseError(gettext("Melding %(reference)s kan nu niet worden afgesloten (status: %(status)s).",
                                    reference=signal.reference, status=gettext(signal.status_enum.label)))


def _close(session: Session, *, keyring: Keyring, case: Case, actor: User, reason: str, four_eyes: bool,
           approval: Approval | None = None) -> None:
    """Close the case and its open signals: on the case path, or on the approval path with ``approval``."""
    _check_signals_closable(case, actor)
    for signal in _signals_to_close(case):
        transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.CLOSED,
                          path=Path.APPROVAL if approval is not None else Path.CASE, four_eyes=four_eyes,
                          approval=approval, reason=reason, audit_details={"case_id": str(case.id)})
    case.status = CaseStatus.CLOSED.value
    case.closed_at = utcnow()
    case.proposed_for_meeting_at = None
    details = {"signals": len(case.links)}
    if approval is not None:
        details["approval_id"] = approval.id
    _audit(session, actor, "case.close", case, **details)
    _flush_case(session)


def complete_case_closing(session: Session, *, keyring: Keyring, approval: Approval, actor: User,
                          approve: bool = True) -> None:
    """Called by ``meldpunt.approvals.service.decide_approval`` once a second regisseur decided."""
    if not approve:
        return
    case = session.get(Case, approval.case_id)
    reason = unseal(_cipher(session, keyring, case), approval, "reason")
    _close(session, keyring=keyring, case=case, actor=actor, reason=reason or "", four_eyes=True, approval=approval)


register_kind(ApprovalKind.CLOSE_CASE, complete=complete_case_closing, decider_roles={Role.REGISSEUR.value},
              covers=lambda session, approval, signal: session.get(CaseSignal, (approval.case_id, signal.id)) is not None)


def pending_case_approval(session: Session, *, case: Case) -> Approval | None:
    return session.scalar(
        select(Approval).where(Approval.case_id == case.id, Approval.state == ApprovalState.PENDING.value)
    )


# ---------------------------------------------------------------------------- a signal's casus, seen from the signal


def open_case_reference(session: Session, *, signal: Signal) -> str | None:
    """The reference of the open case this signal sits in, or None (closed cases do not count)."""
    return session.scalar(
        select(Case.reference).join(CaseSignal, CaseSignal.case_id == Case.id)
        .where(CaseSignal.signal_id == signal.id, Case.status != CaseStatus.CLOSED.value)
    )


def unlink_from_case(session: Session, *, signal: Signal) -> uuid.UUID | None:
    """Remove the signal's case link and the case's choice of its subjects; returns the case id (or None)."""
    link = session.scalar(select(CaseSignal).where(CaseSignal.signal_id == signal.id))
    if link is None:
        return None
    case_id = link.case_id
    subject_ids = select(Subject.id).where(Subject.signal_id == signal.id)
    for chosen in session.scalars(select(CaseSubject).where(CaseSubject.case_id == case_id,
                                                            CaseSubject.subject_id.in_(subject_ids))):
        session.delete(chosen)
    session.delete(link)
    return case_id


@status_moving.connect
def _no_status_buttons_inside_a_case(signal: Signal, *, session: Session, transition, path) -> None:
    """A signal in an open casus moves only through the casus, the casusoverleg or an approved request."""
    if path != Path.STATUS:
        return
    case_reference = open_case_reference(session, signal=signal)
    if case_reference is not None:
        raise TransitionError(gettext("Deze melding hoort bij casus %(case)s. Wat er verder met de melding gebeurt, "
                                      "gaat via de casus.", case=case_reference))


@track_changing.connect
def _leave_case_with_the_track(signal: Signal, *, session: Session, new_track: str) -> dict | None:
    """Cases are the regisseur's: a signal leaving the regular track leaves its case (and the case its subjects),
    or every regisseur would keep reading it on the case page."""
    left_case = unlink_from_case(session, signal=signal)
    return {"left_case_id": str(left_case)} if left_case is not None else None


def search_open_signals(session: Session, *, track: str, reference: str) -> Signal | None:
    """Find a signal of this track by its reference (for adding it to a case)."""
    reference = (reference or "").strip().upper()
    return session.scalar(select(Signal).where(Signal.reference == reference, Signal.track == track))


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class InterventionView:
    id: uuid.UUID
    kind: Intervention
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class CaseView:
    case: Case
    title: str
    risk_picture: str | None
    interventions: list[InterventionView]
    pending_approval: Approval | None
    close_reason: str | None = None


def read_case(session: Session, *, keyring: Keyring, case: Case) -> CaseView:
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=case.data_key_id)
    except ShreddedError:
        return CaseView(case, "Verwijderd", None, [], None)
    interventions = [InterventionView(i.id, i.kind_enum, unseal(cipher, i, "note"), i.created_at) for i in case.interventions]
    pending = pending_case_approval(session, case=case)
    return CaseView(case, unseal(cipher, case, "title") or "", unseal(cipher, case, "risk_picture"), interventions, pending,
                    unseal(cipher, pending, "reason") if pending else None)


def list_cases(session: Session, *, keyring: Keyring, include_closed: bool = False) -> list[tuple[Case, str, int]]:
    """(case, title, number of signals), newest first."""
    query = select(Case).order_by(Case.created_at.desc())
    if not include_closed:
        query = query.where(Case.status != CaseStatus.CLOSED.value)
    counts = dict(session.execute(select(CaseSignal.case_id, func.count()).group_by(CaseSignal.case_id)).all())
    result = []
    for case in session.scalars(query):
        try:
            title = unseal(cipher_for(session, keyring=keyring, data_key_id=case.data_key_id), case, "title") or ""
        except ShreddedError:
            title = "Verwijderd"
        result.append((case, title, counts.get(case.id, 0)))
    return result


def case_of_signal(session: Session, *, signal: Signal) -> Case | None:
    return session.scalar(select(Case).join(CaseSignal).where(CaseSignal.signal_id == signal.id))
