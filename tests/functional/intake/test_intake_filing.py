"""Filing a melding through the test client: named and anonymous, the whole form, errors in Dutch."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.audit.service import append_deferred, reporter_label
from meldpunt.database import utcnow
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.intake.models import SubjectIdentifier
from meldpunt.signals.models import Signal
from meldpunt.intake.service import read_signal_content
from tests.conftest import csrf_token, login
from tests.support.forms import PDF, PNG, post_form, receipt_code_from

FULL = {
    "description": "Loods wordt 's nachts gebruikt, ramen geblindeerd",
    "feels_unsafe": "y",
    "location": "Industrieweg 7, achterste loods",
    "location_type_code": "bedrijventerrein",
    "occurred_from": "2025-03-01",
    "occurred_until": "2025-03-15",
    "occurred_text": "elke vrijdagavond",
    "subjects-0-kind": "bedrijf",
    "subjects-0-name": "Jansen Opslag B.V.",
    "subjects-0-kvk": "12.34.56.78",
    "subjects-0-postcode": "1234 ab",
    "subjects-0-huisnummer": "7",
    "subjects-0-role": "huurder",
    "subjects-1-plate": "12-ABC-3",
    "process_code": "vastgoed",
    "phenomenon_code": "leegstand",
    "certainty": "zelf_gezien",
    "relation": "werk",
    "relation_text": "ik deed de controle",
    "feedback": "email",
    "contact": "liever bellen",
}


def test_named_filing_stores_everything_encrypted_and_confirms(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    response = post_form(client, "/melden", {**FULL, "identity": "naam"}, files=[(PDF, "brief.pdf"), (PNG, "foto.png")])
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uw melding is ontvangen" in confirmation and "Wat gebeurt er nu?" in confirmation
    assert "onveilig of bedreigd" in confirmation

    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert re.fullmatch(r"MO-\d{4}-0001", signal.reference) and signal.reference in confirmation
        assert signal.reporter_id == users["melder"].id and not signal.is_anonymous and signal.receipt_digest is None
        assert signal.feels_unsafe and signal.feedback_by_email and signal.wants_feedback
        assert (signal.process_code, signal.phenomenon_code, signal.location_type_code) == ("vastgoed", "leegstand", "bedrijventerrein")
        assert signal.certainty == "zelf_gezien" and signal.track == "regulier"
        for column in ("description_ct", "location_ct", "occurred_ct", "relation_ct", "contact_ct"):
            assert b"Industrieweg" not in (getattr(signal, column) or b"") and getattr(signal, column)
        content = read_signal_content(db.session, keyring=app.extensions["meldpunt.keyring"], signal=signal)
        assert content.location == "Industrieweg 7, achterste loods"
        assert content.occurred_label == "van 1 maart 2025 tot en met 15 maart 2025; elke vrijdagavond"
        assert content.relation_label.startswith("Ik heb in mijn werk") and content.contact == "liever bellen"
        subjects = {s["kind"]: s for s in content.subjects}
        assert subjects["bedrijf"]["kvk"] == "12.34.56.78" and subjects["bedrijf"]["role"] == "huurder"
        assert subjects["voertuig"]["plate"] == "12-ABC-3"  # kind guessed from the plate
        kinds = sorted(i.kind for i in db.session.scalars(select(SubjectIdentifier)))
        assert kinds == ["address", "kvk", "name", "plate"]
        assert sorted(name for _, name in content.attachments) == ["brief.pdf", "foto.png"]
        assert db.session.scalar(select(Notice.kind).where(Notice.signal_id == signal.id)) == "ontvangen"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "signal.file"))
        # Named, yet under the signal's pseudonym; neither the track nor "anonymous" in the details (issue 15 item 4).
        assert json.loads(entry.details) == {"attachments": 2, "subjects": 2}
        assert entry.actor_id is None and entry.actor_label == reporter_label(signal.id) and entry.origin == ""

    mine = client.get("/mijn-meldingen").get_data(as_text=True)
    assert signal.reference in mine and "Ontvangen" in mine
    detail = client.get(f"/mijn-meldingen/{signal.id}").get_data(as_text=True)
    assert "Uw melding is ontvangen" in detail  # feedback history
    assert "Jansen Opslag B.V." in detail and "brief.pdf" in detail and "Leegstaande" not in detail.split("Verschijningsvorm")[0]


def test_about_a_colleague_goes_to_the_integrity_track(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    response = post_form(client, "/melden", {"description": "Collega deelt gegevens", "about_colleague": "y"})
    assert response.status_code == 303
    assert "integriteitscoördinator" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Signal.track)) == "integriteit"


def test_anonymous_filing_without_login_keeps_no_link_to_anyone(app, users):
    client = app.test_client()
    choice = client.get("/melden")
    assert choice.status_code == 200 and "Anoniem melden" in choice.get_data(as_text=True)
    page = client.get("/melden/anoniem").get_data(as_text=True)
    assert "identity" not in page and 'name="contact"' not in page
    response = post_form(client, "/melden/anoniem", {"description": "Aanvrager drukt op mij", "feedback": "code"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    code = receipt_code_from(text)
    assert re.fullmatch(r"[0-9A-Z]{4}( [0-9A-Z]{4}){4}", code)
    assert "U ziet hem maar één keer" in text
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert signal.is_anonymous and signal.reporter_id is None and signal.assignee_id is None
        assert signal.contact_ct is None and not signal.feedback_by_email
        assert code.replace(" ", "") not in signal.receipt_digest
        # The audit entry joins the chain after the hour (meldpunt.audit.service.append_deferred).
        append_deferred(db.session, now=utcnow() + timedelta(hours=1))
        db.session.commit()
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(signal.id))).all()
        assert entries and all(e.actor_id is None and e.actor_label == "anoniem" and e.origin == "" for e in entries)


def test_item_05_logged_in_form_sends_anonymous_choice_to_logout_first(app, users):
    """The named form no longer files anonymously; an old form that still says "anoniem" files nothing."""
    client = app.test_client()
    login(client, users["melder"].email)
    page = client.get("/melden").get_data(as_text=True)
    assert 'name="identity"' not in page
    assert 'name="verder" value="anoniem-melden"' in page and "Uitloggen en anoniem melden" in page
    response = post_form(client, "/melden", {"description": "Liever anoniem", "identity": "anoniem", "contact": "06-12345678"})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Eerst uitloggen" in text and "Er is niets verstuurd." in text
    assert 'name="verder" value="anoniem-melden"' in text
    with app.app_context():
        assert db.session.scalar(select(Signal)) is None  # neither anonymous nor under the person's name
    assert "Liever anoniem" not in client.get("/mijn-meldingen").get_data(as_text=True)


def test_named_reporting_needs_login(client):
    token = csrf_token(client.get("/melden/anoniem").get_data(as_text=True))
    response = client.post("/melden", data={"description": "x", "csrf_token": token})
    assert response.status_code in (302, 303) and "/inloggen" in response.headers["Location"]


def test_validation_errors_are_dutch_and_keep_what_was_typed(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    data = {**FULL, "description": "", "subjects-0-kvk": "1234", "subjects-1-postcode": "12345", "occurred_until": "2025-02-01"}
    response = post_form(client, "/melden", data, files=[(PDF, "brief.pdf")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Beschrijf wat u heeft gezien of gehoord." in page
    assert "Een KvK-nummer heeft 8 cijfers." in page
    assert "Een postcode bestaat uit 4 cijfers en 2 letters" in page
    assert "De einddatum ligt vóór de begindatum." in page
    assert 'href="#subjects-0-kvk"' in page  # error summary links to the field
    assert 'value="Jansen Opslag B.V."' in page and 'value="Industrieweg 7, achterste loods"' in page
    assert "elke vrijdagavond" in page and 'value="liever bellen"' in page
    assert re.search(r'<option selected value="vastgoed">', page)
    assert re.search(r'checked[^>]*value="zelf_gezien"|value="zelf_gezien"[^>]*checked', page)
    assert "Kies uw bijlagen opnieuw" in page  # files are not kept, and the page says so
    with app.app_context():
        assert db.session.scalar(select(Signal)) is None


def test_form_explains_each_choice(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    page = client.get("/melden").get_data(as_text=True)
    assert page.count("Waar moet ik op letten?") == 3
    assert "Grote contante betalingen" in page  # help text of "witwassen"
    assert "(niet verplicht)" in page and "<legend>" in page
    assert "<script>" not in page and 'style="' not in page
