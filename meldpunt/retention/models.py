"""Retention runs, legal holds, "bewaren tot" extensions and requests of data subjects.

Reasons and request details are confidential text: they are sealed under the data key of the
signal or casus they are about (holds, extensions) or under the request's own data key.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, sql_in_list as _in, utcnow
from meldpunt.i18n import N_
from meldpunt.signals.models import Signal

#: Deleting a data key makes PostgreSQL look up the signals that refer to it (``ON DELETE SET NULL``):
#: without this index every deleted key scans the whole signals table, and the job becomes quadratic.
Index("ix_signals_data_key_id", Signal.data_key_id)


class RetentionRun(Base):
    """One run of the retention job: how many signals it shredded and their references (metadata only).

    Written at the start and updated in every batch's transaction, so a run that crashed shows what it
    did before it stopped (``finished_at`` stays empty).
    """

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_label: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shredded: Mapped[int] = mapped_column(Integer, default=0)
    cases_shredded: Mapped[int] = mapped_column(Integer, default=0)
    #: The references of the shredded signals, one per line (plaintext metadata, like the signal's reference);
    #: each batch appends its lines in SQL, so a long run does not rewrite a growing list in Python.
    references: Mapped[str] = mapped_column(Text, default="")


class HoldState(enum.StrEnum):
    PROPOSED = "voorgesteld"  # waiting for a second regisseur
    ACTIVE = "actief"
    REJECTED = "afgewezen"
    LIFTED = "opgeheven"


HOLD_STATE_LABELS = {
    HoldState.PROPOSED: N_("Wacht op tweede regisseur"),
    HoldState.ACTIVE: N_("Actief"),
    HoldState.REJECTED: N_("Afgewezen"),
    HoldState.LIFTED: N_("Opgeheven"),
}


class LegalHold(Base):
    """A legal hold on a signal or a casus: never shredded while it is active and its end date has not passed.

    Four eyes: one regisseur proposes, another approves. Lifting it is four eyes too: one asks
    ("opheffen aangevraagd", with a reason), another of the same track decides; until then the hold
    stays in force. Both reasons are sealed under the data key of the signal or casus (which cannot be
    shredded while held).
    """

    __tablename__ = "legal_holds"
    __table_args__ = (
        CheckConstraint("(signal_id IS NULL) <> (case_id IS NULL)", name="signal_or_case"),
        CheckConstraint(f"state IN ({_in(HoldState)})", name="state_valid"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> proposed_by_id", name="four_eyes"),
        CheckConstraint("lift_requested_by_id IS NULL OR lifted_by_id IS NULL OR lifted_by_id <> lift_requested_by_id",
                        name="lift_four_eyes"),
        Index("ix_legal_holds_state_ends_on", "state", "ends_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=HoldState.PROPOSED.value)
    ends_on: Mapped[date] = mapped_column(Date)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: A pending request to lift an active hold (cleared when it is rejected; kept once it is lifted).
    lift_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lift_reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    signal = relationship("Signal")
    case = relationship("Case")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    lift_requested_by = relationship("User", foreign_keys=[lift_requested_by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])

    @property
    def state_enum(self) -> HoldState:
        return HoldState(self.state)

    @property
    def lift_pending(self) -> bool:
        """Active, and someone asked to lift it: it still applies until a second person agrees."""
        return self.state == HoldState.ACTIVE.value and self.lift_requested_by_id is not None


class RetentionExtension(Base):
    """"Bewaren tot": a handler keeps one signal until a later date, with a reason (sealed, signal key)."""

    __tablename__ = "retention_extensions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    keep_until: Mapped[date] = mapped_column(Date)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RequestKind(enum.StrEnum):
    ACCESS = "inzage"  # a reporter's inzageverzoek: export of everything stored about them
    CORRECTION = "correctie"  # correction of a reporter's contact data
    ERASURE = "wissen"  # erasure of a reporter's identity from their meldingen
    SUBJECT = "betrokkene"  # a person named in meldingen: request and decision recorded only


REQUEST_KIND_LABELS = {
    RequestKind.ACCESS: N_("Inzage (melder)"),
    RequestKind.CORRECTION: N_("Correctie contactgegevens (melder)"),
    RequestKind.ERASURE: N_("Wissen identiteit (melder)"),
    RequestKind.SUBJECT: N_("Verzoek van een betrokkene"),
}


class RequestState(enum.StrEnum):
    RECORDED = "vastgelegd"  # waiting for the second person
    APPROVED = "goedgekeurd"  # done (export made, correction or erasure carried out, or the decision recorded)
    REJECTED = "afgewezen"


REQUEST_STATE_LABELS = {
    RequestState.RECORDED: N_("Wacht op tweede beoordelaar"),
    RequestState.APPROVED: N_("Goedgekeurd en uitgevoerd"),
    RequestState.REJECTED: N_("Afgewezen"),
}


class RightsRequest(Base):
    """A request under the AVG, recorded by a beheerder and decided by a second person.

    ``details_ct`` (what was asked, JSON) and ``decision_ct`` are sealed under the request's own data key.
    ``export_ct`` is the inzage archive, encrypted with a key that was shown once to the approver.
    """

    __tablename__ = "rights_requests"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(RequestKind)})", name="kind_valid"),
        CheckConstraint(f"state IN ({_in(RequestState)})", name="state_valid"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> recorded_by_id", name="four_eyes"),
        CheckConstraint("(kind = 'betrokkene') OR reporter_id IS NOT NULL", name="reporter_named"),
        Index("ix_rights_requests_state_recorded_at", "state", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=RequestState.RECORDED.value)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_keys.id", ondelete="SET NULL"))
    details_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    decision_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    export_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    reporter = relationship("User", foreign_keys=[reporter_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def kind_enum(self) -> RequestKind:
        return RequestKind(self.kind)

    @property
    def state_enum(self) -> RequestState:
        return RequestState(self.state)
