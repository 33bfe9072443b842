"""Notices reach the reporter: real Redis, a real Celery worker subprocess and a real SMTP server.

No mocks: the worker is ``celery -A workers.main worker`` built from a config file that points
to the same database; the SMTP server is aiosmtpd. Waits poll with generous deadlines.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import time

import pytest
import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery, NoticeKind
from tests.conftest import make_users
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import free_port, wait_until

pytestmark = pytest.mark.redis


def file_for(app, reporter_email: str | None, canary: str, *, by_email: bool = True) -> tuple[int, str]:
    """File a signal as the web request would (service + one commit); returns (notice id, reference)."""
    from meldpunt.auth.models import User
    from meldpunt.intake.service import file_signal

    with app.app_context():
        reporter = db.session.scalar(sa.select(User).where(User.email == reporter_email)) if reporter_email else None
        signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter,
                             description=f"Vreemde geldstromen bij {canary} aan de Kerkstraat")
        signal.wants_feedback = True
        signal.feedback_by_email = by_email and reporter is not None
        reference = signal.reference
        db.session.commit()  # the after-commit hook publishes the confirmation notice
        notice_id = db.session.scalar(sa.select(Notice.id).where(Notice.signal_id == signal.id))
        db.session.remove()
    return notice_id, reference


def notice_row(app, notice_id: int) -> Notice:
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        db.session.expunge(notice)
        db.session.remove()
        return notice


def deliveries(app, notice_id: int) -> dict[str, NoticeDelivery]:
    with app.app_context():
        rows = db.session.scalars(sa.select(NoticeDelivery).where(NoticeDelivery.notice_id == notice_id)).all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return {row.channel: row for row in rows}


def assert_no_content(raw: str, *, canary: str, extra: tuple[str, ...] = ()) -> None:
    for secret in (canary, "Kerkstraat", "geldstromen", "ontvangen", "behandeling", *extra):
        assert secret.lower() not in raw.lower(), f"{secret!r} leaked into the e-mail"


def test_filing_delivers_one_content_free_email(feedback_stack_any_db, smtp_server):
    stack = feedback_stack_any_db
    app = stack.app()
    users = make_users(app)
    stack.start_worker()
    canary = f"CANARY-{secrets.token_hex(6)}"

    notice_id, reference = file_for(app, users["melder"].email, canary)

    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [users["melder"].email]
    message = mail.message
    assert message["Subject"] == "Nieuws over uw melding"  # no reference: MI-… would reveal the integrity track
    assert message["Message-ID"] == f"<notice-{notice_id}@meldpunt.test.example>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "https://meldpunt.test.example" in body
    assert_no_content(mail.text, canary=canary, extra=(users["melder"].name, reference))

    wait_until(lambda: notice_row(app, notice_id).delivered_at is not None, what="the notice to be marked delivered")
    rows = deliveries(app, notice_id)
    assert rows[DeliveryChannel.EMAIL].state == DeliveryState.SENT
    assert rows[DeliveryChannel.INBOX].state == DeliveryState.SENT
    assert notice_row(app, notice_id).published_at is not None
    assert len(smtp_server.received()) == 1


def test_anonymous_reporter_gets_no_email_only_the_receipt_page(feedback_stack, smtp_server):
    app = feedback_stack.app()
    make_users(app)
    feedback_stack.start_worker()
    notice_id, _reference = file_for(app, None, "CANARY-anon")

    wait_until(lambda: notice_row(app, notice_id).delivered_at is not None, what="the notice to be made available")
    assert set(deliveries(app, notice_id)) == {DeliveryChannel.RECEIPT}
    assert smtp_server.received() == []


def test_broker_messages_carry_the_notice_id_only(feedback_stack, redis_client):
    app = feedback_stack.app()  # no worker: the message stays on the queue to be read
    users = make_users(app)
    canary = f"CANARY-{secrets.token_hex(6)}"
    notice_id, reference = file_for(app, users["melder"].email, canary)

    raw_messages = wait_until(lambda: redis_client.lrange(feedback_stack.queue, 0, -1), what="the published message")
    assert len(raw_messages) == 1
    raw = raw_messages[0].decode()
    envelope = json.loads(raw)
    assert envelope["headers"]["task"] == "workers.notices.deliver_notice"
    assert envelope["content-type"] == "application/json"
    args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    assert args == [notice_id] and kwargs == {}
    decoded = raw + base64.b64decode(envelope["body"]).decode()
    for secret in (canary, "Kerkstraat", reference, users["melder"].email, users["melder"].name):
        assert secret not in decoded


def test_rolled_back_transaction_leaves_no_notice_and_publishes_nothing(feedback_stack, redis_client):
    from meldpunt.auth.models import User
    from meldpunt.intake.service import file_signal

    app = feedback_stack.app()
    users = make_users(app)
    with app.app_context():
        reporter = db.session.scalar(sa.select(User).where(User.email == users["melder"].email))
        file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter, description="x")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == 0
        db.session.commit()  # a later commit must not publish the forgotten id either
    assert redis_client.llen(feedback_stack.queue) == 0


def test_running_the_task_twice_sends_one_email(feedback_stack, smtp_server):
    app = feedback_stack.app()
    users = make_users(app)
    worker = feedback_stack.start_worker()
    notice_id, _ = file_for(app, users["melder"].email, "CANARY-twice")
    celery = app.extensions["celery"]
    for _ in range(2):  # two more deliveries of the same notice: three task runs in all
        celery.send_task("workers.notices.deliver_notice", args=[notice_id], queue=feedback_stack.queue)

    wait_until(lambda: worker.log().count(f"notice {notice_id}: ") >= 3, what="three task runs")
    assert worker.log().count(f"notice {notice_id}: delivered") == 1
    assert worker.log().count(f"notice {notice_id}: already") == 2
    assert len(smtp_server.received()) == 1


def test_unreachable_broker_files_at_once_and_the_sweep_delivers_once(feedback_stack, smtp_server, caplog):
    dead_port = free_port()
    down = feedback_stack.app(broker={"url": f"redis://127.0.0.1:{dead_port}/0", "publish_timeout": 0.5})
    users = make_users(down)
    canary = f"CANARY-{secrets.token_hex(6)}"

    started = time.monotonic()
    with caplog.at_level("WARNING", logger="meldpunt.feedback.outbox"):
        notice_id, _ = file_for(down, users["melder"].email, canary)
    elapsed = time.monotonic() - started
    assert elapsed < 10, "filing must not wait on the broker"  # generous: a hang would take minutes
    assert notice_row(down, notice_id).published_at is None
    [line] = [r.getMessage() for r in caplog.records if "publishing notices" in r.getMessage()]
    assert str(notice_id) in line and canary not in line and users["melder"].email not in line

    # The broker is back (the same database, reached through the reachable Redis): the sweep delivers.
    feedback_stack.start_worker()
    up = feedback_stack.app()
    app_celery = up.extensions["celery"]
    app_celery.send_task("workers.notices.sweep_outbox", queue=feedback_stack.queue)
    [mail] = smtp_server.wait_for(1)
    assert canary not in mail.text
    wait_until(lambda: notice_row(up, notice_id).delivered_at is not None, what="delivery")
    from meldpunt.feedback.outbox import sweep

    assert sweep(up) == 0  # nothing pending any more
    assert len(smtp_server.received()) == 1


def test_redis_stopped_then_back_delivers_exactly_once(feedback_stack, smtp_server, tmp_path):
    """A Redis of our own on a free port, stopped while the signal is filed, started again after."""
    import shutil

    redis_server = shutil.which("redis-server")
    if redis_server is None:  # skips locally with the reason, fails under CI
        from tests.conftest import service_missing

        service_missing("Redis", "redis-server (binary)", FileNotFoundError("redis-server is not installed"))
    port = free_port()
    argv = [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(tmp_path)]
    broker = {"url": f"redis://127.0.0.1:{port}/0", "publish_timeout": 0.5}
    app = feedback_stack.app(broker=broker)
    users = make_users(app)

    notice_id, _ = file_for(app, users["melder"].email, "CANARY-stopped")  # Redis not running yet
    assert notice_row(app, notice_id).published_at is None

    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL)  # nosec B603 - fixed arguments
    try:
        import redis

        wait_until(lambda: _pings(redis.Redis(port=port, socket_connect_timeout=0.5)), what="redis-server")
        feedback_stack.broker_url = broker["url"]
        feedback_stack.start_worker()
        from meldpunt.feedback.outbox import sweep

        assert sweep(app) == 1
        smtp_server.wait_for(1)
        wait_until(lambda: notice_row(app, notice_id).delivered_at is not None, what="delivery")
        assert sweep(app) == 0
        assert len(smtp_server.received()) == 1
    finally:
        for worker in feedback_stack.workers:
            worker.stop()
        server.terminate()
        server.wait(timeout=20)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False


def test_worker_killed_mid_delivery_gives_exactly_one_email_after_restart(feedback_stack, smtp_server):
    """The first worker claims the e-mail and is SIGKILLed while the SMTP server holds back its answer
    to RCPT TO (the message content was never sent); a restarted worker takes the claim over."""
    fast_takeover = {"claim_lease_seconds": 3.0, "republish_after_seconds": 1.0}
    app = feedback_stack.app(feedback=fast_takeover)
    users = make_users(app)
    smtp_server.hold_first_recipient = True
    doomed = feedback_stack.start_worker("doomed", feedback=fast_takeover)

    notice_id, _ = file_for(app, users["melder"].email, "CANARY-kill")
    wait_until(smtp_server.holding.is_set, what="the first worker to wait on the SMTP server")
    assert deliveries(app, notice_id)[DeliveryChannel.EMAIL].state == DeliveryState.SENDING  # claimed, not sent
    doomed.kill()
    assert smtp_server.received() == []
    assert notice_row(app, notice_id).delivered_at is None

    feedback_stack.start_worker("restarted", feedback=fast_takeover)
    from meldpunt.feedback.outbox import sweep

    wait_until(lambda: sweep(app) >= 1, what="the sweep to republish the undelivered notice")
    smtp_server.wait_for(1)
    wait_until(lambda: notice_row(app, notice_id).delivered_at is not None, what="delivery")
    email_row = deliveries(app, notice_id)[DeliveryChannel.EMAIL]
    assert email_row.state == DeliveryState.SENT and email_row.attempts == 2
    assert sweep(app) == 0
    assert len(smtp_server.received()) == 1


def test_smtp_down_is_retried_then_delivered_once(feedback_stack, smtp_server):
    quick = {"republish_after_seconds": 1.0}
    app = feedback_stack.app(feedback=quick)
    users = make_users(app)
    worker = feedback_stack.start_worker("nosmtp", mail={"port": free_port(), "timeout": 2.0}, feedback=quick)
    notice_id, _ = file_for(app, users["melder"].email, "CANARY-smtp")
    wait_until(lambda: f"notice {notice_id}: delivery failed" in worker.log(), what="a failed SMTP attempt")
    worker.stop()
    row = deliveries(app, notice_id)[DeliveryChannel.EMAIL]
    assert row.state == DeliveryState.PENDING and row.claim_token is None and row.last_error
    assert notice_row(app, notice_id).attempts >= 1 and notice_row(app, notice_id).delivered_at is None

    feedback_stack.start_worker("smtp-back", feedback=quick)
    from meldpunt.feedback.outbox import sweep

    # The task's own retry (backoff with jitter) or the sweep's republish — or both — deliver it.
    wait_until(lambda: sweep(app) is not None and smtp_server.received(), timeout=90, interval=1.0,
               what="the e-mail after SMTP came back")
    wait_until(lambda: notice_row(app, notice_id).delivered_at is not None, what="delivery")
    assert len(smtp_server.received()) == 1


def test_handler_reminder_goes_to_inbox_and_email_once_a_day(feedback_stack, smtp_server):
    from datetime import timedelta

    from meldpunt.database import utcnow
    from meldpunt.feedback.service import remind_handlers
    from meldpunt.signals.models import Signal

    app = feedback_stack.app()
    users = make_users(app)
    feedback_stack.start_worker()
    _, reference = file_for(app, users["melder"].email, "CANARY-remind", by_email=False)
    settings = app.extensions["meldpunt.settings"]
    with app.app_context():
        signal = db.session.scalar(sa.select(Signal).where(Signal.reference == reference))
        signal.created_at = utcnow() - timedelta(days=14)
        db.session.commit()
        assert remind_handlers(db.session, settings=settings) == 1
        db.session.commit()
        assert remind_handlers(db.session, settings=settings) == 0  # once per signal per handler per day
        db.session.commit()
        reminder = db.session.scalar(sa.select(Notice).where(Notice.kind == NoticeKind.REMINDER.value))
        assert reminder.recipient_user_id == users["regisseur"].id

    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [users["regisseur"].email]
    assert mail.message["Subject"] == f"Herinnering over melding {reference}"
    assert "CANARY-remind" not in mail.text


def test_rerun_after_email_was_marked_sent_sends_nothing(feedback_stack, smtp_server):
    """A run that died after marking the e-mail sent but before marking the notice delivered."""
    from meldpunt.feedback.outbox import deliver

    app = feedback_stack.app()
    users = make_users(app)
    notice_id, _ = file_for(app, users["melder"].email, "CANARY-rerun")  # no worker: run the task body here
    settings = app.extensions["meldpunt.settings"]
    with app.app_context():
        assert deliver(db.session, notice_id=notice_id, settings=settings) == "delivered"
        db.session.execute(sa.update(Notice).where(Notice.id == notice_id).values(delivered_at=None))
        db.session.commit()
        assert deliver(db.session, notice_id=notice_id, settings=settings) == "delivered"
        assert deliver(db.session, notice_id=notice_id, settings=settings) == "already"
    smtp_server.wait_for(1)
    assert len(smtp_server.received()) == 1
    assert deliveries(app, notice_id)[DeliveryChannel.EMAIL].attempts == 1


def test_embedded_broker_delivers_when_there_is_no_redis(instance_path, sqlite_database, smtp_server):
    """`make run` without Redis: Celery on kombu's SQLAlchemy transport (a SQLite file) still delivers."""
    from tests.support.worker_stack import FeedbackStack

    broker_file = instance_path / "celery-broker.sqlite"
    stack = FeedbackStack(instance_path, sqlite_database, smtp_server, queue=f"fb-embedded-{secrets.token_hex(5)}",
                          broker_url=f"sqla+sqlite:///{broker_file}")
    try:
        app = stack.app()
        users = make_users(app)
        stack.start_worker("embedded")
        canary = f"CANARY-{secrets.token_hex(6)}"
        notice_id, reference = file_for(app, users["melder"].email, canary)
        [mail] = smtp_server.wait_for(1)
        assert mail.rcpt_tos == [users["melder"].email]
        assert_no_content(mail.text, canary=canary, extra=(users["melder"].name, reference))
        wait_until(lambda: notice_row(app, notice_id).delivered_at is not None, what="the notice to be marked delivered")
        assert broker_file.exists() and canary.encode() not in broker_file.read_bytes()
    finally:
        stack.close()
