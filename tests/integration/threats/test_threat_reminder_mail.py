"""Issue 20, threatened reporters: the reminder after hours without action reaches the handler as a
content-free e-mail. Real Redis, a real Celery worker subprocess running the beat task, a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from meldpunt.database import utcnow
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice, NoticeKind
from meldpunt.intake.service import ReportInput, file_signal
from meldpunt.vault.service import current_keyring
from tests.conftest import make_users
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import wait_until

pytestmark = pytest.mark.redis

SECRET = "Bedreiging-bij-de-balie-GEHEIM"


def test_threatened_reporter_reminder_reaches_the_handler_by_a_content_free_email(feedback_stack_any_db, smtp_server):
    stack = feedback_stack_any_db
    app = stack.app()
    users = make_users(app)
    with app.app_context():
        report = ReportInput(description=SECRET, feels_unsafe=True)
        signal = file_signal(db.session, keyring=current_keyring(), reporter=None, description=SECRET, report=report,
                             now=utcnow() - timedelta(hours=5))
        db.session.commit()
        reference, signal_id = signal.reference, signal.id
        db.session.remove()
    stack.start_worker()
    celery = app.extensions["celery"]
    celery.send_task("workers.notices.remind_threatened", queue=stack.queue)

    mail = smtp_server.wait_for(1)[0]
    assert mail.rcpt_tos == [users["regisseur"].email]
    assert mail.message["Subject"] == f"Herinnering over melding {reference}"
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    for secret in (SECRET, "Bedreiging", "onveilig", "bedreigd"):
        assert secret.lower() not in (mail.message["Subject"] + text + html).lower(), f"{secret!r} leaked"
    with app.app_context():
        notice = db.session.scalar(sa.select(Notice).where(Notice.kind == NoticeKind.THREAT_REMINDER.value))
        assert notice.signal_id == signal_id
        wait_until(lambda: (db.session.expire_all() or db.session.get(Notice, notice.id).delivered_at),
                   what="the urgent reminder to be marked delivered")
        db.session.remove()
