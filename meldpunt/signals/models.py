"""The melding at the core: ``Signal``, its status (``SignalStatus``), its track, its phenomena and its history.

Every package that handles signals (intake, triage, cases, meetings, feedback, the vault, retention and
reports) builds on these; this package imports none of them. The allowed status moves are in
``meldpunt.signals.transitions``, the one function that makes a move in ``meldpunt.signals.service``.

Every ``*_ct`` column holds AES-GCM ciphertext under the signal's data key (see ``meldpunt.vault``);
status, dates and taxonomy codes stay plaintext so queues and statistics work without decrypting.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

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
    and_,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from meldpunt.auth.models import Role
from meldpunt.database import Base, sql_in_list, utcnow
from meldpunt.i18n import N_

if TYPE_CHECKING:  # the other side of the relationships (resolved by name at mapper set-up)
    from meldpunt.intake.models import Attachment, Message, Subject


class SignalStatus(enum.StrEnum):
    """The statuses of a melding (docs/glossary.md); the allowed moves are in ``meldpunt.signals.transitions``."""

    RECEIVED = "ontvangen"
    IN_PROGRESS = "in_behandeling"
    ENRICHMENT = "verrijking"
    LINKED_TO_CASE = "gekoppeld_aan_casus"
    ON_AGENDA = "geagendeerd"
    DISCUSSED = "besproken"
    CLOSED = "afgesloten"
    NOT_ADMISSIBLE = "niet_ontvankelijk"
    FORWARDED = "doorgezonden"
    TO_INTEGRITY = "integriteitstraject"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        """An exit status (afgesloten, niet ontvankelijk, doorgezonden, integriteitstraject): the work is done."""
        return self in FINAL_STATUSES


#: Plain Dutch (B1) for the reporter and the queue.
STATUS_LABELS = {
    SignalStatus.RECEIVED: N_("Ontvangen"),
    SignalStatus.IN_PROGRESS: N_("In behandeling"),
    SignalStatus.ENRICHMENT: N_("Wordt uitgezocht"),
    SignalStatus.LINKED_TO_CASE: N_("Onderdeel van een casus"),
    SignalStatus.ON_AGENDA: N_("Geagendeerd voor overleg"),
    SignalStatus.DISCUSSED: N_("Besproken in overleg"),
    SignalStatus.CLOSED: N_("Afgesloten"),
    SignalStatus.NOT_ADMISSIBLE: N_("Niet in behandeling genomen"),
    SignalStatus.FORWARDED: N_("Doorgezonden naar bevoegde instantie"),
    SignalStatus.TO_INTEGRITY: N_("Overgedragen aan integriteitstraject"),
}


class Track(enum.StrEnum):
    REGULAR = "regulier"  # to the OOV-regisseur
    INTEGRITY = "integriteit"  # about a colleague: to the integriteitscoördinator



#: The exit statuses: nothing more happens to the melding (its queue, reminders and lead times stop).
FINAL_STATUSES = frozenset({SignalStatus.CLOSED, SignalStatus.NOT_ADMISSIBLE, SignalStatus.FORWARDED,
                            SignalStatus.TO_INTEGRITY})


#: Which track a role works on (werkt op), defined once: a handler (regisseur, integriteitscoördinator) reads and
#: decides on the signals of its track; the voorzitter moves regular signals in the casusoverleg. Roles not
#: listed here move no signal and read no signal content.
HANDLER_TRACKS: dict[str, str] = {Role.REGISSEUR.value: Track.REGULAR.value, Role.INTEGRITEIT.value: Track.INTEGRITY.value}
ROLE_TRACKS: dict[str, frozenset[str]] = {
    **{role: frozenset({track}) for role, track in HANDLER_TRACKS.items()},
    Role.VOORZITTER.value: frozenset({Track.REGULAR.value}),
}


def handler_track(user: Any) -> str | None:
    """The track whose signals ``user`` handles (``regulier``, ``integriteit``), or None for every other role."""
    return HANDLER_TRACKS.get(getattr(user, "role", None) or "")


def handler_roles(track: str) -> list[str]:
    """The roles that handle the signals of ``track``."""
    return [role for role, handled in HANDLER_TRACKS.items() if handled == track]


#: Reference series per track at filing time: each series numbers per year without gaps
#: (``MO-2026-0001``, ``MI-2026-0001``), so the regular series shows nothing of integrity filings.
#: A signal that later changes track keeps its reference.
REFERENCE_SERIES = {Track.REGULAR.value: "MO", Track.INTEGRITY.value: "MI"}


class ReferenceCounter(Base):
    """The last number given in one reference series and year (the 42 of MO-2026-0042; kenmerkteller).

    One row per series and year, moved on by ``meldpunt.intake.service.next_reference_number`` in the
    filing's own transaction: the row is the lock between two filers of the same series (a rolled-back
    filing gives its number back), and never falls behind the signals table.
    """

    __tablename__ = "reference_counters"
    __table_args__ = (CheckConstraint("series IN ('MO', 'MI')", name="series_valid"),)

    series: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class Signal(Base):
    """A melding. ``reporter_id`` is NULL for anonymous reports, which also keep no request metadata."""

    __tablename__ = "signals"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in_list(SignalStatus)})", name="status_valid"),
        CheckConstraint(f"track IN ({sql_in_list(Track)})", name="track_valid"),
        CheckConstraint("NOT is_anonymous OR reporter_id IS NULL", name="anonymous_has_no_reporter"),
        CheckConstraint("(receipt_digest IS NULL) OR is_anonymous", name="receipt_only_anonymous"),
        CheckConstraint("ref_series IN ('MO', 'MI')", name="ref_series_valid"),
        UniqueConstraint("ref_series", "ref_year", "ref_seq", name="uq_signals_ref_series_ref_year_ref_seq"),
        Index("ix_signals_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    #: "MO" (filed on the regular track) or "MI" (filed on the integrity track); see REFERENCE_SERIES.
    ref_series: Mapped[str] = mapped_column(String(2), default="MO", server_default="MO")
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30), default=SignalStatus.RECEIVED.value)
    track: Mapped[str] = mapped_column(String(20), default=Track.REGULAR.value)
    channel: Mapped[str] = mapped_column(String(60), default="intern_formulier")
    phenomenon_code: Mapped[str | None] = mapped_column(String(60), index=True)
    process_code: Mapped[str | None] = mapped_column(String(60), index=True)
    location_type_code: Mapped[str | None] = mapped_column(String(60))
    #: The area (gebied): the four digits of the postcode (PC4), never a street or number. Plaintext metadata for
    #: the ondermijningsbeeld's areas, where it is suppressed like every count (docs/reports.md).
    area_code: Mapped[str | None] = mapped_column(String(4), index=True)
    department_code: Mapped[str | None] = mapped_column(String(60), index=True)
    #: "Wie werd benaderd?" and "hoe?" (codes of APPROACHED_LABELS / APPROACH_LABELS): metadata, not content.
    approached_code: Mapped[str | None] = mapped_column(String(30))
    approach_code: Mapped[str | None] = mapped_column(String(30))
    #: For a signal a handler registered (phone, e-mail, letter, ...): the day it came in.
    received_on: Mapped[date | None] = mapped_column(Date)
    certainty: Mapped[str | None] = mapped_column(String(20))
    feels_unsafe: Mapped[bool] = mapped_column(Boolean, default=False)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: "<index key id>:<hex HMAC>" of the anonymous reporter's receipt code (see intake.receipts).
    receipt_digest: Mapped[str | None] = mapped_column(String(100), unique=True)
    wants_feedback: Mapped[bool] = mapped_column(Boolean, default=True)
    feedback_by_email: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_keys.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    first_feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shredded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the reporter's identity was erased after an AVG request (``reporter_id`` is NULL then, but
    #: the melding was not filed anonymously: handlers see that it was erased, not "Anoniem").
    reporter_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    # Encrypted under the signal's data key.
    description_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # wat heeft u gezien
    location_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # waar
    occurred_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # wanneer
    relation_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # relatie tot betrokkene
    contact_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # hoe terugkoppeling

    __mapper_args__ = {"version_id_col": version_id}

    reporter = relationship("User", foreign_keys=[reporter_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    data_key = relationship("DataKey")
    subjects: Mapped[list[Subject]] = relationship(back_populates="signal", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="signal", cascade="all, delete-orphan")
    messages: Mapped[list[Message]] = relationship(
        back_populates="signal", cascade="all, delete-orphan", order_by="Message.created_at"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="signal", cascade="all, delete-orphan", order_by="StatusChange.created_at"
    )
    #: Every phenomenon the signal names; ``phenomenon_code`` is the primary one (queue, reports).
    phenomena: Mapped[list[SignalPhenomenon]] = relationship(
        back_populates="signal", cascade="all, delete-orphan", order_by="SignalPhenomenon.position"
    )

    @property
    def phenomenon_codes(self) -> list[str]:
        """The primary phenomenon first, then the others in the order they were given."""
        codes = [self.phenomenon_code] if self.phenomenon_code else []
        return codes + [p.code for p in self.phenomena if p.code not in codes]

    @property
    def status_enum(self) -> SignalStatus:
        return SignalStatus(self.status)

    @property
    def is_shredded(self) -> bool:
        return self.data_key_id is None


class SignalPhenomenon(Base):
    """One phenomenon (verschijningsvorm code) a signal names; a signal may name several."""

    __tablename__ = "signal_phenomena"

    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    signal: Mapped[Signal] = relationship(back_populates="phenomena")


class StatusChange(Base):
    """History of a signal's status (one row per transition; reason encrypted)."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    signal: Mapped[Signal] = relationship(back_populates="history")
    actor = relationship("User")


# ---------------------------------------------------------------------------- the queue's conditions and indexes


#: Statuses after which nobody works on a signal any more (the queue's "open" means: none of these).
#: The values of ``FINAL_STATUSES`` in a fixed order: the partial indexes below and the queue's queries must
#: compare with exactly these literals for the planner to match them.
QUEUE_EXIT_STATUSES = tuple(sorted(status.value for status in FINAL_STATUSES))


def queue_open_condition(table: FromClause = Signal.__table__) -> ColumnElement[bool]:
    """SQL: the signal is still open. Literal values (no bind parameters), so a partial index matches."""
    return table.c.status.not_in([literal_column(f"'{value}'") for value in QUEUE_EXIT_STATUSES])


def queue_waiting_condition(table: FromClause = Signal.__table__) -> ColumnElement[bool]:
    """SQL: "wacht op terugkoppeling": open, the reporter wants feedback and has had none yet.

    Same rows as ``feedback.service.awaiting_first_feedback``; written with literals for the partial index.
    """
    return and_(table.c.first_feedback_at.is_(None), table.c.wants_feedback.is_(True), queue_open_condition(table))


def queue_urgent_condition(table: FromClause = Signal.__table__) -> ColumnElement[bool]:
    """SQL: urgent, shown first in every tab: a threatened reporter ("ik voel me onveilig of word
    bedreigd") whose signal is still open. Literals only, so the partial index below matches."""
    return and_(table.c.feels_unsafe.is_(True), queue_open_condition(table))


# Queue indexes: every tab is one range scan on (track, <tab column>, created_at, id); the id makes the
# order total, so keyset pagination ("after this row") is a range condition on the same index.
# The two partial indexes hold only open signals: their size follows the work in hand, not the archive.
Index("ix_signals_track_status_created", Signal.track, Signal.status, Signal.created_at, Signal.id)
Index("ix_signals_track_created", Signal.track, Signal.created_at, Signal.id)
Index("ix_signals_queue_waiting", Signal.track, Signal.created_at, Signal.id,
      postgresql_where=queue_waiting_condition(), sqlite_where=queue_waiting_condition())
Index("ix_signals_queue_urgent", Signal.track, Signal.created_at, Signal.id,
      postgresql_where=queue_urgent_condition(), sqlite_where=queue_urgent_condition())
Index("ix_signals_queue_mine", Signal.track, Signal.assignee_id, Signal.created_at, Signal.id,
      postgresql_where=queue_open_condition(), sqlite_where=queue_open_condition())
