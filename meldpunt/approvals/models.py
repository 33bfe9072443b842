"""Four-eyes requests (vier-ogenprincipe): a second person approves a forwarding or the closing of a casus."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, sql_in_list, utcnow


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
        CheckConstraint(f"kind IN ({sql_in_list(ApprovalKind)})", name="kind_valid"),
        CheckConstraint(f"state IN ({sql_in_list(ApprovalState)})", name="state_valid"),
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
