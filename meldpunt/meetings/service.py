"""Casusoverleg and LIO: plan meetings and their members, take proposals onto the agenda, order the agenda.

Every function takes keyword-only plain values and a session, raises ``MeetingError`` with a
Dutch message, writes an audit entry for each change and flushes; the view commits.
Accepting a proposal moves the linked signals to "geagendeerd" through the transition
table's meeting path (``transition_signal(path=Path.MEETING)``), in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.audit.service import record
from meldpunt.auth.models import Role, User
from meldpunt.cases.models import Case, CaseSignal, CaseStatus
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.i18n import N_
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.meetings.models import (
    DEFAULT_MEETING_TYPES,
    STANDING_KINDS,
    AgendaItem,
    AgendaItemPartner,
    ItemKind,
    Meeting,
    MeetingMember,
    MeetingSeries,
    MeetingState,
    MeetingType,
    Proposal,
    ProposalState,
)
from meldpunt.signals.service import TriageError, transition_signal
from meldpunt.signals.transitions import Path, can_start
from meldpunt.vault.service import ShreddedError, cipher_for, create_data_key, seal, unseal

QUESTION_MAX = 2000
ORGANISATION_MAX = 120


class MeetingError(TriageError):
    """A refused meeting action; the message is Dutch and safe to show."""


def _audit(session: Session, actor: User, action: str, obj_type: str, obj_id, **details) -> None:
    record(session, action=action, actor_id=actor.id, actor_label=actor.email, object_type=obj_type,
           object_id=obj_id, details=details)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone columns: they are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------- meeting types


def seed_meeting_types(session: Session) -> int:
    """Insert the default meeting types that are missing (idempotent). Returns how many were added."""
    existing = set(session.scalars(select(MeetingType.code)))
    added = 0
    for position, (code, name) in enumerate(DEFAULT_MEETING_TYPES):
        if code not in existing:
            session.add(MeetingType(code=code, name=name, position=position, is_active=True))
            added += 1
    session.flush()
    return added


def all_meeting_types(session: Session) -> list[MeetingType]:
    return list(session.scalars(select(MeetingType).order_by(MeetingType.position, MeetingType.name)))


def add_meeting_type(session: Session, *, actor: User, name: str) -> MeetingType:
    """The beheerder adds a meeting type (e.g. "Zorg- en veiligheidsoverleg")."""
    import re

    name = (name or "").strip()
    if not name or len(name) > 120:
        raise MeetingError(gettext("Vul een naam in (hoogstens 120 tekens)."))
    code = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "overleg"
    if session.scalar(select(MeetingType.id).where(func.lower(MeetingType.name) == name.lower())) is not None:
        raise MeetingError(gettext("Deze soort overleg bestaat al."))
    while session.scalar(select(MeetingType.id).where(MeetingType.code == code)) is not None:
        code = f"{code[:35]}_{uuid.uuid4().hex[:4]}"
    position = (session.scalar(select(func.max(MeetingType.position))) or 0) + 1
    meeting_type = MeetingType(code=code, name=name, position=position, is_active=True)
    session.add(meeting_type)
    session.flush()
    record(session, action="meeting_type.add", actor_id=actor.id, actor_label=actor.email, object_type="meeting_type",
           object_id=meeting_type.id)  # the name is typed by a person: not in the audit trail
    return meeting_type


def toggle_meeting_type(session: Session, *, actor: User, meeting_type: MeetingType) -> MeetingType:
    """Switch a type off (no new meetings of it; existing ones keep it) or on again."""
    meeting_type.is_active = not meeting_type.is_active
    record(session, action="meeting_type.toggle", actor_id=actor.id, actor_label=actor.email,
           object_type="meeting_type", object_id=meeting_type.id, details={"active": meeting_type.is_active})
    session.flush()
    return meeting_type


def active_meeting_types(session: Session) -> list[MeetingType]:
    return list(session.scalars(select(MeetingType).where(MeetingType.is_active.is_(True))
                                .order_by(MeetingType.position, MeetingType.name)))


# ---------------------------------------------------------------------------- meetings


def _check_place(location: str | None, video_url: str | None) -> tuple[str | None, str | None]:
    location = (location or "").strip() or None
    video_url = (video_url or "").strip() or None
    if not location and not video_url:
        raise MeetingError(gettext("Vul een plaats of een videolink in."))
    if location and len(location) > 200:
        raise MeetingError(gettext("De plaats is te lang (hoogstens 200 tekens)."))
    if video_url and (len(video_url) > 500 or not video_url.startswith("https://")):
        raise MeetingError(gettext("Een videolink begint met https:// (hoogstens 500 tekens)."))
    return location, video_url


def create_meeting(
    session: Session, *, keyring: Keyring, actor: User, type_id: int, starts_at: datetime, duration_minutes: int,
    location: str | None, video_url: str | None, interval_weeks: int | None = None,
) -> Meeting:
    """A new meeting chaired by ``actor``, in a new series (recurring when ``interval_weeks`` is set)."""
    if actor.role != Role.VOORZITTER.value:
        raise MeetingError(gettext("Alleen een voorzitter kan een overleg plannen."))
    meeting_type = session.get(MeetingType, type_id)
    if meeting_type is None or not meeting_type.is_active:
        raise MeetingError(gettext("Kies een soort overleg."))
    if interval_weeks is not None and not 1 <= interval_weeks <= 52:
        raise MeetingError(gettext("Kies om de hoeveel weken het overleg terugkomt (1 tot 52)."))
    if not 5 <= duration_minutes <= 600:
        raise MeetingError(gettext("De duur is tussen 5 en 600 minuten."))
    location, video_url = _check_place(location, video_url)
    series = MeetingSeries(id=uuid.uuid4(), type_id=meeting_type.id, chair_id=actor.id, interval_weeks=interval_weeks)
    session.add(series)
    meeting = _new_meeting(session, keyring=keyring, series=series, type_id=meeting_type.id, chair_id=actor.id,
                           starts_at=starts_at, duration_minutes=duration_minutes, location=location,
                           video_url=video_url)
    _audit(session, actor, "meeting.create", "meeting", meeting.id, type=meeting_type.code,
           recurring=interval_weeks is not None)
    session.flush()
    return meeting


def _new_meeting(session: Session, *, keyring: Keyring, series: MeetingSeries, type_id: int, chair_id: int,
                 starts_at: datetime, duration_minutes: int, location: str | None, video_url: str | None) -> Meeting:
    data_key, _cipher = create_data_key(session, keyring=keyring)
    meeting = Meeting(id=uuid.uuid4(), series=series, type_id=type_id, chair_id=chair_id,
                      starts_at=starts_at, duration_minutes=duration_minutes, location=location,
                      video_url=video_url, state=MeetingState.PLANNED.value, data_key_id=data_key.id)
    session.add(meeting)
    session.flush()
    return meeting


def update_meeting(
    session: Session, *, meeting: Meeting, actor: User, starts_at: datetime, duration_minutes: int,
    location: str | None, video_url: str | None,
) -> Meeting:
    _require_not_closed(meeting)
    if not 5 <= duration_minutes <= 600:
        raise MeetingError(gettext("De duur is tussen 5 en 600 minuten."))
    meeting.location, meeting.video_url = _check_place(location, video_url)
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    _audit(session, actor, "meeting.update", "meeting", meeting.id)
    session.flush()
    return meeting


def touch(meeting: Meeting) -> None:
    """Mark the meeting changed: packs made before this moment are made anew on download."""
    meeting.updated_at = utcnow()


def _require_not_closed(meeting: Meeting) -> None:
    if meeting.state == MeetingState.MINUTES_APPROVED.value:
        raise MeetingError(gettext("Het verslag van dit overleg is vastgesteld. Er kan niets meer aan veranderen."))


def add_member(session: Session, *, meeting: Meeting, actor: User, member: User, organisation: str,
               is_partner: bool) -> MeetingMember:
    """Add an account with the ``deelnemer`` role, with its organisation, as internal member or partner."""
    _require_not_closed(meeting)
    if member.role != Role.DEELNEMER.value or not member.is_enabled:
        raise MeetingError(gettext("Alleen een actief account met de rol ‘Deelnemer overleg’ kan lid worden."))
    organisation = (organisation or "").strip()
    if not organisation:
        raise MeetingError(gettext("Vul de organisatie van het lid in."))
    if len(organisation) > ORGANISATION_MAX:
        raise MeetingError(gettext("De naam van de organisatie is te lang (hoogstens %(maximum)s tekens).", maximum=ORGANISATION_MAX))
    if any(m.user_id == member.id for m in meeting.members):
        raise MeetingError(gettext("%(name)s is al lid van dit overleg.", name=member.name))
    row = MeetingMember(meeting_id=meeting.id, user_id=member.id, organisation=organisation, is_partner=is_partner)
    meeting.members.append(row)
    touch(meeting)
    _audit(session, actor, "meeting.add_member", "meeting", meeting.id, user_id=member.id, partner=is_partner)
    session.flush()
    return row


def remove_member(session: Session, *, meeting: Meeting, actor: User, user_id: int) -> None:
    _require_not_closed(meeting)
    row = next((m for m in meeting.members if m.user_id == user_id), None)
    if row is None:
        raise MeetingError(gettext("Deze persoon is geen lid van dit overleg."))
    meeting.members.remove(row)
    for item in meeting.items:
        item.partners[:] = [p for p in item.partners if p.user_id != user_id]
    touch(meeting)
    _audit(session, actor, "meeting.remove_member", "meeting", meeting.id, user_id=user_id)
    session.flush()


def candidate_members(session: Session, *, meeting: Meeting) -> list[User]:
    """Enabled ``deelnemer`` accounts that are not yet members."""
    current = {m.user_id for m in meeting.members}
    users = session.scalars(select(User).where(User.role == Role.DEELNEMER.value, User.is_enabled.is_(True))
                            .order_by(User.name))
    return [u for u in users if u.id not in current]


def next_in_series(session: Session, *, keyring: Keyring, meeting: Meeting, actor: User) -> Meeting:
    """The next meeting of a recurring series: same type, chair, place and members, ``interval_weeks`` later,
    with the afsprakenlijst as its first item.

    Returns the existing next meeting when there is one (so a double click makes one meeting).
    """
    series = meeting.series
    if series.interval_weeks is None:
        raise MeetingError(gettext("Dit overleg is eenmalig; er komt geen volgende in de reeks."))
    starts_at = as_utc(meeting.starts_at) + timedelta(weeks=series.interval_weeks)
    later = [m for m in series.meetings if as_utc(m.starts_at) > as_utc(meeting.starts_at)]
    if later:
        return later[0]
    nxt = _new_meeting(session, keyring=keyring, series=series, type_id=meeting.type_id, chair_id=meeting.chair_id,
                       starts_at=starts_at, duration_minutes=meeting.duration_minutes, location=meeting.location,
                       video_url=meeting.video_url)
    for member in meeting.members:
        nxt.members.append(MeetingMember(meeting_id=nxt.id, user_id=member.user_id,
                                         organisation=member.organisation, is_partner=member.is_partner))
    # The afsprakenlijst comes first on every next meeting: open actions of earlier meetings show there.
    nxt.items.append(AgendaItem(id=uuid.uuid4(), meeting_id=nxt.id, position=1, kind=ItemKind.ACTIONS.value,
                                minutes_reserved=10, pseudonymise=True))
    _audit(session, actor, "meeting.create", "meeting", nxt.id, type=meeting.type.code, recurring=True,
           previous_id=str(meeting.id))
    session.flush()
    return nxt


def meetings_of_chair(session: Session, *, chair: User) -> list[tuple[Meeting, int]]:
    """(meeting, number of members), newest first; one query."""
    from sqlalchemy.orm import joinedload

    members = (select(func.count()).select_from(MeetingMember).where(MeetingMember.meeting_id == Meeting.id)
               .correlate(Meeting).scalar_subquery())
    rows = session.execute(select(Meeting, members).options(joinedload(Meeting.type))
                           .where(Meeting.chair_id == chair.id).order_by(Meeting.starts_at.desc()))
    return [(m, n) for m, n in rows]


def meetings_of_member(session: Session, *, member: User) -> list[tuple[Meeting, MeetingMember]]:
    rows = session.execute(select(Meeting, MeetingMember).join(MeetingMember)
                           .where(MeetingMember.user_id == member.id).order_by(Meeting.starts_at.desc()))
    return [(m, mm) for m, mm in rows]


def upcoming_meetings(session: Session, *, now: datetime | None = None) -> list[Meeting]:
    """Meetings still open to proposals (planned, not yet held), soonest first: metadata only."""
    now = now or utcnow()
    return list(session.scalars(
        select(Meeting).where(Meeting.state.in_([MeetingState.PLANNED.value, MeetingState.AGENDA_SENT.value]),
                              Meeting.starts_at >= now - timedelta(days=1))
        .order_by(Meeting.starts_at)
    ))


# ---------------------------------------------------------------------------- proposals


def _key_owner_id(session: Session, proposal: Proposal):
    if proposal.case_id is not None:
        return session.get(Case, proposal.case_id).data_key_id
    return session.get(Signal, proposal.signal_id).data_key_id


def _proposal_cipher(session: Session, keyring: Keyring, proposal: Proposal):
    try:
        return cipher_for(session, keyring=keyring, data_key_id=_key_owner_id(session, proposal))
    except ShreddedError:
        raise MeetingError(gettext("De casus of melding van dit voorstel is verwijderd.")) from None


def _clean_text(value: str | None, what: str, *, maximum: int) -> str:
    value = (value or "").strip()
    if not value:
        raise MeetingError(gettext("Vul %(what)s in.", what=gettext(what)))
    if len(value) > maximum:
        raise MeetingError(gettext("Dit is te lang (hoogstens %(maximum)s tekens).", maximum=maximum))
    return value


def _signals_of(session: Session, proposal: Proposal) -> list[Signal]:
    if proposal.signal_id is not None:
        return [session.get(Signal, proposal.signal_id)]
    links = session.scalars(select(CaseSignal).where(CaseSignal.case_id == proposal.case_id))
    return [link.signal for link in links if link.signal.status == SignalStatus.LINKED_TO_CASE.value]


def propose(
    session: Session, *, keyring: Keyring, actor: User, meeting: Meeting, question: str,
    case: Case | None = None, signal: Signal | None = None,
) -> Proposal:
    """The regisseur proposes a casus (or one melding in a casus) for ``meeting`` with the question to answer."""
    if actor.role != Role.REGISSEUR.value:
        raise MeetingError(gettext("Alleen de regisseur stelt casussen voor."))
    if (case is None) == (signal is None):
        raise MeetingError(gettext("Kies een casus of een melding."))
    if meeting.state not in (MeetingState.PLANNED.value, MeetingState.AGENDA_SENT.value):
        raise MeetingError(gettext("Dit overleg is al gehouden. Kies een ander overleg."))
    question = _clean_text(question, N_("de vraag aan het overleg"), maximum=QUESTION_MAX)
    if case is not None:
        if case.status == CaseStatus.CLOSED.value:
            raise MeetingError(gettext("Deze casus is afgesloten."))
        if not any(link.signal.status == SignalStatus.LINKED_TO_CASE.value for link in case.links):
            raise MeetingError("Deze casus heeft geen melding die geagendeerd kan worden "
                               "(koppel eerst een melding, of een melding staat al op een agenda).")
    else:
        if signal.status != SignalStatus.LINKED_TO_CASE.value:
            raise MeetingError(gettext("Melding %(reference)s kan alleen op de agenda als hij aan een casus is "
                                       "gekoppeld en nog niet geagendeerd is.", reference=signal.reference))
    open_query = select(Proposal.id).where(Proposal.meeting_id == meeting.id,
                                           Proposal.state != ProposalState.RETURNED.value)
    open_query = open_query.where(Proposal.case_id == case.id) if case is not None else \
        open_query.where(Proposal.signal_id == signal.id)
    if session.scalar(open_query) is not None:
        raise MeetingError(gettext("Dit is al voorgesteld voor dit overleg."))
    proposal = Proposal(id=uuid.uuid4(), meeting_id=meeting.id, case_id=case.id if case else None,
                        signal_id=signal.id if signal else None, proposed_by_id=actor.id,
                        state=ProposalState.PROPOSED.value)
    session.add(proposal)
    session.flush()
    seal(_proposal_cipher(session, keyring, proposal), proposal, "question", question)
    if case is not None:
        case.proposed_for_meeting_at = utcnow()
    _audit(session, actor, "meeting.propose", "proposal", proposal.id, meeting_id=str(meeting.id),
           case_id=str(case.id) if case else None, signal_id=str(signal.id) if signal else None)
    session.flush()
    return proposal


def _next_position(meeting: Meeting) -> int:
    return max((i.position for i in meeting.items), default=0) + 1


def accept_proposal(session: Session, *, keyring: Keyring, actor: User, proposal: Proposal,
                    minutes_reserved: int = 15) -> AgendaItem:
    """Take a proposal onto its meeting's agenda: its signals move to "geagendeerd" on the meeting path."""
    if proposal.state != ProposalState.PROPOSED.value:
        raise MeetingError(gettext("Over dit voorstel is al besloten."))
    meeting = proposal.meeting
    _require_not_closed(meeting)
    signals = _signals_of(session, proposal)
    if not signals:
        raise MeetingError(gettext("Er is geen melding (meer) die op de agenda kan. Stuur het voorstel terug."))
    for signal in signals:
        if not can_start(signal.status, SignalStatus.ON_AGENDA, role=actor.role, track=signal.track, path=Path.MEETING):
            raise MeetingError(gettext("Melding %(reference)s kan nu niet op de agenda (status: %(status)s).",
                                       reference=signal.reference, status=gettext(signal.status_enum.label)))
    for signal in signals:
        transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.ON_AGENDA,
                          path=Path.MEETING, four_eyes=False,
                          audit_details={"meeting_id": str(meeting.id), "proposal_id": str(proposal.id)})
    proposal.state = ProposalState.ACCEPTED.value
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    item = AgendaItem(id=uuid.uuid4(), meeting_id=meeting.id, position=_next_position(meeting),
                      kind=(ItemKind.CASE if proposal.case_id else ItemKind.SIGNAL).value, proposal_id=proposal.id,
                      minutes_reserved=minutes_reserved, pseudonymise=True)
    meeting.items.append(item)
    touch(meeting)
    _audit(session, actor, "meeting.accept_proposal", "proposal", proposal.id, meeting_id=str(meeting.id),
           item_id=str(item.id), signals=len(signals))
    session.flush()
    return item


def return_proposal(session: Session, *, keyring: Keyring, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """Send a proposal back to the regisseur with a reason (encrypted under the case's or signal's key)."""
    if proposal.state != ProposalState.PROPOSED.value:
        raise MeetingError(gettext("Over dit voorstel is al besloten."))
    reason = _clean_text(reason, N_("de reden om terug te sturen"), maximum=QUESTION_MAX)
    seal(_proposal_cipher(session, keyring, proposal), proposal, "return_reason", reason)
    proposal.state = ProposalState.RETURNED.value
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    if proposal.case_id is not None:
        proposal.case.proposed_for_meeting_at = None
    _audit(session, actor, "meeting.return_proposal", "proposal", proposal.id, meeting_id=str(proposal.meeting_id))
    session.flush()
    return proposal


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    reference: str
    title: str
    question: str
    return_reason: str | None


def read_proposal(session: Session, *, keyring: Keyring, proposal: Proposal) -> ProposalView:
    """The proposal with its question decrypted; the case title or signal reference names the subject."""
    try:
        cipher = _proposal_cipher(session, keyring, proposal)
    except MeetingError:
        return ProposalView(proposal, "", "Verwijderd", "Verwijderd", None)
    if proposal.case_id is not None:
        reference, title = proposal.case.reference, unseal(cipher, proposal.case, "title") or ""
    else:
        reference, title = proposal.signal.reference, f"Melding {proposal.signal.reference}"
    return ProposalView(proposal, reference, title, unseal(cipher, proposal, "question") or "",
                        unseal(cipher, proposal, "return_reason"))


def proposals_for_chair(session: Session, *, chair: User, state: ProposalState = ProposalState.PROPOSED) -> list[Proposal]:
    return list(session.scalars(select(Proposal).join(Meeting).where(Meeting.chair_id == chair.id,
                                                                     Proposal.state == state.value)
                                .order_by(Meeting.starts_at, Proposal.created_at)))


def proposals_of_case(session: Session, *, case: Case) -> list[Proposal]:
    return list(session.scalars(select(Proposal).where(Proposal.case_id == case.id).order_by(Proposal.created_at.desc())))


# ---------------------------------------------------------------------------- agenda


def add_standing_item(session: Session, *, meeting: Meeting, actor: User, kind: ItemKind | str,
                      minutes_reserved: int = 10) -> AgendaItem:
    """A standing item ("fenomenen en trends", "mededelingen", the afsprakenlijst); at most one of each."""
    _require_not_closed(meeting)
    try:
        kind = ItemKind(kind)
    except ValueError:
        raise MeetingError(gettext("Kies een vast agendapunt.")) from None
    if kind not in STANDING_KINDS:
        raise MeetingError(gettext("Kies een vast agendapunt."))
    if any(i.kind == kind.value for i in meeting.items):
        raise MeetingError(gettext("‘%(item)s’ staat al op de agenda.", item=gettext(kind.label)))
    item = AgendaItem(id=uuid.uuid4(), meeting_id=meeting.id, position=_next_position(meeting), kind=kind.value,
                      minutes_reserved=minutes_reserved, pseudonymise=True)
    meeting.items.append(item)
    touch(meeting)
    _audit(session, actor, "meeting.add_item", "meeting", meeting.id, item_id=str(item.id), kind=kind.value)
    session.flush()
    return item


def move_item(session: Session, *, item: AgendaItem, actor: User, direction: str) -> None:
    """Omhoog / omlaag: swap with the neighbour (keyboard-operable buttons; no dragging needed)."""
    meeting = item.meeting
    _require_not_closed(meeting)
    items = sorted(meeting.items, key=lambda i: i.position)
    index = items.index(item)
    other_index = index - 1 if direction == "omhoog" else index + 1 if direction == "omlaag" else None
    if other_index is None:
        raise MeetingError(gettext("Kies omhoog of omlaag."))
    if not 0 <= other_index < len(items):
        return  # already first or last: nothing to do
    other = items[other_index]
    first, second = item.position, other.position
    # Two steps through a free position: the (meeting, position) constraint holds after every flush.
    item.position = max(i.position for i in items) + 1
    session.flush()
    other.position = first
    session.flush()
    item.position = second
    touch(meeting)
    _audit(session, actor, "meeting.move_item", "meeting", meeting.id, item_id=str(item.id), direction=direction)
    session.flush()


def update_item(session: Session, *, item: AgendaItem, actor: User, minutes_reserved: int, pseudonymise: bool,
                partner_ids: set[int]) -> AgendaItem:
    """Time reserved, subjects by name or pseudonymised, and which partners may see the item."""
    meeting = item.meeting
    _require_not_closed(meeting)
    if not 0 <= minutes_reserved <= 600:
        raise MeetingError(gettext("De tijd is tussen 0 en 600 minuten."))
    partners = {m.user_id for m in meeting.members if m.is_partner}
    if not partner_ids <= partners:
        raise MeetingError(gettext("Kies alleen partners die lid zijn van dit overleg."))
    item.minutes_reserved = minutes_reserved
    item.pseudonymise = pseudonymise
    if not item.is_standing:
        item.partners[:] = [p for p in item.partners if p.user_id in partner_ids]
        have = {p.user_id for p in item.partners}
        for user_id in sorted(partner_ids - have):
            item.partners.append(AgendaItemPartner(item_id=item.id, user_id=user_id))
    touch(meeting)
    _audit(session, actor, "meeting.update_item", "meeting", meeting.id, item_id=str(item.id),
           minutes=minutes_reserved, pseudonymise=pseudonymise, partners=sorted(partner_ids))
    session.flush()
    return item


def remove_item(session: Session, *, keyring: Keyring, item: AgendaItem, actor: User) -> None:
    """Van de agenda halen: signals back to "gekoppeld aan casus" (meeting path); the proposal returns to the list."""
    meeting = item.meeting
    _require_not_closed(meeting)
    proposal = item.proposal
    if proposal is not None:
        for signal in _proposal_signals_on_agenda(session, proposal):
            transition_signal(session, keyring=keyring, signal=signal, actor=actor,
                              target=SignalStatus.LINKED_TO_CASE, path=Path.MEETING, four_eyes=False,
                              audit_details={"meeting_id": str(meeting.id), "item_id": str(item.id)})
        proposal.state = ProposalState.PROPOSED.value
        proposal.decided_by_id = None
        proposal.decided_at = None
    meeting.items.remove(item)
    touch(meeting)
    _audit(session, actor, "meeting.remove_item", "meeting", meeting.id, item_id=str(item.id), kind=item.kind)
    session.flush()


def _proposal_signals_on_agenda(session: Session, proposal: Proposal) -> list[Signal]:
    if proposal.signal_id is not None:
        signals = [session.get(Signal, proposal.signal_id)]
    else:
        signals = [link.signal for link in session.scalars(select(CaseSignal).where(CaseSignal.case_id == proposal.case_id))]
    return [s for s in signals if s.status == SignalStatus.ON_AGENDA.value]


def proposal_count_for_chair(session: Session, *, chair: User) -> int:
    return session.scalar(select(func.count()).select_from(Proposal).join(Meeting)
                          .where(Meeting.chair_id == chair.id, Proposal.state == ProposalState.PROPOSED.value)) or 0


def read_item_title(session: Session, *, keyring: Keyring, item: AgendaItem) -> str:
    """What the agenda calls the item: the standing item's name, or "Casus CA-…: <name>" / "Melding MO-…"."""
    if item.is_standing or item.proposal is None:
        return item.kind_enum.label
    view = read_proposal(session, keyring=keyring, proposal=item.proposal)
    if item.proposal.case_id is not None:
        return f"Casus {view.reference}: {view.title}"
    return view.title
