"""Casus: signals about one subject or phenomenon, bundled with a risk picture and proposed interventions.

A case has its own data key: the title, risk picture and intervention notes are
encrypted under it, so a case outlives (and is shredded apart from) its signals.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, sql_in_list as _in, utcnow
from meldpunt.i18n import N_


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    MONITORING = "monitoren"
    CLOSED = "afgesloten"

    @property
    def label(self) -> str:
        return {"open": N_("Open"), "monitoren": N_("Monitoren"), "afgesloten": N_("Afgesloten")}[self.value]


class Intervention(enum.StrEnum):
    """Bestuurlijke interventies and other outcomes of a casus (docs/glossary.md)."""

    BIBOB = "bibob_toets"
    ENFORCEMENT = "handhaving"
    CLOSURE = "sluiting"
    REVOKE_PERMIT = "intrekken_vergunning"
    REPORT = "bestuurlijke_rapportage"
    MAYOR_LETTER = "burgemeestersbrief"
    SUPPORT = "hulpaanbod"
    RIEC_CASE = "riec_casus"
    MONITOR = "monitoren"

    @property
    def label(self) -> str:
        return INTERVENTION_LABELS[self]


INTERVENTION_LABELS = {
    Intervention.BIBOB: N_("Bibob-toets"),
    Intervention.ENFORCEMENT: N_("Handhaving"),
    Intervention.CLOSURE: N_("Sluiting"),
    Intervention.REVOKE_PERMIT: N_("Intrekken vergunning"),
    Intervention.REPORT: N_("Bestuurlijke rapportage"),
    Intervention.MAYOR_LETTER: N_("Burgemeestersbrief"),
    Intervention.SUPPORT: N_("Hulpaanbod"),
    Intervention.RIEC_CASE: N_("Inbrengen als RIEC-casus"),
    Intervention.MONITOR: N_("Monitoren"),
}


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(CaseStatus)})", name="status_valid"),
        CheckConstraint("(status = 'afgesloten') = (closed_at IS NOT NULL)", name="closed_has_date"),
        UniqueConstraint("ref_year", "ref_seq"),
        Index("ix_cases_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN.value)
    phenomenon_code: Mapped[str | None] = mapped_column(String(60))
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_keys.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    proposed_for_meeting_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    title_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    risk_picture_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    __mapper_args__ = {"version_id_col": version_id}

    created_by = relationship("User")
    links: Mapped[list[CaseSignal]] = relationship(back_populates="case", cascade="all, delete-orphan")
    subject_links: Mapped[list[CaseSubject]] = relationship(back_populates="case", cascade="all, delete-orphan")
    interventions: Mapped[list[CaseIntervention]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseIntervention.created_at"
    )

    @property
    def status_enum(self) -> CaseStatus:
        return CaseStatus(self.status)


class CaseSignal(Base):
    """A signal belongs to at most one case."""

    __tablename__ = "case_signals"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True, unique=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="links")
    signal = relationship("Signal")


class CaseSubject(Base):
    """A subject (named in one of the case's signals) that the case is about."""

    __tablename__ = "case_subjects"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="subject_links")
    subject = relationship("Subject")


class CaseIntervention(Base):
    """A proposed intervention; the explanation is encrypted under the case key."""

    __tablename__ = "case_interventions"
    __table_args__ = (CheckConstraint(f"kind IN ({_in(Intervention)})", name="kind_valid"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    case: Mapped[Case] = relationship(back_populates="interventions")

    @property
    def kind_enum(self) -> Intervention:
        return Intervention(self.kind)
