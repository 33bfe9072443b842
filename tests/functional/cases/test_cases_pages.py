"""Cases through the pages: create from signals, risk picture, interventions, propose, close with four eyes."""

from __future__ import annotations

import re

from sqlalchemy import select

from meldpunt.auth.models import User
from meldpunt.cases.models import Case, CaseStatus
from meldpunt.extensions import db
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.intake.service import file_signal
from meldpunt.approvals.models import Approval
from meldpunt.signals.service import transition_signal
from meldpunt.signals.transitions import Path
from meldpunt.vault.service import current_keyring
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full
from tests.support.meetings import plan_meeting, propose_case


def _signal_in_progress(app, users):
    with app.app_context():
        signal = file_signal(db.session, keyring=current_keyring(), reporter=db.session.get(User, users["melder"].id),
                             description="Hennepkwekerij vermoed")
        transition_signal(db.session, keyring=current_keyring(), signal=signal,
                          actor=db.session.get(User, users["regisseur"].id), target=SignalStatus.IN_PROGRESS,
                          path=Path.STATUS, four_eyes=False)
        db.session.commit()
        return signal.id, signal.reference


def test_case_lifecycle_with_four_eyes(app_factory):
    app = app_factory(security={"four_eyes": True, "ratelimit_storage_url": "memory://"})
    users = make_users(app)
    second = make_users(app, suffix="b")
    signal_id, reference = _signal_in_progress(app, users)
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    page = regisseur.get(f"/behandelen/casussen/?melding={reference}").get_data(as_text=True)
    response = regisseur.post("/behandelen/casussen/", data={"title": "Bedrijventerrein Noord", "references": reference,
                                                             "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        case_id = case.id
        assert db.session.get(Signal, signal_id).status == SignalStatus.LINKED_TO_CASE.value
        assert b"Bedrijventerrein" not in case.title_ct
    detail = regisseur.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    token = csrf_token(detail)
    version = int(re.search(r'name="version" value="(\d+)"', detail).group(1))
    assert regisseur.post(f"/behandelen/casussen/{case_id}", data={
        "csrf_token": token, "version": version, "title": "Bedrijventerrein Noord", "risk_picture": "Witwassen via vastgoed",
        "status": "open"}).status_code == 302
    stale = regisseur.post(f"/behandelen/casussen/{case_id}", data={
        "csrf_token": token, "version": version, "title": "X", "status": "open"})
    assert stale.status_code == 409
    assert regisseur.post(f"/behandelen/casussen/{case_id}/interventies", data={
        "csrf_token": token, "kind": "bibob_toets", "note": "Bij verlenging"}).status_code == 302
    # Voorstellen voor het casusoverleg: a real proposal for a planned meeting, with the question (issue 17).
    no_meeting = regisseur.post(f"/behandelen/casussen/{case_id}/agenderen", data={"csrf_token": token})
    assert no_meeting.status_code == 422
    chair = app.test_client()
    login_full(chair, users["voorzitter"].email)
    meeting_id = plan_meeting(chair)
    assert propose_case(regisseur, case_id, meeting_id, "Bibob-toets aanvragen?").status_code == 302
    detail = regisseur.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    assert "Witwassen via vastgoed" in detail and "Bibob-toets" in detail and "Voorgesteld op" in detail
    assert "Bibob-toets aanvragen?" in detail
    version = int(re.search(r'name="version" value="(\d+)"', detail).group(1))
    assert regisseur.post(f"/behandelen/casussen/{case_id}/afsluiten", data={
        "csrf_token": token, "version": version, "reason": "Afgerond"}).status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).status == CaseStatus.OPEN.value  # waits for a second regisseur
        approval_id = db.session.scalar(select(Approval.id))
    own = regisseur.post(f"/behandelen/akkoord/{approval_id}", data={"csrf_token": token, "decision": "akkoord"})
    assert own.status_code in (302, 303)
    with app.app_context():
        assert db.session.get(Case, case_id).status == CaseStatus.OPEN.value  # not by the requester
    colleague = app.test_client()
    login_full(colleague, second["regisseur"].email)
    approvals = colleague.get("/behandelen/akkoord").get_data(as_text=True)
    with app.app_context():
        assert f"Casus {db.session.get(Case, case_id).reference}" in approvals  # the card names the case
    assert colleague.post(f"/behandelen/akkoord/{approval_id}", data={
        "csrf_token": csrf_token(approvals), "decision": "akkoord"}).status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).status == CaseStatus.CLOSED.value
        assert db.session.get(Signal, signal_id).status == SignalStatus.CLOSED.value
