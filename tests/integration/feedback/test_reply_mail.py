"""Issue 22 item 2: a reporter's reply reaches the handler who chose it by a content-free e-mail.

Real Redis, a real Celery worker subprocess and a real SMTP server (aiosmtpd); the reply is made through HTTP.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login, make_users
from tests.support.forms import post_form
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import wait_until

pytestmark = pytest.mark.redis

REPLY = "Het busje stond er weer, kenteken 12-ABC-3"


def test_item_02_reply_mail_reaches_the_handler_who_chose_it(feedback_stack, smtp_server):
    app = feedback_stack.app()
    users = make_users(app)
    other = make_users(app, suffix="-2")  # a second regisseur, who did not choose e-mail
    with app.app_context():
        db.session.get(User, users["regisseur"].id).reply_mail = True
        db.session.commit()
    feedback_stack.start_worker()
    melder = app.test_client()
    login(melder, users["melder"].email)
    assert post_form(melder, "/melden", {"description": "Vreemde aanvraag"}).status_code == 303
    with app.app_context():
        signal_id = db.session.scalar(sa.select(Signal.id))
        reference = db.session.scalar(sa.select(Signal.reference))
    page = melder.get(f"/mijn-meldingen/{signal_id}").get_data(as_text=True)
    assert melder.post(f"/mijn-meldingen/{signal_id}/bericht",
                       data={"csrf_token": csrf_token(page), "body": REPLY}).status_code == 303
    def reply_mails():
        return [m for m in smtp_server.received() if m.message["Subject"] == "Nieuw bericht van een melder"]

    mails = wait_until(reply_mails, what="the reply e-mail")
    assert [m.rcpt_tos[0] for m in mails] == [users["regisseur"].email]
    mail = mails[0]
    body = mail.message.get_body(("plain",)).get_content() + mail.message.get_body(("html",)).get_content()
    for secret in (REPLY, "busje", reference, str(signal_id), users["melder"].email, users["melder"].name):
        assert secret not in body + mail.message["Subject"], f"{secret!r} leaked"
    assert other["regisseur"].email not in [m.rcpt_tos[0] for m in smtp_server.received()]
