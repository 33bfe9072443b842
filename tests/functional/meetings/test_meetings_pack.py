"""Issue 17, acceptance: decisions flow back, need-to-know per item in the page, the PDF and by URL,
pseudonymised subjects, the watermark, the geheimhoudingsverklaring, partners after the minutes, actions."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.cases.models import Case
from meldpunt.documents.pdf import pdf_available
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.meetings.models import Decision, Meeting, MeetingAction, MeetingMember
from tests.conftest import csrf_token
from tests.support.meetings import (
    SUBJECT,
    meeting_world,
    meeting_world as _world,
    client_for,
    confirm_secrecy,
    pdf_pages,
)



@pytest.fixture
def _pdf_tools():
    import shutil

    if not pdf_available() or shutil.which("pdftotext") is None:
        pytest.fail("WeasyPrint (Pango) and pdftotext are needed: `make test` installs them as root")


def test_acceptance_partner_not_invited_sees_item_nowhere_page_pdf_url(app_any_db, tmp_path, _pdf_tools):
    """A partner not invited to an item cannot see it on the page, in the PDF (pdftotext) or by URL (404)."""
    app = app_any_db
    w = _world(app)
    uninvited = client_for(app, w["uninvited"].email)
    assert confirm_secrecy(uninvited, w["meeting_id"]).status_code == 302
    page = uninvited.get(f"/overleg/{w['meeting_id']}/stukken").get_data(as_text=True)
    assert "Mededelingen" in page
    for hidden in ("Vastgoed", "Horeca", "Bibob", "Karel Kroeg", SUBJECT):
        assert hidden not in page
    pdf = uninvited.get(f"/overleg/{w['meeting_id']}/stukken.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(pdf_pages(pdf.data, tmp_path))
    assert "Mededelingen" in text and "Vastgoed" not in text and "Horeca" not in text and "Kroeg" not in text
    assert uninvited.get(f"/overleg/punten/{w['item_a']}").status_code == 404
    assert uninvited.get(f"/overleg/punten/{w['item_b']}").status_code == 404
    # The invited partner sees item A (pseudonymised) but not the internal-only item B.
    invited = client_for(app, w["invited"].email)
    confirm_secrecy(invited, w["meeting_id"])
    page = invited.get(f"/overleg/{w['meeting_id']}/stukken").get_data(as_text=True)
    assert "Vastgoed Noord" in page and "Horeca" not in page
    assert invited.get(f"/overleg/punten/{w['item_a']}").status_code == 200
    assert invited.get(f"/overleg/punten/{w['item_b']}").status_code == 404
    # An internal member sees both; every view and download is audited.
    internal = client_for(app, w["internal"].email)
    confirm_secrecy(internal, w["meeting_id"])
    page = internal.get(f"/overleg/{w['meeting_id']}/stukken").get_data(as_text=True)
    assert "Vastgoed Noord" in page and "Horeca Centrum" in page and "Karel Kroeg" in page
    with app.app_context():
        actions = [a for a, in db.session.execute(select(AuditEntry.action))]
        assert actions.count("meeting.pack_view") >= 3 and "meeting.pack_download" in actions
        assert actions.count("meeting.secrecy_confirmed") == 3


def test_acceptance_pseudonymised_item_names_no_subject_anywhere_in_pack(app_any_db, tmp_path, _pdf_tools):
    """Pseudonymised items show no subject name anywhere in the pack (HTML and PDF), also not in the question."""
    app = app_any_db
    w = _world(app)
    for client in (client_for(app, w["invited"].email), client_for(app, w["internal"].email)):
        confirm_secrecy(client, w["meeting_id"])
        page = client.get(f"/overleg/{w['meeting_id']}/stukken").get_data(as_text=True)
        assert "Persoon A" in page and "Moet Persoon A een Bibob-toets krijgen?" in page
        assert SUBJECT not in page and "Zwartkop" not in page
        item_page = client.get(f"/overleg/punten/{w['item_a']}").get_data(as_text=True)
        assert "Persoon A" in item_page and SUBJECT not in item_page
        text = "\n".join(pdf_pages(client.get(f"/overleg/{w['meeting_id']}/stukken.pdf").data, tmp_path))
        assert "Persoon A" in text and "Zwartkop" not in text


def test_acceptance_watermark_with_member_name_on_every_pdf_page(app, tmp_path, _pdf_tools):
    """The watermark carries the member's name, organisation and the time on every PDF page."""
    w = _world(app)
    with app.app_context():  # a long question, so the pack runs over several pages
        from meldpunt.meetings.models import Proposal
        from meldpunt.meetings.service import _proposal_cipher
        from meldpunt.vault.service import current_keyring, seal

        for proposal in db.session.scalars(select(Proposal)):
            seal(_proposal_cipher(db.session, current_keyring(), proposal), proposal, "question",
                 "Lange toelichting op de vraag. " * 400)
        db.session.commit()
    internal = client_for(app, w["internal"].email)
    confirm_secrecy(internal, w["meeting_id"])
    pages = pdf_pages(internal.get(f"/overleg/{w['meeting_id']}/stukken.pdf").data, tmp_path)
    assert len(pages) >= 3
    for page in pages:
        assert "Ineke Intern" in page and "Vergunningen" in page and "gemaakt" in page


def test_acceptance_no_item_content_before_secrecy_declaration(app_any_db):
    """Before the geheimhoudingsverklaring no item content is served: not the pack, the PDF or an item URL."""
    app = app_any_db
    w = _world(app)
    internal = client_for(app, w["internal"].email)
    page = internal.get(f"/overleg/{w['meeting_id']}/stukken").get_data(as_text=True)
    assert "Geheimhoudingsverklaring" in page and "Vastgoed" not in page and "Horeca" not in page
    pdf = internal.get(f"/overleg/{w['meeting_id']}/stukken.pdf")
    assert pdf.status_code == 302 and pdf.mimetype != "application/pdf"
    assert internal.get(f"/overleg/punten/{w['item_b']}").status_code == 404
    refused = internal.post(f"/overleg/{w['meeting_id']}/geheimhouding", data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 422 and "Vink de geheimhoudingsverklaring aan" in refused.get_data(as_text=True)
    assert confirm_secrecy(internal, w["meeting_id"]).status_code == 302
    assert internal.get(f"/overleg/punten/{w['item_b']}").status_code == 200
    with app.app_context():
        member = db.session.get(MeetingMember, (uuid.UUID(w["meeting_id"]), w["internal"].id))
        assert member.secrecy_confirmed_at is not None
    # Once per meeting: the next visit opens the pack straight away.
    assert "Horeca Centrum" in internal.get(f"/overleg/{w['meeting_id']}/stukken").get_data(as_text=True)


def _record(chair, item_id, **data):
    page = chair.get(f"/overleg/punten/{item_id}").get_data(as_text=True)
    return chair.post(f"/overleg/punten/{item_id}/besluit", data={"csrf_token": csrf_token(page), **data})


def test_acceptance_decision_closes_signal_reporter_gets_standard_notice_only(app_any_db):
    """A decision "afsluiten" moves the signals geagendeerd → besproken → afgesloten on the meeting path in one
    transaction; the reporter gets the standard notices and nothing of the decision's content."""
    app = app_any_db
    w = _world(app)
    chair = w["chair"]
    missing = _record(chair, w["item_b"], kind="bestuurlijke_interventie", instrument="", motivation="x")
    assert missing.status_code == 422 and "Kies welk bestuurlijk instrument." in missing.get_data(as_text=True)
    response = _record(chair, w["item_b"], kind="afsluiten", motivation="Geheime motivering: kroeg is gesloten")
    assert response.status_code == 302
    with app.app_context():
        signal = db.session.get(Signal, w["signals_b"][0])
        assert signal.status == SignalStatus.CLOSED.value
        assert db.session.get(Case, w["case_b"]).status == "afgesloten"
        kinds = [n.kind for n in db.session.scalars(select(Notice).where(Notice.signal_id == signal.id)
                                                    .order_by(Notice.id))]
        assert kinds[-2:] == ["besproken", "afgesloten"]
        assert all(n.body_ct is None for n in db.session.scalars(select(Notice).where(Notice.signal_id == signal.id)))
        decision = db.session.scalar(select(Decision))
        assert b"Geheime" not in decision.motivation_ct
        paths = [json.loads(e.details).get("path") for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "signal.transition",
                                     AuditEntry.object_id == str(signal.id)))]
        assert paths[-2:] == ["meeting", "meeting"]
    reporter = client_for(app, w["users"]["melder"].email)
    inbox = reporter.get("/berichten").get_data(as_text=True)
    mine = reporter.get("/mijn-meldingen").get_data(as_text=True)
    for text in (inbox, mine):
        assert "Geheime motivering" not in text and "kroeg is gesloten" not in text and "Horeca" not in text
    # A second decision on the same item is refused; a standing item takes none.
    assert _record(chair, w["item_b"], kind="monitoren", motivation="nog eens").status_code == 422


def test_acceptance_decision_back_to_enrichment_and_monitoring(app_any_db):
    """"Terug naar verrijking" puts the signals back in the case (gekoppeld aan casus); "monitoren" leaves them
    besproken and sets the case to monitoren."""
    app = app_any_db
    w = _world(app)
    assert _record(w["chair"], w["item_a"], kind="terug_naar_verrijking", motivation="Meer info nodig").status_code == 302
    assert _record(w["chair"], w["item_b"], kind="monitoren", motivation="Volgen").status_code == 302
    with app.app_context():
        assert db.session.get(Signal, w["signals_a"][0]).status == SignalStatus.LINKED_TO_CASE.value
        assert db.session.get(Signal, w["signals_b"][0]).status == SignalStatus.DISCUSSED.value
        assert db.session.get(Case, w["case_b"]).status == "monitoren"


def _add_action(chair, meeting_id, item_id, owner, deadline, description, organisation=""):
    page = chair.get(f"/overleg/punten/{item_id}").get_data(as_text=True) if item_id else \
        chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    return chair.post(f"/overleg/{meeting_id}/acties", data={
        "csrf_token": csrf_token(page), "item_id": str(item_id or ""), "owner": owner, "organisation": organisation,
        "deadline": deadline.isoformat(), "description": description})


def test_acceptance_after_minutes_approval_partner_sees_only_own_actions(app_any_db):
    """After the minutes are approved a partner sees no item any more, only their own actions."""
    app = app_any_db
    w = _world(app)
    chair, meeting_id = w["chair"], w["meeting_id"]
    soon = date.today() + timedelta(days=7)
    assert _add_action(chair, meeting_id, w["item_a"], f"lid-{w['invited'].id}", soon, "Proces-verbaal opvragen").status_code == 302
    assert _add_action(chair, meeting_id, w["item_a"], f"lid-{w['internal'].id}", soon, "Vergunning nagaan").status_code == 302
    invited = client_for(app, w["invited"].email)
    confirm_secrecy(invited, meeting_id)
    assert "Vastgoed Noord" in invited.get(f"/overleg/{meeting_id}/stukken").get_data(as_text=True)
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert chair.post(f"/overleg/{meeting_id}/verslag", data={"csrf_token": csrf_token(page),
                                                              "minutes": "Verslag: geheim besproken"}).status_code == 302
    with app.app_context():
        assert b"geheim besproken" not in db.session.get(Meeting, uuid.UUID(meeting_id)).minutes_ct
    assert chair.post(f"/overleg/{meeting_id}/verslag/vaststellen", data={"csrf_token": csrf_token(page)}).status_code == 302
    pack = invited.get(f"/overleg/{meeting_id}/stukken").get_data(as_text=True)
    assert "Vastgoed Noord" not in pack and "Persoon A" not in pack and "geheim besproken" not in pack
    assert "Proces-verbaal opvragen" in pack and "Vergunning nagaan" not in pack
    assert invited.get(f"/overleg/punten/{w['item_a']}").status_code == 404
    mine = invited.get("/overleg/acties").get_data(as_text=True)
    assert "Proces-verbaal opvragen" in mine and "Vergunning nagaan" not in mine
    # The internal member keeps access, including the approved minutes.
    internal = client_for(app, w["internal"].email)
    confirm_secrecy(internal, meeting_id)
    page = internal.get(f"/overleg/{meeting_id}/stukken").get_data(as_text=True)
    assert "Vastgoed Noord" in page and "Verslag: geheim besproken" in page


def test_item_minutes_four_eyes_second_member_approves(app_factory):
    """Minutes approved by a second member (an internal member, not the chair) when four eyes is configured."""
    app = app_factory(security={"four_eyes": True, "ratelimit_storage_url": "memory://"})
    w = _world(app)
    chair, meeting_id = w["chair"], w["meeting_id"]
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    chair.post(f"/overleg/{meeting_id}/verslag", data={"csrf_token": csrf_token(page), "minutes": "Kort verslag"})
    chair.post(f"/overleg/{meeting_id}/verslag/vaststellen", data={"csrf_token": csrf_token(page)})
    invited = client_for(app, w["invited"].email)
    invited.post(f"/overleg/{meeting_id}/verslag/vaststellen",
                 data={"csrf_token": csrf_token(invited.get("/overleg/").get_data(as_text=True))})
    with app.app_context():
        assert db.session.get(Meeting, uuid.UUID(meeting_id)).minutes_approved_at is None
    internal = client_for(app, w["internal"].email)
    member_page = internal.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert "Verslag vaststellen" in member_page
    internal.post(f"/overleg/{meeting_id}/verslag/vaststellen", data={"csrf_token": csrf_token(member_page)})
    with app.app_context():
        meeting = db.session.get(Meeting, uuid.UUID(meeting_id))
        assert meeting.minutes_approved_by_id == w["internal"].id and meeting.state == "notulen_vastgesteld"
    # With four eyes on, the casusoverleg's "afsluiten" leaves the signals besproken: the regisseur closes the
    # case with a second regisseur (the table's four-eyes row).


def test_acceptance_actions_mijn_acties_overdue_first_and_carried_until_done(app_any_db):
    """An action shows in the owner's "Mijn acties" (overdue first) and on the next meeting's afsprakenlijst
    until it is gereed; the chair sees all actions of the series with filters."""
    app = app_any_db
    w = _world(app)
    chair, meeting_id = w["chair"], w["meeting_id"]
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    late = date.today() - timedelta(days=3)
    later = date.today() + timedelta(days=30)
    owner = f"lid-{w['internal'].id}"
    assert _add_action(chair, meeting_id, None, owner, later, "Later klaar").status_code == 302
    assert _add_action(chair, meeting_id, w["item_b"], owner, late, "Al te laat").status_code == 302
    assert _add_action(chair, meeting_id, None, "organisatie", later, "RIEC informeren", organisation="RIEC").status_code == 302
    bad = _add_action(chair, meeting_id, None, "organisatie", later, "Zonder organisatie")
    assert bad.status_code == 422 and "Kies wie de actie uitvoert" in bad.get_data(as_text=True)
    internal = client_for(app, w["internal"].email)
    mine = internal.get("/overleg/acties").get_data(as_text=True)
    assert mine.index("Al te laat") < mine.index("Later klaar") and "Verlopen" in mine and "RIEC informeren" not in mine
    # Next meeting of a one-off meeting: make the series recurring through a new meeting with a series.
    with app.app_context():
        meeting = db.session.get(Meeting, uuid.UUID(meeting_id))
        meeting.series.interval_weeks = 2
        db.session.commit()
    nxt = chair.post(f"/overleg/{meeting_id}/volgende", data={"csrf_token": csrf_token(page)})
    next_id = nxt.headers["Location"].rsplit("/", 1)[-1]
    agenda = chair.get(f"/overleg/{next_id}").get_data(as_text=True)
    assert "Al te laat" in agenda and "Later klaar" in agenda and "RIEC informeren" in agenda
    with app.app_context():
        done = db.session.scalar(select(MeetingAction.id).where(MeetingAction.deadline == late))
    token = csrf_token(mine)
    refused = internal.post(f"/overleg/acties/{done}", data={"csrf_token": token, "status": "gereed", "result_note": ""})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(MeetingAction, done).status == "open"  # gereed needs a result note
    assert internal.post(f"/overleg/acties/{done}", data={"csrf_token": token, "status": "gereed",
                                                          "result_note": "Gedaan"}).status_code == 302
    agenda = chair.get(f"/overleg/{next_id}").get_data(as_text=True)
    assert "Al te laat" not in agenda.split('id="afsprakenlijst"')[1].split('id="acties"')[0]
    overview = chair.get(f"/overleg/{meeting_id}/acties?status=gereed").get_data(as_text=True)
    assert "Al te laat" in overview and "Later klaar" not in overview
    # Another member cannot change someone else's action (404).
    other = client_for(app, w["invited"].email)
    own_token = csrf_token(other.get("/overleg/").get_data(as_text=True))
    assert other.post(f"/overleg/acties/{done}", data={"csrf_token": own_token, "status": "open"}).status_code == 404


def test_acceptance_missing_weasyprint_clear_message_html_pack_still_works(app, monkeypatch):
    """Without WeasyPrint's system libraries the PDF link gives a clear Dutch message; the HTML pack still works."""
    from meldpunt.documents import pdf

    w = _world(app)
    internal = client_for(app, w["internal"].email)
    confirm_secrecy(internal, w["meeting_id"])
    monkeypatch.setattr(pdf, "_weasyprint", lambda: None)  # as on a server without Pango
    page = internal.get(f"/overleg/{w['meeting_id']}/stukken").get_data(as_text=True)
    assert "Horeca Centrum" in page and "systeembibliotheken van WeasyPrint" in page
    response = internal.get(f"/overleg/{w['meeting_id']}/stukken.pdf", follow_redirects=True)
    assert response.mimetype == "text/html" and "HTML-versie werkt wel" in response.get_data(as_text=True)


def test_acceptance_carried_action_of_pseudonymised_item_stays_pseudonymised(app_any_db):
    """An action agreed on a pseudonymised item names no subject on the next meeting's afsprakenlijst (which the
    next meeting of the series carries automatically) nor in "Mijn acties"."""
    app = app_any_db
    w = meeting_world(app)
    chair, meeting_id = w["chair"], w["meeting_id"]
    soon = date.today() + timedelta(days=7)
    assert _add_action(chair, meeting_id, w["item_a"], f"lid-{w['internal'].id}", soon,
                       f"Bel {SUBJECT} over het pand").status_code == 302
    internal = client_for(app, w["internal"].email)
    mine = internal.get("/overleg/acties").get_data(as_text=True)
    assert "Bel Persoon A over het pand" in mine and "Zwartkop" not in mine
    with app.app_context():
        db.session.get(Meeting, uuid.UUID(meeting_id)).series.interval_weeks = 4
        db.session.commit()
    page = chair.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    next_id = chair.post(f"/overleg/{meeting_id}/volgende",
                         data={"csrf_token": csrf_token(page)}).headers["Location"].rsplit("/", 1)[-1]
    confirm_secrecy(internal, next_id)
    pack = internal.get(f"/overleg/{next_id}/stukken").get_data(as_text=True)
    assert "1. Afsprakenlijst" in pack and "Bel Persoon A over het pand" in pack and "Zwartkop" not in pack
