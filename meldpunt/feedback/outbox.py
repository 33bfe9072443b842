"""The transactional outbox: publish after commit, sweep what is pending, deliver exactly once.

Writing side (web requests, services): ``queue_notice`` adds a ``Notice`` row in the caller's
transaction. The session hooks installed by ``init_outbox`` collect the ids of new notices at
flush, forget them on rollback, and publish them to Celery after commit — ids only, with a
short connection timeout and no retries, so a request never waits on a broken broker. A
failure is logged (notice id only) and left to ``sweep``, which Celery beat runs every 30 s.

Delivering side (``workers.notices.deliver_notice``): ``deliver`` is idempotent. Each channel
of a notice has one ``NoticeDelivery`` row (unique per notice and channel). E-mail is claimed
with a compare-and-swap on ``claim_token`` in its own committed transaction, sent, then marked
sent. The guarantee and its one residual window are explained in docs/feedback.md.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meldpunt.config import Settings
from meldpunt.database import savepoint_released, utcnow
from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery, NoticeKind

#: Notice kind -> ``(session, *, notice, settings) -> (filename, content type, bytes) | None``: a file the e-mail
#: carries (the casusoverleg's calendar invite). Registered by the package that owns the kind
#: (``meldpunt.meetings.notices``), so the outbox imports none of them.
MAIL_ATTACHMENTS: dict[str, Callable[..., tuple[str, str, bytes] | None]] = {}

log = logging.getLogger("meldpunt.feedback.outbox")

DELIVER_TASK = "workers.notices.deliver_notice"
_PENDING_KEY = "meldpunt.outbox.new_notices"
SWEEP_BATCH = 500


# ----------------------------------------------------------------------------- publishing


def _stamp_new_notices(session: Session, _flush_context, _instances) -> None:
    """Mark new notices published in the transaction that makes them (no second transaction after publish).

    The after-commit hook then publishes them; only when that fails is ``published_at`` set back to
    empty (``_unmark_published``), so the sweep publishes them on its next run. A process that dies
    between commit and publish leaves a notice marked: the sweep republishes it after
    ``[feedback] republish_after_seconds``.
    """
    for obj in session.new:
        if isinstance(obj, Notice) and obj.delivered_at is None and obj.published_at is None:
            obj.published_at = utcnow()


def _collect_new_notices(session: Session, _flush_context) -> None:
    # Notices delivered when made (an anonymous reporter's, see ``queue_notice``) are never published.
    ids = [obj.id for obj in session.new if isinstance(obj, Notice) and obj.id is not None and obj.delivered_at is None]
    if ids:
        session.info.setdefault(_PENDING_KEY, set()).update(ids)


def _forget_notices(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def _publish_after_commit(session: Session) -> None:
    if savepoint_released(session):
        return  # the notices wait for the outer transaction's commit
    ids = session.info.pop(_PENDING_KEY, None)
    if not ids or not has_app_context():
        return
    publish_notices(current_app._get_current_object(), sorted(ids), marked=True)  # type: ignore[attr-defined]


def init_outbox(app: Flask) -> None:
    """Install the session hooks (once per process) and the ``notices`` CLI group."""
    from flask_sqlalchemy.session import Session as FlaskSession

    for name, fn in (
        ("before_flush", _stamp_new_notices),
        ("after_flush", _collect_new_notices),
        ("after_commit", _publish_after_commit),
        ("after_rollback", _forget_notices),
    ):
        if not event.contains(FlaskSession, name, fn):
            event.listen(FlaskSession, name, fn)
    app.cli.add_command(notices_cli)


class _Publisher:
    """One broker connection per app and process, reused for every publish (a new one cost ~3 ms per filing).

    Made with the ``[broker] publish_timeout`` and no connection retries, as before. A failure drops
    it; a failure on a reused connection (Redis restarted, idle socket closed) is tried once more on a
    fresh one. Bound to the process id: a forked child never shares its parent's socket.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connection: Any = None
        self.pid = 0

    def _fresh(self, celery: Any) -> Any:
        self.close()
        self.connection = celery.connection_for_write(
            transport_options={"max_retries": 0, "interval_start": 0, "interval_step": 0}
        )
        self.pid = os.getpid()
        return self.connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None and self.pid == os.getpid():
            try:
                connection.release()
            except Exception:  # noqa: BLE001 # nosec B110 - a broken connection may not close; it is dropped anyway
                pass

    def publish(self, celery: Any, ids: list[int], *, queue: str, published: list[int]) -> None:
        with self.lock:
            reused = self.connection is not None and self.pid == os.getpid()
            if not reused:
                self.connection = None  # a parent's connection: never touch its socket
            for attempt in (1, 2):
                connection = self.connection if reused and attempt == 1 else self._fresh(celery)
                try:
                    for notice_id in ids:
                        if notice_id in published:
                            continue
                        celery.send_task(
                            DELIVER_TASK, args=[int(notice_id)], retry=False, connection=connection,
                            queue=queue, ignore_result=True,
                        )
                        published.append(notice_id)
                    return
                except Exception:
                    self.close()
                    if attempt == 2 or not reused:
                        raise


_PUBLISHER_KEY = "meldpunt.outbox.publisher"


def publish_notices(app: Flask, notice_ids: Iterable[int], *, marked: bool = False) -> list[int]:
    """Send one ``deliver_notice`` message per id; never raises, never waits long.

    Uses the process's broker connection (``_Publisher``) with ``publish_timeout`` and no connection
    retries. ``marked``: the notices already carry ``published_at`` (new ones, see ``_stamp_new_notices``):
    only what failed is unmarked. Otherwise (the sweep) what went out is marked. Returns the published ids.
    """
    ids = list(notice_ids)
    if not ids:
        return []
    settings: Settings = app.extensions["meldpunt.settings"]
    published: list[int] = []
    try:
        publisher = app.extensions.setdefault(_PUBLISHER_KEY, _Publisher())
        publisher.publish(app.extensions["celery"], ids, queue=settings.broker_queue, published=published)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep will retry
        missing = [i for i in ids if i not in published]
        log.warning("outbox: publishing notices %s failed (%s); left for the sweep",
                    ",".join(str(i) for i in missing), type(exc).__name__)
        if marked:
            _set_published(app, missing, None)
    if published and not marked:
        _set_published(app, published, utcnow())
    return published


def _set_published(app: Flask, ids: list[int], value: datetime | None) -> None:
    from meldpunt.extensions import db

    try:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(update(Notice).where(Notice.id.in_(ids)).values(published_at=value))
    except Exception as exc:  # noqa: BLE001 - only bookkeeping: at worst the sweep republishes later
        log.warning("outbox: marking notices %s failed (%s)", ",".join(map(str, ids)), type(exc).__name__)


def publish_after_commit(session: Session, notice_id: int) -> None:
    """Publish an existing notice once the caller's transaction commits (as for a new one).

    The caller marks it published in its own transaction (``published_at``), as for a new notice.
    """
    session.info.setdefault(_PENDING_KEY, set()).add(int(notice_id))


def failed_delivery():
    """SQL condition on ``Notice``: one of its channels gave up (``failed`` is final: see ``reset_failed``)."""
    return (
        select(NoticeDelivery.id)
        .where(NoticeDelivery.notice_id == Notice.id, NoticeDelivery.state == DeliveryState.FAILED.value)
        .exists()
    )


def pending_notice_ids(session: Session, *, settings: Settings, limit: int = SWEEP_BATCH) -> list[int]:
    """Undelivered notices never published, or published longer ago than ``republish_after_seconds``.

    A notice whose e-mail failed ``[feedback] max_attempts`` times is ``failed``: final, never picked up
    again; only the handler's "Opnieuw proberen" (``reset_failed``) gives it a new budget.
    """
    cutoff = utcnow() - timedelta(seconds=settings.feedback.republish_after_seconds)
    return list(
        session.scalars(
            select(Notice.id)
            .where(
                Notice.delivered_at.is_(None),
                Notice.attempts < settings.feedback.max_attempts,
                ~failed_delivery(),
                or_(Notice.published_at.is_(None), Notice.published_at < cutoff),
            )
            .order_by(Notice.id)
            .limit(limit)
        )
    )


def sweep(app: Flask | None = None) -> int:
    """Publish every pending notice (beat, every 30 s; ``flask notices sweep``). Returns how many went out."""
    from meldpunt.extensions import db

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.extensions["meldpunt.settings"]
    with app.app_context():
        ids = pending_notice_ids(db.session, settings=settings)
        db.session.rollback()
    if not ids:
        return 0
    published = publish_notices(app, ids)
    if published:
        log.info("outbox: sweep published %d notice(s)", len(published))
    return len(published)


# ----------------------------------------------------------------------------- delivering


class DeliveryBusy(Exception):
    """Another task run holds the e-mail claim; try again after ``countdown`` seconds."""

    def __init__(self, countdown: float) -> None:
        super().__init__(f"claim held; retry in {countdown:.0f}s")
        self.countdown = countdown


class DeliveryFailed(Exception):
    """An SMTP or network failure. The message names the error class only.

    ``attempts`` is the number of failed runs of this notice so far; ``final`` says the budget
    (``[feedback] max_attempts``) is spent and the e-mail is now ``failed``: do not retry.
    """

    def __init__(self, error: str, *, attempts: int, final: bool) -> None:
        super().__init__(error)
        self.attempts = attempts
        self.final = final


@dataclass(frozen=True)
class DeliveryPlan:
    channels: tuple[DeliveryChannel, ...]
    email_to: str | None
    for_handler: bool
    #: The language of the e-mail: the recipient's choice (``User.language``, issue 22 item 9).
    language: str = "nl"


def plan_delivery(notice: Notice) -> DeliveryPlan:
    """Who gets a notice, and how.

    Handler reminders, role-grant, measure and meeting notices: the staff member's inbox, and e-mail to their
    account address.
    Identified reporter: the inbox always; e-mail only if they asked for feedback by e-mail.
    Anonymous reporter: only the receipt-code page (there is no address, and there must be none).
    """
    if notice.recipient_user_id is not None:
        user = notice.recipient
        email = user.email if user is not None and user.is_enabled and user.email else None
        if notice.kind == NoticeKind.REPORTER_REPLY.value and not (user is not None and user.reply_mail):
            email = None  # a reporter's reply is mailed only to a handler who chose it
        return DeliveryPlan((DeliveryChannel.INBOX,), email, True, _language_of(user))
    signal = notice.signal
    reporter = signal.reporter if signal is not None else None
    if signal is None or signal.is_anonymous or reporter is None:
        return DeliveryPlan((DeliveryChannel.RECEIPT,), None, False)
    wants_mail = bool(signal.wants_feedback and signal.feedback_by_email and reporter.is_enabled and reporter.email)
    return DeliveryPlan((DeliveryChannel.INBOX,), reporter.email if wants_mail else None, False, _language_of(reporter))


def _language_of(user) -> str:
    return getattr(user, "language", None) or "nl"


def held_until(notice: Notice):
    """When a notice may go out. A handler's notice of an anonymous reporter's reply carries the hour of
    the reply; it waits until that hour has ended, so no e-mail (or delivery time) tells when the
    anonymous reporter was active. Every other notice: at once."""
    from datetime import timezone

    signal = notice.signal
    if notice.kind == NoticeKind.REPORTER_REPLY.value and signal is not None and signal.is_anonymous:
        created = notice.created_at if notice.created_at.tzinfo else notice.created_at.replace(tzinfo=timezone.utc)
        return created + timedelta(hours=1)
    return notice.created_at if notice.created_at.tzinfo else notice.created_at.replace(tzinfo=timezone.utc)


def _ensure_row(session: Session, notice_id: int, channel: DeliveryChannel, *, sent: bool) -> None:
    exists = session.scalar(
        select(NoticeDelivery.id).where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == channel.value)
    )
    if exists is not None:
        return
    now = utcnow()
    try:
        with session.begin_nested():
            session.add(
                NoticeDelivery(
                    notice_id=notice_id, channel=channel.value,
                    state=(DeliveryState.SENT if sent else DeliveryState.PENDING).value,
                    sent_at=now if sent else None, created_at=now,
                )
            )
    except IntegrityError:
        pass  # a concurrent run inserted it: the unique constraint is the point


def deliver(session: Session, *, notice_id: int, settings: Settings, organisation: str | None = None) -> str:
    """Deliver one notice on all its channels; safe to run any number of times, also concurrently.

    This is the task body, so it commits its own steps (the claim must be durable before
    the e-mail leaves). Returns what happened: "missing", "already", "delivered".
    Returns "failed" (and sends nothing) for an e-mail that already gave up.
    Raises ``DeliveryBusy`` or ``DeliveryFailed`` for the task to retry (or to stop, when final).
    """
    notice = session.get(Notice, notice_id)
    if notice is None:
        session.rollback()
        return "missing"
    if notice.delivered_at is not None:
        session.rollback()
        return "already"
    if held_until(notice) > utcnow():
        session.rollback()
        return "later"  # the sweep publishes it again; delivered once its hour has ended
    plan = plan_delivery(notice)
    reference = notice.signal.reference if notice.signal is not None else ""
    about_grant = notice.grant_id is not None
    about_measure = notice.measure_id is not None
    about_reply = notice.kind == NoticeKind.REPORTER_REPLY.value
    meeting_kind, attachment = None, None
    if notice.meeting_id is not None or notice.action_id is not None:
        meeting_kind = notice.kind
        attach = MAIL_ATTACHMENTS.get(notice.kind)
        attachment = attach(session, notice=notice, settings=settings) if attach is not None else None
    for channel in plan.channels:
        _ensure_row(session, notice_id, channel, sent=True)
    # No commit here: the rows are committed with the e-mail's claim, or with the delivered mark
    # (each commit is a round trip and a disk flush: a delivery took five, now three).

    if plan.email_to:
        sent = _deliver_email(
            session, notice_id=notice_id, to=plan.email_to, reference=reference,
            for_handler=plan.for_handler, settings=settings, organisation=organisation or settings.organisation,
            about_grant=about_grant, about_measure=about_measure, meeting_kind=meeting_kind, attachment=attachment,
            about_reply=about_reply, language=plan.language,
        )
        if not sent:
            return "failed"

    session.execute(
        update(Notice).where(Notice.id == notice_id, Notice.delivered_at.is_(None)).values(delivered_at=utcnow())
    )
    session.commit()
    return "delivered"


def _deliver_email(
    session: Session, *, notice_id: int, to: str, reference: str, for_handler: bool, settings: Settings,
    organisation: str,
    about_grant: bool = False,
    about_measure: bool = False,
    meeting_kind: str | None = None,
    attachment: tuple[str, str, bytes] | None = None,
    about_reply: bool = False,
    language: str = "nl",
) -> bool:
    """Claim, send, mark sent. True when the e-mail is sent (now or by an earlier run), False when it is
    ``failed`` (final: nothing is sent). Raises ``DeliveryBusy`` or ``DeliveryFailed``."""
    from meldpunt.feedback.mail import build_message, compose_notice_mail, send_mail

    _ensure_row(session, notice_id, DeliveryChannel.EMAIL, sent=False)  # committed with the claim below

    token = str(uuid.uuid4())
    now = utcnow()
    lease = settings.feedback.claim_lease_seconds
    where = (NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == DeliveryChannel.EMAIL.value)
    claimed = session.execute(
        update(NoticeDelivery)
        .where(
            *where,
            NoticeDelivery.state.not_in([DeliveryState.SENT.value, DeliveryState.FAILED.value]),
            or_(NoticeDelivery.claim_token.is_(None), NoticeDelivery.claimed_at < now - timedelta(seconds=lease)),
        )
        .values(state=DeliveryState.SENDING.value, claim_token=token, claimed_at=now,
                attempts=NoticeDelivery.attempts + 1, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if claimed != 1:
        state = session.scalar(select(NoticeDelivery.state).where(*where))
        session.rollback()
        if state == DeliveryState.SENT.value:
            return True  # an earlier run sent it: exactly one e-mail
        if state == DeliveryState.FAILED.value:
            return False  # gave up: final until a handler resets it
        raise DeliveryBusy(countdown=lease)

    still_mine = session.scalar(select(NoticeDelivery.claim_token).where(*where)) == token
    session.rollback()
    if not still_mine:
        return True  # our lease ran out and another run took over; it sends, not us

    mail = compose_notice_mail(
        notice_id=notice_id, reference=reference, to=to, for_handler=for_handler,
        base_url=settings.base_url, organisation=organisation, about_grant=about_grant,
        about_measure=about_measure, meeting_kind=meeting_kind, attachment=attachment, about_reply=about_reply,
        language=language,
    )
    try:
        send_mail(settings.mail, build_message(mail, sender=settings.mail.sender))
    except Exception as exc:  # noqa: BLE001 - SMTP, socket, TLS: count the failure, release or give up
        error = type(exc).__name__
        session.execute(
            update(Notice).where(Notice.id == notice_id)
            .values(attempts=Notice.attempts + 1, last_error=f"email: {error}")
            .execution_options(synchronize_session=False)
        )
        attempts = session.scalar(select(Notice.attempts).where(Notice.id == notice_id)) or 0
        final = attempts >= settings.feedback.max_attempts
        # In the same transaction as the count: the budget spent means failed (final), otherwise pending again.
        session.execute(
            update(NoticeDelivery).where(*where, NoticeDelivery.claim_token == token)
            .values(state=(DeliveryState.FAILED if final else DeliveryState.PENDING).value, claim_token=None,
                    claimed_at=None, last_error=error)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        raise DeliveryFailed(error, attempts=attempts, final=final) from None

    marked = session.execute(
        update(NoticeDelivery).where(*where, NoticeDelivery.claim_token == token)
        .values(state=DeliveryState.SENT.value, claim_token=None, sent_at=utcnow(), message_id=mail.message_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Committed by the caller together with the notice's delivered mark (``deliver``).
    if marked != 1:
        log.warning("outbox: notice %s e-mail sent after its claim expired; a duplicate is possible", notice_id)
    return True


def reset_failed(session: Session, *, notice_id: int) -> bool:
    """"Opnieuw proberen": give a ``failed`` e-mail a new budget and publish it after the caller commits.

    The delivery goes back to ``pending`` and the notice's failure count to zero, so the worker and
    the sweep treat it as new: it is sent once (the same claim as always guards against doubles).
    Returns False when there is no failed e-mail for this notice (nothing changed).
    """
    reset = session.execute(
        update(NoticeDelivery)
        .where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == DeliveryChannel.EMAIL.value,
               NoticeDelivery.state == DeliveryState.FAILED.value)
        .values(state=DeliveryState.PENDING.value, claim_token=None, claimed_at=None, last_error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if reset != 1:
        return False
    session.execute(
        update(Notice).where(Notice.id == notice_id)
        .values(attempts=0, last_error=None, published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    publish_after_commit(session, notice_id)
    return True


# ----------------------------------------------------------------------------- CLI

import click  # noqa: E402
from flask.cli import AppGroup  # noqa: E402

notices_cli = AppGroup("notices", help="Deliver notices (terugkoppeling).")


@notices_cli.command("sweep")
def sweep_command() -> None:
    """Publish every undelivered notice to the worker now (what beat does every 30 s)."""
    click.echo(f"published {sweep()} notice(s)")


@notices_cli.command("remind")
def remind_command() -> None:
    """Remind handlers of signals without first feedback within the term (what beat does daily)."""
    from meldpunt.extensions import db
    from meldpunt.feedback.service import remind_handlers

    count = remind_handlers(db.session, settings=current_app.extensions["meldpunt.settings"])
    db.session.commit()
    click.echo(f"queued {count} reminder(s)")
