"""Issue 20, threatened reporters: urgent first in the queue with a marker and a 1-working-day term,
a reminder after 4 hours without action (frozen clock), and a checklist with dates."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice, NoticeKind
from meldpunt.feedback.service import add_working_days
from meldpunt.signals.models import Signal
from meldpunt.threats.models import ThreatCheck
from tests import factories
from tests.conftest import csrf_token, login
from tests.support.logins import login_full
from tests.support.forms import post_form

FILED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday


def _reference(app, signal_id) -> str:
    with app.app_context():
        return db.session.get(Signal, signal_id).reference


def _regisseur(app, users):
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    return client


def test_threatened_reporter_signal_is_first_in_the_nieuw_tab_with_a_marker_and_a_one_day_term(app, users):
    threatened = factories.filed_in(app, reporter=users["melder"], feels_unsafe=True, now=FILED).id
    for hours in (1, 2, 3):  # newer signals: without the urgency they would come first ("nieuwste eerst")
        factories.filed_in(app, reporter=users["melder"], now=FILED + timedelta(hours=hours))
    page = _regisseur(app, users).get("/behandelen/?tab=nieuw").get_data(as_text=True)
    references = re.findall(r'<a href="/behandelen/meldingen/[^"]+">(M[OI]-\d{4}-\d{4})</a>', page)
    assert references[0] == _reference(app, threatened) and len(references) == 4
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "Dringend" in first_row and "Melder voelt zich onveilig" in first_row
    due = add_working_days(FILED.date(), 1)  # Tuesday
    assert f"Contact uiterlijk {due.day} maart {due.year}" in first_row
    detail = _regisseur(app, users).get(f"/behandelen/meldingen/{threatened}").get_data(as_text=True)
    assert f"Neem uiterlijk {due.day} maart {due.year} contact op met de melder." in detail


def test_threatened_reporter_contact_term_is_configurable(app_factory, users):
    app = app_factory(feedback={"threat_contact_working_days": 3})
    from tests.conftest import make_users

    users = make_users(app, suffix="-b")
    threatened = factories.filed_in(app, reporter=users["melder"], feels_unsafe=True, now=FILED).id
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    page = client.get("/behandelen/?tab=nieuw").get_data(as_text=True)
    due = add_working_days(FILED.date(), 3)
    assert f"Contact uiterlijk {due.day} maart {due.year}" in page and _reference(app, threatened) in page


def _remind_at(app, moment: datetime) -> int:
    from workers.notices import remind_threatened

    app.extensions["meldpunt.clock"] = lambda: moment.timestamp()
    with app.app_context():
        return remind_threatened.run()


def test_threatened_reporter_reminder_is_queued_after_four_hours_without_action_frozen_clock(app, users):
    threatened = factories.filed_in(app, reporter=users["melder"], feels_unsafe=True, now=FILED).id
    acted_on = factories.filed_in(app, reporter=users["melder"], feels_unsafe=True, now=FILED).id
    factories.filed_in(app, reporter=users["melder"], now=FILED)  # not urgent: no reminder
    regisseur = _regisseur(app, users)
    page = regisseur.get(f"/behandelen/meldingen/{acted_on}").get_data(as_text=True)
    regisseur.post(f"/behandelen/meldingen/{acted_on}/veiligheid",
                   data={"csrf_token": csrf_token(page), "veiligheid-step": "contact_opgenomen"})

    assert _remind_at(app, FILED + timedelta(hours=3, minutes=59)) == 0
    assert _remind_at(app, FILED + timedelta(hours=4)) == 1
    assert _remind_at(app, FILED + timedelta(hours=5)) == 0  # once per signal
    with app.app_context():
        notices = db.session.scalars(select(Notice).where(Notice.kind == NoticeKind.THREAT_REMINDER.value)).all()
        assert [(n.signal_id, n.recipient_user_id) for n in notices] == [(threatened, users["regisseur"].id)]
        assert notices[0].body_ct is None  # content-free: the reminder carries ids only
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "signal.threat_remind")) == 1
    inbox = regisseur.get("/berichten").get_data(as_text=True)
    assert "Dringend: een melder die zich onveilig voelt wacht op contact" in inbox


def test_threatened_reporter_checklist_records_steps_with_dates_and_the_reporter_sees_only_contact(app, users):
    threatened = factories.filed_in(app, reporter=users["melder"], feels_unsafe=True).id
    regisseur = _regisseur(app, users)
    url = f"/behandelen/meldingen/{threatened}"
    page = regisseur.get(url).get_data(as_text=True)
    for label in ("Contact opgenomen met de melder", "Leidinggevende ingelicht", "Aangifte besproken", "Nazorg geregeld"):
        assert label in page
    response = regisseur.post(f"{url}/veiligheid", data={"csrf_token": csrf_token(page),
                                                          "veiligheid-step": "leidinggevende_ingelicht",
                                                          "veiligheid-done_on": "2026-01-15"})
    assert response.status_code == 302
    page = regisseur.get(url).get_data(as_text=True)
    assert "Leidinggevende ingelicht: 15 januari 2026" in page
    future = (datetime.now(timezone.utc) + timedelta(days=3)).date().isoformat()
    response = regisseur.post(f"{url}/veiligheid", data={"csrf_token": csrf_token(page),
                                                          "veiligheid-step": "nazorg_geregeld", "veiligheid-done_on": future})
    assert response.status_code == 422 and "Deze datum ligt in de toekomst." in response.get_data(as_text=True)
    with app.app_context():
        steps = db.session.scalars(select(ThreatCheck.step).where(ThreatCheck.signal_id == threatened)).all()
        assert steps == ["leidinggevende_ingelicht"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "signal.threat_step")) == 1
    melder = app.test_client()
    login(melder, users["melder"].email)
    own = melder.get(f"/mijn-meldingen/{threatened}").get_data(as_text=True)
    assert "Het meldpunt neemt contact met u op." in own
    assert "Leidinggevende" not in own and "Aangifte" not in own and "Nazorg" not in own


def test_threatened_reporter_form_makes_the_signal_urgent(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    page = client.get("/melden").get_data(as_text=True)
    assert "Ik voel me onveilig of word bedreigd" in page
    response = post_form(client, "/melden", {"description": "Ik word bedreigd", "feedback": "app", "feels_unsafe": "y"})
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Het meldpunt neemt zo snel mogelijk contact met u op." in confirmation
    with app.app_context():
        assert db.session.scalar(select(Signal.feels_unsafe)) is True


def test_threatened_reporter_checklist_is_not_on_other_signals(app, users):
    plain = factories.filed_in(app, reporter=users["melder"]).id
    regisseur = _regisseur(app, users)
    page = regisseur.get(f"/behandelen/meldingen/{plain}").get_data(as_text=True)
    assert "Bedreigde melder" not in page
    response = regisseur.post(f"/behandelen/meldingen/{plain}/veiligheid",
                              data={"csrf_token": csrf_token(page), "veiligheid-step": "contact_opgenomen"})
    assert response.status_code == 422
    assert "Deze melding heeft geen lijst voor een bedreigde melder." in response.get_data(as_text=True)
