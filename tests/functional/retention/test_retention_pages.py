"""Issue 19 through HTTP: legal hold with four eyes, the warning before expiry with "bewaren tot",
and the rights of data subjects (inzage export, correction, erasure, a subject's request)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.database import utcnow
from meldpunt.extensions import db
from meldpunt.intake.models import MessageSender
from meldpunt.signals.models import Signal
from meldpunt.retention import service as retention
from meldpunt.retention.models import HoldState, LegalHold, RequestState, RetentionExtension, RightsRequest
from meldpunt.retention.rights import open_archive
from tests import factories
from tests.conftest import csrf_token, login, make_users

NO_TOTP = {"security": {"totp_required_roles": []}}
KAPSALON = "Een melding over een kapsalon."


def _closed(days: int) -> dict:
    """For ``factories.filed_in``: the signal was closed ``days`` ago (written straight, no history)."""
    return {"status": "afgesloten", "columns": {"closed_at": utcnow() - timedelta(days=days)}}


@pytest.fixture
def world(app_factory):
    app = app_factory(**NO_TOTP)
    users = make_users(app)
    second = make_users(app, suffix="2")
    return app, users, second


def _client(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _token(client, path="/account"):
    return csrf_token(client.get(path).get_data(as_text=True))


def _run(app):
    with app.app_context():
        settings = app.extensions["meldpunt.settings"]
        return retention.run_retention(db.session, terms=settings.retention, actor_label="test",
                                       uploads_folder=settings.uploads.folder)


# ------------------------------------------------------------------------------------------- legal hold


def test_legal_hold_four_eyes_through_http(world):
    app, users, second = world
    signal_id, reference = factories.filed_in(app, description=KAPSALON, **_closed(3 * 366))
    a = _client(app, users["regisseur"].email)
    b = _client(app, second["regisseur"].email)
    page = a.get(f"/behandelen/meldingen/{signal_id}")
    assert "Juridische bewaarplicht voorstellen" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    ends = (utcnow() + timedelta(days=120)).date().isoformat()

    # No reason: a Dutch error, 422, nothing stored, what was typed is kept.
    refused = a.post(f"/behandelen/meldingen/{signal_id}/bewaarplicht",
                     data={"hold-csrf_token": token, "hold-reason": "", "hold-ends_on": ends})
    assert refused.status_code == 422 and "Geef een reden op." in refused.get_data(as_text=True)
    assert ends in refused.get_data(as_text=True)
    proposed = a.post(f"/behandelen/meldingen/{signal_id}/bewaarplicht",
                      data={"hold-csrf_token": token, "hold-reason": "Lopend onderzoek FIOD", "hold-ends_on": ends})
    assert proposed.status_code == 302
    with app.app_context():
        hold = db.session.scalar(select(LegalHold))
        assert hold.state == HoldState.PROPOSED.value and hold.reason_ct is not None
        assert b"FIOD" not in hold.reason_ct  # sealed under the signal's key
        hold_id = hold.id

    # The proposer cannot approve; a proposed hold does not protect yet (nothing is shredded while we look).
    listing = a.get("/bewaartermijnen/bewaarplicht").get_data(as_text=True)
    assert "Lopend onderzoek FIOD" in listing and "U stelde dit voor" in listing
    own = a.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/besluit", data={"csrf_token": token, "decision": "akkoord"})
    assert own.status_code == 422 and "Een andere regisseur moet beslissen" in own.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LegalHold, hold_id).state == HoldState.PROPOSED.value

    approved = b.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/besluit",
                      data={"csrf_token": _token(b), "decision": "akkoord"})
    assert approved.status_code == 302
    with app.app_context():
        hold = db.session.get(LegalHold, hold_id)
        assert hold.state == HoldState.ACTIVE.value and hold.decided_by_id == second["regisseur"].id
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(hold_id))))
        assert {"retention.hold.propose", "retention.hold.approve"} <= actions

    # Held: the job leaves it, and the handler's page says so.
    assert reference not in _run(app).shredded
    assert "juridische bewaarplicht tot en met" in a.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)

    # Lifted (asked by one, approved by the other): the next run shreds it.
    assert a.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen",
                  data={"csrf_token": token, "lift_reason": "Onderzoek afgerond"}).status_code == 303
    assert b.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen/besluit",
                  data={"csrf_token": _token(b), "decision": "akkoord"}).status_code == 303
    assert reference in _run(app).shredded


def test_legal_hold_hidden_from_the_other_track(world):
    app, users, second = world
    signal_id, _ref = factories.filed_in(app, description=KAPSALON)
    a = _client(app, users["regisseur"].email)
    token = csrf_token(a.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True))
    ends = (utcnow() + timedelta(days=30)).date().isoformat()
    a.post(f"/behandelen/meldingen/{signal_id}/bewaarplicht",
           data={"hold-csrf_token": token, "hold-reason": "Bezwaarprocedure", "hold-ends_on": ends})
    with app.app_context():
        hold_id = db.session.scalar(select(LegalHold.id))
    integrity = _client(app, users["integriteit"].email)
    assert "Bezwaarprocedure" not in integrity.get("/bewaartermijnen/bewaarplicht").get_data(as_text=True)
    answer = integrity.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/besluit",
                            data={"csrf_token": _token(integrity), "decision": "akkoord"})
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.get(LegalHold, hold_id).state == HoldState.PROPOSED.value


# ------------------------------------------------------------------------------------------- warning


def test_expiry_warning_and_bewaren_tot(world):
    app, users, _second = world
    signal_id, reference = factories.filed_in(app, description=KAPSALON,
                                              **_closed(2 * 365 - 10))  # afgesloten: 2 years, so about 10 days left
    far_id, _far = factories.filed_in(app, description=KAPSALON, **_closed(30))
    handler = _client(app, users["regisseur"].email)
    page = handler.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Verloopt op" in page and "alert-warning" in page and "Bewaren tot" in page
    assert "alert-warning" not in handler.get(f"/behandelen/meldingen/{far_id}").get_data(as_text=True)
    assert reference in handler.get("/bewaartermijnen/").get_data(as_text=True)  # "verloopt binnen 30 dagen"
    token = csrf_token(page)
    keep = (utcnow() + timedelta(days=200)).date().isoformat()

    no_reason = handler.post(f"/behandelen/meldingen/{signal_id}/bewaren-tot",
                             data={"keep-csrf_token": token, "keep-keep_until": keep, "keep-reason": " "})
    assert no_reason.status_code == 422 and "Geef een reden op." in no_reason.get_data(as_text=True)
    past = handler.post(f"/behandelen/meldingen/{signal_id}/bewaren-tot",
                        data={"keep-csrf_token": token, "keep-keep_until": "2020-01-01", "keep-reason": "Zitting"})
    assert past.status_code == 422 and "Kies een datum in de toekomst." in past.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RetentionExtension)) == 0

    done = handler.post(f"/behandelen/meldingen/{signal_id}/bewaren-tot",
                        data={"keep-csrf_token": token, "keep-keep_until": keep, "keep-reason": "Zitting in maart"})
    assert done.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retention.extend"))
        assert entry.object_id == str(signal_id) and json.loads(entry.details) == {"keep_until": keep}
        assert "Zitting" not in entry.details  # the reason is sealed, not in the audit trail
    page = handler.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    assert "Bewaard tot en met" in page and "alert-warning" not in page

    # Even a run far in the future, before the new date, leaves it.
    with app.app_context():
        settings = app.extensions["meldpunt.settings"]
        later = retention.run_retention(db.session, terms=settings.retention, actor_label="test",
                                        now=utcnow() + timedelta(days=100))
    assert reference not in later.shredded


def test_reporter_page_shows_no_retention_panel(world):
    app, users, _second = world
    signal_id, _ref = factories.filed_in(app, reporter=users["melder"], description=KAPSALON, **_closed(2 * 365 - 10))
    melder = _client(app, users["melder"].email)
    page = melder.get(f"/mijn-meldingen/{signal_id}").get_data(as_text=True)
    assert "Bewaren tot" not in page and "bewaarplicht" not in page


# ------------------------------------------------------------------------------------------- rights


CANARIES_A = {
    "description": "CANARY-A-OMSCHRIJVING kapsalon zonder klanten",
    "location": "CANARY-A-LOCATIE Dorpsstraat",
    "contact": "CANARY-A-CONTACT 06-11111111",
    "reply": "CANARY-A-BERICHT-VAN-MELDER",
    "handler_message": "CANARY-A-BERICHT-VAN-BEHANDELAAR",
    "feedback": "CANARY-A-TERUGKOPPELING",
    "second_signal": "CANARY-A-TWEEDE-MELDING",
}
CANARIES_B = ["CANARY-B-OMSCHRIJVING", "CANARY-B-BERICHT", "melder2@test.example"]


def _canary_world(app, users, second):
    from meldpunt.feedback.service import send_feedback
    from meldpunt.intake.messages import post_message

    a_id, _ = factories.filed_in(app, reporter=users["melder"], description=CANARIES_A["description"],
                                 location=CANARIES_A["location"], contact=CANARIES_A["contact"])
    factories.filed_in(app, reporter=users["melder"], description=CANARIES_A["second_signal"])
    b_id, _ = factories.filed_in(app, reporter=second["melder"], description=CANARIES_B[0])
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        a_signal = db.session.get(Signal, a_id)
        handler = db.session.get(User, users["regisseur"].id)
        post_message(db.session, keyring=keyring, signal=a_signal, sender=MessageSender.REPORTER,
                     author=db.session.get(User, users["melder"].id), body=CANARIES_A["reply"])
        post_message(db.session, keyring=keyring, signal=a_signal, sender=MessageSender.HANDLER, author=handler,
                     body=CANARIES_A["handler_message"])
        send_feedback(db.session, keyring=keyring, signal=a_signal, actor=handler, text=CANARIES_A["feedback"])
        post_message(db.session, keyring=keyring, signal=db.session.get(Signal, b_id), sender=MessageSender.REPORTER,
                     author=db.session.get(User, second["melder"].id), body=CANARIES_B[1])
        db.session.commit()
    return a_id


def _record(client, **data):
    token = _token(client, "/avg-verzoeken/")
    return client.post("/avg-verzoeken/", data={"csrf_token": token, **data})


def _request_id(app):
    with app.app_context():
        return db.session.scalar(select(RightsRequest.id).order_by(RightsRequest.recorded_at.desc()))


def test_inzage_not_downloadable_before_second_approval(world):
    app, users, second = world
    _canary_world(app, users, second)
    first = _client(app, users["beheerder"].email)
    other = _client(app, second["beheerder"].email)
    recorded = _record(first, kind="inzage", reporter_email=users["melder"].email, details="Inzageverzoek per brief")
    assert recorded.status_code == 302
    request_id = _request_id(app)

    # Before any decision: no export, for either beheerder.
    for client in (first, other):
        assert client.get(f"/avg-verzoeken/{request_id}/export").status_code == 404
    # The one who recorded it cannot approve it.
    own = first.post(f"/avg-verzoeken/{request_id}/besluit", data={"csrf_token": _token(first), "decision": "akkoord"})
    assert own.status_code == 422 and "Een andere beheerder moet beslissen" in own.get_data(as_text=True)
    assert first.get(f"/avg-verzoeken/{request_id}/export").status_code == 404
    with app.app_context():
        item = db.session.get(RightsRequest, request_id)
        assert item.state == RequestState.RECORDED.value and item.export_ct is None
    # Other roles never reach it.
    regisseur = _client(app, users["regisseur"].email)
    assert regisseur.get(f"/avg-verzoeken/{request_id}/export").status_code == 404

    approved = other.post(f"/avg-verzoeken/{request_id}/besluit",
                          data={"csrf_token": _token(other), "decision": "akkoord"})
    assert approved.status_code == 200 and "export-wachtwoord" in approved.get_data(as_text=True)
    download = first.get(f"/avg-verzoeken/{request_id}/export")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert CANARIES_A["description"].encode() not in download.data  # encrypted
    # The password is not shown again.
    assert "export-wachtwoord" not in other.get(f"/avg-verzoeken/{request_id}").get_data(as_text=True)


def test_inzage_export_contains_every_canary_and_nothing_else(world):
    import re

    app, users, second = world
    _canary_world(app, users, second)
    first = _client(app, users["beheerder"].email)
    other = _client(app, second["beheerder"].email)
    _record(first, kind="inzage", reporter_email=users["melder"].email, details="Inzage")
    request_id = _request_id(app)
    page = other.post(f"/avg-verzoeken/{request_id}/besluit",
                      data={"csrf_token": _token(other), "decision": "akkoord"}).get_data(as_text=True)
    password = re.search(r'id="export-wachtwoord">([^<]+)<', page).group(1)
    blob = first.get(f"/avg-verzoeken/{request_id}/export").data
    files = open_archive(blob, password=password)
    assert "inzage.json" in files
    text = files["inzage.json"].decode()
    for canary in CANARIES_A.values():
        assert canary in text, canary
    assert users["melder"].email in text and users["melder"].name in text  # account data
    for canary in CANARIES_B:
        assert canary not in text
    data = json.loads(text)
    assert len(data["meldingen"]) == 2
    from meldpunt.documents.pdf import pdf_available

    if pdf_available():  # WeasyPrint with Pango installed (make test installs it)
        assert files["inzage.pdf"].startswith(b"%PDF")
    with pytest.raises(RuntimeError):
        open_archive(blob, password="fout-wachtwoord")
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(request_id))))
        assert {"rights.record", "rights.export", "rights.approve", "rights.download"} <= set(actions)


def test_rights_correction_of_contact_data(world):
    app, users, second = world
    first = _client(app, users["beheerder"].email)
    other = _client(app, second["beheerder"].email)
    missing = _record(first, kind="correctie", reporter_email=users["melder"].email, details="Nieuwe naam")
    assert missing.status_code == 422 and "nieuwe naam of een nieuw e-mailadres" in missing.get_data(as_text=True)
    unknown = _record(first, kind="inzage", reporter_email="niemand@test.example", details="x")
    assert unknown.status_code == 422 and "Er is geen account met dit e-mailadres." in unknown.get_data(as_text=True)
    assert _record(first, kind="correctie", reporter_email=users["melder"].email, details="Getrouwd",
                   new_name="Melder Nieuwenhuis", new_email="nieuw@test.example").status_code == 302
    request_id = _request_id(app)
    with app.app_context():
        assert db.session.get(User, users["melder"].id).name != "Melder Nieuwenhuis"  # not before approval
    assert other.post(f"/avg-verzoeken/{request_id}/besluit",
                      data={"csrf_token": _token(other), "decision": "akkoord"}).status_code == 200
    with app.app_context():
        user = db.session.get(User, users["melder"].id)
        assert (user.name, user.email) == ("Melder Nieuwenhuis", "nieuw@test.example")


def test_rights_erasure_of_identity_refused_under_hold_then_done(world):
    app, users, second = world
    signal_id, _ref = factories.filed_in(app, reporter=users["melder"], description="Melding met naam",
                                         contact="06-22222222")
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        today = retention.local_date(utcnow())
        hold = retention.propose_hold(db.session, keyring=keyring, actor=db.session.get(User, users["regisseur"].id),
                                      target=db.session.get(Signal, signal_id), reason="Rechtszaak",
                                      ends_on=today + timedelta(days=10), today=today)
        retention.decide_hold(db.session, hold=hold, actor=db.session.get(User, second["regisseur"].id), approve=True)
        db.session.commit()
        hold_id = hold.id
    first = _client(app, users["beheerder"].email)
    other = _client(app, second["beheerder"].email)
    _record(first, kind="wissen", reporter_email=users["melder"].email, details="Wil niet meer gekoppeld zijn")
    request_id = _request_id(app)
    refused = other.post(f"/avg-verzoeken/{request_id}/besluit",
                         data={"csrf_token": _token(other), "decision": "akkoord"})
    assert refused.status_code == 422 and "juridische bewaarplicht" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Signal, signal_id).reporter_id == users["melder"].id
        db.session.get(LegalHold, hold_id).state = HoldState.LIFTED.value
        db.session.commit()
    done = other.post(f"/avg-verzoeken/{request_id}/besluit", data={"csrf_token": _token(other), "decision": "akkoord"})
    assert done.status_code == 200
    with app.app_context():
        signal = db.session.get(Signal, signal_id)
        assert signal.reporter_id is None and signal.contact_ct is None and signal.data_key_id is not None
    # The melding is gone from the reporter's list; the handler still has the melding.
    melder = _client(app, users["melder"].email)
    assert melder.get(f"/mijn-meldingen/{signal_id}").status_code == 404
    handler = _client(app, users["regisseur"].email)
    assert "Melding met naam" in handler.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)


def test_subject_request_records_request_and_decision_only(world):
    app, users, second = world
    first = _client(app, users["beheerder"].email)
    other = _client(app, second["beheerder"].email)
    assert _record(first, kind="betrokkene", details="J. Jansen vraagt of hij in meldingen staat").status_code == 302
    request_id = _request_id(app)
    page = other.post(f"/avg-verzoeken/{request_id}/besluit",
                      data={"csrf_token": _token(other), "decision": "afwijzen",
                            "decision_note": "Beperkt: art. 41 AVG, lopend onderzoek"})
    assert page.status_code == 200 and "export-wachtwoord" not in page.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(RightsRequest, request_id)
        assert item.state == RequestState.REJECTED.value and item.export_ct is None
        assert b"Jansen" not in (item.details_ct or b"")
    assert first.get(f"/avg-verzoeken/{request_id}/export").status_code == 404
    assert "art. 41 AVG" in first.get(f"/avg-verzoeken/{request_id}").get_data(as_text=True)


def test_legal_hold_on_a_casus_through_http(world):
    from meldpunt.cases.models import Case
    from meldpunt.cases.service import create_case

    app, users, second = world
    signal_id, reference = factories.filed_in(app, description=KAPSALON)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        db.session.get(Signal, signal_id).status = "verrijking"  # set-up: the status path is tested elsewhere
        case = create_case(db.session, keyring=keyring, actor=db.session.get(User, users["regisseur"].id),
                           title="Kapsalons", signals=[db.session.get(Signal, signal_id)])
        db.session.commit()
        case_id = case.id
    a = _client(app, users["regisseur"].email)
    page = a.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    assert "Bewaarplicht voorstellen" in page
    ends = (utcnow() + timedelta(days=400)).date().isoformat()
    proposed = a.post(f"/behandelen/casussen/{case_id}/bewaarplicht",
                      data={"hold-csrf_token": csrf_token(page), "hold-reason": "Beroep bij de rechtbank",
                            "hold-ends_on": ends})
    assert proposed.status_code == 302
    with app.app_context():
        hold_id = db.session.scalar(select(LegalHold.id).where(LegalHold.case_id == case_id))
    b = _client(app, second["regisseur"].email)
    assert b.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/besluit",
                  data={"csrf_token": _token(b), "decision": "akkoord"}).status_code == 302
    # The casus was closed six years ago: without the hold both would go.
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.status, case.closed_at = "afgesloten", utcnow() - timedelta(days=6 * 366)
        db.session.get(Signal, signal_id).status = "afgesloten"
        db.session.commit()
    outcome = _run(app)
    assert reference not in outcome.shredded and outcome.cases == []
    assert "Beroep bij de rechtbank" in b.get("/bewaartermijnen/bewaarplicht").get_data(as_text=True)


def test_run_report_shows_each_handler_only_their_own_track(world):
    app, users, _second = world
    _regular_id, regular_ref = factories.filed_in(app, description=KAPSALON, **_closed(3 * 366))
    integrity_id, integrity_ref = factories.filed_in(app, description=KAPSALON, about_colleague=True)
    with app.app_context():
        signal = db.session.get(Signal, integrity_id)
        signal.track, signal.status = "integriteit", "afgesloten"
        signal.closed_at = utcnow() - timedelta(days=6 * 366)
        db.session.commit()
    assert integrity_ref.startswith("MI-") and regular_ref.startswith("MO-")
    assert sorted(_run(app).shredded) == sorted([regular_ref, integrity_ref])
    regisseur = _client(app, users["regisseur"].email).get("/bewaartermijnen/").get_data(as_text=True)
    assert regular_ref in regisseur and integrity_ref not in regisseur
    integrity = _client(app, users["integriteit"].email).get("/bewaartermijnen/").get_data(as_text=True)
    assert integrity_ref in integrity and regular_ref not in integrity
    for role in ("melder", "beheerder", "voorzitter"):
        assert _client(app, users[role].email).get("/bewaartermijnen/").status_code == 403


# ------------------------------------------------------------------------------------------- leftovers (items)


def _active_hold(app, users, second, signal_id):
    """Set-up: an active hold, proposed by the first regisseur and approved by the second (tested above)."""
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        today = retention.local_date(utcnow())
        hold = retention.propose_hold(db.session, keyring=keyring, actor=db.session.get(User, users["regisseur"].id),
                                      target=db.session.get(Signal, signal_id), reason="Lopend onderzoek",
                                      ends_on=today + timedelta(days=90), today=today)
        retention.decide_hold(db.session, hold=hold, actor=db.session.get(User, second["regisseur"].id), approve=True)
        db.session.commit()
        return hold.id


def test_item_01_lifting_a_hold_needs_a_second_handler(world):
    app, users, second = world
    signal_id, reference = factories.filed_in(app, description=KAPSALON, **_closed(3 * 366))
    hold_id = _active_hold(app, users, second, signal_id)
    a = _client(app, users["regisseur"].email)
    b = _client(app, second["regisseur"].email)
    listing = a.get("/bewaartermijnen/bewaarplicht").get_data(as_text=True)
    assert "Opheffen aanvragen" in listing and "Waarom opheffen?" in listing
    token = csrf_token(listing)

    # Without a reason: refused in Dutch, nothing changes.
    refused = a.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen", data={"csrf_token": token, "lift_reason": ""})
    assert refused.status_code == 422 and "Geef een reden op" in refused.get_data(as_text=True)
    asked = a.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen",
                   data={"csrf_token": token, "lift_reason": "Onderzoek FIOD is gestopt"})
    assert asked.status_code == 303
    with app.app_context():
        hold = db.session.get(LegalHold, hold_id)
        assert hold.state == HoldState.ACTIVE.value and hold.lift_pending
        assert hold.lift_requested_by_id == users["regisseur"].id and b"FIOD" not in hold.lift_reason_ct
    # The hold still applies: the job leaves the signal.
    assert reference not in _run(app).shredded

    # The list shows the pending lift and its reason; the requester cannot decide, nor ask twice.
    mine = a.get("/bewaartermijnen/bewaarplicht").get_data(as_text=True)
    assert "opheffen aangevraagd" in mine and "Onderzoek FIOD is gestopt" in mine and "U vroeg dit op te heffen" in mine
    own = a.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen/besluit",
                 data={"csrf_token": token, "decision": "akkoord"})
    assert own.status_code == 422 and "Een andere behandelaar moet beslissen" in own.get_data(as_text=True)
    twice = a.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen",
                   data={"csrf_token": token, "lift_reason": "Nog eens"})
    assert twice.status_code == 422 and "Opheffen is al aangevraagd" in twice.get_data(as_text=True)
    # The other track never reaches it.
    integrity = _client(app, users["integriteit"].email)
    assert integrity.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen/besluit",
                          data={"csrf_token": _token(integrity), "decision": "akkoord"}).status_code == 404
    with app.app_context():
        assert db.session.get(LegalHold, hold_id).state == HoldState.ACTIVE.value

    # The second regisseur sees the request and rejects it: the hold stays, without a pending lift.
    theirs = b.get("/bewaartermijnen/bewaarplicht").get_data(as_text=True)
    assert "Akkoord: opheffen" in theirs and "Onderzoek FIOD is gestopt" in theirs
    rejected = b.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen/besluit",
                      data={"csrf_token": _token(b), "decision": "afwijzen"})
    assert rejected.status_code == 303
    with app.app_context():
        hold = db.session.get(LegalHold, hold_id)
        assert hold.state == HoldState.ACTIVE.value and not hold.lift_pending and hold.lift_reason_ct is None
    assert reference not in _run(app).shredded

    # Asked again, approved by the second: lifted, audited, and the next run shreds it.
    assert a.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen",
                  data={"csrf_token": token, "lift_reason": "Zaak geseponeerd"}).status_code == 303
    assert b.post(f"/bewaartermijnen/bewaarplicht/{hold_id}/opheffen/besluit",
                  data={"csrf_token": _token(b), "decision": "akkoord"}).status_code == 303
    with app.app_context():
        hold = db.session.get(LegalHold, hold_id)
        assert hold.state == HoldState.LIFTED.value and hold.lifted_by_id == second["regisseur"].id
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(hold_id))
                                          .order_by(AuditEntry.id)))
        assert actions.count("retention.hold.lift_request") == 2
        assert "retention.hold.lift_reject" in actions and actions[-1] == "retention.hold.lift"
    assert "Opgeheven door" in b.get("/bewaartermijnen/bewaarplicht").get_data(as_text=True)
    assert reference in _run(app).shredded


def test_item_02_toon_melder_after_identity_erasure(world):
    import re

    app, users, second = world
    signal_id, reference = factories.filed_in(app, reporter=users["melder"], description="CANARY-ERASED kapsalon",
                                   contact="06-33333333")
    first = _client(app, users["beheerder"].email)
    other = _client(app, second["beheerder"].email)
    _record(first, kind="wissen", reporter_email=users["melder"].email, details="Wil niet meer gekoppeld zijn")
    done = other.post(f"/avg-verzoeken/{_request_id(app)}/besluit",
                      data={"csrf_token": _token(other), "decision": "akkoord"})
    assert done.status_code == 200
    today = retention.local_date(utcnow())
    with app.app_context():
        signal = db.session.get(Signal, signal_id)
        assert signal.reporter_id is None and not signal.is_anonymous and signal.reporter_erased_at is not None

    handler = _client(app, users["regisseur"].email)
    page = handler.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    melder = re.search(r'<dd id="melder">(.*?)</dd>', page, re.S).group(1)
    from babel.dates import format_date

    day = format_date(today, "d MMMM y", locale="nl")
    assert "identiteit van de melder gewist na een verzoek onder de AVG" in melder.replace("is de ", "")
    assert day in melder and "met naam gedaan" in melder
    assert "nonie" not in melder.lower() and "Toon melder" not in page
    # Even a forged "Toon melder" says it plainly, and never that the melding was anonymous.
    shown = handler.post(f"/behandelen/meldingen/{signal_id}/melder", data={"csrf_token": csrf_token(page)})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 422 and "gewist na een verzoek onder de AVG" in text
    assert "anoniem gedaan" not in text and "06-33333333" not in text and users["melder"].email not in text

    # Feedback would reach nobody: refused in the same plain words.
    url = f"/behandelen/meldingen/{signal_id}/terugkoppeling"
    compose = handler.get(url).get_data(as_text=True)
    assert "identiteit van de melder is gewist" in compose and "anoniem" not in compose.lower().split("<main")[-1]
    sent = handler.post(url, data={"csrf_token": csrf_token(compose), "text": "Wij pakken het op.",
                                   "send": "Versturen aan de melder"})
    assert sent.status_code == 422 and "Terugkoppeling is daarom niet meer mogelijk" in sent.get_data(as_text=True)

    # The reporter's own pages keep no trace of it.
    reporter = _client(app, users["melder"].email)
    assert reporter.get(f"/mijn-meldingen/{signal_id}").status_code == 404
    mine = reporter.get("/mijn-meldingen").get_data(as_text=True)
    assert reference not in mine and "CANARY-ERASED" not in mine and "gewist" not in mine


def test_item_03_minutes_and_packs_of_a_shredded_casus_are_redacted(app_factory):
    from meldpunt.cases.models import Case
    from meldpunt.meetings.models import Meeting, MeetingPack
    from meldpunt.meetings.notices import make_pack, request_packs, stored_pack
    from meldpunt.meetings.packs import build_pack
    from meldpunt.retention.redaction import REDACTED
    from tests.support.meetings import case_reference, client_for, confirm_secrecy, meeting_world
    from tests.functional.meetings.test_meetings_pack import _add_action

    app = app_factory()
    w = meeting_world(app)
    chair, meeting_id = w["chair"], w["meeting_id"]
    ref_a, ref_b = case_reference(app, w["case_a"]), case_reference(app, w["case_b"])
    with app.app_context():
        ids = [item.id for item in db.session.get(Meeting, uuid_of(meeting_id)).items]
    number_a, number_b = ids.index(w["item_a"]) + 1, ids.index(w["item_b"]) + 1
    soon = utcnow().date() + timedelta(days=7)
    assert _add_action(chair, meeting_id, w["item_a"], f"lid-{w['internal'].id}", soon,
                       "CANARY-SHRED-ACTIE dossier opvragen").status_code == 302
    assert _add_action(chair, meeting_id, w["item_b"], f"lid-{w['internal'].id}", soon,
                       "CANARY-KEEP-ACTIE horeca bellen").status_code == 302
    minutes = (f"Opening: CANARY-KEEP-OPENING iedereen aanwezig.\n\n"
               f"Punt {number_a}. Vastgoed Noord\nCANARY-SHRED-SECTIE Bibob-toets besproken.\n"
               f"Tweede regel CANARY-SHRED-REGEL2.\n\n"
               f"Punt {number_b}. Horeca Centrum\nCANARY-KEEP-HORECA sluiting voorbereiden.\n\n"
               f"Rondvraag: {ref_a} komt terug, CANARY-SHRED-RONDVRAAG.\n\n"
               f"Slot: {ref_b} volgt, CANARY-KEEP-SLOT.")
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert chair.post(f"/overleg/{meeting_id}/verslag",
                      data={"csrf_token": csrf_token(page), "minutes": minutes}).status_code == 302

    # The packs the task stores (the stand-in renderer writes what the member's pack holds as text).
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        meeting = db.session.get(Meeting, uuid_of(meeting_id))

        def render(meeting, user):
            pack = build_pack(db.session, keyring=keyring, meeting=meeting, viewer=user, require_secrecy=False)
            texts = [pack.minutes or ""] + [a.description for c in pack.items for a in c.actions]
            return "\n".join(texts).encode()

        request_packs(db.session, meeting=meeting)
        for pack in db.session.scalars(select(MeetingPack).where(MeetingPack.meeting_id == meeting.id)):
            make_pack(db.session, keyring=keyring, pack=pack, render=render)
        db.session.commit()
        stored = stored_pack(db.session, keyring=keyring, meeting=meeting, user=meeting.chair)
        assert b"CANARY-SHRED-SECTIE" in stored and b"CANARY-SHRED-ACTIE" in stored  # the set-up holds it

        # Casus A was closed six years ago: the job shreds its signals and then the casus itself.
        case = db.session.get(Case, w["case_a"])
        case.status, case.closed_at = "afgesloten", utcnow() - timedelta(days=6 * 366)
        db.session.commit()
    outcome = _run(app)
    assert ref_a in outcome.cases and ref_b not in outcome.cases

    with app.app_context():
        meeting = db.session.get(Meeting, uuid_of(meeting_id))
        assert db.session.scalar(select(func.count()).select_from(MeetingPack)
                                 .where(MeetingPack.meeting_id == meeting.id)) == 0
        assert stored_pack(db.session, keyring=app.extensions["meldpunt.keyring"], meeting=meeting,
                           user=meeting.chair) is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.shred"))
        details = json.loads(entry.details)
        assert details["minutes_redacted"] == 1 and details["packs_deleted"] >= 3

    kept = ["CANARY-KEEP-OPENING", "CANARY-KEEP-HORECA", "CANARY-KEEP-SLOT"]
    gone = ["CANARY-SHRED-SECTIE", "CANARY-SHRED-REGEL2", "CANARY-SHRED-RONDVRAAG", "CANARY-SHRED-ACTIE"]
    # The chair's minutes page.
    detail = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    # A fresh pack for an internal member, and the chair's.
    internal = client_for(app, w["internal"].email)
    confirm_secrecy(internal, meeting_id)
    fresh = internal.get(f"/overleg/{meeting_id}/stukken").get_data(as_text=True)
    chair_pack = chair.get(f"/overleg/{meeting_id}/stukken").get_data(as_text=True)
    for text in (detail, fresh, chair_pack):
        assert REDACTED in text
        for canary in gone:
            assert canary not in text, canary
        for canary in kept:
            assert canary in text, canary
    assert "CANARY-KEEP-ACTIE" in fresh


def uuid_of(value):
    import uuid

    return uuid.UUID(str(value))
