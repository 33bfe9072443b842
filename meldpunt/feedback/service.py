"""Notices to reporters (terugkoppeling), written to the outbox in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, select
from flask_babel import gettext
from sqlalchemy.orm import Session

from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery, NoticeKind
from meldpunt.signals.events import status_changed
from meldpunt.signals.models import QUEUE_EXIT_STATUSES, Signal
from meldpunt.vault.service import ShreddedError, cipher_for, field_reader
from meldpunt.i18n import N_

#: What the reporter reads for each notice: plain Dutch, "op hoofdlijnen", never details.
NOTICE_TITLES = {
    NoticeKind.RECEIVED: N_("Uw melding is ontvangen"),
    NoticeKind.IN_PROGRESS: N_("Uw melding is in behandeling"),
    NoticeKind.FORWARDED: N_("Uw melding is doorgestuurd naar de instantie die erover gaat"),
    NoticeKind.DISCUSSED: N_("Uw melding is besproken in een overleg"),
    NoticeKind.CLOSED: N_("Uw melding is afgesloten"),
    NoticeKind.NOT_ADMISSIBLE: N_("Wij nemen uw melding niet in behandeling"),
    NoticeKind.TO_INTEGRITY: N_("Uw melding is overgedragen aan de integriteitscoördinator"),
    NoticeKind.MESSAGE: N_("U heeft een nieuw bericht"),
    NoticeKind.FEEDBACK: N_("Terugkoppeling over uw melding"),
    NoticeKind.REMINDER: N_("Herinnering: melding wacht op eerste terugkoppeling"),
    NoticeKind.ROLE_GRANT: N_("Een verzoek om rechten wacht op uw besluit"),
    NoticeKind.MEASURE_DUE: N_("Een verbetermaatregel van u is over de termijn"),
    NoticeKind.AGENDA_SENT: N_("De agenda van een overleg staat klaar"),
    NoticeKind.ACTION_OVERDUE: N_("Een actie uit een overleg is over de datum"),
    NoticeKind.THREAT_REMINDER: N_("Dringend: een melder die zich onveilig voelt wacht op contact"),
    NoticeKind.REPORTER_REPLY: N_("Nieuw bericht van de melder"),
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
    created_at: datetime | None = None,
) -> Notice:
    """Add one outbox row for ``signal`` in the current transaction; it is published after commit.

    The first notice that tells the reporter something beyond "received" sets
    ``signal.first_feedback_at`` (the feedback term is measured against it).

    A notice for the reporter of an anonymous signal is delivered here, at once: its only
    channel is the receipt-code page, which reads the outbox itself. It is never published to
    a worker, so no worker run, log line or delivery time marks the moment it was made
    (``created_at`` is the hour when the anonymous reporter's own action made it).
    """
    notice = Notice(
        signal_id=signal.id, kind=kind.value, body_ct=body_ct, recipient_user_id=recipient_user_id,
        created_at=created_at or utcnow(),
    )
    if recipient_user_id is None and signal.is_anonymous:
        notice.delivered_at = notice.created_at
        notice.deliveries.append(NoticeDelivery(
            channel=DeliveryChannel.RECEIPT.value, state=DeliveryState.SENT.value,
            sent_at=notice.created_at, created_at=notice.created_at,
        ))
    session.add(notice)
    if recipient_user_id is None and kind in FIRST_FEEDBACK_KINDS and signal.first_feedback_at is None:
        signal.first_feedback_at = utcnow()
    session.flush()
    return notice


@status_changed.connect
def _notify_reporter_of_status(signal: Signal, *, session: Session, transition, change) -> None:
    """The reporter's notice for a status move, where the transition table names one."""
    if transition.notice is not None:
        queue_notice(session, signal=signal, kind=NoticeKind(transition.notice))


def reply_recipients(session: Session, *, signal: Signal) -> list:
    """Who hears of a reporter's reply: the assigned handler (while enabled and handling the signal's
    track), else every enabled handler of that track."""
    from meldpunt.signals.service import responsible_handlers

    return responsible_handlers(session, signal=signal)


def notify_reporter_reply(session: Session, *, signal: Signal, created_at: datetime | None = None) -> list[Notice]:
    """The reporter answered or added information: one notice per handler (``reply_recipients``).

    In-app always; by e-mail (content-free) only for a handler who chose it (``User.reply_mail``).
    A handler who still has an unread reply notice on this signal gets no second one: the marker is
    already there. For an anonymous signal ``created_at`` is the hour, and its e-mail waits until that
    hour has ended (``meldpunt.feedback.outbox.held_until``), so no mail records when the reporter was active.
    """
    notices = []
    for user in reply_recipients(session, signal=signal):
        unread = session.scalar(
            select(Notice.id).where(
                Notice.signal_id == signal.id, Notice.kind == NoticeKind.REPORTER_REPLY.value,
                Notice.recipient_user_id == user.id, Notice.read_at.is_(None),
            ).limit(1)
        )
        if unread is not None:
            continue
        notices.append(queue_notice(session, signal=signal, kind=NoticeKind.REPORTER_REPLY,
                                    recipient_user_id=user.id, created_at=created_at))
    return notices


def clear_reply_notices(session: Session, *, signal: Signal, user) -> int:
    """The handler opened the signal: their unread reply notices on it are read. Returns how many."""
    now = utcnow()
    notices = session.scalars(
        select(Notice).where(
            Notice.signal_id == signal.id, Notice.kind == NoticeKind.REPORTER_REPLY.value,
            Notice.recipient_user_id == user.id, Notice.read_at.is_(None),
        )
    ).all()
    for notice in notices:
        notice.read_at = now
    session.flush()
    return len(notices)


def signals_with_new_reply(session: Session, *, user_id: int, signal_ids) -> frozenset:
    """Of ``signal_ids``, those with an unread reply notice for this handler (the queue's marker)."""
    ids = list(signal_ids)
    if not ids:
        return frozenset()
    return frozenset(session.scalars(
        select(Notice.signal_id).where(
            Notice.recipient_user_id == user_id, Notice.kind == NoticeKind.REPORTER_REPLY.value,
            Notice.read_at.is_(None), Notice.signal_id.in_(ids),
        ).distinct()
    ))


def new_reply_condition(*, user_id: int):
    """SQL condition on ``Signal``: this handler has an unread reply notice on it (the queue's filter)."""
    return Signal.id.in_(
        select(Notice.signal_id).where(
            Notice.recipient_user_id == user_id, Notice.kind == NoticeKind.REPORTER_REPLY.value,
            Notice.read_at.is_(None),
        )
    )


def queue_grant_notice(session: Session, *, grant_id: int, recipient_user_id: int) -> Notice:
    """Tell one holder of a content role that a grant of that role awaits a decision (in-app and
    e-mail). Content-free: the notice names neither the account nor the role, only that a request waits."""
    notice = Notice(signal_id=None, grant_id=grant_id, kind=NoticeKind.ROLE_GRANT.value,
                    recipient_user_id=recipient_user_id)
    session.add(notice)
    session.flush()
    return notice


def queue_measure_notice(session: Session, *, measure_id: int, recipient_user_id: int) -> Notice:
    """Tell the owner of an improvement measure that it is past its due date (in-app and e-mail).
    Content-free: the notice names no measure text, only that one of theirs is over the term."""
    notice = Notice(signal_id=None, measure_id=measure_id, kind=NoticeKind.MEASURE_DUE.value,
                    recipient_user_id=recipient_user_id)
    session.add(notice)
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
    read = field_reader(session, keyring=keyring, data_key_id=signal.data_key_id)
    items = []
    for notice in notices:
        kind = NoticeKind(notice.kind)
        text = read(notice, "body")
        items.append(FeedbackItem(created_at=notice.created_at, kind=kind.value, title=NOTICE_TITLES[kind], text=text))
    return items


# ----------------------------------------------------------------------------- failed e-mail (handler)


@dataclass(frozen=True)
class FailedDelivery:
    """A notice to the reporter whose e-mail gave up after ``[feedback] max_attempts`` tries."""

    notice_id: int
    created_at: datetime
    title: str
    attempts: int


def failed_deliveries(session: Session, *, signal: Signal) -> list[FailedDelivery]:
    """The reporter's notices on this signal whose e-mail is ``failed`` (final), oldest first."""
    from meldpunt.feedback.outbox import failed_delivery

    notices = session.scalars(
        select(Notice)
        .where(Notice.signal_id == signal.id, Notice.recipient_user_id.is_(None), failed_delivery())
        .order_by(Notice.created_at, Notice.id)
    ).all()
    return [FailedDelivery(n.id, n.created_at, NOTICE_TITLES[NoticeKind(n.kind)], n.attempts) for n in notices]


def retry_failed_delivery(session: Session, *, signal: Signal, notice_id: int, actor) -> bool:
    """"Opnieuw proberen": the failed e-mail of one of this signal's reporter notices is sent once more.

    Resets the delivery (``outbox.reset_failed``), publishes it after the caller commits, and
    writes an audit entry. Returns False when that notice has no failed e-mail (e.g. a second
    click): nothing changes. A notice of another signal is refused like a missing one.
    """
    from meldpunt.audit.service import record
    from meldpunt.feedback.outbox import reset_failed

    notice = session.scalar(
        select(Notice).where(Notice.id == notice_id, Notice.signal_id == signal.id, Notice.recipient_user_id.is_(None))
    )
    if notice is None:
        raise FeedbackError(gettext("Dit bericht hoort niet bij deze melding."))
    previous = notice.attempts
    if not reset_failed(session, notice_id=notice.id):
        return False
    record(
        session,
        action="notice.retry",
        actor_id=actor.id,
        actor_label=actor.email,
        object_type="signal",
        object_id=signal.id,
        details={"notice_id": notice.id, "kind": notice.kind, "attempts": previous},
    )
    session.flush()
    return True


# ----------------------------------------------------------------------------- regisseur: free feedback

#: Standard texts for "terugkoppeling op hoofdlijnen" (B1 Dutch). The regisseur picks one and edits it.
FEEDBACK_TEMPLATES: dict[str, tuple[str, str]] = {
    "bedankt": (
        "Bedankt en we zijn ermee bezig",
        "Bedankt voor uw melding. We hebben de melding bekeken en zijn ermee aan de slag. "
        "Over de inhoud kunnen we u niet meer vertellen. U hoort van ons als de melding is afgerond.",
    ),
    "uitzoeken": (
        "We zoeken het verder uit",
        "We zoeken uw melding verder uit. Dat kan enige tijd duren. "
        "Heeft u nog nieuwe informatie? Stuur ons dan een bericht via het meldpunt.",
    ),
    "overleg": (
        "Besproken in overleg",
        "Uw melding is besproken in een overleg met de collega's die erover gaan. "
        "Er zijn afspraken gemaakt over wat er nu gebeurt. Om de betrokkenen te beschermen, "
        "kunnen we u niet vertellen welke afspraken dat zijn.",
    ),
    "doorgestuurd": (
        "Doorgestuurd naar de instantie die erover gaat",
        "Uw melding hoort bij een andere instantie. We hebben de melding aan die instantie doorgegeven. "
        "Zij beslissen zelf wat ze ermee doen.",
    ),
    "afgerond": (
        "Afgerond",
        "We hebben uw melding afgerond. Bedankt dat u dit heeft gemeld: "
        "elke melding helpt ons om de gemeente weerbaarder te maken.",
    ),
}

FEEDBACK_MAX = 4000


class FeedbackError(ValueError):
    """Invalid feedback; the message is Dutch and shown next to the field."""


def send_feedback(
    session: Session, *, keyring: Keyring, signal: Signal, actor, text: str, template_code: str | None = None
) -> Notice:
    """Queue a free "terugkoppeling op hoofdlijnen" for the reporter, encrypted, audited.

    The text is sealed under the signal's data key on the Notice row. The AAD binds it to
    (notices, body, <notice id>): the integer id exists only after the INSERT, so the row is
    flushed first (by ``queue_notice``) and sealed second — in the same transaction.
    """
    from meldpunt.audit.service import record
    from meldpunt.vault.service import seal

    text = (text or "").strip()
    if not text:
        raise FeedbackError(gettext("Schrijf de terugkoppeling voor de melder."))
    if len(text) > FEEDBACK_MAX:
        raise FeedbackError(gettext("De terugkoppeling is te lang (hoogstens %(maximum)s tekens).", maximum=FEEDBACK_MAX))
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        raise FeedbackError(gettext("Deze melding is verwijderd. Terugkoppeling is niet meer mogelijk.")) from None
    if signal.reporter_erased_at is not None:  # the reporter's identity was erased (AVG): nobody would read it
        raise FeedbackError(gettext("De identiteit van de melder is gewist na een verzoek onder de AVG. "
                                    "Terugkoppeling is daarom niet meer mogelijk."))
    notice = queue_notice(session, signal=signal, kind=NoticeKind.FEEDBACK)
    seal(cipher, notice, "body", text)
    record(
        session,
        action="feedback.send",
        actor_id=actor.id,
        actor_label=actor.email,
        object_type="signal",
        object_id=signal.id,
        details={"notice_id": notice.id, "template": template_code if template_code in FEEDBACK_TEMPLATES else ""},
    )
    session.flush()
    return notice


# ----------------------------------------------------------------------------- first-feedback term


#: Statuses after which no first feedback is awaited any more (each such move queues a notice anyway).


@dataclass(frozen=True)
class AwaitingItem:
    signal: Signal
    due: date
    overdue: bool


def awaiting_first_feedback():
    """SQL condition, the one definition of "wacht op terugkoppeling": the signal is still open, its
    reporter wants feedback and has had none beyond the received-confirmation."""
    return and_(
        Signal.first_feedback_at.is_(None),
        Signal.wants_feedback.is_(True),
        Signal.status.not_in(QUEUE_EXIT_STATUSES),
    )


def signals_awaiting_feedback(session: Session, *, track: str, working_days: int, today: date | None = None) -> list[AwaitingItem]:
    """Signals of one track whose reporter wants feedback and has had none beyond "received", oldest first."""
    today = today or utcnow().date()
    rows = session.scalars(
        select(Signal)
        .where(Signal.track == track, awaiting_first_feedback())
        .order_by(Signal.created_at)
    ).all()
    items = []
    for signal in rows:
        due = first_feedback_due(signal.created_at, working_days=working_days)
        items.append(AwaitingItem(signal=signal, due=due, overdue=due < today))  # the due day itself is still on time
    return items


def remind_handlers(session: Session, *, settings, today: date | None = None) -> int:
    """Queue a reminder (in-app + e-mail) for each overdue signal to its handler(s), once per handler per day.

    The handler is the signal's assignee when it has one (and may still handle the track);
    otherwise every enabled user with the track's handling role. Returns the reminders queued.
    """
    from meldpunt.audit.service import record
    from meldpunt.auth.models import User
    from meldpunt.signals.models import HANDLER_TRACKS

    today = today or utcnow().date()
    day_start = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    roles_for_track: dict[str, list[str]] = {}
    for role, track in HANDLER_TRACKS.items():
        roles_for_track.setdefault(track, []).append(role)
    count = 0
    for track, roles in roles_for_track.items():
        overdue = [i.signal for i in signals_awaiting_feedback(
            session, track=track, working_days=settings.first_feedback_working_days, today=today) if i.overdue]
        if not overdue:
            continue
        handlers = list(session.scalars(select(User).where(User.role.in_(roles), User.is_enabled.is_(True))))
        for signal in overdue:
            assignee = signal.assignee
            targets = [assignee] if assignee is not None and assignee.is_enabled and assignee.role in roles else handlers
            for user in targets:
                already = session.scalar(
                    select(Notice.id).where(
                        Notice.signal_id == signal.id,
                        Notice.kind == NoticeKind.REMINDER.value,
                        Notice.recipient_user_id == user.id,
                        Notice.created_at >= day_start,
                    ).limit(1)
                )
                if already is not None:
                    continue
                notice = queue_notice(session, signal=signal, kind=NoticeKind.REMINDER, recipient_user_id=user.id)
                record(session, action="feedback.remind", actor_label="systeem", object_type="signal",
                       object_id=signal.id, details={"notice_id": notice.id, "user_id": user.id})
                count += 1
    session.flush()
    return count


# ----------------------------------------------------------------------------- in-app inbox


@dataclass(frozen=True)
class InboxItem:
    id: int
    created_at: datetime
    title: str
    reference: str
    signal_id: object
    for_handler: bool
    read: bool
    grant_id: int | None = None
    measure_id: int | None = None
    meeting_id: object = None
    action_id: object = None


def _inbox_filter(user):
    from sqlalchemy import and_, or_

    return or_(
        Notice.recipient_user_id == user.id,
        and_(Notice.recipient_user_id.is_(None), Signal.reporter_id == user.id),
    )


def inbox(session: Session, *, user, limit: int = 200) -> list[InboxItem]:
    """The user's notices, newest first: their own signals' news, and reminders addressed to them."""
    rows = session.execute(
        select(Notice, Signal.reference)
        .outerjoin(Signal, Signal.id == Notice.signal_id)
        .where(_inbox_filter(user))
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()
    return [
        InboxItem(
            id=n.id, created_at=n.created_at, title=NOTICE_TITLES[NoticeKind(n.kind)], reference=reference or "",
            signal_id=n.signal_id, for_handler=n.recipient_user_id is not None, read=n.read_at is not None,
            grant_id=n.grant_id, measure_id=n.measure_id, meeting_id=n.meeting_id, action_id=n.action_id,
        )
        for n, reference in rows
    ]


def unread_count(session: Session, *, user) -> int:
    from sqlalchemy import func

    return session.scalar(
        select(func.count(Notice.id))
        .outerjoin(Signal, Signal.id == Notice.signal_id)
        .where(_inbox_filter(user), Notice.read_at.is_(None))
    ) or 0


def mark_read(session: Session, *, user, notice_id: int | None = None, origin: str = "") -> int:
    """Mark one notice (or, with ``notice_id=None``, all) of this user read. Returns how many changed.

    Audited: notices addressed to the user as handler (reminders) under their account; notices about
    the user's own meldingen as a reporter action, under each melding's pseudonym (never the account).
    """
    from meldpunt.audit.service import record, record_reporter_action

    query = (
        select(Notice).outerjoin(Signal, Signal.id == Notice.signal_id)
        .where(_inbox_filter(user), Notice.read_at.is_(None))
    )
    if notice_id is not None:
        query = query.where(Notice.id == notice_id)
    own: list[int] = []
    as_reporter: dict = {}
    now = utcnow()
    for notice in session.scalars(query):
        notice.read_at = now
        if notice.recipient_user_id is None:
            as_reporter.setdefault(notice.signal_id, []).append(notice.id)
        else:
            own.append(notice.id)
    action = "notice.read" if notice_id is not None else "notice.read_all"
    if own:
        record(session, action=action, actor_id=user.id, actor_label=user.email, origin=origin,
               **({"object_type": "notice", "object_id": own[0]} if notice_id is not None
                  else {"object_type": "user", "object_id": user.id, "details": {"count": len(own)}}))
    for signal_id, ids in as_reporter.items():
        if notice_id is not None:
            record_reporter_action(session, action=action, signal_id=signal_id, object_type="notice",
                                   object_id=ids[0])
        else:
            record_reporter_action(session, action=action, signal_id=signal_id, details={"count": len(ids)})
    session.flush()
    return len(own) + sum(len(ids) for ids in as_reporter.values())


def find_inbox_notice(session: Session, *, user, notice_id: int) -> Notice | None:
    return session.scalar(
        select(Notice).outerjoin(Signal, Signal.id == Notice.signal_id)
        .where(_inbox_filter(user), Notice.id == notice_id)
    )
