"""Issue 21 item 3: the daily beat task reminds the owner of an overdue measure, by a content-free e-mail.

Real Redis, a real Celery worker subprocess (which runs the reminder task with a frozen day and then the
delivery), and a real SMTP server (aiosmtpd). The measures are imported through HTTP by the regisseur.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.resilience.models import Measure
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import wait_until

pytestmark = pytest.mark.redis

SECRET = "Screen-alle-inkopers-GEHEIM"


def test_item_03_overdue_measure_owner_gets_one_content_free_email_from_the_daily_task(feedback_stack_any_db,
                                                                                       smtp_server):
    stack = feedback_stack_any_db
    app = stack.app()
    users = make_users(app)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    token = csrf_token(regisseur.get("/weerbaarheid/maatregelen").get_data(as_text=True))
    response = regisseur.post("/weerbaarheid/maatregelen/importeren", data={
        "csrf_token": token, "scan-source": "weerbaarheidsscan", "scan-source_document": "Scan 2026",
        "scan-lines": f"4.1 {SECRET}\n", "scan-owner_email": users["deelnemer"].email, "scan-due_on": "2026-03-31"})
    assert response.status_code == 302
    stack.start_worker()
    celery = app.extensions["celery"]
    celery.send_task("workers.notices.remind_measure_owners", kwargs={"today": "2026-04-01"}, queue=stack.queue)

    mail = smtp_server.wait_for(1)[0]
    assert mail.rcpt_tos == [users["deelnemer"].email]
    assert mail.message["Subject"] == "Een verbetermaatregel van u is over de termijn"
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    assert "https://meldpunt.test.example" in text and "Mijn verbetermaatregelen" in text
    for secret in (SECRET, "Screen", "4.1", "Scan 2026", "weerbaarheidsscan"):
        assert secret.lower() not in (mail.message["Subject"] + text + html).lower(), f"{secret!r} leaked"

    with app.app_context():
        notice = db.session.scalar(sa.select(Notice).where(Notice.measure_id.is_not(None)))
        wait_until(lambda: (db.session.expire_all() or db.session.get(Notice, notice.id).delivered_at),
                   what="the measure notice to be marked delivered")
        assert db.session.scalar(sa.select(Measure.reminded_on)).isoformat() == "2026-04-01"
        db.session.remove()
    # The same day again: nothing new.
    celery.send_task("workers.notices.remind_measure_owners", kwargs={"today": "2026-04-01"}, queue=stack.queue)
    celery.send_task("workers.notices.sweep_outbox", queue=stack.queue)
    with app.app_context():
        wait_until(lambda: "remind_measure_owners" in "".join(w.log() for w in stack.workers)
                   and "queued 0 measure reminder(s)" in "".join(w.log() for w in stack.workers),
                   what="the second run to queue nothing")
        assert db.session.scalar(sa.select(sa.func.count(Notice.id)).where(Notice.measure_id.is_not(None))) == 1
        db.session.remove()
    assert len(smtp_server.received()) == 1
