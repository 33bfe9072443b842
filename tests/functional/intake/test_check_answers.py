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
from tests.support.forms import PDF, post_form, receipt_code_from, send_data

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
            "feels_unsafe": "y", "subjects-0-name": "Jansen Opslag",
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
    saved = client.post("/melden", data={**_form(client, "/melden"), "description": DESCRIPTION})
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


def test_item_04_saving_a_draft_is_audited_without_content_and_without_a_trace_of_the_reporter(app, users):
    """Every filing passes the check page, seconds before the melding is filed (a named one under a
    pseudonym): the draft's entry names no account, no draft and only the hour, for both reporters."""
    from meldpunt.audit.models import AuditEntry, DeferredAuditEntry

    anonymous = app.test_client()
    anonymous.post("/melden/anoniem", data={**_form(anonymous, "/melden/anoniem"), "description": DESCRIPTION})
    named = app.test_client()
    login(named, users["melder"].email)
    named.post("/melden", data={**_form(named, "/melden"), "description": DESCRIPTION})
    with app.app_context():
        deferred = db.session.scalars(select(DeferredAuditEntry).where(
            DeferredAuditEntry.action == "intake.draft_save")).all()
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "intake.draft_save")).all()
        assert len(deferred) == 2 and entries == []
        for row in deferred:
            assert row.object_id == "" and row.hour.minute == 0 and row.hour.second == 0
            assert "Contant" not in row.details and DESCRIPTION not in row.details
            assert users["melder"].email not in row.details and str(users["melder"].id) not in row.details


# ----------------------------------------------------------------------------- the check page is required


def test_item4_form_post_never_files_without_the_check_page(app_factory):
    """A valid POST of any filing form keeps a draft and answers 303 to the check page; it files nothing,
    also for a form of before this change that still carries the old one-step "submit" button."""
    from tests.conftest import make_users

    app = app_factory(app={"public_form": True})
    named = app.test_client()
    login(named, make_users(app)["melder"].email)
    cases = [(named, "/melden", "/melden/controleren"), (app.test_client(), "/melden/anoniem", "/melden/anoniem/controleren"),
             (app.test_client(), "/melden/anoniem/openbaar", "/melden/anoniem/controleren")]
    for number, (client, path, check) in enumerate(cases, start=1):
        form = _form(client, path)
        page = client.get(path).get_data(as_text=True)
        assert "Verder naar controleren</button>" in page and "Melding versturen</button>" not in page  # no one-step send
        invalid = client.post(path, data={**form, "description": "", "location": "Loods De Vaart"})
        assert invalid.status_code == 422  # the error summary, everything typed kept, nothing saved
        text = invalid.get_data(as_text=True)
        assert "Er is nog 1 punt om te verbeteren" in text and 'href="#description"' in text
        assert "Loods De Vaart" in text and _count(app, IntakeDraft) == 0
        for extra in ({}, {"submit": "Melding versturen"}):
            saved = client.post(path, data={**form, "description": DESCRIPTION, **extra})
            assert saved.status_code == 303 and saved.headers["Location"].endswith(check), path
        assert _count(app) == number - 1 and _count(app, IntakeDraft) == 1  # saved (twice: the same draft)
        sent = client.post(check, data=send_data(client.get(check).get_data(as_text=True)))
        assert sent.status_code == 303 and _count(app) == number and _count(app, IntakeDraft) == 0
    with app.app_context():
        assert db.session.scalar(select(Signal.channel).where(Signal.is_anonymous.is_(True))
                                 .order_by(Signal.ref_seq.desc())) == "publiek_formulier"


def test_item4_check_page_send_twice_files_once(app_any_db):
    """Posting the check page twice (a double click on "Melding versturen") files one melding; the second
    answer leads to the same place as the first, and the receipt code is still shown once."""
    from tests.conftest import make_users

    app = app_any_db
    client = app.test_client()
    assert client.post("/melden/anoniem", data={**_form(client, "/melden/anoniem"),
                                                "description": DESCRIPTION}).status_code == 303
    page = client.get("/melden/anoniem/controleren").get_data(as_text=True)
    first = client.post("/melden/anoniem/controleren", data=send_data(page))
    second = client.post("/melden/anoniem/controleren", data=send_data(page))
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] and first.headers["Location"].endswith("/ontvangen")
    assert _count(app) == 1 and _count(app, IntakeDraft) == 0
    code = receipt_code_from(client.get("/melden/anoniem/ontvangen").get_data(as_text=True))
    assert code not in client.get("/melden/anoniem/ontvangen").get_data(as_text=True)  # shown once

    named = app.test_client()
    login(named, make_users(app)["melder"].email)
    assert named.post("/melden", data={**_form(named, "/melden"), "description": DESCRIPTION}).status_code == 303
    page = named.get("/melden/controleren").get_data(as_text=True)
    first = named.post("/melden/controleren", data=send_data(page))
    second = named.post("/melden/controleren", data=send_data(page))
    assert first.status_code == second.status_code == 303 and "/melden/bevestiging/" in first.headers["Location"]
    assert second.headers["Location"] == first.headers["Location"]  # to the melding the first send filed
    assert "er is niets dubbel verstuurd" in named.get(second.headers["Location"]).get_data(as_text=True)
    assert _count(app) == 2


def test_item4_wijzig_keeps_answers(app):
    """"wijzig" opens the form filled from the draft; the changed form goes through the check page again,
    keeps the files chosen before, and what is sent is the changed text."""
    client = app.test_client()
    data = {**_form(client, "/melden/anoniem"), "description": DESCRIPTION, "location": "Loods De Vaart",
            "subjects-0-name": "Jansen Opslag", "attachments": [(io.BytesIO(PDF), "brief.pdf")]}
    client.post("/melden/anoniem", data=data, content_type="multipart/form-data")
    edit = client.get("/melden/anoniem?concept=1").get_data(as_text=True)
    for kept in (DESCRIPTION, "Loods De Vaart", "Jansen Opslag", "brief.pdf", data["idempotency_key"]):
        assert kept in edit, kept
    changed = {**{k: v for k, v in data.items() if k != "attachments"}, "csrf_token": csrf_token(edit),
               "description": "Contant betaald, nu met het juiste bedrag"}
    saved = client.post("/melden/anoniem", data=changed, content_type="multipart/form-data")
    assert saved.status_code == 303 and _count(app, IntakeDraft) == 1  # the same draft, replaced
    page = client.get("/melden/anoniem/controleren").get_data(as_text=True)
    assert "nu met het juiste bedrag" in page and "Jansen Opslag" in page and "brief.pdf" in page
    assert client.post("/melden/anoniem/controleren", data=send_data(page)).status_code == 303
    assert _count(app) == 1 and _count(app, Attachment) == 1
    with app.app_context():
        from meldpunt.intake.service import read_signal_content

        signal = db.session.scalar(select(Signal))
        content = read_signal_content(db.session, keyring=app.extensions["meldpunt.keyring"], signal=signal)
        assert content.description == "Contant betaald, nu met het juiste bedrag"


def test_item4_taking_the_draft_is_one_statement_and_a_rollback_keeps_it(app_any_db):
    """``take_draft`` loads and deletes in one ``DELETE … RETURNING``, in the caller's transaction."""
    from sqlalchemy import event

    from meldpunt.intake.drafts import take_draft

    app = app_any_db
    draft = Draft(fields=[("description", DESCRIPTION)], files=[("a.pdf", PDF)])
    with app.app_context():
        save_draft(db.session, token="t" * 43, draft=draft)
        db.session.commit()
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            taken = take_draft(db.session, token="t" * 43)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert taken == draft
        assert len([s for s in statements if "intake_drafts" in s]) == 1
        assert "DELETE" in statements[-1].upper() and "RETURNING" in statements[-1].upper()
        db.session.rollback()  # the filing failed: the draft is still there
        assert load_draft(db.session, token="t" * 43) == draft
        assert take_draft(db.session, token="t" * 43) == draft
        db.session.commit()  # the filing was stored: the draft is gone with it
        assert take_draft(db.session, token="t" * 43) is None and load_draft(db.session, token="t" * 43) is None
        assert take_draft(db.session, token=None) is None and take_draft(db.session, token="u" * 43) is None


def test_item4_refused_send_keeps_the_draft_and_the_form_goes_back_through_the_check_page(app_factory):
    """The anonymous limit at the send: the check page again with the reason (429), the draft kept."""
    app = app_factory(security={"anonymous_filing_limit_per_client": "1 per hour"})
    waiting = app.test_client()
    assert waiting.post("/melden/anoniem", data={**_form(waiting, "/melden/anoniem"),
                                                 "description": DESCRIPTION}).status_code == 303
    page = waiting.get("/melden/anoniem/controleren").get_data(as_text=True)
    other = app.test_client()  # the same address files first
    assert post_form(other, "/melden/anoniem", {"description": "Eerst"}).status_code == 200
    refused = waiting.post("/melden/anoniem/controleren", data=send_data(page))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Uw melding is nog niet verstuurd." in text and DESCRIPTION in text
    assert _count(app) == 1 and _count(app, IntakeDraft) == 1


def test_item4_a_draft_changed_in_another_tab_is_never_sent_unseen(app):
    """One draft per browser session: a form sent for checking from a second tab replaces it. The first
    tab's "Melding versturen" then files nothing and shows the check page again with what would be sent."""
    client = app.test_client()
    first = {**_form(client, "/melden/anoniem"), "description": "Eerste tabblad"}
    assert client.post("/melden/anoniem", data=first).status_code == 303
    first_page = client.get("/melden/anoniem/controleren").get_data(as_text=True)
    second = {**_form(client, "/melden/anoniem"), "description": "Tweede tabblad"}
    assert client.post("/melden/anoniem", data=second).status_code == 303
    refused = client.post("/melden/anoniem/controleren", data=send_data(first_page))
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/melden/anoniem/controleren")
    assert _count(app) == 0 and _count(app, IntakeDraft) == 1  # nothing filed, the draft kept
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "intussen veranderd" in page and "Tweede tabblad" in page and "Eerste tabblad" not in page
    assert client.post("/melden/anoniem/controleren", data=send_data(page)).status_code == 303
    assert _count(app) == 1 and _count(app, IntakeDraft) == 0


def test_item4_a_file_we_would_refuse_is_named_on_the_form_before_the_check_page(app):
    """A program disguised as a PDF, or one file too many: the form answers 422 naming it, in Dutch, and
    keeps the typed text; nothing is kept for checking, so "Melding versturen" never meets the refusal."""
    from tests.support.forms import EXE

    client = app.test_client()
    data = {**_form(client, "/melden/anoniem"), "description": DESCRIPTION,
            "attachments": [(io.BytesIO(EXE), "rapport.pdf")]}
    refused = client.post("/melden/anoniem", data=data, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "„rapport.pdf”" in text and "niet aannemen" in text and DESCRIPTION in text
    assert _count(app, IntakeDraft) == 0 and _count(app) == 0
    settings = app.extensions["meldpunt.settings"].uploads
    many = [(io.BytesIO(PDF), f"stuk{n}.pdf") for n in range(settings.max_files + 1)]
    refused = client.post("/melden/anoniem", data={**_form(client, "/melden/anoniem"), "description": DESCRIPTION,
                                                   "attachments": many}, content_type="multipart/form-data")
    assert refused.status_code == 422 and f"hoogstens {settings.max_files} bijlagen" in refused.get_data(as_text=True)
    assert _count(app, IntakeDraft) == 0
    # A good file passes on to the check page and is sent with the melding.
    kept = client.post("/melden/anoniem", data={**_form(client, "/melden/anoniem"), "description": DESCRIPTION,
                                                "attachments": [(io.BytesIO(PDF), "rapport.pdf")]},
                       content_type="multipart/form-data")
    assert kept.status_code == 303 and kept.headers["Location"].endswith("/controleren")
    assert "rapport.pdf" in client.get(kept.headers["Location"]).get_data(as_text=True)
