"""Issue 17 through the workers: sending the agenda (content-free e-mail with an iCalendar invite), the packs
made by a Celery task with progress and retry, the daily reminder for overdue actions.

Real Redis, a real Celery worker subprocess, a real SMTP server (aiosmtpd), WeasyPrint and pdftotext.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.meetings.models import MeetingAction, MeetingPack
from tests.conftest import csrf_token
from tests.support.meetings import SUBJECT, client_for, confirm_secrecy, meeting_world, pdf_pages
from tests.support.worker_stack import *  # noqa: F403 - fixtures
from tests.support.worker_stack import wait_until

pytestmark = pytest.mark.redis


def _packs(app, meeting_id):
    with app.app_context():
        db.session.expire_all()
        rows = db.session.scalars(sa.select(MeetingPack).where(MeetingPack.meeting_id == uuid.UUID(meeting_id))).all()
        states = [r.state for r in rows]
        db.session.remove()
        return states


def test_acceptance_send_agenda_invite_and_packs_by_worker(feedback_stack, smtp_server, tmp_path):
    """Sending the agenda notifies every member in-app and by a content-free e-mail with an iCalendar invite that
    names the meeting type and time only; a Celery task makes every pack (progress for the chair); a failed pack
    can be made again."""
    app = feedback_stack.app()
    w = meeting_world(app)
    feedback_stack.start_worker()
    chair, meeting_id = w["chair"], w["meeting_id"]
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert chair.post(f"/overleg/{meeting_id}/versturen", data={"csrf_token": csrf_token(page)}).status_code == 302

    mails = smtp_server.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted(
        [w["internal"].email, w["invited"].email, w["uninvited"].email])
    for mail in mails:
        assert mail.message["Subject"] == "De agenda van een overleg staat klaar"
        [invite] = [part for part in mail.message.iter_attachments() if part.get_content_type() == "text/calendar"]
        ics = invite.get_content()
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert "SUMMARY:Casusoverleg" in ics and "DTSTART" in ics and "DTEND" in ics
        body = mail.message.get_body(("plain",)).get_content() + mail.message.get_body(("html",)).get_content()
        for secret in ("Vastgoed", "Horeca", SUBJECT, "Karel", "Stadhuis", "Bibob", "Politie", "LOCATION"):
            assert secret not in ics + body + mail.message["Subject"], f"{secret!r} leaked"
    with app.app_context():
        kinds = db.session.scalars(sa.select(Notice.kind).where(Notice.meeting_id == uuid.UUID(meeting_id))).all()
        assert sorted(kinds) == ["agenda"] * 3
    inbox = client_for(app, w["uninvited"].email).get("/berichten").get_data(as_text=True)
    assert "De agenda van een overleg staat klaar" in inbox and "Vastgoed" not in inbox

    wait_until(lambda: _packs(app, meeting_id) and set(_packs(app, meeting_id)) == {"klaar"}, timeout=120,
               what="every pack to be made by the worker")
    assert len(_packs(app, meeting_id)) == 4  # three members and the chair
    progress = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert "Stukken: 4 van 4 klaar" in progress
    # The stored pack is served to the member after the geheimhoudingsverklaring, watermarked with their name.
    invited = client_for(app, w["invited"].email)
    confirm_secrecy(invited, meeting_id)
    text = "\n".join(pdf_pages(invited.get(f"/overleg/{meeting_id}/stukken.pdf").data, tmp_path))
    assert "Paul Politie" in text and "Vastgoed Noord" in text and "Horeca" not in text and "Zwartkop" not in text
    with app.app_context():
        pack = db.session.scalar(sa.select(MeetingPack).where(MeetingPack.user_id == w["invited"].id))
        assert b"Vastgoed" not in pack.pdf_ct and not pack.pdf_ct.startswith(b"%PDF")
        pack.state, pack.pdf_ct, pack.error = "mislukt", None, "OSError"
        db.session.commit()
    progress = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert "1 mislukt" in progress and "Mislukte stukken opnieuw maken" in progress
    assert chair.post(f"/overleg/{meeting_id}/stukken/opnieuw",
                      data={"csrf_token": csrf_token(progress)}).status_code == 302
    wait_until(lambda: set(_packs(app, meeting_id)) == {"klaar"}, timeout=120, what="the retried pack")


def test_item_daily_reminder_for_overdue_action_is_content_free(feedback_stack, smtp_server):
    """A daily content-free reminder when an action passes its deadline (once per action)."""
    app = feedback_stack.app()
    w = meeting_world(app)
    feedback_stack.start_worker()
    chair, meeting_id = w["chair"], w["meeting_id"]
    page = chair.get(f"/overleg/punten/{w['item_b']}").get_data(as_text=True)
    late = (date.today() - timedelta(days=1)).isoformat()
    assert chair.post(f"/overleg/{meeting_id}/acties", data={
        "csrf_token": csrf_token(page), "item_id": str(w["item_b"]), "owner": f"lid-{w['internal'].id}",
        "organisation": "", "deadline": late, "description": "Kroeg Karel controleren"}).status_code == 302
    celery = app.extensions["celery"]
    settings = app.extensions["meldpunt.settings"]
    for _ in range(2):  # twice "daily": one reminder per action
        celery.send_task("workers.meetings.remind_overdue_actions", queue=settings.broker_queue)
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [w["internal"].email]
    assert mail.message["Subject"] == "Een actie uit een overleg is over de datum"
    body = mail.message.get_body(("plain",)).get_content()
    assert "Kroeg" not in body and "Karel" not in body and "Horeca" not in body
    with app.app_context():
        wait_until(lambda: db.session.expire_all() or db.session.scalar(sa.select(MeetingAction.reminded_on)),
                   what="the action to be marked reminded")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)
                                 .where(Notice.kind == "actie_verlopen")) == 1
        db.session.remove()
    mine = client_for(app, w["internal"].email).get("/berichten").get_data(as_text=True)
    assert "Een actie uit een overleg is over de datum" in mine and "Kroeg" not in mine
