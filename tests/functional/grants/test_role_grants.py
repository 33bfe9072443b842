"""Issue 15 item 2: the beheerder cannot make themself (or anyone) a handler alone.

A content role (regisseur, integriteit, voorzitter, deelnemer, management) asked for in /beheer
takes effect only when another holder of that role approves in /rechten (or an operator on the
server). Tested through HTTP with the beheerder as the attacker.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.grants.models import RoleGrant
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full

NEW_PASSWORD = "een lang nieuw wachtwoord voor nep"
CANARY_REGULAR = "CANARY-regulier-geldstromen"
CANARY_INTEGRITY = "CANARY-integriteit-collega"


def _post(client, page_url, url, data):
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _signals(app, users):
    from meldpunt.signals.models import Track
    from meldpunt.intake.service import file_signal

    keyring = app.extensions["meldpunt.keyring"]
    with app.app_context():
        reporter = db.session.get(User, users["melder"].id)
        regular = file_signal(db.session, keyring=keyring, reporter=reporter, description=CANARY_REGULAR)
        integrity = file_signal(db.session, keyring=keyring, reporter=reporter, description=CANARY_INTEGRITY,
                                about_colleague=True)
        integrity.track = Track.INTEGRITY.value
        db.session.commit()
        return regular.id, integrity.id


def _grant(app, email: str) -> RoleGrant:
    with app.app_context():
        grant = db.session.scalar(select(RoleGrant).join(User, User.id == RoleGrant.user_id)
                                  .where(User.email == email).order_by(RoleGrant.id.desc()))
        db.session.expunge(grant)
        return grant


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def _actions(app) -> list[tuple[str, int | None, str]]:
    with app.app_context():
        return [(e.action, e.actor_id, e.result) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def _decide(client, grant_id: int, decision: str):
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post(f"/rechten/{grant_id}", data={"csrf_token": token, "decision": decision})


def test_item_02_beheerder_creates_a_regisseur_who_reads_nothing_until_another_regisseur_approves(app_any_db):
    app = app_any_db
    users = make_users(app)
    regular_id, integrity_id = _signals(app, users)
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)

    # 1. The beheerder creates an account with the role regisseur: it starts as melder, the role waits.
    created = _post(admin, "/beheer/gebruikers/nieuw", "/beheer/gebruikers/nieuw", {
        "name": "Nep Regisseur", "email": "nep@test.example", "role": "regisseur", "department": "",
        "password": NEW_PASSWORD})
    assert created.status_code == 302
    detail = admin.get(created.headers["Location"]).get_data(as_text=True)
    assert "wacht op akkoord" in detail and "rol Melder" in detail
    nep = _user(app, "nep@test.example")
    grant = _grant(app, "nep@test.example")
    assert nep.role == "melder" and grant.state == "pending" and grant.role == "regisseur" and grant.new_account
    assert grant.requested_by_id == users["beheerder"].id

    # 2. Logged in as the new account: no queue, no signal, no decision page; nothing of the content.
    fake = app.test_client()
    assert login_full(fake, "nep@test.example", NEW_PASSWORD).status_code == 302
    pages = [fake.get("/behandelen/"), fake.get(f"/behandelen/meldingen/{regular_id}"),
             fake.get(f"/behandelen/meldingen/{integrity_id}"), fake.get("/behandelen/casussen/"),
             fake.get("/rechten/")]
    assert [p.status_code for p in pages] == [403, 404, 404, 403, 403]
    assert _decide(fake, grant.id, "akkoord").status_code == 404  # the account can never approve itself
    for page in pages + [fake.get("/mijn-meldingen"), fake.get("/berichten")]:
        text = page.get_data(as_text=True)
        assert CANARY_REGULAR not in text and CANARY_INTEGRITY not in text

    # 3. The beheerder cannot approve their own request, nor see the decision page.
    assert admin.get("/rechten/").status_code == 403
    assert _decide(admin, grant.id, "akkoord").status_code == 404
    assert _grant(app, "nep@test.example").state == "pending"
    assert _user(app, "nep@test.example").role == "melder"

    # 4. The existing regisseur got a content-free notice (in-app; e-mail through the outbox).
    with app.app_context():
        notices = db.session.scalars(select(Notice).where(Notice.grant_id == grant.id)).all()
        assert [(n.kind, n.recipient_user_id, n.signal_id) for n in notices] == [
            ("rechtenverzoek", users["regisseur"].id, None)]
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    inbox = regisseur.get("/berichten").get_data(as_text=True)
    assert "Een verzoek om rechten wacht op uw besluit" in inbox
    assert "Nep Regisseur" not in inbox and "nep@test.example" not in inbox
    assert 'href="/rechten/"' in regisseur.get("/account").get_data(as_text=True)  # "Rechten 1" in the menu

    # 5. Another regisseur approves; the new account's session ends and it logs in (and enrols TOTP) again.
    waiting = regisseur.get("/rechten/").get_data(as_text=True)
    assert "Nep Regisseur" in waiting and "nep@test.example" in waiting
    assert _decide(regisseur, grant.id, "akkoord").status_code == 302
    decided = _grant(app, "nep@test.example")
    assert decided.state == "approved" and decided.decided_by_id == users["regisseur"].id
    assert decided.decided_via == "app"
    assert _user(app, "nep@test.example").role == "regisseur"
    assert fake.get("/mijn-meldingen").status_code == 302  # the old session is gone
    assert login_full(fake, "nep@test.example", NEW_PASSWORD).status_code == 302
    assert fake.get("/behandelen/").status_code == 200
    assert CANARY_REGULAR in fake.get(f"/behandelen/meldingen/{regular_id}").get_data(as_text=True)
    assert fake.get(f"/behandelen/meldingen/{integrity_id}").status_code == 404  # still only its own track

    # 6. Every step is in the audit trail, with who did it.
    actions = _actions(app)
    beheerder, approver, nep_id = users["beheerder"].id, users["regisseur"].id, nep.id
    assert ("user.create", beheerder, "ok") in actions
    assert ("grant.request", beheerder, "ok") in actions
    assert ("authz.denied", beheerder, "denied") in actions
    assert ("grant.approve", approver, "ok") in actions
    assert ("user.role", approver, "ok") in actions
    assert ("authz.denied", nep_id, "denied") in actions
    with app.app_context():
        request_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grant.request"))
        assert request_entry.object_type == "role_grant" and request_entry.object_id == str(grant.id)
        assert '"role": "regisseur"' in request_entry.details and NEW_PASSWORD not in request_entry.details


def test_item_02_role_change_keeps_the_old_role_until_approved_and_can_be_rejected(app):
    users = make_users(app)
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    uid = users["melder"].id
    melder = app.test_client()
    login_full(melder, users["melder"].email)

    asked = _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/rol", {"role": "integriteit"})
    assert asked.status_code == 302
    assert "wacht op akkoord" in admin.get(f"/beheer/gebruikers/{uid}").get_data(as_text=True)
    assert _user(app, users["melder"].email).role == "melder"
    assert melder.get("/mijn-meldingen").status_code == 200  # nothing changed for the account yet
    assert melder.get("/behandelen/").status_code == 403

    # The regisseur is no holder of the integrity role: may not decide.
    grant = _grant(app, users["melder"].email)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    assert "Er wachten geen verzoeken" in regisseur.get("/rechten/").get_data(as_text=True)
    assert _decide(regisseur, grant.id, "akkoord").status_code == 404

    coordinator = app.test_client()
    login_full(coordinator, users["integriteit"].email)
    assert _decide(coordinator, grant.id, "afwijzen").status_code == 302
    rejected = _grant(app, users["melder"].email)
    assert rejected.state == "rejected" and rejected.decided_by_id == users["integriteit"].id
    assert _user(app, users["melder"].email).role == "melder"
    assert melder.get("/mijn-meldingen").status_code == 200  # a rejection ends no session
    assert _decide(coordinator, grant.id, "akkoord").status_code == 302  # decided already: nothing happens
    assert _user(app, users["melder"].email).role == "melder"
    assert ("grant.reject", users["integriteit"].id, "ok") in _actions(app)


def test_item_02_another_role_change_withdraws_the_open_request_and_demotion_is_direct(app):
    users = make_users(app)
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    uid = users["melder"].id
    _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/rol", {"role": "regisseur"})
    first = _grant(app, users["melder"].email)
    _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/rol", {"role": "management"})
    second = _grant(app, users["melder"].email)
    with app.app_context():
        assert db.session.get(RoleGrant, first.id).state == "withdrawn"
    assert second.state == "pending" and second.role == "management"
    # Choosing the current role again withdraws the open request too.
    _post(admin, f"/beheer/gebruikers/{uid}", f"/beheer/gebruikers/{uid}/rol", {"role": "melder"})
    with app.app_context():
        assert db.session.get(RoleGrant, second.id).state == "withdrawn"
    # Taking rights away needs nobody's approval.
    rid = users["regisseur"].id
    _post(admin, f"/beheer/gebruikers/{rid}", f"/beheer/gebruikers/{rid}/rol", {"role": "melder"})
    assert _user(app, users["regisseur"].email).role == "melder"
    actions = [a for a, _actor, _r in _actions(app)]
    assert actions.count("grant.withdraw") == 2 and "user.role" in actions


def test_item_02_requester_can_never_approve_even_after_getting_the_role(app):
    """A beheerder asks for account X; later that beheerder becomes a regisseur: still cannot decide on X."""
    users = make_users(app)
    second_admin = make_users(app, suffix="-2")["beheerder"]
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    xid = users["deelnemer"].id
    _post(admin, f"/beheer/gebruikers/{xid}", f"/beheer/gebruikers/{xid}/rol", {"role": "regisseur"})
    grant = _grant(app, users["deelnemer"].email)
    with app.app_context():  # the first beheerder is made regisseur (directly, as on the server)
        db.session.get(User, users["beheerder"].id).role = "regisseur"
        db.session.commit()
    former_admin = app.test_client()
    login_full(former_admin, users["beheerder"].email)
    assert "Er wachten geen verzoeken" in former_admin.get("/rechten/").get_data(as_text=True)
    assert _decide(former_admin, grant.id, "akkoord").status_code == 404
    assert _grant(app, users["deelnemer"].email).state == "pending"
    # The database refuses it as well.
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        row = db.session.get(RoleGrant, grant.id)
        row.state, row.decided_by_id, row.decided_via = "approved", users["beheerder"].id, "app"
        row.decided_at = row.created_at
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    del second_admin


def test_item_02_first_holder_of_a_role_is_approved_on_the_server(app):
    """Nobody holds the role yet: the beheerder's page says so, and the CLI on the server approves."""
    users = make_users(app)
    with app.app_context():  # no integrity coordinator exists
        db.session.get(User, users["integriteit"].id).role = "melder"
        db.session.commit()
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    created = _post(admin, "/beheer/gebruikers/nieuw", "/beheer/gebruikers/nieuw", {
        "name": "Eerste Coördinator", "email": "ic@test.example", "role": "integriteit", "password": NEW_PASSWORD})
    detail = admin.get(created.headers["Location"]).get_data(as_text=True)
    grant = _grant(app, "ic@test.example")
    assert f"flask --app meldpunt user approve-grant {grant.id}" in detail
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["user", "grants"])
    assert listed.exit_code == 0 and "ic@test.example" in listed.output and "integriteit" in listed.output
    result = runner.invoke(args=["user", "approve-grant", str(grant.id)])
    assert result.exit_code == 0, result.output
    assert _user(app, "ic@test.example").role == "integriteit"
    again = runner.invoke(args=["user", "approve-grant", str(grant.id)])
    assert again.exit_code != 0 and "al besloten" in again.output
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grant.approve"))
        assert entry.actor_label == "cli" and entry.actor_id is None
        assert db.session.get(RoleGrant, grant.id).decided_via == "server"
    # The CLI's own `user create` stays direct (the very first regisseur of a fresh installation).
    made = runner.invoke(args=["user", "create", "--email", "eerste@test.example", "--name", "Eerste",
                               "--role", "regisseur"], input=NEW_PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert _user(app, "eerste@test.example").role == "regisseur"


@pytest.mark.parametrize("role", ["regisseur", "integriteit", "voorzitter", "deelnemer", "management"])
def test_item_02_every_content_role_needs_a_grant(app, role):
    from meldpunt.grants.models import CONTENT_ROLES

    assert role in CONTENT_ROLES
    users = make_users(app)
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    _post(admin, "/beheer/gebruikers/nieuw", "/beheer/gebruikers/nieuw", {
        "name": "Nieuw", "email": f"nieuw-{role}@test.example", "role": role, "password": NEW_PASSWORD})
    assert _user(app, f"nieuw-{role}@test.example").role == "melder"
    assert _grant(app, f"nieuw-{role}@test.example").role == role
    # Roles without content (melder, beheerder) are given at once.
    _post(admin, "/beheer/gebruikers/nieuw", "/beheer/gebruikers/nieuw", {
        "name": "Beheer", "email": f"beheer-{role}@test.example", "role": "beheerder", "password": NEW_PASSWORD})
    assert _user(app, f"beheer-{role}@test.example").role == "beheerder"
