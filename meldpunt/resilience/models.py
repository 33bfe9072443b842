"""Weerbaarheid (resilience): the register of vulnerable processes and functions, improvement measures
(verbetermaatregelen) with their progress notes, frozen progress reports, knowledge pages for employees
and the record of awareness sessions.

Register entries, knowledge pages, reports and sessions are organisational information, stored as plain
text. The free text of a measure (its text, the reason it was not adopted, progress notes) may describe a
case (a measure can come from a casus or a signal), so it is sealed with the measure's own data key
(docs/resilience.md).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.i18n import N_
from meldpunt.database import Base, utcnow


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in sorted(str(x) for x in values))


class Control(enum.StrEnum):
    """Beheersmaatregelen that can be ticked on a register entry."""

    FOUR_EYES = "vier_ogen"
    SCREENING = "screening"
    JOB_ROTATION = "functieroulatie"
    BIBOB = "bibob_toets"
    LOGGING = "logging"

    @property
    def label(self) -> str:
        return CONTROL_LABELS[self]


CONTROL_LABELS = {
    Control.FOUR_EYES: N_("Vier-ogenprincipe"),
    Control.SCREENING: N_("Screening (VOG, integriteitsgesprek)"),
    Control.JOB_ROTATION: N_("Functieroulatie"),
    Control.BIBOB: N_("Bibob-toets"),
    Control.LOGGING: N_("Logging en controle van inzage"),
}


class EntryKind(enum.StrEnum):
    PROCESS = "proces"  # keyed by the taxonomy's process code
    FUNCTION = "functie"  # a function, e.g. medewerker vergunningen, BOA, inkoper


class RegisterEntry(Base):
    """One line of the register of vulnerable processes and functions (kwetsbaarhedenregister)."""

    __tablename__ = "resilience_register"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(EntryKind)})", name="kind_valid"),
        CheckConstraint("(kind = 'proces') = (process_code IS NOT NULL)", name="process_iff_kind"),
        CheckConstraint("(kind = 'functie') = (function_name IS NOT NULL)", name="function_iff_kind"),
        UniqueConstraint("process_code", name="uq_resilience_register_process_code"),
        UniqueConstraint("function_name", name="uq_resilience_register_function_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    process_code: Mapped[str | None] = mapped_column(String(60))
    function_name: Mapped[str | None] = mapped_column(String(120))
    risks: Mapped[str] = mapped_column(Text, default="")
    #: Ticked controls, comma separated ``Control`` values (in a fixed order).
    controls: Mapped[str] = mapped_column(String(200), default="")
    controls_note: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner = relationship("User", foreign_keys=[owner_id])

    @property
    def control_list(self) -> list[Control]:
        return [Control(c) for c in self.controls.split(",") if c]


class MeasureSource(enum.StrEnum):
    SCAN = "weerbaarheidsscan"
    AUDIT_OFFICE = "rekenkamer"
    LESSON = "leerpunt"  # a casus "leerpunt" (recorded on a meeting decision)
    SIGNAL = "melding"
    OTHER = "overig"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    MeasureSource.SCAN: N_("Weerbaarheidsscan"),
    MeasureSource.AUDIT_OFFICE: N_("Rekenkamerrapport"),
    MeasureSource.LESSON: N_("Leerpunt uit een casus"),
    MeasureSource.SIGNAL: N_("Melding"),
    MeasureSource.OTHER: N_("Anders"),
}


class MeasureStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_uitvoering"
    DONE = "gereed"
    NOT_ADOPTED = "niet_overgenomen"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    MeasureStatus.OPEN: N_("Open"),
    MeasureStatus.IN_PROGRESS: N_("In uitvoering"),
    MeasureStatus.DONE: N_("Gereed"),
    MeasureStatus.NOT_ADOPTED: N_("Niet overgenomen"),
}

#: Statuses in which a measure is still to be done (and can be overdue).
OPEN_STATUSES = (MeasureStatus.OPEN.value, MeasureStatus.IN_PROGRESS.value)


class Measure(Base):
    """One verbetermaatregel. ``text_ct`` and ``reason_ct`` are sealed with ``data_key_id``."""

    __tablename__ = "improvement_measures"
    __table_args__ = (
        CheckConstraint(f"source IN ({_in(MeasureSource)})", name="source_valid"),
        CheckConstraint(f"status IN ({_in(MeasureStatus)})", name="status_valid"),
        CheckConstraint("status <> 'niet_overgenomen' OR reason_ct IS NOT NULL", name="not_adopted_has_reason"),
        Index("ix_improvement_measures_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The number in the source (e.g. aanbeveling 3.2 of a scan); may be empty.
    number: Mapped[str] = mapped_column(String(30), default="")
    source: Mapped[str] = mapped_column(String(20))
    source_document: Mapped[str] = mapped_column(String(200), default="")
    #: Free reference for a casus (leerpunt), e.g. its number.
    source_reference: Mapped[str] = mapped_column(String(60), default="")
    signal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signals.id", ondelete="SET NULL"), index=True)
    process_code: Mapped[str | None] = mapped_column(String(60))
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_keys.id", ondelete="SET NULL"))
    text_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=MeasureStatus.OPEN.value)
    due_on: Mapped[date | None] = mapped_column(Date)
    #: The day the last overdue reminder was queued (one per day at most).
    reminded_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner = relationship("User", foreign_keys=[owner_id])
    notes: Mapped[list[MeasureNote]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="MeasureNote.created_at"
    )
    evidence: Mapped[list[MeasureEvidence]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="MeasureEvidence.created_at"
    )

    @property
    def status_enum(self) -> MeasureStatus:
        return MeasureStatus(self.status)

    @property
    def source_enum(self) -> MeasureSource:
        return MeasureSource(self.source)

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_STATUSES and self.due_on is not None and self.due_on < today


class MeasureNote(Base):
    """A progress note (voortgang) on a measure; the text is sealed with the measure's data key."""

    __tablename__ = "improvement_measure_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("improvement_measures.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="notes")
    author = relationship("User", foreign_keys=[author_id])


class MeasureEvidence(Base):
    """Evidence (bewijsstuk) for a measure: a file encrypted on disk with the measure's data key, like a
    signal's attachment (meldpunt.intake.attachments.store_encrypted_file); name and type sealed here."""

    __tablename__ = "improvement_measure_evidence"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    measure_id: Mapped[int] = mapped_column(ForeignKey("improvement_measures.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    #: Padded size, like the encrypted file; never the exact size.
    size: Mapped[int] = mapped_column(Integer)
    filename_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    mime_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="evidence")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])

    @property
    def size_label(self) -> str:
        if self.size <= 64 * 1024:
            return "kleiner dan 64 kB"
        if self.size < 1024 * 1024:
            return f"ca. {self.size // 1024} kB"
        return f"ca. {round(self.size / (1024 * 1024))} MB"


class ProgressReport(Base):
    """A twice-yearly progress report (voortgangsrapportage) for the bestuur, frozen when issued.

    ``snapshot`` is JSON with counts and the measures' numbers/status only (no free text).
    """

    __tablename__ = "resilience_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    as_of: Mapped[date] = mapped_column(Date)
    snapshot: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    issued_by = relationship("User", foreign_keys=[issued_by_id])


class KnowledgeKind(enum.StrEnum):
    PROCESS = "process"
    PHENOMENON = "phenomenon"


class KnowledgePage(Base):
    """A knowledge page for employees about one process or phenomenon (Markdown, sanitised on render)."""

    __tablename__ = "knowledge_pages"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(KnowledgeKind)})", name="kind_valid"),
        UniqueConstraint("kind", "code", name="uq_knowledge_pages_kind_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(60))
    lookout_md: Mapped[str] = mapped_column(Text, default="")
    examples_md: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AwarenessSession(Base):
    """A bewustwordingssessie held: date, department, number of participants."""

    __tablename__ = "awareness_sessions"
    __table_args__ = (CheckConstraint("participants >= 0", name="participants_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[date] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(120))
    participants: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
