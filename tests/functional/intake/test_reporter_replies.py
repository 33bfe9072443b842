"""Issue 22 item 2: a reporter's reply reaches a handler (notice, queue marker and filter, cleared on opening)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meldpunt.auth.models import User
from meldpunt.database import utc_hour, utcnow
from meldpunt.extensions import db
from meldpunt.feedback.mail import compose_notice_mail
from meldpunt.feedback.models import Notice, NoticeKind
from meldpunt.feedback.outbox import deliver, held_until, plan_delivery
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login, make_users
from tests.support.logins import login_full
from tests.support.forms import post_form, receipt_code_from

REPLY = "Het busje stond er gisteren weer, kenteken begint met 12"


def _reply_notices(app):
    with app.app_context():
        return [(n.recipient_user_id, n.read_at, n.created_at) for n in db.session.scalars(
            select(Notice).where(Notice.kind == NoticeKind.REPORTER_REPLY.value).order_by(Notice.id))]


def _named_signal_with_reply(app, users, *, assignee=None):
    melder = app.test_client()
    login(melder, users["melder"].email)
    assert post_form(melder, "/melden", {"description": "Vreemde vergunningaanvraag"}).status_code == 303
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        if assignee is not None:
            signal.assignee_id = assignee.id
            db.session.commit()
        signal_id = signal.id
    page = melder.get(f"/mijn-meldingen/{signal_id}").get_data(as_text=True)
    sent = melder.post(f"/mijn-meldingen/{signal_id}/bericht", data={"csrf_token": csrf_token(page), "body": REPLY})
    assert sent.status_code == 303
    return signal_id


def test_item_02_named_reply_reaches_the_assigned_handler_only(app_any_db):
    app = app_any_db
    users = make_users(app)
    other = make_users(app, suffix="-2")
    signal_id = _named_signal_with_reply(app, users, assignee=users["regisseur"])
    notices = _reply_notices(app)
    assert [n[0] for n in notices] == [users["regisseur"].id]  # not the other regisseur, not integriteit

    handler = app.test_client()
    login_full(handler, users["regisseur"].email)
    queue = handler.get("/behandelen/?tab=alle").get_data(as_text=True)
    assert "Nieuw bericht" in queue
    only = handler.get("/behandelen/?tab=alle&nieuw_bericht=1").get_data(as_text=True)
    assert str(signal_id) in only and "Nieuw bericht" in only
    page = handler.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert REPLY in page
    assert _reply_notices(app)[0][1] is not None  # opening the signal cleared it for this handler
    assert "Nieuw bericht</span>" not in handler.get("/behandelen/?tab=alle").get_data(as_text=True)
    assert str(signal_id) not in handler.get("/behandelen/?tab=alle&nieuw_bericht=1").get_data(as_text=True)

    colleague = app.test_client()
    login_full(colleague, other["regisseur"].email)
    assert "Nieuw bericht</span>" not in colleague.get("/behandelen/?tab=alle").get_data(as_text=True)


def test_item_02_receipt_reply_without_assignee_reaches_every_handler_of_the_track(app_any_db):
    app = app_any_db
    users = make_users(app)
    other = make_users(app, suffix="-2")
    visitor = app.test_client()
    code = receipt_code_from(post_form(visitor, "/melden/anoniem", {"description": "Loods"}).get_data(as_text=True))
    opened = visitor.post("/ontvangstcode", data={"code": code, "csrf_token": csrf_token(
        visitor.get("/ontvangstcode").get_data(as_text=True))})
    assert opened.status_code == 303
    page = visitor.get("/ontvangstcode/melding").get_data(as_text=True)
    assert visitor.post("/ontvangstcode/bericht", data={"csrf_token": csrf_token(page), "body": REPLY}).status_code == 303
    notices = _reply_notices(app)
    assert sorted(n[0] for n in notices) == sorted([users["regisseur"].id, other["regisseur"].id])
    for _, _, created_at in notices:  # the anonymous reporter's action leaves the hour only
        assert created_at.replace(tzinfo=None) == utc_hour(created_at).replace(tzinfo=None)
    # A second reply while the first is unread adds no second notice (the marker is already there).
    page = visitor.get("/ontvangstcode/melding").get_data(as_text=True)
    assert visitor.post("/ontvangstcode/bericht", data={"csrf_token": csrf_token(page), "body": "Nog iets"}).status_code == 303
    assert len(_reply_notices(app)) == 2
    with app.app_context():  # the reporter's own history does not show the handlers' notices
        assert "Nieuw bericht van de melder" not in page


def test_item_02_email_only_for_a_handler_who_chose_it_and_content_free(app):
    users = make_users(app)
    signal_id = _named_signal_with_reply(app, users, assignee=users["regisseur"])
    with app.app_context():
        notice = db.session.scalar(select(Notice).where(Notice.kind == NoticeKind.REPORTER_REPLY.value))
        assert plan_delivery(notice).email_to is None  # not chosen: in-app only
    handler = app.test_client()
    login_full(handler, users["regisseur"].email)
    account = handler.get("/account").get_data(as_text=True)
    assert "Stuur mij ook een e-mail als een melder reageert" in account
    chosen = handler.post("/account/berichten-mail", data={"csrf_token": csrf_token(account), "reply_mail": "y"})
    assert chosen.status_code == 303
    with app.app_context():
        assert db.session.get(User, users["regisseur"].id).reply_mail is True
        notice = db.session.scalar(select(Notice).where(Notice.kind == NoticeKind.REPORTER_REPLY.value))
        assert plan_delivery(notice).email_to == users["regisseur"].email
        mail = compose_notice_mail(notice_id=notice.id, reference=notice.signal.reference, to="x@test.example",
                                   for_handler=True, base_url="https://m.example", organisation="Gemeente",
                                   about_reply=True)
        for text in (mail.subject, mail.text, mail.html):
            assert REPLY not in text and notice.signal.reference not in text and str(signal_id) not in text
        assert "Nieuw bericht van een melder" == mail.subject


def test_item_02_anonymous_reply_mail_waits_until_its_hour_has_ended(app):
    users = make_users(app)
    visitor = app.test_client()
    code = receipt_code_from(post_form(visitor, "/melden/anoniem", {"description": "Loods"}).get_data(as_text=True))
    visitor.post("/ontvangstcode", data={"code": code, "csrf_token": csrf_token(visitor.get("/ontvangstcode").get_data(as_text=True))})
    page = visitor.get("/ontvangstcode/melding").get_data(as_text=True)
    visitor.post("/ontvangstcode/bericht", data={"csrf_token": csrf_token(page), "body": REPLY})
    with app.app_context():
        user = db.session.get(User, users["regisseur"].id)
        user.reply_mail = True
        db.session.commit()
        notice = db.session.scalar(select(Notice).where(Notice.kind == NoticeKind.REPORTER_REPLY.value))
        assert held_until(notice) > utcnow()
        outcome = deliver(db.session, notice_id=notice.id, settings=app.extensions["meldpunt.settings"])
        assert outcome == "later"
        notice = db.session.scalar(select(Notice).where(Notice.kind == NoticeKind.REPORTER_REPLY.value))
        assert notice.delivered_at is None and not notice.deliveries
        notice.created_at = utc_hour() - timedelta(hours=1)
        db.session.commit()
        assert held_until(notice) <= utcnow()
