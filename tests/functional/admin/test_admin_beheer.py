"""Functioneel beheer: accounts, roles, TOTP reset, taxonomy and the audit view; never signal content."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.taxonomy.models import TaxonomyTerm
from tests.conftest import csrf_token
from tests.support.logins import login_full, user_totp_state
from tests.support.logins import password_step as login  # stops before the code step


def _admin(app, users):
    client = app.test_client()
    login_full(client, users["beheerder"].email)
    return client


def _post(client, page_url, url, data):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_beheerder_creates_an_account_that_can_log_in(app, users):
    admin = _admin(app, users)
    response = _post(admin, "/beheer/gebruikers/nieuw", "/beheer/gebruikers/nieuw", {
        "name": "Nieuwe Collega", "email": "Nieuw@Test.Example", "role": "melder", "department": "",
        "password": "een lang nieuw wachtwoord"})
    assert response.status_code == 302
    assert login(app.test_client(), "nieuw@test.example", "een lang nieuw wachtwoord").status_code == 302
    weak = _post(admin, "/beheer/gebruikers/nieuw", "/beheer/gebruikers/nieuw", {
        "name": "X", "email": "x@test.example", "role": "melder", "password": "wachtwoord123"})
    assert weak.status_code == 422 and "veel gebruikt" in weak.get_data(as_text=True)
    assert 'value="wachtwoord123"' not in weak.get_data(as_text=True)  # passwords are never echoed
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
        assert entry.actor_id == users["beheerder"].id and "wachtwoord" not in entry.details


def test_role_change_ends_sessions_and_new_privileged_role_must_enrol(app, users):
    melder = app.test_client()
    login(melder, users["melder"].email)
    admin = _admin(app, users)
    uid = users["melder"].id
    # beheerder: a privileged role (TOTP) without content, so it takes effect at once (content roles: test_role_grants)
    response = _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/rol", {"role": "beheerder"})
    assert response.status_code == 302
    assert melder.get("/mijn-meldingen").status_code == 302
    again = login(app.test_client(), users["melder"].email)
    assert again.headers["Location"].endswith("/inloggen/instellen")


def test_beheerder_cannot_block_self_or_change_own_role(app, users):
    admin = _admin(app, users)
    uid = users["beheerder"].id
    _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/blokkeren", {})
    _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/rol", {"role": "melder"})
    with app.app_context():
        me = db.session.get(User, uid)
        assert me.is_enabled and me.role == "beheerder"


def test_totp_reset_makes_the_user_enrol_again(app, users):
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    assert user_totp_state(app, users["regisseur"].email)[0] is not None
    admin = _admin(app, users)
    uid = users["regisseur"].id
    assert _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/tweestap-resetten", {}).status_code == 302
    assert user_totp_state(app, users["regisseur"].email)[0] is None
    assert regisseur.get("/behandelen/").status_code == 302
    assert login(app.test_client(), users["regisseur"].email).headers["Location"].endswith("/inloggen/instellen")


def test_taxonomy_add_edit_and_deactivate(app, users):
    admin = _admin(app, users)
    added = _post(admin, "/beheer/taxonomie/nieuw?soort=phenomenon", "/beheer/taxonomie/nieuw?soort=phenomenon",
                  {"code": "zorgfraude", "label": "Zorgfraude", "help_text": ""})
    assert added.status_code == 302
    duplicate = _post(admin, "/beheer/taxonomie/nieuw?soort=phenomenon", "/beheer/taxonomie/nieuw?soort=phenomenon",
                      {"code": "zorgfraude", "label": "Nog eens", "help_text": ""})
    assert duplicate.status_code == 422 and "bestaat al" in duplicate.get_data(as_text=True)
    with app.app_context():
        term = db.session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.code == "zorgfraude"))
        term_id = term.id
    assert _post(admin, f"/beheer/taxonomie/{term_id}", f"/beheer/taxonomie/{term_id}",
                 {"label": "Zorg- en PGB-fraude", "help_text": "Ook wmo"}).status_code == 302
    melder = app.test_client()
    login(melder, users["melder"].email)
    assert "Zorg- en PGB-fraude" in melder.get("/melden").get_data(as_text=True)
    assert _post(admin, "/beheer/taxonomie?soort=phenomenon", f"/beheer/taxonomie/{term_id}/actief", {}).status_code == 302
    assert "Zorg- en PGB-fraude" not in melder.get("/melden").get_data(as_text=True)


def test_audit_view_filters_and_shows_metadata_only(app, users):
    login(app.test_client(), "onbekend@test.example", "fout wachtwoord 1234")
    admin = _admin(app, users)
    page = admin.get("/beheer/audit?action=auth.login&result=failed")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "auth.login" in text and "onbekend@test.example" not in text
    assert "1 regel" in text
    by_actor = admin.get(f"/beheer/audit?actor={users['beheerder'].id}").get_data(as_text=True)
    assert "auth.login" in by_actor and "<td>failed</td>" not in by_actor
    assert admin.get("/beheer/audit?since=2000-01-01&until=2000-01-02").get_data(as_text=True).count("<tr>") == 1
    assert "Vul een datum in" in admin.get("/beheer/audit?since=gisteren").get_data(as_text=True)


def test_beheerder_never_sees_signal_content(app, users):
    from meldpunt.signals.models import Signal
    from meldpunt.intake.service import file_signal

    with app.app_context():
        reporter = db.session.get(User, users["melder"].id)
        signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter,
                             description="zeer geheime inhoud")
        db.session.commit()
        signal_id = db.session.scalar(select(Signal.id))
    admin = _admin(app, users)
    for path in (f"/behandelen/meldingen/{signal_id}", f"/mijn-meldingen/{signal_id}", "/behandelen/",
                 "/beheer/audit", "/beheer/gebruikers"):
        response = admin.get(path)
        assert "zeer geheime inhoud" not in response.get_data(as_text=True), path
    assert admin.get(f"/behandelen/meldingen/{signal_id}").status_code == 404
    with app.app_context():
        denied = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "authz.denied"))
        assert denied.actor_id == users["beheerder"].id and denied.result == "denied"
    del signal


def test_audit_view_shows_dutch_local_time(app, users):
    """Entries are stored in UTC and shown in Europe/Amsterdam time."""
    from datetime import timezone

    from meldpunt.audit.service import record
    from tests.support.logins import login_full

    with app.app_context():
        entry = record(db.session, action="test.tijd", actor_label="test")
        db.session.commit()
        entry_id = entry.id
    with app.app_context():
        from meldpunt.audit.models import AuditEntry

        stored = db.session.get(AuditEntry, entry_id).created_at
    stored = stored if stored.tzinfo else stored.replace(tzinfo=timezone.utc)
    from zoneinfo import ZoneInfo

    local = stored.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%d-%m-%Y %H:%M:%S")
    client = app.test_client()
    login_full(client, users["beheerder"].email)
    page = client.get("/beheer/audit?action=test.tijd").get_data(as_text=True)
    assert local in page
