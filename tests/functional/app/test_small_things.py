"""Issue 22 item 8: the small things that erode trust, each proved through HTTP.

(The phone menu is proved in the browser: ``tests/e2e/app/test_e2e_layout.py::test_item_08_phone_menu_*``.)
"""

from __future__ import annotations

import re
import uuid
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from tests.conftest import PASSWORD, csrf_token, login
from tests.support.logins import enrol_totp, login_full
from tests.support.forms import PDF, post_form


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _link_href(html: str, text: str) -> str:
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*>\s*' + re.escape(text) + r"\s*</a>", html)
    assert match, f"no link {text!r}"
    return unescape(match.group(1))


def _signal_id(app) -> uuid.UUID:
    """The newest signal's id."""
    from meldpunt.signals.models import Signal

    with app.app_context():
        signal_id = db.session.scalars(select(Signal.id).order_by(Signal.created_at.desc())).first()
        db.session.remove()
    return signal_id


# ---------------------------------------------------------------------------- "Inloggen en melden"


@pytest.mark.parametrize("start", ["/", "/melden"])
def test_item_08_login_and_report_lands_on_the_form(app, users, start):
    client = app.test_client()
    href = _link_href(client.get(start).get_data(as_text=True), "Inloggen en melden")
    page = client.get(href).get_data(as_text=True)
    response = client.post("/inloggen", data={"email": users["melder"].email, "password": PASSWORD,
                                               "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/melden"), response.headers["Location"]
    assert "Melding doen" in client.get("/melden").get_data(as_text=True)
    # Already logged in: the same link goes straight to the form.
    again = client.get(href)
    assert again.status_code == 302 and again.headers["Location"].endswith("/melden")


# ---------------------------------------------------------------------------- case messages


@pytest.fixture
def regisseur_with_case(app, users):
    from meldpunt.auth.models import User
    from meldpunt.cases.service import create_case
    from meldpunt.signals.models import SignalStatus
    from meldpunt.intake.service import file_signal
    from meldpunt.signals.service import transition_signal

    enrol_totp(app, users["regisseur"].email)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        melder = db.session.get(User, users["melder"].id)
        regisseur = db.session.get(User, users["regisseur"].id)
        signal = file_signal(db.session, keyring=keyring, reporter=melder, description="Loods met busjes.")
        transition_signal(db.session, keyring=keyring, signal=signal, actor=regisseur, target=SignalStatus.IN_PROGRESS,
                          path="status", four_eyes=False)
        case = create_case(db.session, keyring=keyring, actor=regisseur, title="Havenweg", signals=[signal])
        db.session.commit()
        case_id, reference = case.id, case.reference
        db.session.remove()
    client = app.test_client()
    assert login_full(client, users["regisseur"].email).status_code == 302
    return client, case_id, reference


def _post_case(client, case_id, suffix: str, data: dict):
    page = client.get(f"/behandelen/casussen/{case_id}").get_data(as_text=True)
    return client.post(f"/behandelen/casussen/{case_id}/{suffix}", data={"csrf_token": csrf_token(page), **data},
                       follow_redirects=True)


def _flash(html: str) -> str:
    match = re.search(r'<div class="alert alert-success" role="status">(.*?)</div>', html, re.S)
    assert match, "no success message on the page"
    return _text(match.group(1))


def test_item_08_case_actions_say_what_happened_and_what_is_next(regisseur_with_case):
    client, case_id, reference = regisseur_with_case

    from tests.support.meetings import client_for, plan_meeting

    meeting_id = plan_meeting(client_for(client.application, "voorzitter@test.example"))
    proposed = _post_case(client, case_id, "agenderen",
                          {"meeting_id": meeting_id, "scope": "casus", "question": "Welke interventie past?"})
    message = _flash(proposed.get_data(as_text=True))
    assert message != "Opgeslagen."
    assert reference in message and "voorgesteld voor het overleg van" in message and "voorzitter" in message

    added = _post_case(client, case_id, "interventies", {"kind": "bibob_toets", "note": ""})
    message = _flash(added.get_data(as_text=True))
    assert "Bibob-toets" in message and reference in message and "casusoverleg" in message

    from meldpunt.cases.models import CaseIntervention

    app = client.application
    with app.app_context():
        item_id = db.session.scalar(select(CaseIntervention.id).where(CaseIntervention.case_id == case_id))
        db.session.remove()
    removed = _post_case(client, case_id, f"interventies/{item_id}/verwijderen", {})
    assert "verwijderd" in _flash(removed.get_data(as_text=True))


# ---------------------------------------------------------------------------- required password


def test_item_08_current_password_is_not_marked_optional(app, users):
    enrol_totp(app, users["regisseur"].email)
    client = app.test_client()
    assert login_full(client, users["regisseur"].email).status_code == 302
    account = client.get("/account").get_data(as_text=True)
    label = re.search(r'<label for="current_password">(.*?)</label>', account, re.S)
    assert label, "the account page asks the current password for new recovery codes"
    assert "niet verplicht" not in label.group(1)
    enrol = client.get("/inloggen/instellen").get_data(as_text=True)  # replacing the factor: re-authentication
    label = re.search(r'<label for="current_password">(.*?)</label>', enrol, re.S)
    assert label and "niet verplicht" not in label.group(1)


# ---------------------------------------------------------------------------- error summary


def _summary_lines(html: str) -> list[str]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert block, "no error summary"
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", block.group(0), re.S)]


def test_item_08_error_summary_lines_read_well(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    response = post_form(client, "/melden", {
        "description": "", "location": "x" * 1001, "subjects-0-kind": "bedrijf", "subjects-0-kvk": "123",
    })
    assert response.status_code == 422
    lines = _summary_lines(response.get_data(as_text=True))
    assert "Beschrijf wat u heeft gezien of gehoord." in lines
    assert "„Waar was het?”: Dit is te lang: hoogstens 1.000 tekens." in lines
    assert any(line.startswith("Betrokkene 1: ") for line in lines), lines
    for line in lines:
        assert "?:" not in line and ": :" not in line, line


# ---------------------------------------------------------------------------- subject list separators


def test_item_08_subject_list_has_no_stray_separator(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    response = post_form(client, "/melden", {
        "description": "Een bedrijf met veel contant geld.", "subjects-0-kind": "bedrijf",
        "subjects-0-name": "Kapsalon Stationsstraat", "subjects-0-kvk": "12345678",
    })
    assert response.status_code == 303, response.status_code
    page = client.get(f"/mijn-meldingen/{_signal_id(app)}").get_data(as_text=True)
    item = re.search(r"<li><strong>Bedrijf of organisatie</strong>:(.*?)</li>", page, re.S)
    assert item, "the subject is listed"
    text = _text(item.group(1))
    assert text == "Kapsalon Stationsstraat · 12345678", text


# ---------------------------------------------------------------------------- sizes


def test_item_08_file_sizes_in_dutch_notation():
    from meldpunt.intake.attachments import human_size
    from meldpunt.templating import file_size

    assert file_size(0) == "0 kB"
    assert file_size(10) == "0,1 kB"
    assert file_size(600) == "0,6 kB"
    assert file_size(1536) == "1,5 kB"
    assert file_size(512 * 1024) == "512 kB"
    assert file_size(1000 * 1024) == "1.000 kB"
    assert file_size(10 * 1024 * 1024) == "10 MB"
    assert file_size(int(2.5 * 1024 * 1024)) == "2,5 MB"
    assert human_size(10 * 1024 * 1024) == "10 MB"


def test_item_08_attachment_sizes_in_dutch_notation_on_every_page(app, users):
    """Sizes are stored rounded up to whole 64 KiB chunks (issue 15 item 8); pages show them in Dutch notation."""
    client = app.test_client()
    login(client, users["melder"].email)
    small = PDF + b"%" + b"0" * (600 - len(PDF) - 1)  # 600 bytes
    large = PDF + b"%" + b"0" * (int(2.4 * 1024 * 1024) - len(PDF) - 1)  # 2.4 MiB -> 39 chunks, 2.4375 MiB
    response = post_form(client, "/melden", {"description": "Met een brief erbij."},
                         files=[(small, "brief.pdf"), (large, "kaart.pdf")])
    assert response.status_code == 303, response.status_code
    signal_id = _signal_id(app)
    reporter_page = client.get(f"/mijn-meldingen/{signal_id}").get_data(as_text=True)

    enrol_totp(app, users["regisseur"].email)
    handler = app.test_client()
    assert login_full(handler, users["regisseur"].email).status_code == 302
    handler_page = handler.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)
    for page in (reporter_page, handler_page):
        assert "brief.pdf" in page and "(kleiner dan 64 kB)" in page
        assert "kaart.pdf" in page and "(ca. 2,5 MB)" in page
        assert not re.search(r"\d\.\d (kB|MB)", page), "no English decimal point in a size"


# ---------------------------------------------------------------------------- audit view


def _beheerder(app, users):
    enrol_totp(app, users["beheerder"].email)
    client = app.test_client()
    assert login_full(client, users["beheerder"].email).status_code == 302
    return client


def _audit_rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return [row for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)] if body else []


def test_item_08_audit_view_shows_dutch_labels_and_readable_details(app, users):
    admin = _beheerder(app, users)
    assert admin.get("/behandelen/").status_code in (403, 404)  # not the beheerder's area: authz.denied
    page = admin.get("/beheer/audit?action=authz.denied").get_data(as_text=True)
    rows = _audit_rows(page)
    assert len(rows) == 1, rows
    row_text = _text(rows[0])
    assert "Toegang geweigerd" in row_text and "Geweigerd" in row_text
    assert "Gevraagde handeling werkvoorraad bekijken" in row_text, row_text
    assert "authz.denied" not in rows[0] and "denied" not in row_text and "view_queue" not in row_text
    assert "{" not in row_text and '"permission"' not in unescape(rows[0])

    logins = _audit_rows(admin.get("/beheer/audit?action=auth.").get_data(as_text=True))
    assert logins, "the login of the beheerder is in the trail"
    login_text = " ".join(_text(row) for row in logins)
    assert "Inloggen" in login_text and "Manier tweestapsverificatie" in login_text
    assert "auth.login" not in " ".join(logins) and '"method"' not in " ".join(unescape(r) for r in logins)


def test_item_08_every_audited_action_has_a_dutch_label():
    """A new action code without a label would show up as code in the audit view."""
    from meldpunt.admin.audit_labels import ACTION_LABELS

    root = Path(__file__).resolve().parents[3]
    call = re.compile(r"(?:action=|audit_event\(|_audit\((?:session, actor, )?|_record\(|record_login_event\(|_cli_audit\(|_anonymous_audit\()"
                      r"\s*\"([a-z_]+\.[a-z_]+)\"(?:\s+if\s+[^\"]+else\s+\"([a-z_]+\.[a-z_]+)\")?")
    found: set[str] = set()
    for path in [*(root / "meldpunt").rglob("*.py"), *(root / "workers").rglob("*.py")]:
        for match in call.finditer(path.read_text(encoding="utf-8")):
            found.update(code for code in match.groups() if code)
    assert {"auth.login", "authz.denied", "signal.read", "user.enable", "user.disable"} <= found, found
    missing = sorted(found - ACTION_LABELS.keys())
    assert not missing, f"audit actions without a Dutch label in meldpunt/admin/audit_labels.py: {missing}"


def test_item_08_audit_date_filter_accepts_dutch_dates(app, users):
    admin = _beheerder(app, users)
    for since, until in (("31-1-2000", "1-2-2000"), ("31-01-2000", "01-02-2000"), ("31/1/2000", "1/2/2000"),
                         ("2000-01-31", "2000-02-01")):
        page = admin.get(f"/beheer/audit?since={since}&until={until}").get_data(as_text=True)
        assert "Vul een datum in" not in page, since
        assert _audit_rows(page) == [], "nothing happened in 2000"
    today = admin.get("/beheer/audit?since=1-1-2000").get_data(as_text=True)
    assert "Vul een datum in" not in today and _audit_rows(today), "since 1-1-2000 includes today's login"
    wrong = admin.get("/beheer/audit?since=gisteren").get_data(as_text=True)
    assert "Vul een datum in als dag-maand-jaar, bijvoorbeeld 31-1-2026." in wrong
    backwards = admin.get("/beheer/audit?since=2-2-2026&until=1-2-2026").get_data(as_text=True)
    assert "De einddatum ligt vóór de begindatum." in backwards
    label = re.search(r'<p class="help" id="since-help">(.*?)</p>', today)
    assert label and "31-1-2026" in label.group(1)


def test_item_08_audit_date_filter_uses_dutch_days(app, users):
    """An entry at 23:30 UTC on 31 January is on 1 February in the Netherlands: the filter agrees."""
    from datetime import datetime, timezone

    from meldpunt.audit.models import AuditEntry
    from meldpunt.audit.service import record

    with app.app_context():
        entry = record(db.session, action="test.nacht", actor_label="test")
        db.session.commit()
        stored = db.session.get(AuditEntry, entry.id)
        stored.created_at = datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1-2-2026 in Amsterdam
        db.session.commit()
        db.session.remove()
    admin = _beheerder(app, users)
    on_first = admin.get("/beheer/audit?action=test.nacht&since=1-2-2026&until=1-2-2026").get_data(as_text=True)
    assert len(_audit_rows(on_first)) == 1
    on_31st = admin.get("/beheer/audit?action=test.nacht&since=31-1-2026&until=31-1-2026").get_data(as_text=True)
    assert _audit_rows(on_31st) == []
