"""The beheerder's audit view never tells who reported (issue 15 item 4).

A reporter's own actions on a melding (filing, reading it, messages, extra files, reading its
notices) are audited under a pseudonym per melding ("Melder 4f9c-2a1b"): no account id, no
e-mail, no client address. The details never carry the track. Filtering the view by the
reporter's e-mail or account number finds only their account events (login), never the melding.
"""

from __future__ import annotations

import html
import re
from datetime import date

from sqlalchemy import select

from meldpunt.admin.audit_labels import ACTION_LABELS
from meldpunt.audit.models import AuditEntry
from meldpunt.audit.service import reporter_label
from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from tests.conftest import csrf_token, login
from tests.support.logins import enrol_totp, login_full
from tests.support.forms import PDF, post_form

_ROW = re.compile(r"<tr>\s*<td data-label=\"Nr.\">.*?</tr>", re.S)
_ACTION = re.compile(r'<td data-label="Actie"[^>]*>([^<]*)</td>')
#: How the view names the account events (login, logout ...): the only rows that may carry the reporter's e-mail.
_ACCOUNT_EVENTS = {label for code, label in ACTION_LABELS.items() if code.startswith("auth.")}


def _rows(page: str) -> list[str]:
    return [html.unescape(row) for row in _ROW.findall(page)]


def _all_pages(client, query: str) -> list[str]:
    """Every page of the audit view for this filter."""
    pages = []
    number = 1
    while True:
        response = client.get(f"/beheer/audit?{query}&pagina={number}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        pages.append(text)
        if "Volgende</a>" not in text:
            return pages
        number += 1


def test_item_04_audit_view_hides_who_reported_and_the_track(app, users):
    melder = users["melder"]
    reporter = app.test_client()
    assert login(reporter, melder.email).status_code == 302
    response = post_form(reporter, "/melden", {"description": "Mijn collega verkoopt gegevens", "identity": "naam",
                                               "about_colleague": "y"})
    assert response.status_code in (200, 302, 303)
    with app.app_context():
        signal = db.session.scalar(select(Signal))
        assert signal.track == "integriteit" and signal.reporter_id == melder.id and not signal.is_anonymous
        signal_id = str(signal.id)
    # Everything a reporter does on their own melding.
    page = reporter.get(f"/mijn-meldingen/{signal_id}")
    assert page.status_code == 200
    reply = post_form(reporter, f"/mijn-meldingen/{signal_id}/bericht", {"body": "Nog een detail"},
                      files=[(PDF, "bewijs.pdf")])
    assert reply.status_code == 303
    token = csrf_token(reporter.get("/berichten").get_data(as_text=True))
    assert reporter.post("/berichten/alles-gelezen", data={"csrf_token": token}).status_code == 302

    with app.app_context():
        own = db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == signal_id)).all()
        assert {e.action for e in own} >= {"signal.file", "signal.read", "message.post", "signal.add_attachments",
                                           "notice.read_all"}
        assert all(e.actor_id is None and e.actor_label == reporter_label(signal_id) and e.origin == "" for e in own)

    enrol_totp(app, users["beheerder"].email)
    admin = app.test_client()
    assert login_full(admin, users["beheerder"].email).status_code == 302
    today = date.today().isoformat()
    filters = [
        "", f"actor={melder.email}", f"actor={melder.email.upper()}", f"actor={melder.id}", f"actor={melder.name}",
        "action=signal.", "action=signal.file", "action=message.post", "action=notice.read_all", "object_type=signal",
        "object_type=notice", "result=ok", f"since={today}&until={today}", f"actor={reporter_label(signal_id)}",
    ]
    seen_signal_rows = 0
    for query in filters:
        for text in _all_pages(admin, query):
            assert "integriteit" not in text.lower(), query
            table = text.split("<tbody>")[1].split("</tbody>")[0].lower()  # the filter form repeats what was typed
            assert melder.name.lower() not in table, query
            for row in _rows(text):
                action = _ACTION.search(row).group(1)
                if melder.email in row:
                    # Only the reporter's account events carry the account, and they never name the melding.
                    assert action in _ACCOUNT_EVENTS and signal_id not in row, (query, row)
                if signal_id in row:
                    seen_signal_rows += 1
                    assert reporter_label(signal_id) in row and melder.email not in row, (query, row)
    assert seen_signal_rows >= 5  # the melding's own rows were shown, under the pseudonym

    # Filtering by the reporter's e-mail or account number finds no row about the melding.
    for query in (f"actor={melder.email}", f"actor={melder.id}"):
        actions = [_ACTION.search(row).group(1) for text in _all_pages(admin, query) for row in _rows(text)]
        assert actions and all(a in _ACCOUNT_EVENTS for a in actions), actions
    # The pseudonym finds the melding's rows (and nothing else).
    rows = [row for text in _all_pages(admin, f"actor={reporter_label(signal_id)}") for row in _rows(text)]
    assert len(rows) >= 5 and all(signal_id in row for row in rows)
