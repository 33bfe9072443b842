"""Notices at a higher rate (issue 23, bullets "Filing" and "Notices").

- SMTP connection reuse: a worker keeps its SMTP connection between notices and makes a new one when
  the relay dropped it; a failed send is never repeated on the spot.
- A pooled broker connection: publishing reuses the process's connection, and after a Redis restart
  the next publish goes out on a fresh one (no wait for the sweep).
- No second transaction per notice: the notice is marked published in the filing's own transaction;
  only a failed publish unmarks it (so the sweep takes it at once).
"""

from __future__ import annotations

import secrets
import shutil
import smtplib
import subprocess
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from tests import factories
from tests.conftest import make_users
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import free_port, wait_until

pytestmark = pytest.mark.redis


def _message(number: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "meldpunt@test.example"
    message["To"] = "melder@test.example"
    message["Subject"] = f"Nieuws over uw melding {number}"
    message.set_content("Er is nieuws.")
    return message


def _filed_counting_the_commit(app, reporter, *, publish_fails: bool = False) -> int:
    """File a signal (feedback by e-mail) and commit it while counting statements; returns its notice's id."""
    with app.app_context():
        signal = factories.filed(reporter=reporter, description=f"Vreemde geldstromen {secrets.token_hex(4)}",
                                 columns={"feedback_by_email": True}, commit=False)
        db.session.flush()
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            db.session.commit()  # the after-commit hook publishes
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        notice_id = db.session.scalar(sa.select(Notice.id).where(Notice.signal_id == signal.id))
        db.session.remove()
    if not publish_fails:  # no second transaction: nothing touches the notice after the commit
        assert not [s for s in statements if "notices" in s.lower()], statements
    return notice_id


def _published_at(app, notice_id: int):
    with app.app_context():
        value = db.session.scalar(sa.select(Notice.published_at).where(Notice.id == notice_id))
        db.session.remove()
    return value


def test_notices_smtp_connection_reused_and_remade_after_the_relay_drops_it(smtp_server):
    from meldpunt.config import MailSettings
    from meldpunt.feedback import mail

    settings = MailSettings(host=smtp_server.host, port=smtp_server.port, timeout=10.0)
    mail.close_kept_connection()
    try:
        mail.send_mail(settings, _message(1))
        mail.send_mail(settings, _message(2))
        first, second = smtp_server.wait_for(2)
        assert first.peer == second.peer  # one connection carried both

        # The relay dropped the kept connection: a new one is made.
        kept = mail._connections.smtp
        assert kept is not None
        kept.sock.shutdown(2)  # as when the relay drops an idle connection
        mail.send_mail(settings, _message(3))
        third = smtp_server.wait_for(3)[2]
        assert third.peer != second.peer and third.message["Subject"].endswith(" 3")
        assert len(smtp_server.received()) == 3  # nothing sent twice

        # A refused message is not retried on the spot, and the connection is not kept.
        nobody = EmailMessage()
        nobody["From"] = "meldpunt@test.example"
        nobody.set_content("Geen ontvanger.")
        with pytest.raises(smtplib.SMTPException):
            mail.send_mail(settings, nobody)  # no recipient: refused
        assert mail._connections.smtp is None
        assert len(smtp_server.received()) == 3
    finally:
        mail.close_kept_connection()


def test_notices_published_on_a_reused_broker_connection_without_a_second_transaction(feedback_stack, redis_client):
    from meldpunt.feedback import outbox

    app = feedback_stack.app()  # no worker: the messages stay on the queue
    users = make_users(app)
    first = _filed_counting_the_commit(app, users["melder"])
    connection = app.extensions[outbox._PUBLISHER_KEY].connection
    assert connection is not None
    second = _filed_counting_the_commit(app, users["melder"])
    assert app.extensions[outbox._PUBLISHER_KEY].connection is connection  # the same broker connection
    assert redis_client.llen(feedback_stack.queue) == 2
    assert _published_at(app, first) is not None and _published_at(app, second) is not None


def test_notices_publish_after_a_redis_restart_goes_out_on_a_fresh_connection(feedback_stack, tmp_path):
    import redis

    redis_server = shutil.which("redis-server")
    if redis_server is None:  # skips locally with the reason, fails under CI
        from tests.conftest import service_missing

        service_missing("Redis", "redis-server (binary)", FileNotFoundError("redis-server is not installed"))
    port = free_port()
    argv = [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(tmp_path)]
    queue = feedback_stack.queue
    app = feedback_stack.app(broker={"url": f"redis://127.0.0.1:{port}/0", "publish_timeout": 0.5})
    users = make_users(app)

    def start():
        server = subprocess.Popen(argv, stdout=subprocess.DEVNULL)  # nosec B603 - fixed arguments
        client = redis.Redis(port=port, socket_connect_timeout=0.5)
        wait_until(lambda: _pings(client), what="redis-server")
        return server, client

    server, client = start()
    try:
        _filed_counting_the_commit(app, users["melder"])
        assert client.llen(queue) == 1
        server.terminate()
        server.wait(timeout=20)

        # Redis is down: unmarked for the sweep
        down = _filed_counting_the_commit(app, users["melder"], publish_fails=True)
        assert _published_at(app, down) is None

        server, client = start()  # the kept connection is now stale
        back = _filed_counting_the_commit(app, users["melder"])
        assert _published_at(app, back) is not None
        assert client.llen(queue) == 1  # published at once, on a fresh connection
    finally:
        server.terminate()
        server.wait(timeout=20)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False
