"""Helpers for the casusoverleg tests: signals in a case, a planned meeting with members, logged-in clients."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from meldpunt.auth.models import User
from meldpunt.auth.service import create_user
from meldpunt.cases.models import Case
from meldpunt.cases.service import create_case
from meldpunt.extensions import db
from meldpunt.signals.models import SignalStatus
from meldpunt.intake.service import ReportInput, SubjectInput, file_signal
from meldpunt.signals.service import transition_signal
from meldpunt.signals.transitions import Path
from meldpunt.vault.service import current_keyring
from tests.conftest import csrf_token, make_users, password_hash
from tests.support.logins import login_full

SUBJECT = "Hendrik Zwartkop"
FUTURE = datetime.now(timezone.utc) + timedelta(days=14)


def case_with_signals(app, users, *, title: str, descriptions: list[str], subject_name: str | None = None) -> tuple:
    """A case (made by the regisseur) holding new signals filed by the melder; returns (case_id, [signal ids])."""
    with app.app_context():
        keyring = current_keyring()
        regisseur = db.session.get(User, users["regisseur"].id)
        reporter = db.session.get(User, users["melder"].id)
        signals = []
        for description in descriptions:
            subjects = [SubjectInput(kind="persoon", name=subject_name)] if subject_name else []
            signal = file_signal(db.session, keyring=keyring, reporter=reporter, description=description,
                                 report=ReportInput(description=description, subjects=subjects, wants_feedback=True))
            transition_signal(db.session, keyring=keyring, signal=signal, actor=regisseur,
                              target=SignalStatus.IN_PROGRESS, path=Path.STATUS, four_eyes=False)
            signals.append(signal)
        case = create_case(db.session, keyring=keyring, actor=regisseur, title=title, signals=signals)
        db.session.commit()
        return case.id, [s.id for s in signals]


def add_member_account(app, email: str, name: str) -> User:
    with app.app_context():
        user = create_user(db.session, email=email, name=name, role="deelnemer", password=None)
        user.password_hash = password_hash()
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def client_for(app, email: str):
    client = app.test_client()
    login_full(client, email)
    return client


def plan_meeting(chair, *, interval_weeks: str = "", when: datetime = FUTURE) -> str:
    """The chair plans a meeting through the page; returns its id (from the redirect)."""
    page = chair.get("/overleg/").get_data(as_text=True)
    type_id = re.search(r'<option value="(\d+)">Casusoverleg</option>', page).group(1)
    response = chair.post("/overleg/", data={
        "csrf_token": csrf_token(page), "type_id": type_id, "date": when.strftime("%Y-%m-%d"), "time": "09:30",
        "duration_minutes": "120", "location": "Stadhuis, kamer 2.14", "video_url": "", "interval_weeks": interval_weeks,
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def add_member(chair, meeting_id: str, user_id: int, organisation: str, kind: str):
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    return chair.post(f"/overleg/{meeting_id}/leden", data={
        "csrf_token": csrf_token(page), "user_id": str(user_id), "organisation": organisation, "kind": kind})


def propose_case(regisseur, case_id, meeting_id: str, question: str, scope: str = "casus"):
    page = regisseur.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    return regisseur.post(f"/behandelen/casussen/{case_id}/agenderen", data={
        "csrf_token": csrf_token(page), "meeting_id": meeting_id, "scope": scope, "question": question})


def proposal_ids(app) -> list:
    from meldpunt.meetings.models import Proposal

    with app.app_context():
        return [str(p) for p in db.session.scalars(select(Proposal.id).order_by(Proposal.created_at))]


def case_reference(app, case_id) -> str:
    with app.app_context():
        return db.session.get(Case, case_id).reference


def accept_all(app, chair, minutes: str = "15") -> None:
    listing = chair.get("/overleg/voorstellen").get_data(as_text=True)
    for proposal_id in proposal_ids(app):
        response = chair.post(f"/overleg/voorstellen/{proposal_id}/accepteren",
                              data={"csrf_token": csrf_token(listing), "minutes_reserved": minutes})
        assert response.status_code == 302


def item_id_of_case(app, case_id):
    from meldpunt.meetings.models import AgendaItem, Proposal

    with app.app_context():
        return db.session.scalar(select(AgendaItem.id).join(Proposal).where(Proposal.case_id == case_id))


def update_item(chair, meeting_id: str, item_id, *, minutes: int = 15, pseudonymise: bool = True,
                partners: list[int] = ()):
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    prefix = f"punt-{item_id.hex[:8]}"
    token = re.search(rf'id="{prefix}-csrf_token" name="{prefix}-csrf_token" type="hidden" value="([^"]+)"',
                      page).group(1)
    data = {f"{prefix}-csrf_token": token, f"{prefix}-minutes_reserved": str(minutes),
            f"{prefix}-partners": [str(p) for p in partners]}
    if pseudonymise:
        data[f"{prefix}-pseudonymise"] = "y"
    response = chair.post(f"/overleg/punten/{item_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def confirm_secrecy(client, meeting_id: str):
    page = client.get(f"/overleg/{meeting_id}/stukken").get_data(as_text=True)
    assert "Geheimhoudingsverklaring" in page
    return client.post(f"/overleg/{meeting_id}/geheimhouding", data={"csrf_token": csrf_token(page), "confirm": "y"})


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    import subprocess

    path = tmp_path / f"pack-{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def meeting_world(app):
    """A meeting with an internal member, an invited partner and an uninvited partner; two case items:
    "Vastgoed" (pseudonymised, partner politie invited) and "Horeca" (by name, internal only)."""
    users = make_users(app)
    internal = add_member_account(app, "vergunningen@gemeente.example", "Ineke Intern")
    invited = add_member_account(app, "politie@partner.example", "Paul Politie")
    uninvited = add_member_account(app, "fiscus@partner.example", "Bea Belasting")
    case_a, signals_a = case_with_signals(app, users, title="Vastgoed Noord", descriptions=["pand"],
                                          subject_name=SUBJECT)
    case_b, signals_b = case_with_signals(app, users, title="Horeca Centrum", descriptions=["cafe"],
                                          subject_name="Karel Kroeg")
    chair = client_for(app, users["voorzitter"].email)
    meeting_id = plan_meeting(chair)
    add_member(chair, meeting_id, internal.id, "Vergunningen", "intern")
    add_member(chair, meeting_id, invited.id, "Politie", "partner")
    add_member(chair, meeting_id, uninvited.id, "Belastingdienst", "partner")
    regisseur = client_for(app, users["regisseur"].email)
    assert propose_case(regisseur, case_a, meeting_id, f"Moet {SUBJECT} een Bibob-toets krijgen?").status_code == 302
    assert propose_case(regisseur, case_b, meeting_id, "Sluiting Horeca Centrum?").status_code == 302
    accept_all(app, chair)
    item_a, item_b = item_id_of_case(app, case_a), item_id_of_case(app, case_b)
    update_item(chair, meeting_id, item_a, pseudonymise=True, partners=[invited.id])
    update_item(chair, meeting_id, item_b, pseudonymise=False, partners=[])
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    chair.post(f"/overleg/{meeting_id}/agenda", data={"csrf_token": csrf_token(page), "kind": "mededelingen"})
    return dict(users=users, internal=internal, invited=invited, uninvited=uninvited, chair=chair, meeting_id=meeting_id,
                case_a=case_a, case_b=case_b, signals_a=signals_a, signals_b=signals_b, item_a=item_a, item_b=item_b,
                regisseur=regisseur)
