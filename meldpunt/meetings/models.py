"""Casusoverleg, LIO, ondermijningstafel: meetings, their members, proposals and agenda items.

A meeting belongs to a series (reeks); a one-off meeting is a series of one. A
recurring series (``interval_weeks``) makes the next meeting with the same chair
and members. Each meeting has its own data key: the minutes and what is said
about an item are encrypted under it, so a meeting can be shredded apart from
the signals and cases it discussed. A proposal's question is encrypted under the
key of what it proposes (the case, or the signal), as that content is.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, sql_in_list as _in, utcnow
from meldpunt.i18n import N_


#: The meeting types seeded for every installation (code, name); the beheerder keeps the list.
DEFAULT_MEETING_TYPES = (
    ("casusoverleg", "Casusoverleg"),
    ("lio", "LIO (lokaal informatieoverleg)"),
    ("ondermijningstafel", "Ondermijningstafel"),
)


class MeetingType(Base):
    """Soort overleg (casusoverleg, LIO, ondermijningstafel ...)."""

    __tablename__ = "meeting_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class MeetingState(enum.StrEnum):
    PLANNED = "gepland"
    AGENDA_SENT = "agenda_verzonden"
    HELD = "gehouden"
    MINUTES_APPROVED = "notulen_vastgesteld"

    @property
    def label(self) -> str:
        return {
            "gepland": N_("Gepland"),
            "agenda_verzonden": N_("Agenda verstuurd"),
            "gehouden": N_("Gehouden"),
            "notulen_vastgesteld": N_("Verslag vastgesteld"),
        }[self.value]


class MeetingSeries(Base):
    """Reeks: meetings of one type with the same chair; ``interval_weeks`` None means a one-off meeting."""

    __tablename__ = "meeting_series"
    __table_args__ = (CheckConstraint("interval_weeks IS NULL OR interval_weeks BETWEEN 1 AND 52",
                                      name="interval_sane"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id"))
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    interval_weeks: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    meetings: Mapped[list[Meeting]] = relationship(back_populates="series", order_by="Meeting.starts_at")


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(MeetingState)})", name="state_valid"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 600", name="duration_sane"),
        CheckConstraint("(state = 'notulen_vastgesteld') = (minutes_approved_at IS NOT NULL)",
                        name="approved_has_date"),
        Index("ix_meetings_chair_starts_at", "chair_id", "starts_at"),
        Index("ix_meetings_series_starts_at", "series_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"))
    type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id"))
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=120)
    location: Mapped[str | None] = mapped_column(String(200))
    video_url: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(30), default=MeetingState.PLANNED.value)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_keys.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    agenda_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    minutes_approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    minutes_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    minutes_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    series: Mapped[MeetingSeries] = relationship(back_populates="meetings")
    type: Mapped[MeetingType] = relationship()
    chair = relationship("User", foreign_keys=[chair_id])
    members: Mapped[list[MeetingMember]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingMember.added_at"
    )
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )

    @property
    def state_enum(self) -> MeetingState:
        return MeetingState(self.state)

    @property
    def title(self) -> str:
        """Metadata only (type and date), safe for lists, notices and invites."""
        return self.type.name


class MeetingMember(Base):
    """A member of one meeting: an account with the ``deelnemer`` role, its organisation, internal or partner.

    ``secrecy_confirmed_at``: when the member confirmed the geheimhoudingsverklaring for this meeting.
    """

    __tablename__ = "meeting_members"

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    organisation: Mapped[str] = mapped_column(String(120))
    is_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    secrecy_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    meeting: Mapped[Meeting] = relationship(back_populates="members")
    user = relationship("User")


class ProposalState(enum.StrEnum):
    PROPOSED = "voorgesteld"
    ACCEPTED = "geaccepteerd"
    RETURNED = "teruggestuurd"

    @property
    def label(self) -> str:
        return {"voorgesteld": N_("Voorgesteld"), "geaccepteerd": N_("Op de agenda"), "teruggestuurd": N_("Teruggestuurd")}[self.value]


class Proposal(Base):
    """The regisseur proposes a casus (or one melding) for a meeting, with the question the meeting must answer.

    ``question`` and the chair's ``return_reason`` are encrypted under the case's (or the signal's) data key.
    """

    __tablename__ = "meeting_proposals"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(ProposalState)})", name="state_valid"),
        CheckConstraint("(case_id IS NULL) <> (signal_id IS NULL)", name="case_or_signal"),
        CheckConstraint("(state = 'voorgesteld') = (decided_at IS NULL)", name="decided_iff_not_proposed"),
        Index("ix_meeting_proposals_meeting_state", "meeting_id", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    signal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=ProposalState.PROPOSED.value)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    question_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    return_reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    meeting: Mapped[Meeting] = relationship()
    case = relationship("Case")
    signal = relationship("Signal")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])

    @property
    def state_enum(self) -> ProposalState:
        return ProposalState(self.state)


class ItemKind(enum.StrEnum):
    CASE = "casus"
    SIGNAL = "melding"
    TRENDS = "fenomenen_trends"
    ANNOUNCEMENTS = "mededelingen"
    ACTIONS = "afsprakenlijst"

    @property
    def label(self) -> str:
        return ITEM_KIND_LABELS[self]


ITEM_KIND_LABELS = {
    ItemKind.CASE: N_("Casus"),
    ItemKind.SIGNAL: N_("Melding"),
    ItemKind.TRENDS: N_("Fenomenen en trends"),
    ItemKind.ANNOUNCEMENTS: N_("Mededelingen"),
    ItemKind.ACTIONS: N_("Afsprakenlijst"),
}

#: Standing items (vaste agendapunten): no case or signal; every member sees them.
STANDING_KINDS = frozenset({ItemKind.TRENDS, ItemKind.ANNOUNCEMENTS, ItemKind.ACTIONS})


class AgendaItem(Base):
    """One agenda item. Who may see it: every internal member, plus the partners listed in ``partners``.

    ``pseudonymise``: subjects appear as "Subject A", "Bedrijf 1" instead of by name.
    """

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(ItemKind)})", name="kind_valid"),
        CheckConstraint("minutes_reserved BETWEEN 0 AND 600", name="minutes_sane"),
        CheckConstraint("(kind IN ('casus', 'melding')) = (proposal_id IS NOT NULL)", name="subject_has_proposal"),
        UniqueConstraint("meeting_id", "position", name="position_unique"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meeting_proposals.id", ondelete="CASCADE"), unique=True
    )
    minutes_reserved: Mapped[int] = mapped_column(Integer, default=15)
    pseudonymise: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    proposal: Mapped[Proposal | None] = relationship()
    partners: Mapped[list[AgendaItemPartner]] = relationship(
        back_populates="item", cascade="all, delete-orphan"
    )

    @property
    def kind_enum(self) -> ItemKind:
        return ItemKind(self.kind)

    @property
    def is_standing(self) -> bool:
        return self.kind_enum in STANDING_KINDS


class AgendaItemPartner(Base):
    """A partner member invited to one item (need-to-know per item)."""

    __tablename__ = "agenda_item_partners"

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    item: Mapped[AgendaItem] = relationship(back_populates="partners")


class ItemAttendee(Base):
    """Aanwezig bij een agendapunt: the chair records per item which members were present."""

    __tablename__ = "agenda_item_attendees"

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class DecisionKind(enum.StrEnum):
    """Besluit van het overleg over een casus of melding."""

    ADMINISTRATIVE = "bestuurlijke_interventie"
    RIEC_CASE = "riec_casus"
    CRIMINAL = "strafrechtelijk"
    FISCAL = "fiscaal"
    MONITOR = "monitoren"
    BACK_TO_ENRICHMENT = "terug_naar_verrijking"
    CLOSE = "afsluiten"

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]


DECISION_LABELS = {
    DecisionKind.ADMINISTRATIVE: N_("Bestuurlijke interventie"),
    DecisionKind.RIEC_CASE: N_("RIEC-casus"),
    DecisionKind.CRIMINAL: N_("Strafrechtelijk via politie/OM"),
    DecisionKind.FISCAL: N_("Fiscaal (Belastingdienst)"),
    DecisionKind.MONITOR: N_("Monitoren"),
    DecisionKind.BACK_TO_ENRICHMENT: N_("Terug naar verrijking"),
    DecisionKind.CLOSE: N_("Afsluiten"),
}


class Instrument(enum.StrEnum):
    """Which bestuurlijk instrument (only with a bestuurlijke interventie)."""

    BIBOB = "bibob_toets"
    CLOSURE_13B = "13b_sluiting"
    PENALTY = "last_onder_dwangsom"
    REVOKE_PERMIT = "intrekking_vergunning"
    INTEGRATED_CHECK = "integrale_controle"

    @property
    def label(self) -> str:
        return INSTRUMENT_LABELS[self]


INSTRUMENT_LABELS = {
    Instrument.BIBOB: N_("Bibob-toets"),
    Instrument.CLOSURE_13B: N_("13b-sluiting"),
    Instrument.PENALTY: N_("Last onder dwangsom"),
    Instrument.REVOKE_PERMIT: N_("Intrekking vergunning"),
    Instrument.INTEGRATED_CHECK: N_("Integrale controle"),
}


class Decision(Base):
    """The meeting's decision on one agenda item; the motivation is encrypted under the meeting's key."""

    __tablename__ = "meeting_decisions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(DecisionKind)})", name="kind_valid"),
        CheckConstraint(f"instrument IS NULL OR instrument IN ({_in(Instrument)})", name="instrument_valid"),
        CheckConstraint("(kind = 'bestuurlijke_interventie') = (instrument IS NOT NULL)",
                        name="instrument_iff_administrative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    instrument: Mapped[str | None] = mapped_column(String(30))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    motivation_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    item: Mapped[AgendaItem] = relationship()

    @property
    def kind_enum(self) -> DecisionKind:
        return DecisionKind(self.kind)


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    BUSY = "bezig"
    DONE = "gereed"
    LAPSED = "vervallen"

    @property
    def label(self) -> str:
        return {"open": N_("Open"), "bezig": N_("Bezig"), "gereed": N_("Gereed"), "vervallen": N_("Vervallen")}[self.value]


#: Actions that still need work: they stay on the afsprakenlijst of the series' next meetings.
OPEN_ACTION_STATUSES = (ActionStatus.OPEN.value, ActionStatus.BUSY.value)


class MeetingAction(Base):
    """Actie (afspraak): owner (a member, or an organisation), deadline, status and a result note.

    Description and result note are encrypted under the key of the meeting where it was agreed.
    """

    __tablename__ = "meeting_actions"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(ActionStatus)})", name="status_valid"),
        CheckConstraint("(owner_user_id IS NULL) <> (owner_organisation IS NULL)", name="one_owner"),
        Index("ix_meeting_actions_series_status", "series_id", "status"),
        Index("ix_meeting_actions_owner_status_deadline", "owner_user_id", "status", "deadline"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_organisation: Mapped[str | None] = mapped_column(String(120))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN.value)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    description_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    result_note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    meeting: Mapped[Meeting] = relationship()
    item: Mapped[AgendaItem | None] = relationship()
    owner = relationship("User", foreign_keys=[owner_user_id])

    @property
    def status_enum(self) -> ActionStatus:
        return ActionStatus(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES


class PackState(enum.StrEnum):
    WAITING = "wacht"
    READY = "klaar"
    FAILED = "mislukt"


class MeetingPack(Base):
    """One member's agenda pack as PDF, made by the Celery task after the agenda is sent.

    The PDF (watermarked for that member) is encrypted under the meeting's key. It is served only while
    it is newer than the last change to the meeting and the minutes are not approved; otherwise the
    pack is made anew on download.
    """

    __tablename__ = "meeting_packs"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(PackState)})", name="state_valid"),
        CheckConstraint("(state = 'klaar') = (pdf_ct IS NOT NULL)", name="ready_has_pdf"),
        UniqueConstraint("meeting_id", "user_id", name="one_per_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default=PackState.WAITING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    made_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pdf_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
