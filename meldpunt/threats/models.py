"""The checklist on a threatened reporter's signal (RIEC appendix, Drenthe 4.1)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.i18n import N_
from meldpunt.database import Base, utcnow


class ThreatStep(enum.StrEnum):
    CONTACT = "contact_opgenomen"
    MANAGER = "leidinggevende_ingelicht"
    POLICE_REPORT = "aangifte_besproken"
    AFTERCARE = "nazorg_geregeld"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    ThreatStep.CONTACT: N_("Contact opgenomen met de melder"),
    ThreatStep.MANAGER: N_("Leidinggevende ingelicht"),
    ThreatStep.POLICE_REPORT: N_("Aangifte besproken"),
    ThreatStep.AFTERCARE: N_("Nazorg geregeld"),
}

_STEPS = ", ".join(f"'{s.value}'" for s in ThreatStep)


class ThreatCheck(Base):
    """One step of the checklist done, with the day it was done and who ticked it."""

    __tablename__ = "threat_checks"
    __table_args__ = (
        CheckConstraint(f"step IN ({_STEPS})", name="step_valid"),
        UniqueConstraint("signal_id", "step"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    done_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor = relationship("User")
