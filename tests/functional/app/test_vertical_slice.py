"""The walking skeleton: a melder files a signal, sees it; a regisseur sees it in the queue."""

from __future__ import annotations

import json
import re

from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login
from tests.support.forms import post_form, send_checked
from tests.support.logins import login_full


def test_healthz_names_database_and_broker(client):
    response = client.get("/healthz")
    body = json.loads(response.data)
    assert body["database"] == {"backend": "sqlite", "reachable": True}
    assert body["broker"]["backend"] == "redis"


def test_melder_files_and_regisseur_sees(app, users):
    melder = app.test_client()
    assert login(melder, users["melder"].email).status_code == 302
    form = melder.get("/melden")
    assert form.status_code == 200 and "Melding doen" in form.get_data(as_text=True)
    checked = melder.post(
        "/melden",
        data={"description": "Vreemde aanvraag exploitatievergunning", "phenomenon_code": "witwassen",
              "process_code": "vergunningen", "csrf_token": csrf_token(form.get_data(as_text=True))},
    )
    assert checked.status_code == 303 and checked.headers["Location"].endswith("/melden/controleren")
    response = send_checked(melder, checked.headers["Location"])  # "Controleer uw melding" → send
    assert response.status_code == 303
    confirmation = melder.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uw melding is ontvangen" in confirmation
    with app.app_context():
        signal = db.session.scalar(db.select(Signal))
        reference, signal_id = signal.reference, signal.id
    assert reference in confirmation
    mine = melder.get("/mijn-meldingen").get_data(as_text=True)
    assert reference in mine and "Ontvangen" in mine

    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    queue = regisseur.get("/behandelen/").get_data(as_text=True)
    assert reference in queue
    detail = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Vreemde aanvraag exploitatievergunning" in detail


def test_empty_description_is_refused_in_dutch_and_keeps_input(app, users):
    melder = app.test_client()
    login(melder, users["melder"].email)
    form = melder.get("/melden")
    response = melder.post(
        "/melden",
        data={"description": "", "phenomenon_code": "witwassen", "csrf_token": csrf_token(form.get_data(as_text=True))},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Beschrijf wat u heeft gezien of gehoord." in page
    assert re.search(r'<option selected value="witwassen">|<option value="witwassen" selected>', page)


def test_other_roles_get_404_on_handler_signal_page(app, users):
    melder = app.test_client()
    login(melder, users["melder"].email)
    assert post_form(melder, "/melden", {"description": "x"}).status_code == 303
    with app.app_context():
        signal_id = db.session.scalar(db.select(Signal.id))
    for role in ("melder", "deelnemer", "beheerder", "management", "voorzitter", "integriteit"):
        c = app.test_client()
        login_full(c, users[role].email)
        assert c.get(f"/behandelen/meldingen/{signal_id}").status_code == 404, role


def test_login_wrong_password_is_generic(app, users):
    c = app.test_client()
    response = login(c, users["melder"].email, "totally wrong password")
    assert response.status_code == 200
    assert "klopt niet" in response.get_data(as_text=True)
    response = login(c, "nobody@test.example", "totally wrong password")
    assert "klopt niet" in response.get_data(as_text=True)
