"""Issue 22 item 4: "Controleer uw melding": the form kept server-side, encrypted, with "wijzig" links."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from meldpunt.database import utcnow
from meldpunt.extensions import db
from meldpunt.intake.drafts import Draft, load_draft, save_draft
from meldpunt.intake.models import Attachment, IntakeDraft
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login
from tests.support.forms import PDF, receipt_code_from

import io

DESCRIPTION = "Contant betaald voor een vergunning, ongeveer 40.000 euro"


def _form(client, path):
    page = client.get(path + "?nieuw=1", follow_redirects=True).get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf_token(page), "idempotency_key": key}


def _count(app, model=Signal):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_item_04_check_page_lists_everything_with_change_links_then_sends_once(app_any_db):
    app = app_any_db
    client = app.test_client()
    data = {**_form(client, "/melden/anoniem"), "description": DESCRIPTION, "location": "Loods De Vaart",
            "feels_unsafe": "y", "subjects-0-name": "Jansen Opslag", "check": "y",
            "attachments": [(io.BytesIO(PDF), "brief.pdf")]}
    saved = client.post("/melden/anoniem", data=data, content_type="multipart/form-data")
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/melden/anoniem/controleren")
    assert DESCRIPTION not in saved.headers["Location"]  # never in the URL
    assert _count(app) == 0 and _count(app, IntakeDraft) == 1
    with app.app_context():  # encrypted: nothing typed is readable in the row
        row = db.session.scalar(select(IntakeDraft))
        for secret in (b"Contant", b"Loods", b"Jansen", b"brief.pdf", PDF[:8]):
            assert secret not in bytes(row.payload_ct)

    page = client.get("/melden/anoniem/controleren").get_data(as_text=True)
    assert "Controleer uw melding" in page
    for shown in (DESCRIPTION, "Loods De Vaart", "Ik voel me onveilig of word bedreigd", "Betrokkene 1: Naam",
                  "Jansen Opslag", "brief.pdf", "wijzig"):
        assert shown in page, shown
    assert 'href="/melden/anoniem?concept=1#description"' in page
    # "wijzig": the form again, filled from the draft
    edit = client.get("/melden/anoniem?concept=1").get_data(as_text=True)
    assert DESCRIPTION in edit and "Jansen Opslag" in edit and "brief.pdf" in edit

    sent = client.post("/melden/anoniem/controleren", data={"csrf_token": csrf_token(page)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/melden/anoniem/ontvangen")
    receipt_code_from(client.get(sent.headers["Location"]).get_data(as_text=True))
    assert _count(app) == 1 and _count(app, Attachment) == 1
    assert _count(app, IntakeDraft) == 0  # sent: the draft and its files are wiped
    again = client.post("/melden/anoniem/controleren", data={"csrf_token": csrf_token(page)})
    assert again.status_code in (302, 303) and _count(app) == 1


def test_item_04_named_check_then_send(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    saved = client.post("/melden", data={**_form(client, "/melden"), "description": DESCRIPTION, "check": "y"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/melden/controleren")
    page = client.get("/melden/controleren").get_data(as_text=True)
    assert DESCRIPTION in page
    sent = client.post("/melden/controleren", data={"csrf_token": csrf_token(page)})
    assert sent.status_code == 303 and "/melden/bevestiging/" in sent.headers["Location"]
    assert _count(app) == 1 and _count(app, IntakeDraft) == 0


def test_item_04_abandoned_draft_is_wiped_after_an_hour(app):
    with app.app_context():
        save_draft(db.session, token="t" * 43, draft=Draft(fields=[("description", "x")], files=[("a.pdf", PDF)]))
        db.session.commit()
        assert load_draft(db.session, token="t" * 43) is not None
        assert load_draft(db.session, token="u" * 43) is None
        assert load_draft(db.session, token="t" * 43, now=utcnow() + timedelta(minutes=61)) is None
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(IntakeDraft)) == 0


def test_item_04_check_page_without_a_draft_goes_back_to_the_form(app):
    response = app.test_client().get("/melden/anoniem/controleren")
    assert response.status_code == 302 and response.headers["Location"].endswith("/melden/anoniem")


def test_item_04_abandoned_draft_is_wiped_by_the_beat_task_without_anyone_filing(app):
    """Beat runs ``workers.intake.purge_expired_drafts`` every ten minutes: an abandoned draft (and
    its encrypted files) is gone even when nobody saves or opens a draft afterwards."""
    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["purge-expired-drafts"]
    assert entry["task"] == "workers.intake.purge_expired_drafts"
    assert "workers.intake" in celery.conf.imports
    import workers.intake  # noqa: F401 - registers the task with the app's Celery

    with app.app_context():
        save_draft(db.session, token="b" * 43, draft=Draft(fields=[("description", "y")], files=[]))
        save_draft(db.session, token="a" * 43, draft=Draft(fields=[("description", "x")], files=[("a.pdf", PDF)]),
                   now=utcnow() - timedelta(minutes=61))  # saved an hour ago and left
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(IntakeDraft)) == 2
    task = celery.tasks["workers.intake.purge_expired_drafts"]
    assert task() == 1  # no arguments: nothing of the draft goes through the broker
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IntakeDraft)) == 1
        assert load_draft(db.session, token="b" * 43) is not None


def test_item_04_saving_a_draft_is_audited_without_content_and_without_a_trace_of_an_anonymous_reporter(app, users):
    from meldpunt.audit.models import AuditEntry, DeferredAuditEntry

    anonymous = app.test_client()
    anonymous.post("/melden/anoniem", data={**_form(anonymous, "/melden/anoniem"), "description": DESCRIPTION,
                                            "check": "y"})
    named = app.test_client()
    login(named, users["melder"].email)
    named.post("/melden", data={**_form(named, "/melden"), "description": DESCRIPTION, "check": "y"})
    with app.app_context():
        deferred = db.session.scalars(select(DeferredAuditEntry).where(
            DeferredAuditEntry.action == "intake.draft_save")).all()
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "intake.draft_save")).all()
        assert len(deferred) == 1 and deferred[0].object_id == ""  # no draft id, no actor, only the hour
        assert deferred[0].hour.minute == 0 and deferred[0].hour.second == 0
        assert len(entries) == 1 and entries[0].actor_id == users["melder"].id
        for row in (*deferred, *entries):
            assert "Contant" not in row.details and DESCRIPTION not in row.details
