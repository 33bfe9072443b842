"""Notices to reporters (terugkoppeling), written to the outbox in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from meldpunt.crypto import Keyring
from meldpunt.database import utcnow
from meldpunt.feedback.models import Notice, NoticeKind
from meldpunt.intake.models import Signal
from meldpunt.vault.service import ShreddedError, cipher_for, unseal

#: What the reporter reads for each notice: plain Dutch, "op hoofdlijnen", never details.
NOTICE_TITLES = {
    NoticeKind.RECEIVED: "Uw melding is ontvangen",
    NoticeKind.IN_PROGRESS: "Uw melding is in behandeling",
    NoticeKind.FORWARDED: "Uw melding is doorgestuurd naar de instantie die erover gaat",
    NoticeKind.DISCUSSED: "Uw melding is besproken in een overleg",
    NoticeKind.CLOSED: "Uw melding is afgesloten",
    NoticeKind.NOT_ADMISSIBLE: "Wij nemen uw melding niet in behandeling",
    NoticeKind.TO_INTEGRITY: "Uw melding is overgedragen aan de integriteitscoördinator",
    NoticeKind.MESSAGE: "U heeft een nieuw bericht",
    NoticeKind.FEEDBACK: "Terugkoppeling over uw melding",
    NoticeKind.REMINDER: "Herinnering: melding wacht op eerste terugkoppeling",
}

#: Notices that count as the reporter's first feedback (the received-confirmation does not).
FIRST_FEEDBACK_KINDS = frozenset(
    {
        NoticeKind.IN_PROGRESS,
        NoticeKind.FORWARDED,
        NoticeKind.DISCUSSED,
        NoticeKind.CLOSED,
        NoticeKind.NOT_ADMISSIBLE,
        NoticeKind.TO_INTEGRITY,
        NoticeKind.MESSAGE,
        NoticeKind.FEEDBACK,
    }
)


def queue_notice(
    session: Session,
    *,
    signal: Signal,
    kind: NoticeKind,
    body_ct: bytes | None = None,
    recipient_user_id: int | None = None,
) -> Notice:
    """Add one outbox row for ``signal`` in the current transaction; it is published after commit.

    The first notice that tells the reporter something beyond "received" sets
    ``signal.first_feedback_at`` (the feedback term is measured against it).
    """
    notice = Notice(signal_id=signal.id, kind=kind.value, body_ct=body_ct, recipient_user_id=recipient_user_id)
    session.add(notice)
    if recipient_user_id is None and kind in FIRST_FEEDBACK_KINDS and signal.first_feedback_at is None:
        signal.first_feedback_at = utcnow()
    session.flush()
    return notice


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days (Monday–Friday)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def first_feedback_due(created_at: datetime, *, working_days: int) -> date:
    return add_working_days(created_at.date(), working_days)


@dataclass(frozen=True)
class FeedbackItem:
    """One line of the reporter's feedback history."""

    created_at: datetime
    kind: str
    title: str
    text: str | None = None


def feedback_history(session: Session, *, keyring: Keyring, signal: Signal) -> list[FeedbackItem]:
    """The reporter's feedback history for one signal, oldest first (free feedback texts decrypted)."""
    notices = session.scalars(
        select(Notice)
        .where(Notice.signal_id == signal.id, Notice.recipient_user_id.is_(None))
        .order_by(Notice.created_at, Notice.id)
    ).all()
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        cipher = None
    items = []
    for notice in notices:
        kind = NoticeKind(notice.kind)
        text = None
        if notice.body_ct is not None:
            text = unseal(cipher, notice, "body") if cipher else "Verwijderd."
        items.append(FeedbackItem(created_at=notice.created_at, kind=kind.value, title=NOTICE_TITLES[kind], text=text))
    return items
