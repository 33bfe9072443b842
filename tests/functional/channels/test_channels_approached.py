"""Issue 20, "which function was approached and how": optional questions stored as codes (metadata)."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import login
from tests.support.logins import login_full
from tests.support.forms import post_form


def test_approached_who_and_how_are_stored_as_codes_and_shown_to_the_handler(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    page = client.get("/melden").get_data(as_text=True)
    assert "Wie werd benaderd?" in page and "Hoe werd diegene benaderd?" in page
    response = post_form(client, "/melden", {"description": "De wethouder kreeg een aanbod", "feedback": "app",
                                             "approached": "bestuurder", "approach": "gift"})
    assert response.status_code == 303
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert (signal.approached_code, signal.approach_code) == ("bestuurder", "gift")
        signal_id = signal.id
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    detail = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Een bestuurder (burgemeester, wethouder)" in detail and "Met een gift, geld of een gunst" in detail


def test_approached_questions_are_optional_and_refuse_unknown_codes(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    assert post_form(client, "/melden", {"description": "Zonder antwoord", "feedback": "app"}).status_code == 303
    refused = post_form(client, "/melden", {"description": "Gemaakt antwoord", "feedback": "app", "approach": "omkoping"})
    assert refused.status_code == 422
    assert "Gemaakt antwoord" in refused.get_data(as_text=True)  # nothing typed is lost
    with app.app_context():
        assert db.session.execute(select(Signal.approached_code, Signal.approach_code)).all() == [(None, None)]
