"""A reporter never opens another reporter's signal: 404 by URL guessing or id change."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login, make_users
from tests.support.forms import post_form


def test_reporter_cannot_open_another_reporters_signal(app, users):
    others = make_users(app, suffix="-2")
    alice, bob = app.test_client(), app.test_client()
    login(alice, users["melder"].email)
    login(bob, others["melder"].email)
    assert post_form(alice, "/melden", {"description": "Van Alice"}).status_code == 303
    assert post_form(bob, "/melden", {"description": "Van Bob"}).status_code == 303
    anonymous = post_form(app.test_client(), "/melden/anoniem", {"description": "Anoniem"})
    assert anonymous.status_code == 200
    with app.app_context():
        rows = {s.reference: s for s in db.session.scalars(select(Signal))}
        alice_signal = next(s for s in rows.values() if s.reporter_id == users["melder"].id)
        anon_signal = next(s for s in rows.values() if s.is_anonymous)
    for url in (
        f"/mijn-meldingen/{alice_signal.id}",
        f"/mijn-meldingen/{anon_signal.id}",
        f"/mijn-meldingen/{uuid.uuid4()}",
        f"/melden/bevestiging/{alice_signal.reference}",
        f"/melden/bevestiging/{anon_signal.reference}",
    ):
        assert bob.get(url).status_code == 404, url
    token = csrf_token(bob.get("/mijn-meldingen").get_data(as_text=True))
    assert bob.post(f"/mijn-meldingen/{alice_signal.id}/bericht", data={"body": "x", "csrf_token": token}).status_code == 404
    assert "Van Alice" not in bob.get("/mijn-meldingen").get_data(as_text=True)
    assert alice.get(f"/mijn-meldingen/{alice_signal.id}").status_code == 200


def test_named_reporter_replies_on_own_signal(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    post_form(client, "/melden", {"description": "Eigen melding"})
    with app.app_context():
        signal_id = db.session.scalar(select(Signal.id))
    page = client.get(f"/mijn-meldingen/{signal_id}").get_data(as_text=True)
    response = client.post(f"/mijn-meldingen/{signal_id}/bericht", data={"body": "Nog een detail", "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert "Nog een detail" in client.get(f"/mijn-meldingen/{signal_id}").get_data(as_text=True)
