"""Council reports (raadsrapportage) and the examples on "Wat doen we met uw meldingen".

Nothing here is confidential: a report holds published aggregates (already suppressed) and the
regisseur's RAG explanations, written for the council; an example is written for every employee.
Once approved, a report's ``snapshot`` (the published figures as JSON) is frozen: the service
refuses every change and a correction is a new version of the same period.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, sql_in_list as _in, utcnow
from meldpunt.signals.models import Signal, queue_open_condition


class ReportState(enum.StrEnum):
    DRAFT = "concept"
    APPROVED = "vastgesteld"

    @property
    def label(self) -> str:
        return {"concept": "Concept", "vastgesteld": "Vastgesteld"}[self.value]


class Rag(enum.StrEnum):
    GREEN = "groen"
    AMBER = "oranje"
    RED = "rood"

    @property
    def label(self) -> str:
        return {"groen": "Groen: op koers", "oranje": "Oranje: aandacht nodig", "rood": "Rood: actie nodig"}[self.value]


#: The themes of a council report, each with a RAG indicator and an explanation.
THEMES = {
    "instroom": "Aard en omvang van de meldingen",
    "afhandeling": "Afhandeling en terugkoppeling",
    "interventies": "Besluiten en interventies",
    "acties": "Acties en afspraken",
}


class CouncilReport(Base):
    """One version of the report over [period_start, period_end)."""

    __tablename__ = "council_reports"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(ReportState)})", name="state_valid"),
        CheckConstraint("period_start < period_end", name="period_valid"),
        CheckConstraint("(state = 'vastgesteld') = (snapshot IS NOT NULL AND approved_by_id IS NOT NULL)",
                        name="approved_has_snapshot"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> author_id", name="four_eyes"),
        CheckConstraint("track IN ('regulier', 'integriteit')", name="track_valid"),
        UniqueConstraint("period_start", "period_end", "track", "version", name="uq_council_reports_period_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: regulier: the regisseur drafts it; integriteit: the integriteitscoördinator (its figures are of that track only)
    track: Mapped[str] = mapped_column(String(20), default="regulier", server_default="regulier")
    state: Mapped[str] = mapped_column(String(20), default=ReportState.DRAFT.value)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The published figures and themes (JSON), set once on approval.
    snapshot: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("council_reports.id"))

    themes: Mapped[list[ReportTheme]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                      order_by="ReportTheme.id")

    @property
    def is_approved(self) -> bool:
        return self.state == ReportState.APPROVED.value


class ReportTheme(Base):
    __tablename__ = "council_report_themes"
    __table_args__ = (
        CheckConstraint(f"rag IN ({_in(Rag)})", name="rag_valid"),
        UniqueConstraint("report_id", "theme", name="uq_council_report_themes_report_theme"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("council_reports.id", ondelete="CASCADE"), index=True)
    theme: Mapped[str] = mapped_column(String(40))
    rag: Mapped[str] = mapped_column(String(10))
    explanation: Mapped[str] = mapped_column(Text)

    report: Mapped[CouncilReport] = relationship(back_populates="themes")


class ResultExample(Base):
    """An anonymised example for "Wat doen we met uw meldingen": shown once a second person approved it."""

    __tablename__ = "result_examples"
    __table_args__ = (
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> author_id", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)  # "2026-K1"
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


#: The dashboard and the reports read a period's signals by ``created_at`` and aggregate these columns.
#: On PostgreSQL the index carries them (INCLUDE), so the figures come from an index-only scan instead
#: of visiting the wide signal rows (with their ciphertext) in the heap. See docs/reports.md.
REPORT_COLUMNS = ["track", "status", "channel", "phenomenon_code", "process_code", "department_code",
                  "location_type_code", "wants_feedback", "first_feedback_at", "triaged_at", "closed_at"]
Index("ix_signals_reports_created_at", Signal.__table__.c.created_at, postgresql_include=REPORT_COLUMNS)


# ------------------------------------------------------------------------------ the dashboard's summary
# Refreshed by the beat job ``workers.reports.refresh_report_summary`` (meldpunt/reports/summary.py):
# per closed month and track, the counts of signals received by one dimension at a time, and the
# lead times as histograms in whole hours. Only codes and counts: nothing confidential.


class ReportMonthCount(Base):
    """Signals received in ``month`` on ``track`` whose ``dimension`` (phenomenon, process, department,
    channel, status; or feedback_wanted / feedback_in_time with key "") has value ``key`` ("" = unknown)."""

    __tablename__ = "report_month_counts"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, UTC
    track: Mapped[str] = mapped_column(String(20), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ReportLeadTimeHours(Base):
    """Of the signals received in ``month`` on ``track``: how many had lead time ``kind`` (feedback,
    triage, closed) of ``hours`` (rounded to the nearest whole hour)."""

    __tablename__ = "report_lead_time_hours"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    track: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    hours: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ReportSummaryState(Base):
    """One row: the summary covers every month up to and including ``through`` (YYYY-MM)."""

    __tablename__ = "report_summary_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    through: Mapped[str] = mapped_column(String(7))
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
#: The dashboard's "open now" and "past the term" (``figures.open_work``): an index-only scan of the open
#: signals instead of every signal (partial, with the queue's own open condition).
OPEN_WORK_COLUMNS = ["status", "wants_feedback", "first_feedback_at", "channel", "phenomenon_code",
                     "process_code", "department_code"]
Index("ix_signals_reports_open", Signal.__table__.c.track, Signal.__table__.c.created_at,
      postgresql_include=OPEN_WORK_COLUMNS, postgresql_where=queue_open_condition(), sqlite_where=queue_open_condition())
