"""During and after the meeting: attendance, decisions, actions (afspraken) and the minutes.

A decision moves the item's signals through the transition table's meeting path in the
caller's transaction: "geagendeerd" → "besproken" (the reporter gets the standard notice),
then the outcome: "afsluiten" → "afgesloten" (standard notice), "terug naar verrijking" →
"gekoppeld aan casus"; the other outcomes leave the signals "besproken" and the case open
(monitoren sets the case to monitoren). Nothing of the decision's content goes into a notice.
The motivation, the minutes, an action's description and result note are encrypted under
the meeting's own data key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import Session

from flask_babel import gettext

from meldpunt.i18n import N_
from meldpunt.auth.models import Role, User
from meldpunt.cases.models import Case, CaseSignal, CaseStatus
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.meetings.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgendaItem,
    Decision,
    DecisionKind,
    Instrument,
    ItemAttendee,
    Meeting,
    MeetingAction,
    MeetingState,
)
from meldpunt.meetings.service import MeetingError, _audit, _require_not_closed, touch
from meldpunt.signals.service import transition_signal
from meldpunt.signals.transitions import Path, TRANSITIONS, requires_approval
from meldpunt.vault.service import ShreddedError, cipher_for, seal, unseal

TEXT_MAX = 20_000
MOTIVATION_MAX = 4_000  # fits the reason of the status change it also becomes
DESCRIPTION_MAX = 2_000


def meeting_cipher(session: Session, *, keyring: Keyring, meeting: Meeting):
    try:
        return cipher_for(session, keyring=keyring, data_key_id=meeting.data_key_id)
    except ShreddedError:
        raise MeetingError(gettext("De gegevens van dit overleg zijn verwijderd.")) from None


def _text(value: str | None, what: str, *, required: bool, maximum: int) -> str | None:
    value = (value or "").strip() or None
    if required and not value:
        raise MeetingError(gettext("Vul %(what)s in.", what=gettext(what)))
    if value and len(value) > maximum:
        raise MeetingError(gettext("Dit is te lang (hoogstens %(maximum)s tekens).", maximum=maximum))
    return value


def _mark_held(meeting: Meeting) -> None:
    touch(meeting)
    if meeting.state in (MeetingState.PLANNED.value, MeetingState.AGENDA_SENT.value):
        meeting.state = MeetingState.HELD.value


# ---------------------------------------------------------------------------- attendance


def set_attendance(session: Session, *, item: AgendaItem, actor: User, user_ids: set[int]) -> None:
    """Aanwezig bij dit punt: a subset of the meeting's members."""
    meeting = item.meeting
    _require_not_closed(meeting)
    members = {m.user_id for m in meeting.members}
    if not user_ids <= members:
        raise MeetingError(gettext("Kies alleen leden van dit overleg."))
    existing = {a.user_id: a for a in session.scalars(select(ItemAttendee).where(ItemAttendee.item_id == item.id))}
    for user_id, row in existing.items():
        if user_id not in user_ids:
            session.delete(row)
    for user_id in sorted(user_ids - set(existing)):
        session.add(ItemAttendee(item_id=item.id, user_id=user_id))
    _mark_held(meeting)
    _audit(session, actor, "meeting.attendance", "meeting", meeting.id, item_id=str(item.id), present=len(user_ids))
    session.flush()


def attendees(session: Session, *, item: AgendaItem) -> set[int]:
    return set(session.scalars(select(ItemAttendee.user_id).where(ItemAttendee.item_id == item.id)))


# ---------------------------------------------------------------------------- decisions


def _item_signals(session: Session, item: AgendaItem) -> tuple[list[Signal], Case | None]:
    proposal = item.proposal
    if proposal is None:
        return [], None
    if proposal.signal_id is not None:
        signal = session.get(Signal, proposal.signal_id)
        link = session.scalar(select(CaseSignal).where(CaseSignal.signal_id == signal.id))
        return [signal], (link.case if link else None)
    case = session.get(Case, proposal.case_id)
    return [link.signal for link in case.links], case


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    moved: int  # signals moved to "besproken"
    closed: int  # signals closed now
    waits_for_four_eyes: bool  # "afsluiten" with four eyes on: the regisseur closes the case with a second person


def record_decision(
    session: Session, *, keyring: Keyring, actor: User, item: AgendaItem, kind: DecisionKind | str,
    instrument: Instrument | str | None, motivation: str, four_eyes: bool,
) -> DecisionResult:
    """Record the decision on a casus or melding item and move its signals on the meeting path."""
    meeting = item.meeting
    _require_not_closed(meeting)
    if item.is_standing:
        raise MeetingError(gettext("Bij een vast agendapunt hoort geen besluit. Leg afspraken vast als actie."))
    if session.scalar(select(Decision.id).where(Decision.item_id == item.id)) is not None:
        raise MeetingError(gettext("Over dit punt is al besloten."))
    try:
        kind = DecisionKind(kind)
    except ValueError:
        raise MeetingError(gettext("Kies een besluit.")) from None
    if kind == DecisionKind.ADMINISTRATIVE:
        try:
            instrument = Instrument(instrument or "")
        except ValueError:
            raise MeetingError(gettext("Kies welk bestuurlijk instrument.")) from None
    else:
        instrument = None
    motivation = _text(motivation, N_("een korte motivering"), required=True, maximum=MOTIVATION_MAX)
    signals, case = _item_signals(session, item)
    details = {"meeting_id": str(meeting.id), "item_id": str(item.id)}
    moved = closed = 0
    close_now = kind == DecisionKind.CLOSE and not requires_approval(
        TRANSITIONS[(SignalStatus.DISCUSSED, SignalStatus.CLOSED)], four_eyes=four_eyes)
    for signal in signals:
        if signal.status == SignalStatus.ON_AGENDA.value:
            transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.DISCUSSED,
                              path=Path.MEETING, four_eyes=four_eyes, audit_details=details)
            moved += 1
        if signal.status != SignalStatus.DISCUSSED.value:
            continue
        if kind == DecisionKind.BACK_TO_ENRICHMENT:
            transition_signal(session, keyring=keyring, signal=signal, actor=actor,
                              target=SignalStatus.LINKED_TO_CASE, path=Path.MEETING, four_eyes=four_eyes,
                              audit_details=details)
        elif close_now:
            # The reason stays with the handlers (encrypted under the signal's key); the reporter gets the
            # table's standard notice only.
            transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.CLOSED,
                              path=Path.MEETING, four_eyes=four_eyes, reason=f"Besluit {meeting.type.name}: {motivation}",
                              audit_details=details)
            closed += 1
    if case is not None and case.status != CaseStatus.CLOSED.value:
        if close_now and item.proposal.case_id is not None:
            case.status = CaseStatus.CLOSED.value
            case.closed_at = utcnow()
            _audit(session, actor, "case.close", "case", case.id, meeting_id=str(meeting.id), signals=closed)
        elif kind == DecisionKind.MONITOR:
            case.status = CaseStatus.MONITORING.value
            _audit(session, actor, "case.update", "case", case.id, status_to=CaseStatus.MONITORING.value,
                   meeting_id=str(meeting.id))
        case.proposed_for_meeting_at = None
    decision = Decision(id=uuid.uuid4(), item_id=item.id, kind=kind.value,
                        instrument=instrument.value if instrument else None, decided_by_id=actor.id)
    seal(meeting_cipher(session, keyring=keyring, meeting=meeting), decision, "motivation", motivation)
    session.add(decision)
    _mark_held(meeting)
    _audit(session, actor, "meeting.decision", "meeting", meeting.id, item_id=str(item.id), kind=kind.value,
           instrument=instrument.value if instrument else None, moved=moved, closed=closed)
    session.flush()
    return DecisionResult(decision, moved, closed, kind == DecisionKind.CLOSE and not close_now)


def decision_of(session: Session, *, item: AgendaItem) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.item_id == item.id))


# ---------------------------------------------------------------------------- actions


def add_action(
    session: Session, *, keyring: Keyring, actor: User, meeting: Meeting, item: AgendaItem | None,
    owner_user_id: int | None, owner_organisation: str | None, deadline: date, description: str,
) -> MeetingAction:
    """Een afspraak: owner (a member of the meeting, or an organisation), deadline and description."""
    _require_not_closed(meeting)
    if item is not None and item.meeting_id != meeting.id:
        raise MeetingError(gettext("Dit agendapunt hoort niet bij dit overleg."))
    owner_organisation = (owner_organisation or "").strip() or None
    if (owner_user_id is None) == (owner_organisation is None):
        raise MeetingError(gettext("Kies wie de actie uitvoert: een lid of een organisatie."))
    if owner_user_id is not None and owner_user_id not in {m.user_id for m in meeting.members}:
        raise MeetingError(gettext("Kies een lid van dit overleg als eigenaar."))
    if owner_organisation and len(owner_organisation) > 120:
        raise MeetingError(gettext("De naam van de organisatie is te lang (hoogstens 120 tekens)."))
    description = _text(description, N_("wat er moet gebeuren"), required=True, maximum=DESCRIPTION_MAX)
    action = MeetingAction(id=uuid.uuid4(), meeting_id=meeting.id, series_id=meeting.series_id,
                           item_id=item.id if item else None, owner_user_id=owner_user_id,
                           owner_organisation=owner_organisation, deadline=deadline,
                           status=ActionStatus.OPEN.value, created_by_id=actor.id)
    seal(meeting_cipher(session, keyring=keyring, meeting=meeting), action, "description", description)
    session.add(action)
    _mark_held(meeting)
    _audit(session, actor, "meeting.add_action", "meeting_action", action.id, meeting_id=str(meeting.id),
           owner_user_id=owner_user_id, deadline=deadline.isoformat())
    session.flush()
    return action


def may_update_action(user: User, action: MeetingAction) -> bool:
    """The chair of the meeting where it was agreed, or the member who owns it."""
    meeting = action.meeting
    if user.role == Role.VOORZITTER.value and meeting.chair_id == user.id:
        return True
    return user.role == Role.DEELNEMER.value and action.owner_user_id == user.id


def update_action(
    session: Session, *, keyring: Keyring, actor: User, action: MeetingAction, status: ActionStatus | str,
    result_note: str | None,
) -> MeetingAction:
    """Status (open, bezig, gereed, vervallen) and the result note; by the chair or the owner."""
    if not may_update_action(actor, action):
        raise MeetingError(gettext("Alleen de voorzitter of de eigenaar van de actie kan haar bijwerken."))
    try:
        status = ActionStatus(status)
    except ValueError:
        raise MeetingError(gettext("Kies een status.")) from None
    result_note = _text(result_note, N_("het resultaat"), required=status == ActionStatus.DONE, maximum=TEXT_MAX)
    previous = action.status
    action.status = status.value
    touch(action.meeting)
    if result_note is not None:
        seal(meeting_cipher(session, keyring=keyring, meeting=action.meeting), action, "result_note", result_note)
    _audit(session, actor, "meeting.update_action", "meeting_action", action.id, status_from=previous,
           status_to=status.value, note=result_note is not None)
    session.flush()
    return action


@dataclass(frozen=True)
class ActionView:
    action: MeetingAction
    description: str
    result_note: str | None
    owner_label: str
    overdue: bool


def read_action(session: Session, *, keyring: Keyring, action: MeetingAction, today: date | None = None,
                cipher=None) -> ActionView:
    today = today or utcnow().date()
    try:
        cipher = cipher or cipher_for(session, keyring=keyring, data_key_id=action.meeting.data_key_id)
        description, note = unseal(cipher, action, "description") or "", unseal(cipher, action, "result_note")
    except ShreddedError:
        description, note = "Verwijderd", None
    if action.owner_user_id is not None:
        member = next((m for m in action.meeting.members if m.user_id == action.owner_user_id), None)
        owner = f"{action.owner.name} ({member.organisation})" if member else action.owner.name
    else:
        owner = action.owner_organisation or ""
    return ActionView(action, description, note, owner, action.is_open and action.deadline < today)


def read_actions(session: Session, *, keyring: Keyring, actions: list[MeetingAction],
                 today: date | None = None) -> list[ActionView]:
    """``read_action`` for many actions: one data key unwrapped per meeting, not per action."""
    ciphers: dict = {}
    views = []
    for action in actions:
        if action.meeting_id not in ciphers:
            try:
                ciphers[action.meeting_id] = cipher_for(session, keyring=keyring, data_key_id=action.meeting.data_key_id)
            except ShreddedError:
                ciphers[action.meeting_id] = None
        cipher = ciphers[action.meeting_id]
        if cipher is None:
            views.append(ActionView(action, "Verwijderd", None, action.owner_organisation or "", False))
        else:
            views.append(read_action(session, keyring=keyring, action=action, today=today, cipher=cipher))
    return views


def _overdue_first():
    return sql_case((MeetingAction.status.in_(OPEN_ACTION_STATUSES), 0), else_=1)


def my_actions(session: Session, *, keyring: Keyring, user: User, today: date | None = None) -> list[ActionView]:
    """Mijn acties: open actions the user owns, overdue first (then by deadline); subjects of a
    pseudonymised item stay pseudonymised here too."""
    rows = session.scalars(select(MeetingAction).where(MeetingAction.owner_user_id == user.id,
                                                       MeetingAction.status.in_(OPEN_ACTION_STATUSES))
                           .order_by(MeetingAction.deadline, MeetingAction.created_at))
    from meldpunt.meetings.packs import pseudonymised_actions

    views = pseudonymised_actions(session, keyring=keyring, actions=list(rows), today=today)
    return sorted(views, key=lambda v: (not v.overdue, v.action.deadline))


def carried_actions(session: Session, *, meeting: Meeting) -> list[MeetingAction]:
    """The afsprakenlijst: open actions agreed in earlier meetings of the same series (until gereed/vervallen)."""
    return list(session.scalars(
        select(MeetingAction).join(Meeting, MeetingAction.meeting_id == Meeting.id)
        .where(MeetingAction.series_id == meeting.series_id, MeetingAction.status.in_(OPEN_ACTION_STATUSES),
               Meeting.starts_at < meeting.starts_at)
        .order_by(MeetingAction.deadline, MeetingAction.created_at)
    ))


def actions_of_meeting(session: Session, *, meeting: Meeting) -> list[MeetingAction]:
    return list(session.scalars(select(MeetingAction).where(MeetingAction.meeting_id == meeting.id)
                                .order_by(MeetingAction.created_at)))


SERIES_PAGE = 50


def series_actions(session: Session, *, series_id: uuid.UUID, status: str | None = None,
                   owner_user_id: int | None = None, overdue_only: bool = False, today: date | None = None,
                   page: int = 1, per_page: int = SERIES_PAGE) -> tuple[list[MeetingAction], int]:
    """The chair's overview of the actions of a series, with filters (status, owner, overdue): one page
    (open ones first, then by deadline) and the number that match."""
    from sqlalchemy import func
    from sqlalchemy.orm import joinedload, selectinload

    today = today or utcnow().date()
    conditions = [MeetingAction.series_id == series_id]
    if status:
        conditions.append(MeetingAction.status == status)
    if owner_user_id is not None:
        conditions.append(MeetingAction.owner_user_id == owner_user_id)
    if overdue_only:
        conditions += [MeetingAction.status.in_(OPEN_ACTION_STATUSES), MeetingAction.deadline < today]
    total = session.scalar(select(func.count()).select_from(MeetingAction).where(*conditions)) or 0
    rows = session.scalars(
        select(MeetingAction).where(*conditions)
        .options(selectinload(MeetingAction.meeting).selectinload(Meeting.members), joinedload(MeetingAction.owner))
        .order_by(_overdue_first(), MeetingAction.deadline, MeetingAction.created_at, MeetingAction.id)
        .limit(per_page).offset(max(page - 1, 0) * per_page)
    )
    return list(rows), total


# ---------------------------------------------------------------------------- minutes


def save_minutes(session: Session, *, keyring: Keyring, actor: User, meeting: Meeting, text: str) -> None:
    _require_not_closed(meeting)
    text = _text(text, N_("het verslag"), required=True, maximum=100_000)
    seal(meeting_cipher(session, keyring=keyring, meeting=meeting), meeting, "minutes", text)
    _mark_held(meeting)
    _audit(session, actor, "meeting.save_minutes", "meeting", meeting.id)
    session.flush()


def read_minutes(session: Session, *, keyring: Keyring, meeting: Meeting) -> str | None:
    try:
        return unseal(meeting_cipher(session, keyring=keyring, meeting=meeting), meeting, "minutes")
    except MeetingError:
        return "Verwijderd"


def may_approve_minutes(user: User, meeting: Meeting, *, four_eyes: bool) -> bool:
    """The chair approves; with four eyes on, a second person: an internal member, not the chair."""
    if four_eyes:
        member = next((m for m in meeting.members if m.user_id == user.id), None)
        return user.role == Role.DEELNEMER.value and member is not None and not member.is_partner
    return user.role == Role.VOORZITTER.value and meeting.chair_id == user.id


def approve_minutes(session: Session, *, actor: User, meeting: Meeting, four_eyes: bool,
                    now: datetime | None = None) -> None:
    """Vaststellen: the minutes are final; partners lose access to the items (their own actions stay)."""
    _require_not_closed(meeting)
    if meeting.minutes_ct is None:
        raise MeetingError(gettext("Schrijf eerst het verslag."))
    if not may_approve_minutes(actor, meeting, four_eyes=four_eyes):
        raise MeetingError("Vier ogen: een intern lid van het overleg (niet de voorzitter) stelt het verslag vast."
                           if four_eyes else "Alleen de voorzitter stelt het verslag vast.")
    meeting.state = MeetingState.MINUTES_APPROVED.value
    meeting.minutes_approved_at = now or utcnow()
    meeting.minutes_approved_by_id = actor.id
    _audit(session, actor, "meeting.approve_minutes", "meeting", meeting.id, four_eyes=four_eyes)
    session.flush()
