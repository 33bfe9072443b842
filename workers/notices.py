"""Delivery of outbox notices: thin tasks around meldpunt.feedback.outbox (ids in, ids only in messages).

``deliver_notice`` runs with ``acks_late`` and ``reject_on_worker_lost``: a message is
acknowledged only after the task returns, so a worker that dies mid-task gets the message
redelivered (and the sweep republishes anything left undelivered). The task itself is
idempotent, so at-least-once execution gives one e-mail (docs/feedback.md).
"""

from __future__ import annotations

import secrets

from celery import shared_task
from celery.signals import worker_shutdown
from celery.utils.log import get_task_logger
from flask import current_app

log = get_task_logger(__name__)  # not under "meldpunt": Flask's handler there would log every line twice

BACKOFF_BASE = 5.0  # seconds; doubles each retry
BACKOFF_MAX = 900.0
_random = secrets.SystemRandom()


def backoff_with_jitter(retries: int) -> float:
    """Full-jitter exponential backoff: uniform in [base/2, min(max, base * 2**retries)]."""
    ceiling = min(BACKOFF_MAX, BACKOFF_BASE * (2**retries))
    return _random.uniform(min(BACKOFF_BASE / 2, ceiling), ceiling)


@shared_task(
    bind=True,
    name="workers.notices.deliver_notice",
    acks_late=True,
    reject_on_worker_lost=True,
    # The retry budget has one owner, ``[feedback] max_attempts``, counted in the database per notice
    # (so a republished or redelivered message does not start a new count); Celery does not count.
    max_retries=None,
    ignore_result=True,
)
def deliver_notice(self, notice_id: int) -> str:
    from meldpunt.extensions import db
    from meldpunt.feedback.outbox import DeliveryBusy, DeliveryFailed, deliver

    settings = current_app.extensions["meldpunt.settings"]
    try:
        outcome = deliver(db.session, notice_id=int(notice_id), settings=settings)
    except DeliveryBusy as exc:
        db.session.rollback()
        if self.request.retries >= settings.feedback.max_attempts:
            log.warning("notice %s: claim still held after %d tries; left for the sweep", notice_id,
                        self.request.retries + 1)
            return "busy"
        raise self.retry(countdown=exc.countdown + _random.uniform(0, 2)) from None
    except DeliveryFailed as exc:
        db.session.rollback()
        if exc.final:
            log.error("notice %s: delivery failed after %d tries (%s); marked failed", notice_id, exc.attempts, exc)
            return "failed"
        log.warning("notice %s: delivery failed (%s); retry %d of %d", notice_id, exc, exc.attempts,
                    settings.feedback.max_attempts - 1)
        raise self.retry(countdown=backoff_with_jitter(exc.attempts - 1)) from None
    log.info("notice %s: %s", notice_id, outcome)
    return outcome


@shared_task(name="workers.notices.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    from meldpunt.feedback.outbox import sweep

    return sweep()


@shared_task(name="workers.notices.remind_handlers", ignore_result=True)
def remind_handlers() -> int:
    from meldpunt.extensions import db
    from meldpunt.feedback.service import remind_handlers as queue_reminders

    count = queue_reminders(db.session, settings=current_app.extensions["meldpunt.settings"])
    db.session.commit()  # the after-commit hook publishes the reminders
    log.info("queued %d reminder(s)", count)
    return count


@shared_task(name="workers.notices.remind_measure_owners", ignore_result=True)
def remind_measure_owners(today: str | None = None) -> int:
    """Daily: a content-free reminder to the owner of each overdue improvement measure (once per day).

    ``today`` (ISO date) is for tests with a frozen clock; the beat sends nothing and the task uses
    today's date in Europe/Amsterdam.
    """
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from meldpunt.extensions import db
    from meldpunt.resilience.service import remind_overdue

    day = date.fromisoformat(today) if today else datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    count = remind_overdue(db.session, today=day)
    db.session.commit()  # the after-commit hook publishes the reminders
    log.info("queued %d measure reminder(s)", count)
    return count


@shared_task(name="workers.notices.remind_threatened", ignore_result=True)
def remind_threatened() -> int:
    """Every 15 minutes: a content-free reminder to the handler(s) of each threatened reporter's signal
    without action after ``[feedback] threat_reminder_hours`` (once per signal). The time comes from the
    app's clock (``meldpunt.clock``), so a test can freeze it."""
    from datetime import datetime, timezone

    from meldpunt.extensions import db
    from meldpunt.threats.service import remind_threatened as queue_reminders

    now = datetime.fromtimestamp(current_app.extensions["meldpunt.clock"](), tz=timezone.utc)
    count = queue_reminders(db.session, settings=current_app.extensions["meldpunt.settings"], now=now)
    db.session.commit()  # the after-commit hook publishes the reminders
    log.info("queued %d urgent reminder(s)", count)
    return count


@worker_shutdown.connect
def _quit_kept_smtp_connection(**_kwargs) -> None:
    """Say QUIT on the SMTP connection the worker kept between notices."""
    from meldpunt.feedback.mail import close_kept_connection

    close_kept_connection()
