"""Triage data in its own tables: enrichment notes, forwardings to a competent authority, approvals.

Also the indexes the handler's queue needs on ``signals`` (declared here, next to
the queries that use them, so the intake models stay untouched).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Uuid, and_, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.i18n import N_
from meldpunt.database import Base, utcnow
from meldpunt.intake.models import Signal


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


#: Statuses after which nobody works on a signal any more (the queue's "open" means: none of these).
#: The same set as ``transitions.FINAL_STATUSES``; spelled out here because the partial indexes below
#: and the queue's queries must compare with exactly these literals for the planner to match them.
QUEUE_EXIT_STATUSES = ("afgesloten", "doorgezonden", "integriteitstraject", "niet_ontvankelijk")


def queue_open_condition(table=Signal.__table__):
    """SQL: the signal is still open. Literal values (no bind parameters), so a partial index matches."""
    return table.c.status.not_in([literal_column(f"'{value}'") for value in QUEUE_EXIT_STATUSES])


def queue_waiting_condition(table=Signal.__table__):
    """SQL: "wacht op terugkoppeling": open, the reporter wants feedback and has had none yet.

    Same rows as ``feedback.service.awaiting_first_feedback``; written with literals for the partial index.
    """
    return and_(table.c.first_feedback_at.is_(None), table.c.wants_feedback.is_(True), queue_open_condition(table))


def queue_urgent_condition(table=Signal.__table__):
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


class Register(enum.StrEnum):
    """Registers the regisseur consults while enriching (verrijken)."""

    PERMITS = "vergunningen"
    BIBOB = "bibob"
    BRP = "brp"
    KVK = "kvk"
    LAND_REGISTRY = "kadaster"
    ENFORCEMENT = "handhaving"
    SOCIAL = "sociaal_domein"
    OPEN_SOURCES = "open_bronnen"
    POLICE = "politie"
    OTHER = "overig"

    @property
    def label(self) -> str:
        return REGISTER_LABELS[self]


REGISTER_LABELS = {
    Register.PERMITS: N_("Vergunningen"),
    Register.BIBOB: N_("Bibob-dossiers"),
    Register.BRP: N_("BRP (basisregistratie personen)"),
    Register.KVK: N_("KvK (handelsregister)"),
    Register.LAND_REGISTRY: N_("Kadaster"),
    Register.ENFORCEMENT: N_("Toezicht en handhaving"),
    Register.SOCIAL: N_("Sociaal domein"),
    Register.OPEN_SOURCES: N_("Open bronnen"),
    Register.POLICE: N_("Politie / RIEC (gedeeld)"),
    Register.OTHER: N_("Overig"),
}


class EnrichmentNote(Base):
    """What one register says about a signal. Source, legal basis and content are encrypted (signal key)."""

    __tablename__ = "enrichment_notes"
    __table_args__ = (CheckConstraint(f"register IN ({_in(Register)})", name="register_valid"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    register: Mapped[str] = mapped_column(String(30))
    consulted_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # which file / which query
    legal_basis_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # doelbinding / grondslag
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    author = relationship("User")


class Authority(enum.StrEnum):
    """Bevoegd gezag a signal can be forwarded to."""

    POLICE = "politie"
    RIEC = "riec"
    PUBLIC_PROSECUTOR = "openbaar_ministerie"
    TAX = "belastingdienst"
    OTHER_MUNICIPALITY = "andere_gemeente"
    PROVINCE = "provincie"
    WATER_BOARD = "waterschap"
    BIBOB_TIP = "bibob_tip"  # art. 26 Wet Bibob
    INSPECTION = "inspectie"
    OTHER = "overig"

    @property
    def label(self) -> str:
        return AUTHORITY_LABELS[self]


AUTHORITY_LABELS = {
    Authority.POLICE: N_("Politie"),
    Authority.RIEC: N_("RIEC"),
    Authority.PUBLIC_PROSECUTOR: N_("Openbaar Ministerie"),
    Authority.TAX: N_("Belastingdienst"),
    Authority.OTHER_MUNICIPALITY: N_("Andere gemeente"),
    Authority.PROVINCE: N_("Provincie"),
    Authority.WATER_BOARD: N_("Waterschap"),
    Authority.BIBOB_TIP: N_("Bibob-tip aan het Landelijk Bureau Bibob (art. 26 Wet Bibob)"),
    Authority.INSPECTION: N_("Inspectie (bijvoorbeeld NLA of ILT)"),
    Authority.OTHER: N_("Andere instantie"),
}


class ForwardingState(enum.StrEnum):
    PENDING = "wacht_op_akkoord"  # four-eyes: waiting for a second regisseur
    DONE = "doorgezonden"
    REJECTED = "afgewezen"


class Forwarding(Base):
    """Doorzenden naar bevoegd gezag: to whom, when, why and on what legal basis."""

    __tablename__ = "forwardings"
    __table_args__ = (
        CheckConstraint(f"authority IN ({_in(Authority)})", name="authority_valid"),
        CheckConstraint(f"state IN ({_in(ForwardingState)})", name="state_valid"),
        CheckConstraint("(state = 'doorgezonden') = (forwarded_at IS NOT NULL)", name="forwarded_has_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    authority: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default=ForwardingState.PENDING.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recipient_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # which office / which gemeente
    legal_basis_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    requested_by = relationship("User")


class ApprovalKind(enum.StrEnum):
    FORWARD_SIGNAL = "signaal_doorzenden"
    CLOSE_CASE = "casus_afsluiten"


class ApprovalState(enum.StrEnum):
    PENDING = "open"
    APPROVED = "akkoord"
    REJECTED = "afgewezen"


class Approval(Base):
    """Vier-ogenprincipe: a second regisseur approves a forwarding or the closing of a case."""

    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(ApprovalKind)})", name="kind_valid"),
        CheckConstraint(f"state IN ({_in(ApprovalState)})", name="state_valid"),
        CheckConstraint("(state = 'open') = (decided_by_id IS NULL)", name="decided_iff_not_open"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="four_eyes"),
        CheckConstraint(
            "(kind = 'signaal_doorzenden' AND forwarding_id IS NOT NULL) OR (kind = 'casus_afsluiten' AND case_id IS NOT NULL)",
            name="object_matches_kind",
        ),
        Index("ix_approvals_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default=ApprovalState.PENDING.value)
    signal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    forwarding_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("forwardings.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Closing a case: the reason, encrypted under the case's data key.
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    forwarding = relationship("Forwarding")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    signal = relationship("Signal")  # read-only navigation: the card names what it is about
    case = relationship("Case")
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class ClassificationField(enum.StrEnum):
    PHENOMENON = "verschijningsvorm"  # the primary phenomenon
    PHENOMENA = "verschijningsvormen"  # every phenomenon the signal names
    PROCESS = "werkproces"


class ClassificationChange(Base):
    """A handler re-classified a signal during triage: which field, from which code(s) to which.

    Codes only (taxonomy metadata, plaintext like ``signals.phenomenon_code``); shown in the signal's history.
    """

    __tablename__ = "classification_changes"
    __table_args__ = (CheckConstraint(f"field IN ({_in(ClassificationField)})", name="field_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str] = mapped_column(String(800), default="")
    new_value: Mapped[str] = mapped_column(String(800), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor = relationship("User")
