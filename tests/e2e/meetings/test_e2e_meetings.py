"""Issue 17: the chair's journey in Chromium — plan, members, accept a proposal, order the agenda with the
keyboard, send it, record a decision that closes the signal, add an action; the member reads the pack."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from meldpunt.auth.models import User
from meldpunt.cases.service import create_case
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.intake.service import file_signal
from meldpunt.meetings.models import Meeting, MeetingAction
from meldpunt.meetings.service import propose
from meldpunt.signals.service import transition_signal
from meldpunt.signals.transitions import Path
from meldpunt.vault.service import current_keyring
from tests.e2e.conftest import log_in


def _propose_case_for(app, users, meeting_id) -> str:
    """The regisseur's side (as in tests/functional): a case with one signal, proposed for the meeting."""
    with app.app_context():
        keyring = current_keyring()
        regisseur = db.session.get(User, users["regisseur"].id)
        signal = file_signal(db.session, keyring=keyring, reporter=db.session.get(User, users["melder"].id),
                             description="Drugsopslag in loods")
        transition_signal(db.session, keyring=keyring, signal=signal, actor=regisseur,
                          target=SignalStatus.IN_PROGRESS, path=Path.STATUS, four_eyes=False)
        case = create_case(db.session, keyring=keyring, actor=regisseur, title="Loods Havenweg", signals=[signal])
        propose(db.session, keyring=keyring, actor=regisseur, meeting=db.session.get(Meeting, meeting_id),
                question="Sluiten op grond van 13b?", case=case)
        db.session.commit()
        return str(signal.id)


def test_e2e_chair_journey(new_page, live_server):
    app, users = live_server.app, live_server.users
    chair = new_page()
    log_in(chair, live_server, "voorzitter")
    chair.get_by_role("link", name="Overleg").first.click()
    chair.get_by_label("Soort overleg").select_option(label="Casusoverleg")
    chair.get_by_label("Datum").fill((date.today() + timedelta(days=10)).isoformat())
    chair.get_by_label("Begintijd").fill("09:30")
    chair.get_by_label("Plaats").fill("Stadhuis, kamer 2.14")
    with chair.expect_navigation():
        chair.get_by_role("button", name="Overleg plannen").click()
    meeting_id = chair.url.rsplit("/", 1)[-1]
    chair.locator("summary", has_text="Lid toevoegen").click()
    chair.get_by_label("Organisatie").fill("Vergunningen")
    with chair.expect_navigation():
        chair.get_by_role("button", name="Lid toevoegen").click()
    assert "Vergunningen" in chair.inner_text("main")

    import uuid

    signal_id = _propose_case_for(app, users, uuid.UUID(meeting_id))
    chair.goto(live_server("/overleg/voorstellen"))
    assert "Sluiten op grond van 13b?" in chair.inner_text("main")
    with chair.expect_navigation():
        chair.get_by_role("button", name="Op de agenda zetten").click()
    chair.get_by_label("Vast agendapunt").select_option(label="Mededelingen")
    with chair.expect_navigation():
        chair.get_by_role("button", name="Agendapunt toevoegen").click()
    # Keyboard only: focus "Omhoog" of the second item and press Enter.
    up = chair.get_by_role("button", name=re.compile(r"^Omhoog\W+Mededelingen$"))
    up.focus()
    with chair.expect_navigation():
        chair.keyboard.press("Enter")
    items = chair.locator(".agenda-item h3").all_inner_texts()
    assert items[0].startswith("1. Mededelingen") and "Loods Havenweg" in items[1]
    with chair.expect_navigation():
        chair.get_by_role("button", name="Agenda versturen").click()
    assert "De agenda is verstuurd naar 1 lid" in chair.inner_text("main")

    chair.get_by_role("link", name="Loods Havenweg").click()
    chair.get_by_label("Besluit").select_option(label="Afsluiten")
    chair.get_by_label("Korte motivering").fill("Politie handelt het af")
    with chair.expect_navigation():
        chair.get_by_role("button", name="Besluit vastleggen").click()
    chair.get_by_label("Wie voert de actie uit?").select_option(index=0)
    chair.get_by_label("Uiterlijk klaar op").fill((date.today() + timedelta(days=14)).isoformat())
    chair.get_by_label("Wat moet er gebeuren?").fill("Vergunning controleren")
    with chair.expect_navigation():
        chair.get_by_role("button", name="Actie toevoegen").click()
    assert "Afsluiten" in chair.inner_text("main") and "Vergunning controleren" in chair.inner_text("main")
    with app.app_context():
        assert db.session.get(Signal, uuid.UUID(signal_id)).status == SignalStatus.CLOSED.value
        assert db.session.scalar(select(Notice.kind).where(Notice.signal_id == uuid.UUID(signal_id))
                                 .order_by(Notice.id.desc())) == "afgesloten"
        assert db.session.scalar(select(MeetingAction.owner_user_id)) == users["deelnemer"].id

    member = new_page(width=320, height=800)
    log_in(member, live_server, "deelnemer")
    member.goto(live_server(f"/overleg/{meeting_id}/stukken"))
    assert "Loods" not in member.inner_text("main")
    member.get_by_label("Ik houd alles").check()
    with member.expect_navigation():
        member.get_by_role("button", name="Bevestigen en stukken openen").click()
    text = member.inner_text("main")
    assert "Loods Havenweg" in text and "Test deelnemer" in text  # the watermark line names the member
    member.goto(live_server("/overleg/acties"))
    assert "Vergunning controleren" in member.inner_text("main")
