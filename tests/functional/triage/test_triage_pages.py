"""The handler's pages through the test client: access, linked subjects, optimistic locking, downloads."""

from __future__ import annotations

import io
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.intake.models import Attachment
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.intake.service import CERTAINTY_LABELS, RELATION_LABELS
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import term_labels
from meldpunt.vault.service import current_keyring
from tests import factories
from tests.conftest import csrf_token, login
from tests.support.logins import login_full
from tests.support.forms import PDF, post_form

COMPANY = {"kind": "bedrijf", "name": "Voorbeeld BV"}  # added by the handler after filing


def _evidence():
    from meldpunt.intake.attachments import Upload

    return Upload(filename="bewijs café.txt", stream=io.BytesIO(b"Gezien op dinsdag.\n"))


def _client(app, users, role):
    client = app.test_client()
    login_full(client, users[role].email)
    return client


def test_same_kvk_written_differently_is_linked_without_leaking_other_tracks(app, users):
    first = factories.filed_in(app, reporter=users["melder"], handler_subjects=[{**COMPANY, "kvk": "12345678"}]).id
    second = factories.filed_in(app, reporter=users["melder"], handler_subjects=[{**COMPANY, "kvk": "12 34 56 78"}]).id
    third = factories.filed_in(app, reporter=users["melder"], handler_subjects=[{**COMPANY, "kvk": "12.34.56.78"}]).id
    factories.filed_in(app, reporter=users["melder"], handler_subjects=[{**COMPANY, "kvk": "1234 5678"}],
                       about_colleague=True)  # integrity track: the regisseur may not see it
    regisseur = _client(app, users, "regisseur")
    page = regisseur.get(f"/behandelen/meldingen/{first}").get_data(as_text=True)
    assert "2 andere meldingen over deze betrokkene" in page
    with app.app_context():
        refs = {s.id: s.reference for s in db.session.scalars(select(Signal))}
    assert refs[second] in page and refs[third] in page
    integriteit = _client(app, users, "integriteit")
    with app.app_context():
        integrity_id = db.session.scalar(select(Signal.id).where(Signal.track == "integriteit"))
    page = integriteit.get(f"/behandelen/meldingen/{integrity_id}").get_data(as_text=True)
    assert "andere melding" not in page  # the regular signals are not counted for the integrity track


def test_other_roles_get_404_on_every_handler_url(app, users):
    signal_id = factories.filed_in(app, reporter=users["melder"], uploads=[_evidence()]).id
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    regisseur = _client(app, users, "regisseur")
    regisseur.post("/behandelen/casussen/", data={"title": "Casus", "csrf_token": csrf_token(
        regisseur.get("/behandelen/casussen/").get_data(as_text=True))})
    with app.app_context():
        from meldpunt.cases.models import Case

        case_id = db.session.scalar(select(Case.id))
    gets = [f"/behandelen/meldingen/{signal_id}", f"/behandelen/meldingen/{signal_id}/bijlagen/{attachment_id}",
            f"/behandelen/casussen/{case_id}"]
    posts = [f"/behandelen/meldingen/{signal_id}/{p}" for p in ("status", "doorzenden", "toewijzen", "verrijking",
                                                                "subjecten", "berichten")]
    posts += [f"/behandelen/casussen/{case_id}/{p}" for p in ("meldingen", "interventies", "agenderen", "afsluiten")]
    posts.append(f"/behandelen/casussen/{case_id}")
    for role in ("melder", "deelnemer", "beheerder", "management", "voorzitter", "integriteit"):
        client = _client(app, users, role)
        token = csrf_token(client.get("/mijn-meldingen").get_data(as_text=True))
        for url in gets:
            assert client.get(url).status_code == 404, (role, url)
        for url in posts:
            assert client.post(url, data={"csrf_token": token, "version": 1}).status_code == 404, (role, url)
    assert regisseur.get(gets[0]).status_code == 200


def test_attachment_is_downloaded_never_inline(app, users):
    signal_id = factories.filed_in(app, reporter=users["melder"], uploads=[_evidence()]).id
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    regisseur = _client(app, users, "regisseur")
    response = regisseur.get(f"/behandelen/meldingen/{signal_id}/bijlagen/{attachment_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''bewijs%20caf%C3%A9.txt" in disposition
    assert response.data == b"Gezien op dinsdag.\n"


def test_triage_through_the_page_and_stale_form_gives_409(app, users):
    signal_id = factories.filed_in(app, reporter=users["melder"]).id
    regisseur = _client(app, users, "regisseur")
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    token = csrf_token(page)
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    ok = regisseur.post(f"/behandelen/meldingen/{signal_id}/status",
                        data={"csrf_token": token, "version": version, "target": "in_behandeling"})
    assert ok.status_code == 302
    stale = regisseur.post(f"/behandelen/meldingen/{signal_id}/status",
                           data={"csrf_token": token, "version": version, "target": "verrijking"})
    assert stale.status_code == 409
    assert "Iemand anders heeft deze melding net gewijzigd" in stale.get_data(as_text=True)
    fresh = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    version = int(re.search(r'name="version" value="(\d+)"', fresh).group(1))
    no_reason = regisseur.post(f"/behandelen/meldingen/{signal_id}/status",
                               data={"csrf_token": token, "version": version, "target": "afgesloten", "reason": ""})
    assert no_reason.status_code == 422 and "Geef een reden op" in no_reason.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Signal, signal_id).status == SignalStatus.IN_PROGRESS.value


@pytest.mark.parametrize("tab", ["nieuw", "mijn", "wacht", "te-laat", "alle"])
def test_queue_tabs_render(app, users, tab):
    factories.filed_in(app, reporter=users["melder"])
    regisseur = _client(app, users, "regisseur")
    response = regisseur.get(f"/behandelen/?tab={tab}&sorteer=oudste&status=ontvangen")
    assert response.status_code == 200 and "Werkvoorraad" in response.get_data(as_text=True)


def test_enrichment_note_through_the_page_is_stored_encrypted(app, users):
    from meldpunt.triage.models import EnrichmentNote
    from meldpunt.triage.enrichment import enrichment_notes

    signal_id = factories.filed_in(app, reporter=users["melder"]).id
    regisseur = _client(app, users, "regisseur")
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert page.count('id="note-legal_basis"') == 1 and page.count('id="legal_basis"') == 1
    marker = "KADASTERVONDST-7731"
    missing = regisseur.post(f"/behandelen/meldingen/{signal_id}/verrijking",
                             data={"csrf_token": csrf_token(page), "note-register": "kvk", "note-content": marker})
    assert missing.status_code == 422
    assert "Vul de grondslag in." in missing.get_data(as_text=True) and marker in missing.get_data(as_text=True)
    ok = regisseur.post(f"/behandelen/meldingen/{signal_id}/verrijking",
                        data={"csrf_token": csrf_token(page), "note-register": "kvk", "note-consulted_on": "2026-11-20",
                              "note-source": "Handelsregister", "note-legal_basis": "Taak OOV, doelbinding ondermijning",
                              "note-content": marker})
    assert ok.status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(EnrichmentNote)).all()
        assert len(stored) == 1
        assert not any(marker.encode() in (value or b"") for value in vars(stored[0]).values() if isinstance(value, bytes))
        signal = db.session.get(Signal, signal_id)
        assert [n.content for n in enrichment_notes(db.session, keyring=current_keyring(), signal=signal)] == [marker]
    assert marker in regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)


def test_item_01_handler_page_shows_everything_the_reporter_gave(app, users):
    """Issue 22 item 1: every answer of the melden form reaches the handler's page; who filed it only after
    the audited "Toon melder"."""

    form = {
        "description": "Omschrijving Q7: de loods draait elke nacht",
        "feels_unsafe": "y",
        "location": "Kwartelstraat 93, loods Q7",
        "location_type_code": "bedrijventerrein",
        "occurred_from": "2025-04-02",
        "occurred_until": "2025-04-09",
        "occurred_text": "elke derde dinsdag Q7",
        "subjects-0-kind": "bedrijf",
        "subjects-0-name": "Q7 Opslag B.V.",
        "subjects-0-kvk": "87654321",
        "subjects-0-street": "Kwartellaan",
        "subjects-0-huisnummer": "93b",
        "subjects-0-postcode": "9876 ZX",
        "subjects-0-city": "Q7dorp",
        "subjects-0-permit": "VERG-Q7-123",
        "subjects-0-role": "verhuurder Q7",
        "subjects-1-plate": "98-XYZ-7",
        "process_code": "vastgoed",
        "phenomenon_code": "leegstand",
        "certainty": "zelf_gezien",
        "relation": "werk",
        "relation_text": "ik keurde hun vergunning Q7",
        "feedback": "email",
        "contact": "bel 0611122233 na vijven Q7",
    }
    melder = app.test_client()
    login(melder, users["melder"].email)
    filed = post_form(melder, "/melden", {**form, "identity": "naam"}, files=[(PDF, "q7-bewijs.pdf")])
    assert filed.status_code == 303, filed.get_data(as_text=True)[:2000]
    with app.app_context():
        signal_id = db.session.scalar(select(Signal.id))
        processes = term_labels(db.session, kind=TermKind.PROCESS)
        phenomena = term_labels(db.session, kind=TermKind.PHENOMENON)
        places = term_labels(db.session, kind=TermKind.LOCATION_TYPE)

    regisseur = _client(app, users, "regisseur")
    url = f"/behandelen/meldingen/{signal_id}"
    page = regisseur.get(url).get_data(as_text=True)
    expected = [
        form["description"], form["location"], places["bedrijventerrein"],
        "van 2 april 2025 tot en met 9 april 2025; elke derde dinsdag Q7",
        CERTAINTY_LABELS["zelf_gezien"], f"{RELATION_LABELS['werk']}: {form['relation_text']}",
        "De melder voelt zich onveilig of bedreigd", "een e-mail zonder inhoud als er nieuws is",
        processes["vastgoed"], phenomena["leegstand"],
        "Q7 Opslag B.V.", "87654321", "Kwartellaan", "93b", "9876 ZX", "Q7dorp", "VERG-Q7-123", "verhuurder Q7",
        "98-XYZ-7", "q7-bewijs.pdf",
    ]
    for label in ("Waar", "Wanneer", "Hoe zeker", "Relatie tot de betrokkene", "Veiligheid", "Terugkoppeling"):
        assert f"<dt>{label}</dt>" in page, label
    missing = [value for value in expected if str(escape(value)) not in page]
    assert not missing, missing
    # Who filed it, and how to reach them, stays behind "Toon melder".
    hidden = [users["melder"].name, users["melder"].email, form["contact"]]
    assert not [value for value in hidden if value in page]
    assert "Melder met naam" in page and "U ziet dat met ‘Toon melder’" in page
    shown = regisseur.post(f"{url}/melder", data={"csrf_token": csrf_token(page)}).get_data(as_text=True)
    assert all(value in shown for value in hidden)
    assert all(str(escape(value)) in shown for value in expected)
    assert not [value for value in hidden if value in regisseur.get(url).get_data(as_text=True)]
