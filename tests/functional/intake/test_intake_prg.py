"""Issue 22 item 3: post/redirect/get, the receipt code shown once, one melding per sent form."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from meldpunt.database import utc_hour, utcnow
from meldpunt.extensions import db
from meldpunt.intake.models import FilingKey, ReceiptDisplay
from meldpunt.signals.models import Signal
from meldpunt.intake.receipts import hold_code_for_display, normalise_code, take_code_for_display
from tests.conftest import csrf_token, login
from tests.support.forms import receipt_code_from, send_checked, send_data

CONFIRMATION = "/melden/anoniem/ontvangen"
CHECK = "/melden/anoniem/controleren"


def _form(client, path: str) -> dict:
    page = client.get(path + "?nieuw=1", follow_redirects=True).get_data(as_text=True)  # "Nog een melding doen"
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)
    assert key, "the form carries no idempotency key"
    return {"csrf_token": csrf_token(page), "idempotency_key": key.group(1)}


def _post_and_send(client, path: str, data: dict):
    """The form, then "Controleer uw melding" and its send (issue 22 item 4); answers the send."""
    checked = client.post(path, data=data)
    assert checked.status_code == 303 and checked.headers["Location"].endswith("/controleren")
    return send_checked(client, checked.headers["Location"])


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signal))


def test_item_03_anonymous_double_submit_files_one_melding_and_shows_the_code_once(app_any_db):
    app = app_any_db
    client = app.test_client()
    data = {**_form(client, "/melden/anoniem"), "description": "Loods met geblindeerde ramen"}
    checked = [client.post("/melden/anoniem", data=data) for _ in range(2)]  # a double click on the form
    assert [r.status_code for r in checked] == [303, 303] and _count(app) == 0  # the form files nothing
    check = client.get(CHECK).get_data(as_text=True)
    first = client.post(CHECK, data=send_data(check))
    second = client.post(CHECK, data=send_data(check))  # a double click on "Melding versturen"
    assert first.status_code == 303 and first.headers["Location"].endswith(CONFIRMATION)
    assert second.status_code == 303 and second.headers["Location"].endswith(CONFIRMATION)
    assert _count(app) == 1
    assert "Loods" not in first.get_data(as_text=True)  # the POST answer carries no code, no content

    shown = client.get(CONFIRMATION)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    code = receipt_code_from(shown.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReceiptDisplay)) == 0  # taken: deleted

    reload = client.get(CONFIRMATION)  # reload of the confirmation: files nothing, shows no code
    text = reload.get_data(as_text=True)
    assert reload.status_code == 200 and "Uw melding is al verstuurd" in text
    assert code not in text and 'class="receipt-code"' not in text
    again = _post_and_send(client, "/melden/anoniem", data)  # Back and send again after the code was shown
    assert again.status_code == 303 and again.headers["Location"].endswith(CONFIRMATION)
    assert 'class="receipt-code"' not in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(app) == 1
    # The code works at the receipt page.
    opened = client.post("/ontvangstcode", data={"code": code, "csrf_token": csrf_token(
        client.get("/ontvangstcode").get_data(as_text=True))})
    assert opened.status_code == 303


def test_item_03_a_new_form_files_a_new_melding(app):
    client = app.test_client()
    for text in ("Eerste melding", "Tweede melding"):
        response = _post_and_send(client, "/melden/anoniem", {**_form(client, "/melden/anoniem"), "description": text})
        assert response.status_code == 303
        receipt_code_from(client.get(CONFIRMATION).get_data(as_text=True))
    assert _count(app) == 2


def test_item_03_named_double_submit_files_one_and_reload_files_nothing(app_any_db):
    from tests.conftest import make_users

    app = app_any_db
    users = make_users(app)
    client = app.test_client()
    login(client, users["melder"].email)
    data = {**_form(client, "/melden"), "description": "Vreemde aanvraag"}
    assert client.post("/melden", data=data).status_code == 303 and _count(app) == 0
    check = client.get("/melden/controleren").get_data(as_text=True)
    first = client.post("/melden/controleren", data=send_data(check))
    second = client.post("/melden/controleren", data=send_data(check))  # a double click on "Melding versturen"
    assert first.status_code == 303 and second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "er is niets dubbel verstuurd" in page and "Uw melding is ontvangen" in page
    for _ in range(2):  # reloading the confirmation files nothing
        assert client.get(first.headers["Location"]).status_code == 200
    assert _count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(FilingKey.signal_id)) == db.session.scalar(select(Signal.id))


def test_item_03_code_waits_encrypted_and_anonymous_rows_carry_the_hour(app):
    client = app.test_client()
    response = _post_and_send(client, "/melden/anoniem", {**_form(client, "/melden/anoniem"), "description": "Iets"})
    assert response.status_code == 303
    cookie = client.get_cookie("meldpunt")
    session_data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    with app.app_context():
        display = db.session.scalar(select(ReceiptDisplay))
        key = db.session.scalar(select(FilingKey))
        signal = db.session.scalar(select(Signal))
        assert key.signal_id is None  # an anonymous filing's key names no signal
        assert key.created_at.replace(tzinfo=None) == utc_hour(key.created_at).replace(tzinfo=None)
        assert display.created_at.replace(tzinfo=None) == utc_hour(display.created_at).replace(tzinfo=None)
        row = (display.id, bytes(display.payload_ct), key.id)
    code = receipt_code_from(client.get(CONFIRMATION).get_data(as_text=True)).replace(" ", "")
    assert normalise_code(code) == code
    for value in row:
        assert code.encode() not in (value if isinstance(value, bytes) else value.encode())
    assert signal.reference.encode() not in row[1]
    assert code not in str(session_data)  # the cookie holds a token, never the code
    assert "receipt_display" not in str(app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie("meldpunt").value))  # the token is gone from the cookie once used


def test_item_03_a_code_never_shown_is_wiped_after_its_lifetime(app):
    token = "t" * 43
    with app.app_context():
        hold_code_for_display(db.session, token=token, code="0" * 20, reference="MO-2026-0001")
        db.session.commit()
        assert take_code_for_display(db.session, token=token, now=utcnow() + timedelta(hours=3)) is None
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ReceiptDisplay)) == 0


def test_item_03_a_wrong_token_opens_nothing(app):
    with app.app_context():
        hold_code_for_display(db.session, token="a" * 43, code="0" * 20, reference="MO-2026-0001")
        assert take_code_for_display(db.session, token="b" * 43) is None
        assert take_code_for_display(db.session, token=None) is None
        assert take_code_for_display(db.session, token="a" * 43) == ("0" * 20, "MO-2026-0001")
        assert take_code_for_display(db.session, token="a" * 43) is None


def test_item_03_back_to_the_form_after_filing_says_it_was_sent(app, users):
    """Back (or the menu) right after filing: "al verstuurd" instead of a form the browser may refill."""
    client = app.test_client()
    assert _post_and_send(client, "/melden/anoniem", {**_form(client, "/melden/anoniem"), "description": "Een"}).status_code == 303
    receipt_code_from(client.get(CONFIRMATION).get_data(as_text=True))
    back = client.get("/melden/anoniem", follow_redirects=True)
    assert "Uw melding is al verstuurd" in back.get_data(as_text=True) and 'name="description"' not in back.get_data(as_text=True)
    fresh = client.get("/melden/anoniem?nieuw=1")
    assert fresh.status_code == 303 and fresh.headers["Location"].endswith("/melden/anoniem")
    assert 'name="description"' in client.get("/melden/anoniem").get_data(as_text=True)

    named = app.test_client()
    login(named, users["melder"].email)
    assert _post_and_send(named, "/melden", {**_form(named, "/melden"), "description": "Twee"}).status_code == 303
    page = named.get("/melden").get_data(as_text=True)
    assert "Uw melding is al verstuurd" in page and "Mijn meldingen" in page and "nieuw=1" in page
    assert _count(app) == 2
