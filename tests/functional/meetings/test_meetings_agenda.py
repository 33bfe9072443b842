"""Issue 17, meetings, proposals and the agenda builder through the pages (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.signals.models import Signal, SignalStatus, StatusChange
from meldpunt.meetings.models import AgendaItem, Meeting, MeetingMember, Proposal
from tests.conftest import csrf_token, make_users
from tests.support.meetings import (
    add_member,
    add_member_account,
    case_reference,
    case_with_signals,
    client_for,
    plan_meeting,
    propose_case,
    proposal_ids,
)


def test_item_meetings_chair_plans_a_recurring_meeting_with_members(app_any_db):
    """Meetings: type, date and time, place, chair, members with organisation (internal/partner); a recurring
    series makes the next meeting with the same members; other chairs and non-members get 404."""
    app = app_any_db
    users = make_users(app)
    other = make_users(app, suffix="b")
    partner = add_member_account(app, "agent@politie.example", "Agent Jansen")
    chair = client_for(app, users["voorzitter"].email)
    meeting_id = plan_meeting(chair, interval_weeks="4")
    assert add_member(chair, meeting_id, users["deelnemer"].id, "Vergunningen", "intern").status_code == 302
    assert add_member(chair, meeting_id, partner.id, "Politie", "partner").status_code == 302
    # Only accounts with the deelnemer role can be members (the choice list refuses anything else).
    refused = add_member(chair, meeting_id, users["melder"].id, "Burgerzaken", "intern")
    assert refused.status_code == 422
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert "Stadhuis, kamer 2.14" in page and "Politie" in page and "Externe partner" in page
    response = chair.post(f"/overleg/{meeting_id}/volgende", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    next_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert next_id != meeting_id
    with app.app_context():
        first = db.session.get(Meeting, uuid.UUID(meeting_id))
        second = db.session.get(Meeting, uuid.UUID(next_id))
        assert second.series_id == first.series_id and second.data_key_id != first.data_key_id
        assert (second.starts_at - first.starts_at).days == 28
        assert {(m.user_id, m.organisation, m.is_partner) for m in second.members} == {
            (users["deelnemer"].id, "Vergunningen", False), (partner.id, "Politie", True)}
    # Twice "volgende" makes one next meeting, not two.
    again = chair.post(f"/overleg/{meeting_id}/volgende", data={"csrf_token": csrf_token(page)})
    assert again.headers["Location"].rsplit("/", 1)[-1] == next_id
    # A member sees the meeting; another chair and a non-member deelnemer get 404.
    member = client_for(app, users["deelnemer"].email)
    assert member.get(f"/overleg/{meeting_id}").status_code == 200
    assert "Overleg" in member.get("/overleg/").get_data(as_text=True)
    assert client_for(app, other["voorzitter"].email).get(f"/overleg/{meeting_id}").status_code == 404
    assert client_for(app, other["deelnemer"].email).get(f"/overleg/{meeting_id}").status_code == 404
    # Bad input: a clear Dutch message, 422, and what was typed stays.
    page = chair.get("/overleg/").get_data(as_text=True)
    bad = chair.post("/overleg/", data={"csrf_token": csrf_token(page), "type_id": "1", "date": "2030-01-07",
                                        "time": "09:00", "duration_minutes": "60", "location": "",
                                        "video_url": "http://onveilig.example"})
    assert bad.status_code == 422 and "https://" in bad.get_data(as_text=True)


def test_item_proposals_regisseur_proposes_chair_accepts_or_returns(app_any_db):
    """Proposals: the regisseur proposes a casus or one melding with the question (encrypted); the chair sees
    "voorgesteld", accepts into the agenda (signals move to geagendeerd on the meeting path) or sends back."""
    app = app_any_db
    users = make_users(app)
    case_a, signals_a = case_with_signals(app, users, title="Vastgoed Noord", descriptions=["pand 1", "pand 2"])
    case_b, signals_b = case_with_signals(app, users, title="Kapsalon Zuid", descriptions=["kapper"])
    chair = client_for(app, users["voorzitter"].email)
    meeting_id = plan_meeting(chair)
    regisseur = client_for(app, users["regisseur"].email)
    assert propose_case(regisseur, case_a, meeting_id, "Is een Bibob-toets nodig?").status_code == 302
    assert propose_case(regisseur, case_b, meeting_id, "Sluiting overwegen?").status_code == 302
    # Proposing the same case for the same meeting twice is refused with a message.
    twice = propose_case(regisseur, case_a, meeting_id, "Nog eens")
    assert twice.status_code == 422 and "al voorgesteld" in twice.get_data(as_text=True)
    missing = propose_case(regisseur, case_a, meeting_id, "")
    assert missing.status_code == 422 and "Vul de vraag aan het overleg in." in missing.get_data(as_text=True)
    first, second = proposal_ids(app)
    with app.app_context():
        assert b"Bibob" not in db.session.get(Proposal, uuid.UUID(first)).question_ct
    listing = chair.get("/overleg/voorstellen").get_data(as_text=True)
    assert "Vastgoed Noord" in listing and "Is een Bibob-toets nodig?" in listing and "Kapsalon Zuid" in listing
    token = csrf_token(listing)
    assert chair.post(f"/overleg/voorstellen/{first}/accepteren",
                      data={"csrf_token": token, "minutes_reserved": "20"}).status_code == 302
    empty = chair.post(f"/overleg/voorstellen/{second}/terugsturen", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, uuid.UUID(second)).state == "voorgesteld"  # nothing changed without reason
    assert chair.post(f"/overleg/voorstellen/{second}/terugsturen",
                      data={"csrf_token": token, "reason": "Eerst verrijken"}).status_code == 302
    with app.app_context():
        for signal_id in signals_a:
            signal = db.session.get(Signal, signal_id)
            assert signal.status == SignalStatus.ON_AGENDA.value
            change = db.session.scalars(select(StatusChange).where(StatusChange.signal_id == signal_id)
                                        .order_by(StatusChange.id.desc())).first()
            assert change.to_status == SignalStatus.ON_AGENDA.value
        assert db.session.get(Signal, signals_b[0]).status == SignalStatus.LINKED_TO_CASE.value
        item = db.session.scalar(select(AgendaItem))
        assert item.minutes_reserved == 20 and item.kind == "casus" and item.pseudonymise
        assert db.session.get(Proposal, uuid.UUID(second)).state == "teruggestuurd"
    agenda = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert f"Casus {case_reference(app, case_a)}: Vastgoed Noord" in agenda
    case_page = regisseur.get(f"/behandelen/casussen/{case_b}").get_data(as_text=True)
    assert "Teruggestuurd" in case_page and "Eerst verrijken" in case_page
    # Another chair cannot decide on the proposal (404), nor a regisseur.
    other = make_users(app, suffix="b")
    stranger = client_for(app, other["voorzitter"].email)
    own_token = csrf_token(stranger.get("/overleg/").get_data(as_text=True))
    assert stranger.post(f"/overleg/voorstellen/{second}/accepteren",
                         data={"csrf_token": own_token, "minutes_reserved": "5"}).status_code == 404
    assert "Kapsalon" not in stranger.get("/overleg/voorstellen").get_data(as_text=True)


def test_item_agenda_builder_order_standing_items_visibility(app_any_db):
    """Agenda builder: omhoog/omlaag buttons, standing items, per item the partners who may see it,
    pseudonymised or by name, time reserved; "van de agenda halen" moves the signals back on the meeting path."""
    app = app_any_db
    users = make_users(app)
    partner = add_member_account(app, "rechercheur@politie.example", "Rechercheur De Vries")
    case_a, signals_a = case_with_signals(app, users, title="Casus Een", descriptions=["een"])
    chair = client_for(app, users["voorzitter"].email)
    meeting_id = plan_meeting(chair)
    add_member(chair, meeting_id, partner.id, "Politie", "partner")
    regisseur = client_for(app, users["regisseur"].email)
    propose_case(regisseur, case_a, meeting_id, "Wat doen we?")
    [proposal] = proposal_ids(app)
    listing = chair.get("/overleg/voorstellen").get_data(as_text=True)
    chair.post(f"/overleg/voorstellen/{proposal}/accepteren", data={"csrf_token": csrf_token(listing),
                                                                    "minutes_reserved": "15"})
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    token = csrf_token(page)
    for kind in ("mededelingen", "fenomenen_trends"):
        assert chair.post(f"/overleg/{meeting_id}/agenda", data={"csrf_token": token, "kind": kind}).status_code == 302
    double = chair.post(f"/overleg/{meeting_id}/agenda", data={"csrf_token": token, "kind": "mededelingen"})
    assert double.status_code == 422 and "staat al op de agenda" in double.get_data(as_text=True)

    def order():
        with app.app_context():
            return [i.kind for i in db.session.scalars(select(AgendaItem).order_by(AgendaItem.position))]

    assert order() == ["casus", "mededelingen", "fenomenen_trends"]
    with app.app_context():
        case_item = db.session.scalar(select(AgendaItem).where(AgendaItem.kind == "casus"))
        trends = db.session.scalar(select(AgendaItem).where(AgendaItem.kind == "fenomenen_trends"))
        case_item_id, trends_id = case_item.id, trends.id
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert "Omhoog<span class=\"visually-hidden\">: Fenomenen en trends" in page  # buttons, no dragging
    assert chair.post(f"/overleg/punten/{trends_id}/verplaatsen",
                      data={"csrf_token": token, "direction": "omhoog"}).status_code == 302
    assert chair.post(f"/overleg/punten/{case_item_id}/verplaatsen",
                      data={"csrf_token": token, "direction": "omlaag"}).status_code == 302
    assert order() == ["fenomenen_trends", "casus", "mededelingen"]
    chair.post(f"/overleg/punten/{case_item_id}/verplaatsen", data={"csrf_token": token, "direction": "omlaag"})
    chair.post(f"/overleg/punten/{case_item_id}/verplaatsen", data={"csrf_token": token, "direction": "omlaag"})
    assert order() == ["fenomenen_trends", "mededelingen", "casus"]  # the last stays last
    prefix = f"punt-{case_item_id.hex[:8]}"
    assert f'name="{prefix}-partners"' in page
    response = chair.post(f"/overleg/punten/{case_item_id}", data={
        f"{prefix}-csrf_token": re.search(rf'id="{prefix}-csrf_token" name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', page).group(1),
        f"{prefix}-minutes_reserved": "25", f"{prefix}-partners": str(partner.id)})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(AgendaItem, case_item_id)
        assert item.minutes_reserved == 25 and not item.pseudonymise
        assert [p.user_id for p in item.partners] == [partner.id]
    # Off the agenda: the signal goes back to "gekoppeld aan casus" and the proposal waits again.
    assert chair.post(f"/overleg/punten/{case_item_id}/verwijderen", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Signal, signals_a[0]).status == SignalStatus.LINKED_TO_CASE.value
        assert db.session.get(Proposal, uuid.UUID(proposal)).state == "voorgesteld"
        assert db.session.scalar(select(MeetingMember).where(MeetingMember.user_id == partner.id)) is not None


def test_item_meetings_beheerder_keeps_the_list_of_meeting_types(app_any_db):
    """Meeting types are a list the beheerder keeps: seeded (casusoverleg, LIO, ondermijningstafel), add, switch off."""
    app = app_any_db
    users = make_users(app)
    admin = client_for(app, users["beheerder"].email)
    page = admin.get("/overleg/soorten").get_data(as_text=True)
    assert "Casusoverleg" in page and "LIO" in page and "Ondermijningstafel" in page
    assert admin.post("/overleg/soorten", data={"csrf_token": csrf_token(page),
                                                "name": "Zorg- en veiligheidsoverleg"}).status_code == 302
    double = admin.post("/overleg/soorten", data={"csrf_token": csrf_token(page), "name": "casusoverleg"})
    assert double.status_code == 422 and "bestaat al" in double.get_data(as_text=True)
    from meldpunt.meetings.models import MeetingType

    with app.app_context():
        lio = db.session.scalar(select(MeetingType.id).where(MeetingType.code == "lio"))
    assert admin.post(f"/overleg/soorten/{lio}/aan-uit", data={"csrf_token": csrf_token(page)}).status_code == 302
    chair = client_for(app, users["voorzitter"].email)
    planning = chair.get("/overleg/").get_data(as_text=True)
    assert "Zorg- en veiligheidsoverleg" in planning and "LIO (lokaal informatieoverleg)" not in planning
    assert chair.get("/overleg/soorten").status_code == 403
