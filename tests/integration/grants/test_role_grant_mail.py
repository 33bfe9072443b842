"""Issue 15 item 2: the holders of a content role hear by e-mail that a grant of their role awaits them.

Real Redis, a real Celery worker subprocess and a real SMTP server (aiosmtpd); the request is made
through HTTP by the beheerder.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import wait_until

pytestmark = pytest.mark.redis


def test_item_02_grant_notice_reaches_each_holder_by_email_without_content(feedback_stack, smtp_server):
    app = feedback_stack.app()
    users = make_users(app)
    colleague = make_users(app, suffix="-2")["regisseur"]
    feedback_stack.start_worker()
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    token = csrf_token(admin.get("/beheer/gebruikers/nieuw").get_data(as_text=True))
    created = admin.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "name": "Kandidaat Kees", "email": "kees.kandidaat@test.example", "role": "regisseur",
        "department": "handhaving", "password": "een lang nieuw wachtwoord"})
    assert created.status_code == 302

    mails = smtp_server.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted([users["regisseur"].email, colleague.email])
    for mail in mails:
        assert mail.message["Subject"] == "Een verzoek om rechten wacht op uw besluit"
        text = mail.message.get_body(("plain",)).get_content()
        html = mail.message.get_body(("html",)).get_content()
        assert "https://meldpunt.test.example" in text
        for secret in ("Kandidaat", "Kees", "kees.kandidaat", "handhaving", "regisseur", "OOV",
                       users["beheerder"].email):  # no account, no role, no requester
            assert secret.lower() not in (mail.message["Subject"] + text + html).lower(), f"{secret!r} leaked"

    with app.app_context():
        notices = db.session.scalars(sa.select(Notice).where(Notice.grant_id.is_not(None))).all()
        assert len(notices) == 2
        for notice in notices:
            wait_until(lambda n=notice: (db.session.expire_all() or db.session.get(Notice, n.id).delivered_at),
                       what="the grant notice to be marked delivered")
            rows = {r.channel: r for r in db.session.scalars(
                sa.select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id))}
            assert rows[DeliveryChannel.EMAIL].state == DeliveryState.SENT
            assert rows[DeliveryChannel.INBOX].state == DeliveryState.SENT
        db.session.remove()
    assert len(smtp_server.received()) == 2  # one e-mail per holder, not more
