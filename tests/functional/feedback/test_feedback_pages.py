"""Feedback pages through the test client: compose (template, preview, send), inbox, waiting list."""

from __future__ import annotations

import sqlalchemy as sa

from meldpunt.extensions import db
from meldpunt.feedback.models import Notice, NoticeKind
from tests import factories
from tests.conftest import csrf_token
from tests.support.logins import login_full as login

DESCRIPTION = "Verdachte verbouwing pand aan de Dorpsstraat"


def _compose(client, signal_id, **data):
    url = f"/behandelen/meldingen/{signal_id}/terugkoppeling"
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def test_regisseur_inserts_template_previews_and_sends_feedback(app, users):
    signal_id, reference = factories.filed_in(app, reporter=users["melder"], description=DESCRIPTION)
    regisseur = app.test_client()
    login(regisseur, users["regisseur"].email)

    inserted = _compose(regisseur, signal_id, template="uitzoeken", text="", insert="Tekst invoegen")
    assert inserted.status_code == 200
    assert "We zoeken uw melding verder uit." in inserted.get_data(as_text=True)

    preview = _compose(regisseur, signal_id, text="We kijken er goed naar.", preview="Voorbeeld bekijken")
    body = preview.get_data(as_text=True)
    assert "Voorbeeld: zo ziet de melder het" in body and "We kijken er goed naar." in body
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notice.id)).where(Notice.kind == "terugkoppeling")) == 0

    sent = _compose(regisseur, signal_id, template="uitzoeken", text="Wij pakken dit op met collega's.",
                    send="Versturen aan de melder")
    assert sent.status_code == 302
    with app.app_context():
        notice = db.session.scalar(sa.select(Notice).where(Notice.kind == NoticeKind.FEEDBACK.value))
        assert notice.body_ct is not None and b"collega" not in notice.body_ct  # stored encrypted
        from meldpunt.feedback.service import feedback_history
        from meldpunt.signals.models import Signal

        signal = db.session.get(Signal, signal_id)
        texts = [i.text for i in feedback_history(db.session, keyring=app.extensions["meldpunt.keyring"], signal=signal)]
        assert "Wij pakken dit op met collega's." in texts
        assert signal.first_feedback_at is not None
        from meldpunt.audit.models import AuditEntry

        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "feedback.send"))
        assert str(notice.id) in entry.details and "collega" not in entry.details
    page = regisseur.get(f"/behandelen/meldingen/{signal_id}/terugkoppeling").get_data(as_text=True)
    assert "Wij pakken dit op met collega&#39;s." in page and reference in page


def test_empty_feedback_is_refused_in_dutch(app, users):
    signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=DESCRIPTION)
    regisseur = app.test_client()
    login(regisseur, users["regisseur"].email)
    response = _compose(regisseur, signal_id, text="   ", send="Versturen aan de melder")
    assert response.status_code == 422
    assert "Schrijf de terugkoppeling voor de melder." in response.get_data(as_text=True)


def test_compose_is_404_for_everyone_but_the_handler(app, users):
    signal_id, _ = factories.filed_in(app, reporter=users["melder"], description=DESCRIPTION)
    for role in ("melder", "deelnemer", "beheerder", "management", "voorzitter", "integriteit"):
        client = app.test_client()
        login(client, users[role].email)
        assert client.get(f"/behandelen/meldingen/{signal_id}/terugkoppeling").status_code == 404, role


def test_inbox_lists_news_counts_unread_and_marks_read_only_by_post(app, users):
    signal_id, reference = factories.filed_in(app, reporter=users["melder"], description=DESCRIPTION)
    melder = app.test_client()
    login(melder, users["melder"].email)

    page = melder.get("/berichten")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Uw melding is ontvangen" in body and reference in body
    assert 'aria-label="1 ongelezen"' in body
    assert "Dorpsstraat" not in body
    melder.get("/berichten")  # reading the list changes nothing
    with app.app_context():
        notice = db.session.scalar(sa.select(Notice).where(Notice.signal_id == signal_id))
        assert notice.read_at is None
        notice_id = notice.id

    response = melder.post(f"/berichten/{notice_id}/gelezen", data={"csrf_token": csrf_token(body)})
    assert response.status_code == 302 and str(signal_id) in response.headers["Location"]
    with app.app_context():
        assert db.session.get(Notice, notice_id).read_at is not None
    assert "ongelezen" not in melder.get("/berichten").get_data(as_text=True)

    other = app.test_client()
    login(other, users["deelnemer"].email)
    other_page = other.get("/berichten").get_data(as_text=True)
    assert reference not in other_page
    assert other.post(f"/berichten/{notice_id}/gelezen", data={"csrf_token": csrf_token(other_page)}).status_code == 404


def test_mark_read_without_csrf_is_refused(app, users):
    factories.filed_in(app, reporter=users["melder"], description=DESCRIPTION)
    melder = app.test_client()
    login(melder, users["melder"].email)
    assert melder.post("/berichten/alles-gelezen").status_code == 400


def test_waiting_list_shows_signals_without_first_feedback(app, users):
    signal_id, reference = factories.filed_in(app, reporter=users["melder"], description=DESCRIPTION)
    regisseur = app.test_client()
    login(regisseur, users["regisseur"].email)
    page = regisseur.get("/behandelen/wacht-op-terugkoppeling")
    assert page.status_code == 200 and reference in page.get_data(as_text=True)
    _compose(regisseur, signal_id, text="Wij zijn ermee bezig.", send="Versturen aan de melder")
    assert reference not in regisseur.get("/behandelen/wacht-op-terugkoppeling").get_data(as_text=True)
    melder = app.test_client()
    login(melder, users["melder"].email)
    assert melder.get("/behandelen/wacht-op-terugkoppeling").status_code == 403
