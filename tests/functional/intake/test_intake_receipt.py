"""The receipt code page: opens exactly its own signal, answers wrong codes alike, limits brute force."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.intake.messages import post_message
from meldpunt.intake.models import Message, MessageSender
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token
from tests.support.forms import post_form, receipt_code_from


def _file_anonymous(app, description: str) -> tuple[str, str]:
    client = app.test_client()
    page = post_form(client, "/melden/anoniem", {"description": description}).get_data(as_text=True)
    with app.app_context():
        reference = db.session.scalar(select(Signal.reference).order_by(Signal.ref_seq.desc()))
    return receipt_code_from(page), reference


def _open(client, code: str):
    token = csrf_token(client.get("/ontvangstcode").get_data(as_text=True))
    return client.post("/ontvangstcode", data={"code": code, "csrf_token": token})


def _wrong_answer(response) -> str:
    """The page body without the CSRF token (which differs per session, not per code)."""
    import re

    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", response.get_data(as_text=True))


def test_code_opens_exactly_its_own_signal(app):
    code_a, ref_a = _file_anonymous(app, "Eerste anonieme melding")
    code_b, ref_b = _file_anonymous(app, "Tweede anonieme melding")
    for code, ref, own, other in ((code_a, ref_a, "Eerste", "Tweede"), (code_b, ref_b, "Tweede", "Eerste")):
        client = app.test_client()
        # case-insensitive; dashes and spaces are ignored
        response = _open(client, code.lower().replace(" ", "-"))
        assert response.status_code == 303 and response.headers["Location"].endswith("/ontvangstcode/melding")
        assert code.replace(" ", "") not in response.headers["Location"]
        page = client.get("/ontvangstcode/melding").get_data(as_text=True)
        assert ref in page and f"{own} anonieme melding" in page and f"{other} anonieme melding" not in page
        assert "Uw melding is ontvangen" in page  # feedback history


def test_wrong_codes_answer_the_same_way(app):
    code, _ = _file_anonymous(app, "Melding")
    client = app.test_client()
    near = ("0" if code[0] != "0" else "1") + code[1:]  # well-formed, one character off
    answers = set()
    for wrong in (near, "ABCD EFGH JKMN PQRS TVWX", "kort", "!!!!" * 5):
        response = _open(client, wrong)
        assert response.status_code == 422
        assert "Deze code kennen wij niet." in response.get_data(as_text=True)
        answers.add(_wrong_answer(response))
    assert len(answers) == 1
    assert client.get("/ontvangstcode/melding").status_code == 303  # nothing opened


def test_eleventh_wrong_try_within_a_minute_is_refused(app):
    code, _ = _file_anonymous(app, "Melding")
    client = app.test_client()
    token = csrf_token(client.get("/ontvangstcode").get_data(as_text=True))
    for _ in range(10):
        assert client.post("/ontvangstcode", data={"code": "ABCD EFGH JKMN PQRS TVWX", "csrf_token": token}).status_code == 422
    refused = client.post("/ontvangstcode", data={"code": code, "csrf_token": token})
    assert refused.status_code == 429
    assert "Te veel pogingen" in refused.get_data(as_text=True)
    # the limit is per client: another address can still open its code
    other = app.test_client()
    token = csrf_token(other.get("/ontvangstcode", environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_data(as_text=True))
    response = other.post("/ontvangstcode", data={"code": code, "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 303


def test_correct_codes_do_not_use_up_the_limit(app):
    code, _ = _file_anonymous(app, "Melding")
    client = app.test_client()
    for _ in range(12):
        assert _open(client, code).status_code == 303


def test_anonymous_reporter_reads_messages_and_answers(app):
    code, _ = _file_anonymous(app, "Melding met vraag")
    keyring = app.extensions["meldpunt.keyring"]
    with app.app_context():
        from meldpunt.auth.models import User
        from tests.conftest import make_users

    users = make_users(app)
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        handler = db.session.get(User, users["regisseur"].id)
        post_message(db.session, keyring=keyring, signal=signal, sender=MessageSender.HANDLER, author=handler,
                     body="Weet u het huisnummer nog?")
        db.session.commit()
        assert db.session.scalar(select(Notice.kind).where(Notice.kind == "bericht")) == "bericht"

    client = app.test_client()
    assert _open(client, code).status_code == 303
    page = client.get("/ontvangstcode/melding").get_data(as_text=True)
    assert "Weet u het huisnummer nog?" in page and "OOV-regisseur" in page
    token = csrf_token(page)
    response = client.post("/ontvangstcode/bericht", data={"body": "Nummer 12, denk ik", "csrf_token": token})
    assert response.status_code == 303
    assert "Nummer 12, denk ik" in client.get("/ontvangstcode/melding").get_data(as_text=True)
    with app.app_context():
        reply = db.session.scalar(select(Message).where(Message.sender == "melder"))
        assert reply.author_id is None and b"Nummer 12" not in reply.body_ct

    empty = client.post("/ontvangstcode/bericht", data={"body": " ", "csrf_token": token})
    assert empty.status_code == 422 and "Schrijf een bericht of kies een bestand." in empty.get_data(as_text=True)

    client.post("/ontvangstcode/sluiten", data={"csrf_token": token})
    assert client.get("/ontvangstcode/melding").status_code == 303
    assert client.post("/ontvangstcode/bericht", data={"body": "nog iets", "csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.sender == "melder").order_by(Message.created_at.desc())).id == reply.id
