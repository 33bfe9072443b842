"""The transactional outbox: a notice row is written in the same transaction as its cause."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
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
    ROLE_GRANT = "rechtenverzoek"  # to holders of a content role: a grant of that role awaits a decision
    MEASURE_DUE = "maatregel_termijn"  # to a measure's owner: an improvement measure is past its due date
    AGENDA_SENT = "agenda"  # to a meeting member: the agenda of a meeting is ready (issue 17)
    ACTION_OVERDUE = "actie_verlopen"  # to an action's owner: the deadline has passed (issue 17)
    THREAT_REMINDER = "dringend"  # to a handler: a threatened reporter's signal waits hours without action
    REPORTER_REPLY = "reactie_melder"  # to a handler: the reporter answered or added information (issue 22)


_KINDS = ", ".join(f"'{k.value}'" for k in NoticeKind)

#: A notice is about exactly one thing: a signal, a role grant, an improvement measure, a meeting or a meeting action.
ABOUT_ONE_THING = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)"
                             for c in ("signal_id", "grant_id", "measure_id", "meeting_id", "action_id")) + " = 1"


class Notice(Base):
    """One notice to deliver. Holds ids and kinds only; a free feedback text is encrypted (``body_ct``).

    A notice is about a signal, or (to staff, kind ``rechtenverzoek``) about a pending role grant, or (to a
    measure's owner, kind ``maatregel_termijn``) about an improvement measure past its due date, or (to a
    meeting member, kinds ``agenda`` and ``actie_verlopen``) about a meeting or one of its actions. Staff
    notices carry ids only: the inbox and the e-mail never say what the measure, meeting or action is about.
    """

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="kind_valid"),
        CheckConstraint(ABOUT_ONE_THING, name="about_one_thing"),
        CheckConstraint("grant_id IS NULL OR recipient_user_id IS NOT NULL", name="grant_notice_has_recipient"),
        CheckConstraint("measure_id IS NULL OR recipient_user_id IS NOT NULL", name="measure_notice_has_recipient"),
        CheckConstraint("(meeting_id IS NULL AND action_id IS NULL) OR recipient_user_id IS NOT NULL",
                        name="meeting_notice_has_recipient"),
        Index("ix_notices_pending", "delivered_at", "created_at"),
        Index("ix_notices_recipient_kind_read", "recipient_user_id", "kind", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    #: For ``rechtenverzoek``: the grant waiting for the recipient's decision (no signal).
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("role_grants.id", ondelete="CASCADE"), index=True)
    #: For ``maatregel_termijn``: the overdue improvement measure (no signal, no content).
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("improvement_measures.id", ondelete="CASCADE"),
                                                   index=True)
    #: For ``agenda``: the meeting whose agenda was sent. For ``actie_verlopen``: the overdue action.
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting_actions.id", ondelete="CASCADE"),
                                                        index=True)
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
    recipient = relationship("User", foreign_keys=[recipient_user_id])
    deliveries: Mapped[list[NoticeDelivery]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", passive_deletes=True
    )


class DeliveryChannel(enum.StrEnum):
    INBOX = "inbox"  # in-app inbox (/berichten) of an identified reporter or a handler
    RECEIPT = "receipt"  # the receipt-code page of an anonymous reporter
    EMAIL = "email"  # an e-mail that only says there is news (never content)


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # row exists, nobody holds it
    SENDING = "sending"  # claimed by one task run (claim_token, claimed_at)
    SENT = "sent"  # done: never again for this (notice, channel)
    FAILED = "failed"  # gave up after the last retry


_CHANNELS = ", ".join(f"'{c.value}'" for c in DeliveryChannel)
_STATES = ", ".join(f"'{s.value}'" for s in DeliveryState)


class NoticeDelivery(Base):
    """The idempotency marker of one channel of one notice: at most one row, sent at most once.

    A task run claims the row with a compare-and-swap on ``claim_token`` (see
    ``meldpunt.feedback.outbox.deliver``); the SMTP Message-ID is derived from the
    notice id so a duplicate, should one slip through the residual window, is recognisable.
    """

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel"),
        CheckConstraint(f"channel IN ({_CHANNELS})", name="channel_valid"),
        CheckConstraint(f"state IN ({_STATES})", name="state_valid"),
        CheckConstraint("(state = 'sending') = (claim_token IS NOT NULL)", name="claim_iff_sending"),
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_has_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.PENDING.value)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="deliveries")
