"""The transactional outbox: a notice row is written in the same transaction as its cause."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, utcnow


class NoticeKind(enum.StrEnum):
    RECEIVED = "ontvangen"  # ontvangstbevestiging
    IN_PROGRESS = "in_behandeling"
    FORWARDED = "doorgezonden"
    DISCUSSED = "besproken"
    CLOSED = "afgesloten"
    NOT_ADMISSIBLE = "niet_ontvankelijk"
    TO_INTEGRITY = "integriteitstraject"
    MESSAGE = "bericht"  # new message from the handler
    FEEDBACK = "terugkoppeling"  # free "terugkoppeling op hoofdlijnen"
    REMINDER = "herinnering"  # to a handler: first feedback overdue


_KINDS = ", ".join(f"'{k.value}'" for k in NoticeKind)


class Notice(Base):
    """One notice to deliver. Holds ids and kinds only; a free feedback text is encrypted (``body_ct``)."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="kind_valid"),
        Index("ix_notices_pending", "delivered_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    #: For handler reminders: the user to remind. For reporter notices: NULL (the signal says who).
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))

    signal = relationship("Signal")
