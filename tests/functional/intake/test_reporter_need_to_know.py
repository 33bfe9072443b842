"""Need-to-know towards the reporter (issue 15 item 1): what a handler adds never reaches the reporter.

The handlers work on a named and an anonymous melding through their real pages: they add a subject
(linked to another reporter's melding), consult a register, assign a colleague, put both meldingen in a
case with a risk picture and an intervention, close the case with four eyes, reopen with a reason and
forward with four eyes. Every text they type is a unique canary. Then the named reporter and the
holder of the receipt code walk every page they can reach (all same-site links from their pages, GET
only, plus the re-rendered reply form) and none of the canaries may appear, while what the reporter
gave and what is addressed to them (messages, feedback) does.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from meldpunt.auth.models import User
from meldpunt.cases.models import Case
from meldpunt.extensions import db
from meldpunt.intake.models import Subject, SubjectOrigin
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.approvals.models import Approval, ApprovalState
from tests.conftest import csrf_token, make_users
from tests.support.logins import login_full
from tests.support.forms import post_form, receipt_code_from
from tests.support.page_walk import walk

SHARED_KVK = "12345678"

#: What the reporters give themselves (must show on their own pages).
OWN = {
    "named_text": "Eigen beschrijving van de melder met naam",
    "named_subject": "Eigen Betrokkene Melder",
    "anonymous_text": "Eigen beschrijving van de anonieme melder",
    "anonymous_subject": "Eigen Betrokkene Anoniem",
}
#: What the handlers address to the reporter on purpose (must show too).
ADDRESSED = {
    "message": "Wilt u nog een foto sturen van de loods?",
    "feedback": "Wij hebben uw melding bekeken en gaan ermee aan de slag.",
}


def _canaries() -> dict[str, str]:
    """Unique strings a handler adds; none may reach a reporter's page."""
    names = [
        "handler_subject", "handler_subject_kvk_holder", "other_text", "other_subject",
        "note_source", "note_legal_basis", "note_content",
        "case_title", "case_risk_picture", "intervention_note", "case_close_reason",
        "reopen_reason", "forward_recipient", "forward_legal_basis", "forward_reason",
        "pending_forward_reason", "pending_forward_recipient", "handler_name", "approver_name",
    ]
    return {name: f"KANARIE{index:02d}{name.replace('_', '')}" for index, name in enumerate(names)}


def _version(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def _signal_post(client, signal_id, action: str, data: dict, *, expect=(302, 303)):
    """POST one of the handler's forms on the signal page, with the page's CSRF token and version."""
    page = client.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    token = csrf_token(page)
    payload = {"csrf_token": token, "note-csrf_token": token, "version": _version(page), **data}
    response = client.post(f"/behandelen/meldingen/{signal_id}/{action}", data=payload)
    assert response.status_code in expect, (action, response.status_code, response.get_data(as_text=True)[:3000])
    return response


def _approve_all(colleague) -> int:
    page = colleague.get("/behandelen/akkoord").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'action="/behandelen/akkoord/(\d+)"', page)]
    for approval_id in ids:
        response = colleague.post(f"/behandelen/akkoord/{approval_id}",
                                  data={"csrf_token": csrf_token(page), "decision": "akkoord"})
        assert response.status_code in (302, 303)
    return len(ids)


def _rename(app, user_id: int, name: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).name = name
        db.session.commit()


def _file_named(client, *, description: str, subject: dict) -> None:
    data = {"identity": "naam", "description": description, "feedback": "app", "contact": "",
            **{f"subjects-0-{key}": value for key, value in subject.items()}}
    response = post_form(client, "/melden", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


def _leaks(pages: dict[str, str], canaries: dict[str, str]) -> list[str]:
    return [f"{name} ({value}) on {url}" for url, body in pages.items()
            for name, value in canaries.items() if value in body]


@pytest.fixture
def world(app_factory, database_url):
    """Two meldingen worked on by handlers; returns everything the walks need."""
    app = app_factory(database_url, security={"four_eyes": True, "ratelimit_storage_url": "memory://"})
    users = make_users(app)
    colleagues = make_users(app, suffix="b")
    canaries = _canaries()
    _rename(app, users["regisseur"].id, canaries["handler_name"])
    _rename(app, colleagues["regisseur"].id, canaries["approver_name"])

    named = app.test_client()
    login_full(named, users["melder"].email)
    _file_named(named, description=OWN["named_text"], subject={"kind": "persoon", "name": OWN["named_subject"]})
    anonymous_page = post_form(app.test_client(), "/melden/anoniem", {
        "description": OWN["anonymous_text"], "feedback": "code",
        "subjects-0-kind": "persoon", "subjects-0-name": OWN["anonymous_subject"]}).get_data(as_text=True)
    receipt_code = receipt_code_from(anonymous_page)
    other = app.test_client()  # another reporter names the company the handler will link to
    login_full(other, users["deelnemer"].email)
    _file_named(other, description=canaries["other_text"],
                subject={"kind": "bedrijf", "name": canaries["other_subject"], "kvk": SHARED_KVK})
    with app.app_context():
        signals = list(db.session.scalars(select(Signal).order_by(Signal.ref_seq)))
        named_id, anonymous_id, other_id = (s.id for s in signals)
        references = {s.id: s.reference for s in signals}
    canaries["other_reference"] = references[other_id]

    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    colleague = app.test_client()
    login_full(colleague, colleagues["regisseur"].email)
    for signal_id in (named_id, anonymous_id, other_id):
        _signal_post(regisseur, signal_id, "status", {"target": SignalStatus.IN_PROGRESS.value})
    for signal_id in (named_id, anonymous_id):
        _signal_post(regisseur, signal_id, "subjecten", {
            "kind": "bedrijf", "name": canaries["handler_subject"], "kvk": SHARED_KVK,
            "city": canaries["handler_subject_kvk_holder"]})
        page = regisseur.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
        assert references[other_id] in page  # the handler sees the link to the other melding
        _signal_post(regisseur, signal_id, "status", {"target": SignalStatus.ENRICHMENT.value})
        _signal_post(regisseur, signal_id, "verrijking", {
            "note-register": "kvk", "note-consulted_on": date.today().isoformat(),
            "note-source": canaries["note_source"], "note-legal_basis": canaries["note_legal_basis"],
            "note-content": canaries["note_content"]})
        _signal_post(regisseur, signal_id, "toewijzen", {"assignee_id": str(colleagues["regisseur"].id)})
        _signal_post(regisseur, signal_id, "berichten", {"body": ADDRESSED["message"]})
        compose = f"/behandelen/meldingen/{signal_id}/terugkoppeling"
        token = csrf_token(regisseur.get(compose).get_data(as_text=True))
        assert regisseur.post(compose, data={"csrf_token": token, "text": ADDRESSED["feedback"],
                                             "send": "Versturen aan de melder"}).status_code == 302

    # A case with all three meldingen, its subjects chosen, a risk picture and an intervention.
    page = regisseur.get("/behandelen/casussen/").get_data(as_text=True)
    response = regisseur.post("/behandelen/casussen/", data={
        "csrf_token": csrf_token(page), "title": canaries["case_title"],
        "references": ", ".join(references[i] for i in (named_id, anonymous_id, other_id))})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        case = db.session.scalar(select(Case))
        case_id = case.id
        canaries["case_reference"] = case.reference
        subject_ids = list(db.session.scalars(select(Subject.id)))
    detail = regisseur.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    token = csrf_token(detail)
    assert regisseur.post(f"/behandelen/casussen/{case_id}", data={
        "csrf_token": token, "version": _version(detail), "title": canaries["case_title"],
        "risk_picture": canaries["case_risk_picture"], "status": "open"}).status_code == 302
    assert regisseur.post(f"/behandelen/casussen/{case_id}/interventies", data={
        "csrf_token": token, "kind": "bibob_toets", "note": canaries["intervention_note"]}).status_code == 302
    for subject_id in subject_ids:
        assert regisseur.post(f"/behandelen/casussen/{case_id}/subjecten/{subject_id}",
                              data={"csrf_token": token, "value": "toevoegen"}).status_code == 302
    detail = regisseur.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    assert regisseur.post(f"/behandelen/casussen/{case_id}/afsluiten", data={
        "csrf_token": token, "version": _version(detail), "reason": canaries["case_close_reason"]}).status_code == 302
    assert _approve_all(colleague) == 1  # four eyes: the colleague approves closing the case
    with app.app_context():
        assert db.session.get(Signal, named_id).status == SignalStatus.CLOSED.value

    # Reopened with a reason, then forwarded (approved for the named melding, still pending for the other).
    for signal_id in (named_id, anonymous_id):
        _signal_post(regisseur, signal_id, "status", {"target": SignalStatus.IN_PROGRESS.value,
                                                      "reason": canaries["reopen_reason"]})
    _signal_post(regisseur, named_id, "doorzenden", {
        "authority": "politie", "recipient": canaries["forward_recipient"],
        "legal_basis": canaries["forward_legal_basis"], "reason": canaries["forward_reason"]})
    assert _approve_all(colleague) == 1
    _signal_post(regisseur, anonymous_id, "doorzenden", {
        "authority": "riec", "recipient": canaries["pending_forward_recipient"],
        "legal_basis": canaries["forward_legal_basis"], "reason": canaries["pending_forward_reason"]})
    with app.app_context():
        assert db.session.get(Signal, named_id).status == SignalStatus.FORWARDED.value
        assert db.session.scalar(select(Approval.id).where(Approval.state == ApprovalState.PENDING.value))
        origins = {s.added_by for s in db.session.scalars(select(Subject).where(Subject.signal_id == named_id))}
        assert origins == {SubjectOrigin.REPORTER.value, SubjectOrigin.HANDLER.value}

    # The handler's own page does show what the handler added (the canaries are real).
    handler_page = regisseur.get(f"/behandelen/meldingen/{named_id}").get_data(as_text=True)
    for name in ("handler_subject", "note_content", "forward_recipient", "reopen_reason", "other_reference"):
        assert canaries[name] in handler_page, name
    assert "genoemd door de melder" in handler_page and "toegevoegd door een behandelaar" in handler_page

    return {"app": app, "users": users, "canaries": canaries, "named_id": named_id, "anonymous_id": anonymous_id,
            "references": references, "receipt_code": receipt_code}


def test_item_01_named_reporter_reaches_no_handler_canary(world):
    app, canaries, named_id = world["app"], world["canaries"], world["named_id"]
    reporter = app.test_client()
    login_full(reporter, world["users"]["melder"].email)
    reference = world["references"][named_id]
    pages = walk(reporter, ["/", "/mijn-meldingen", f"/mijn-meldingen/{named_id}", "/berichten",
                            f"/melden/bevestiging/{reference}", "/account"])
    # The reply form re-rendered after a mistake is a page the reporter reaches too.
    detail = pages[f"/mijn-meldingen/{named_id}"]
    refused = reporter.post(f"/mijn-meldingen/{named_id}/bericht", data={"csrf_token": csrf_token(detail), "body": ""})
    assert refused.status_code == 422
    pages["POST reply (422)"] = refused.get_data(as_text=True)

    assert {"/mijn-meldingen", f"/mijn-meldingen/{named_id}", "/berichten", "/account"} <= set(pages)
    for text in (OWN["named_text"], OWN["named_subject"], ADDRESSED["message"], ADDRESSED["feedback"]):
        assert text in detail, text  # what the reporter gave and what is addressed to them still shows
    assert not _leaks(pages, canaries), "\n".join(_leaks(pages, canaries))


def test_item_01_receipt_holder_reaches_no_handler_canary(world):
    app, canaries = world["app"], world["canaries"]
    holder = app.test_client()
    token = csrf_token(holder.get("/ontvangstcode").get_data(as_text=True))
    opened = holder.post("/ontvangstcode", data={"code": world["receipt_code"], "csrf_token": token})
    assert opened.status_code == 303
    pages = walk(holder, ["/ontvangstcode/melding", "/", "/melden", "/ontvangstcode"])
    detail = pages["/ontvangstcode/melding"]
    refused = holder.post("/ontvangstcode/bericht", data={"csrf_token": csrf_token(detail), "body": ""})
    assert refused.status_code == 422
    pages["POST reply (422)"] = refused.get_data(as_text=True)

    for text in (OWN["anonymous_text"], OWN["anonymous_subject"], ADDRESSED["message"], ADDRESSED["feedback"]):
        assert text in detail, text
    assert not _leaks(pages, canaries), "\n".join(_leaks(pages, canaries))


def test_item_01_transfer_to_integrity_is_not_shown_as_what_the_reporter_said(app, users):
    """"Over: een collega" is the reporter's own statement; after a handler's transfer only the status says so."""
    reporter = app.test_client()
    login_full(reporter, users["melder"].email)
    _file_named(reporter, description="Iets bij de balie", subject={"kind": "persoon", "name": "Iemand"})
    post_form(reporter, "/melden", {"identity": "naam", "description": "Over mijn collega", "feedback": "app",
                                    "about_colleague": "y"})
    with app.app_context():
        transferred, own = (s.id for s in db.session.scalars(select(Signal).order_by(Signal.ref_seq)))
    regisseur = app.test_client()
    login_full(regisseur, users["regisseur"].email)
    _signal_post(regisseur, transferred, "status", {"target": SignalStatus.TO_INTEGRITY.value, "reason": "Collega"})

    page = reporter.get(f"/mijn-meldingen/{transferred}").get_data(as_text=True)
    assert "Overgedragen aan integriteitstraject" in page and "Een collega (integriteitstraject)" not in page
    assert "Een collega (integriteitstraject)" in reporter.get(f"/mijn-meldingen/{own}").get_data(as_text=True)
