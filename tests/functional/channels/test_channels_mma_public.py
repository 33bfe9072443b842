"""Issue 20: Meld Misdaad Anoniem tips (anonymous, no receipt code, no feedback) and the public anonymous
form for inwoners and ondernemers behind ``[app] public_form`` (off by default)."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.channels.models import SignalSource
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.signals.models import Signal
from meldpunt.vault.service import cipher_for, current_keyring, unseal
from tests.conftest import make_users
from tests.support.logins import login_full
from tests.support.forms import PDF, post_form, receipt_code_from

TIP = """Tipnummer: 2026-004711
Datum: 28-11-2026
Plaats: Emmen, bedrijventerrein De Vaart
Soort: Drugs
Omschrijving: In de loods achteraan wordt hennep gekweekt.
Er komen 's nachts busjes.
"""


def test_mma_tip_is_parsed_anonymous_without_receipt_code_or_feedback(app):
    users = make_users(app)
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    page = client.get("/behandelen/mma-tip").get_data(as_text=True)
    assert "geen ontvangstcode en geen terugkoppeling" in page
    response = post_form(client, "/behandelen/mma-tip", {"raw_text": TIP, "received_on": "2026-11-30"},
                         files=[(PDF, "mma-tip.pdf")], field="original")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert (signal.channel, signal.is_anonymous, signal.wants_feedback) == ("mma", True, False)
        assert signal.receipt_digest is None and signal.reporter_id is None
        assert len(signal.attachments) == 1
        cipher = cipher_for(db.session, keyring=current_keyring(), data_key_id=signal.data_key_id)
        assert unseal(cipher, signal, "description") == "In de loods achteraan wordt hennep gekweekt.\nEr komen 's nachts busjes."
        assert unseal(cipher, signal, "location") == "Emmen, bedrijventerrein De Vaart"
        assert db.session.get(SignalSource, signal.id).organisation == "mma"
        signal_id = signal.id
    detail = client.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "2026-004711" in detail and "geen weg terug naar de tipgever" in detail
    with app.app_context():  # the only notice is the received-confirmation, on no channel anyone reads
        kinds = db.session.scalars(select(Notice.kind).where(Notice.signal_id == signal_id)).all()
        assert kinds == ["ontvangen"]


def test_mma_tip_without_text_is_refused_in_dutch(app):
    users = make_users(app)
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    response = post_form(client, "/behandelen/mma-tip", {"raw_text": "", "received_on": "2026-11-30"})
    assert response.status_code == 422 and "Plak de tekst van de tip." in response.get_data(as_text=True)


def test_public_route_is_off_by_default(app):
    client = app.test_client()
    assert client.get("/melden/anoniem/openbaar").status_code == 404
    assert client.post("/melden/anoniem/openbaar", data={"description": "x"}).status_code in (400, 404)


def test_public_route_when_switched_on_files_anonymously_with_its_own_channel_and_a_receipt_code(app_factory):
    app = app_factory(app={"public_form": True})
    make_users(app)
    client = app.test_client()
    page = client.get("/melden/anoniem/openbaar").get_data(as_text=True)
    assert "Melden als inwoner of ondernemer" in page and "Woont of werkt u in onze gemeente" in page
    assert "Dit gaat over een collega" not in page and "Bij welke afdeling werkt u?" not in page
    response = post_form(client, "/melden/anoniem/openbaar", {"description": "Vreemde drukte bij de loods",
                                                              "feedback": "code"})
    assert response.status_code == 200
    assert receipt_code_from(response.get_data(as_text=True))
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert (signal.channel, signal.is_anonymous, signal.track) == ("publiek_formulier", True, "regulier")
        assert signal.receipt_digest is not None and signal.department_code is None
