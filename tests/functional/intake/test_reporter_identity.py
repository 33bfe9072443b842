"""Who reported is need-to-know too (issue 15 item 3).

The handler's page says "Melder met naam" or "Anoniem". Only a handler of the signal's track can
press "Toon melder" (a POST with CSRF); the answer shows the name, e-mail and contact wish this once
and is audited as ``signal.reporter_identity.view``. Everyone else gets 404.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.cases.service import create_case
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.signals.transitions import Path
from meldpunt.signals.service import transition_signal
from meldpunt.triage.forwarding import forward_signal
from meldpunt.triage.service import REPORTER_IDENTITY_VIEW
from meldpunt.vault.service import current_keyring
from meldpunt.retention.shredding import ShredReason, shred_signal
from tests import factories
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full
from tests.support.page_walk import walk

REPORTER_NAME = "Marieke Meldster-Identiteit"
CONTACT = "Bel mij liever op 06-11223344"
WASSTRAAT = "Verdachte geldstromen bij een wasstraat"


def _named_melder(app, users):
    """The melder's account, now named ``REPORTER_NAME`` (the name a page must not show unasked)."""
    with app.app_context():
        db.session.get(User, users["melder"].id).name = REPORTER_NAME
        db.session.commit()
    return users["melder"]


def _client(app, email):
    client = app.test_client()
    login_full(client, email)
    return client


def _identity_reads(app) -> list[AuditEntry]:
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == REPORTER_IDENTITY_VIEW)))
        db.session.expunge_all()
        return entries


def _shows_identity(body: str, email: str) -> bool:
    return REPORTER_NAME in body or email in body or CONTACT in body


def test_item_03_identity_only_after_toon_melder_and_audited(app_any_db):
    app = app_any_db
    users = make_users(app)
    email = users["melder"].email
    signal_id = factories.filed_in(app, reporter=_named_melder(app, users), description=WASSTRAAT, contact=CONTACT).id
    regisseur = _client(app, users["regisseur"].email)
    url = f"/behandelen/meldingen/{signal_id}"

    page = regisseur.get(url).get_data(as_text=True)
    assert "Melder met naam" in page and "Toon melder" in page
    assert not _shows_identity(page, email)

    # No CSRF token: refused, nothing shown, nothing recorded as read.
    assert regisseur.post(f"{url}/melder", data={}).status_code == 400
    assert _identity_reads(app) == []

    shown = regisseur.post(f"{url}/melder", data={"csrf_token": csrf_token(page)})
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert REPORTER_NAME in body and email in body and CONTACT in body
    assert "Dat is vastgelegd" in body

    [entry] = _identity_reads(app)
    assert entry.actor_id == users["regisseur"].id and entry.object_type == "signal"
    assert entry.object_id == str(signal_id) and entry.result == "ok" and entry.origin == "127.0.0.1"
    assert REPORTER_NAME not in entry.details and email not in entry.details and json.loads(entry.details) == {}

    # Folded again on the next view.
    assert not _shows_identity(regisseur.get(url).get_data(as_text=True), email)


def test_item_03_no_other_handler_page_shows_the_reporter(app_factory):
    """The queue, feedback, a case with the melding and a four-eyes request about it: no name, no e-mail."""
    app = app_factory(security={"four_eyes": True, "ratelimit_storage_url": "memory://"})
    users = make_users(app)
    email = users["melder"].email
    melder = _named_melder(app, users)
    in_case, forwarded = (factories.filed_in(app, reporter=melder, description=WASSTRAAT, contact=CONTACT).id
                          for _ in range(2))
    with app.app_context():
        regisseur = db.session.get(User, users["regisseur"].id)
        for signal_id in (in_case, forwarded):
            transition_signal(db.session, keyring=current_keyring(), signal=db.session.get(Signal, signal_id),
                              actor=regisseur, target=SignalStatus.IN_PROGRESS, path=Path.STATUS,
                              four_eyes=False)
        create_case(db.session, keyring=current_keyring(), actor=regisseur, title="Wasstraten",
                    signals=[db.session.get(Signal, in_case)])
        forward_signal(db.session, keyring=current_keyring(), signal=db.session.get(Signal, forwarded),
                       actor=regisseur, authority="politie", recipient=None, legal_basis="Art. 6 AVG",
                       reason="Strafbaar feit", four_eyes=True)
        db.session.commit()
    colleague = make_users(app, suffix="b")["regisseur"]
    for handler in (users["regisseur"], colleague):
        client = _client(app, handler.email)
        pages = walk(client, ["/behandelen/", "/behandelen/casussen/", "/behandelen/akkoord",
                              "/behandelen/wacht-op-terugkoppeling", "/berichten"]
                     + [f"/behandelen/meldingen/{i}/terugkoppeling" for i in (in_case, forwarded)])
        assert {f"/behandelen/meldingen/{in_case}", f"/behandelen/meldingen/{forwarded}"} <= set(pages)
        assert any(path.startswith("/behandelen/casussen/") and len(path) > 25 for path in pages)  # the case page
        if handler is colleague:  # the four-eyes request about the melding is on the approvals page
            assert 'action="/behandelen/akkoord/' in pages["/behandelen/akkoord"]
        leaks = [path for path, body in pages.items() if _shows_identity(body, email)]
        assert leaks == []
    assert _identity_reads(app) == []


def test_item_03_other_track_and_roles_without_permission_get_404(app, users):
    regular = factories.filed_in(app, reporter=_named_melder(app, users), description=WASSTRAAT, contact=CONTACT).id
    integrity = factories.filed_in(app, reporter=_named_melder(app, users), description=WASSTRAAT, contact=CONTACT,
                                    about_colleague=True).id
    email = users["melder"].email
    for role, signal_id in [("integriteit", regular), ("regisseur", integrity), ("melder", regular),
                            ("deelnemer", regular), ("voorzitter", regular), ("beheerder", regular),
                            ("management", regular), ("beheerder", integrity), ("melder", integrity)]:
        client = _client(app, users[role].email)
        token = csrf_token(client.get("/account").get_data(as_text=True))
        response = client.post(f"/behandelen/meldingen/{signal_id}/melder", data={"csrf_token": token})
        assert response.status_code == 404, (role, signal_id)
        if role != "melder":  # the reporter's own name is in their own page header
            assert not _shows_identity(response.get_data(as_text=True), email)
    assert _identity_reads(app) == []
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry.details).where(AuditEntry.action == "authz.denied")).all()
        assert sum("view_reporter_identity" in d for d in denied) == 9

    # The integrity coordinator is the handler of the integrity track: allowed there.
    coordinator = _client(app, users["integriteit"].email)
    page = coordinator.get(f"/behandelen/meldingen/{integrity}").get_data(as_text=True)
    assert not _shows_identity(page, email)
    shown = coordinator.post(f"/behandelen/meldingen/{integrity}/melder", data={"csrf_token": csrf_token(page)})
    assert shown.status_code == 200 and REPORTER_NAME in shown.get_data(as_text=True)
    [entry] = _identity_reads(app)
    assert entry.actor_id == users["integriteit"].id and entry.object_id == str(integrity)


def test_item_03_anonymous_or_shredded_signal_has_no_identity_to_show(app, users):
    _named_melder(app, users)
    anonymous = factories.filed_in(app, description=WASSTRAAT).id
    shredded = factories.filed_in(app, reporter=_named_melder(app, users), description=WASSTRAAT, contact=CONTACT).id
    with app.app_context():
        shred_signal(db.session, signal=db.session.get(Signal, shredded), actor_label="systeem",
                     reason=ShredReason.RETENTION)
        db.session.commit()
    regisseur = _client(app, users["regisseur"].email)
    for signal_id, shown, message in ((anonymous, "Anoniem", "Deze melding is anoniem gedaan."),
                                      (shredded, "Verwijderd", "Deze melding is verwijderd.")):
        page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
        assert shown in page and "Toon melder" not in page
        response = regisseur.post(f"/behandelen/meldingen/{signal_id}/melder", data={"csrf_token": csrf_token(page)})
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert message in body and not _shows_identity(body, users["melder"].email)
    assert _identity_reads(app) == []
