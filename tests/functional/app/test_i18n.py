"""Issue 22 item 9: Dutch and English. Dutch by default; the browser's Accept-Language or the footer
switch (a cookie) chooses English; the reporter's journey and e-mails are complete in English; the
catalog check of ``make check`` fails on a stale catalog or an untranslated English string."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sqlalchemy import select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.feedback.mail import compose_notice_mail
from meldpunt.i18n import COOKIE
from meldpunt.i18n_check import problems
from tests.conftest import csrf_token, login, make_users
from tests.support.forms import receipt_code_from

ROOT = Path(__file__).resolve().parents[3]


def _english(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9,nl;q=0.5"
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_item_09_accept_language_english_gives_the_anonymous_journey_in_english(app):
    make_users(app)  # seeds the taxonomy the form needs
    client = _english(app)
    home = _text(client.get("/"))
    assert '<html lang="en">' in home
    assert "Report anonymously" in home and "Anoniem melden" not in home
    assert "Skip to content" in home and "Naar de inhoud" not in home

    form = _text(client.get("/melden/anoniem"))
    for english in ("What did you see or hear?", "You are reporting anonymously.", "Continue to check",
                    "(optional)", "Party involved 1", "I saw or heard it myself", "Yes, I will check myself",
                    "Business premises", "An office, shop or workshop.", "Money laundering"):
        assert english in form, english
    for dutch in ("Wat heeft u gezien of gehoord?", "Verder naar controleren", "(niet verplicht)", "Betrokkene 1",
                  "Bedrijfspand", "Witwassen"):
        assert dutch not in form, dutch

    refused = client.post("/melden/anoniem", data={"csrf_token": csrf_token(form), "description": ""})
    assert refused.status_code == 422
    assert "There is 1 thing to correct" in _text(refused) and "Describe what you saw or heard." in _text(refused)

    # check-your-answers, then send
    checked = client.post("/melden/anoniem", data={"csrf_token": csrf_token(form), "description": "A shed at night",
                                                     "certainty": "vermoeden"})
    assert checked.status_code == 303
    check_page = _text(client.get(checked.headers["Location"]))
    assert "Check your report" in check_page and "I suspect it, but I am not sure" in check_page
    assert "change" in check_page and "wijzig" not in check_page
    assert "Send report" in check_page
    sent = client.post(checked.headers["Location"], data={"csrf_token": csrf_token(check_page)}, follow_redirects=True)
    confirmation = _text(sent)
    assert "Your report has been received" in confirmation and "Your receipt code" in confirmation
    code = receipt_code_from(confirmation)

    receipt = _text(client.get("/ontvangstcode"))
    assert "Open your report with your receipt code" in receipt and "Enter your receipt code" not in receipt
    wrong = client.post("/ontvangstcode", data={"code": "kort", "csrf_token": csrf_token(receipt)})
    assert "We do not know this code." in _text(wrong)
    client.post("/ontvangstcode", data={"code": code, "csrf_token": csrf_token(receipt)})
    own = _text(client.get("/ontvangstcode/melding"))
    for english in ("Your anonymous report", "Report number", "Received", "Your report has been received",
                    "There are no messages yet.", "Send message", "How sure", "Close report"):
        assert english in own, english
    assert "Meldingsnummer" not in own and "Ontvangen" not in own


def test_item_09_login_and_error_pages_in_english(app):
    client = _english(app)
    login_page = _text(client.get("/inloggen"))
    assert "Email address" in login_page and "Password" in login_page and "Wachtwoord" not in login_page
    failed = client.post("/inloggen", data={"csrf_token": csrf_token(login_page), "email": "x@test.example",
                                           "password": "wrong"}, follow_redirects=True)
    assert "This combination of email address and password is not correct" in _text(failed)
    missing = client.get("/bestaat-niet")
    assert missing.status_code == 404 and "Page not found" in _text(missing) and "Error code 404" in _text(missing)
    expired = client.post("/inloggen", data={"email": "x@test.example", "password": "x"})
    assert expired.status_code == 400 and "Form expired" in _text(expired)


def test_item_09_dutch_stays_the_default(app):
    plain = app.test_client()
    for header in (None, "de-DE,de;q=0.9", "*", "nl-NL,nl;q=0.9,en;q=0.8"):
        headers = {"Accept-Language": header} if header else {}
        page = _text(plain.get("/", headers=headers))
        assert '<html lang="nl">' in page and "Anoniem melden" in page, header
    # the switch in the footer offers the other language, named in that language
    assert re.search(r'<button type="submit" name="taal" value="en" lang="en"[^>]*>English</button>', page)


def test_item_09_footer_switch_sets_the_language_and_answers_303(app):
    client = app.test_client()
    page = _text(client.get("/ontvangstcode"))
    switched = client.post("/taal", data={"csrf_token": csrf_token(page), "taal": "en", "terug": "/ontvangstcode"})
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/ontvangstcode")
    cookie = switched.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=en") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # the cookie wins over the browser's Accept-Language
    english = _text(client.get("/ontvangstcode", headers={"Accept-Language": "nl"}))
    assert '<html lang="en">' in english and "Open your report with your receipt code" in english
    assert re.search(r'value="nl" lang="nl"[^>]*>Nederlands</button>', english)
    back = client.post("/taal", data={"csrf_token": csrf_token(english), "taal": "nl", "terug": "//evil.example/x"})
    assert back.status_code == 303 and back.headers["Location"] in ("/", "http://localhost/")  # no open redirect
    assert '<html lang="nl">' in _text(client.get("/ontvangstcode"))


def test_item_09_footer_switch_needs_the_csrf_token(app):
    client = app.test_client()
    refused = client.post("/taal", data={"taal": "en", "terug": "/"})
    assert refused.status_code == 400 and COOKIE not in refused.headers.get("Set-Cookie", "")


def test_item_09_logged_in_choice_is_kept_on_the_account_and_audited(app):
    users = make_users(app)
    client = app.test_client()
    assert login(client, users["melder"].email).status_code in (302, 303)
    page = _text(client.get("/mijn-meldingen", follow_redirects=True))
    assert client.post("/taal", data={"csrf_token": csrf_token(page), "taal": "en",
                                      "terug": "/mijn-meldingen"}).status_code == 303
    mine = _text(client.get("/mijn-meldingen", follow_redirects=True))
    assert "My reports" in mine and "Make a new report" in mine
    with app.app_context():
        assert db.session.get(User, users["melder"].id).language == "en"
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.language")) is not None


def test_item_09_email_in_the_recipients_language(app):
    make_users(app)
    with app.app_context():
        english = compose_notice_mail(notice_id=1, reference="MO-2026-0001", to="r@test.example", for_handler=False,
                                      base_url="https://m.example", organisation="Gemeente", language="en")
        dutch = compose_notice_mail(notice_id=1, reference="MO-2026-0001", to="r@test.example", for_handler=False,
                                    base_url="https://m.example", organisation="Gemeente")
    assert english.subject == "News about your report" and dutch.subject == "Nieuws over uw melding"
    assert "Dear reporter," in english.text and "Beste melder," not in english.text
    assert '<html lang="en">' in english.html and "Kind regards," in english.html
    assert "Beste melder," in dutch.text and '<html lang="nl">' in dutch.html


def test_item_09_delivery_plan_takes_the_reporters_language(app):
    from meldpunt.feedback.models import Notice, NoticeKind
    from meldpunt.feedback.outbox import plan_delivery

    users = make_users(app)
    with app.app_context():
        user = db.session.get(User, users["regisseur"].id)
        user.language = "en"
        notice = Notice(kind=NoticeKind.REMINDER.value, recipient_user_id=user.id)
        notice.recipient = user
        assert plan_delivery(notice).language == "en"
        user.language = "nl"
        assert plan_delivery(notice).language == "nl"


def _copy_tree(target: Path) -> Path:
    shutil.copy(ROOT / "babel.cfg", target / "babel.cfg")
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "static")
    for folder in ("meldpunt", "templates", "workers"):
        shutil.copytree(ROOT / folder, target / folder, ignore=ignore)
    return target


def test_item_09_catalog_check_passes_and_fails_on_a_stale_or_untranslated_catalog(tmp_path):
    assert problems(ROOT) == []  # the committed catalogs match the code (what make check runs)
    copy = _copy_tree(tmp_path)
    (copy / "templates" / "i18n_probe.html").write_text("<p>{% trans %}Een nieuwe zin{% endtrans %}</p>\n")
    english = copy / "meldpunt" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    po = english.read_text(encoding="utf-8")
    po = po.replace('msgid "Mijn meldingen"\nmsgstr "My reports"', 'msgid "Mijn meldingen"\nmsgstr ""', 1)
    po = po.replace('msgid "Werkvoorraad"\n', '#, fuzzy\nmsgid "Werkvoorraad"\n', 1)
    english.write_text(po, encoding="utf-8")
    found = problems(copy)
    assert "en: missing (catalog stale): 'Een nieuwe zin'" in found
    assert "nl: missing (catalog stale): 'Een nieuwe zin'" in found
    assert "en: untranslated: 'Mijn meldingen'" in found
    assert "en: fuzzy: 'Werkvoorraad'" in found
    from meldpunt.i18n_check import main

    assert main(["--root", str(copy)]) == 1


def test_item_09_handler_work_pages_in_english(app):
    from meldpunt.intake.service import file_signal
    from meldpunt.vault.service import current_keyring
    from tests.support.logins import login_full

    users = make_users(app)
    with app.app_context():
        melder = db.session.get(User, users["melder"].id)
        signal = file_signal(db.session, keyring=current_keyring(), reporter=melder, description="Loods bij de haven")
        db.session.commit()
        signal_id, reference = signal.id, signal.reference
    handler = _english(app)
    login_full(handler, users["regisseur"].email)
    queue = _text(handler.get("/behandelen/"))
    for english in ("Work queue", "Assigned to me", "Newest first", "Reports in the work queue", "Received"):
        assert english in queue, english
    assert "Werkvoorraad" not in queue and "Aan mij toegewezen" not in queue
    page = _text(handler.get(f"/behandelen/meldingen/{signal_id}"))
    for english in (f"Report {reference}", "Admissible: take into handling", "Show reporter", "On this page",
                    "Pass on the report", "Add party involved", "History"):
        assert english in page, english
    assert "Toon melder" not in page and "Besluiten" not in page
    cases = _text(handler.get("/behandelen/casussen/"))
    assert "Create a new case" in cases and "Nieuwe casus maken" not in cases
    # the same pages stay Dutch for a Dutch browser
    dutch = app.test_client()
    login_full(dutch, users["integriteit"].email)
    assert "Werkvoorraad" in _text(dutch.get("/behandelen/"))


def test_item_09_catalogs_compile_elsewhere_when_the_package_is_read_only(tmp_path):
    from babel.support import Translations

    from meldpunt.i18n import TRANSLATIONS, compile_catalogs

    folder = compile_catalogs(target=tmp_path / "translations")
    assert (folder / "en" / "LC_MESSAGES" / "messages.mo").is_file()
    english = Translations.load(str(folder), ["en"])
    assert english.gettext("Mijn meldingen") == "My reports"
    assert folder != TRANSLATIONS


def _visible(html: str) -> str:
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_item_09_audit_trail_labels_in_english_and_dutch_unchanged(app):
    from tests.support.logins import enrol_totp, login_full

    users = make_users(app)
    enrol_totp(app, users["beheerder"].email)
    admin = _english(app)
    assert login_full(admin, users["beheerder"].email).status_code == 302
    assert admin.get("/behandelen/").status_code in (403, 404)  # authz.denied in the trail
    page = _text(admin.get("/beheer/audit?action=authz.denied"))
    body = _visible(page.split("<tbody>", 1)[1])
    assert "Access denied" in body and "Refused" in body, body
    assert "Requested action view work queue" in body, body
    assert "Toegang geweigerd" not in body and "werkvoorraad bekijken" not in body
    # the action filter: groups and actions in English
    assert "Reports: all" in page and "Logging in and own account: all" in page and "Audit trail viewed" in page
    assert "Meldingen: alles" not in page and "Audittrail bekeken" not in page
    logins = _visible(_text(admin.get("/beheer/audit?action=auth.")).split("<tbody>", 1)[1])
    assert "Log in" in logins and "Method two-step verification" in logins, logins

    dutch = app.test_client()
    assert login_full(dutch, users["beheerder"].email).status_code == 302
    same = _text(dutch.get("/beheer/audit?action=authz.denied"))
    assert "Gevraagde handeling werkvoorraad bekijken" in _visible(same) and "Meldingen: alles" in same


def test_item_09_dashboard_charts_in_english(app):
    from tests.support.logins import login_full
    from tests.support.report_rows import insert_signals

    users = make_users(app)
    from datetime import datetime, timedelta, timezone

    from tests.support.report_rows import Row

    base = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    rows = [Row(base + timedelta(days=i), "drugs", "vergunningen", "vth", "intern_formulier", "regulier", "ontvangen",
                True, None, None, None) for i in range(4)]
    with app.app_context():
        insert_signals(db.session, rows)
        db.session.commit()
    manager = _english(app)
    login_full(manager, users["management"].email)
    page = _visible(_text(manager.get("/rapportages/?van=2026-01-01&tot=2026-12-31")))
    for english in ("Reports per month", "In total 4 reports. Most: March 2026 (4).", "Reports per type of undermining",
                    "Reports per track", "Regular", "Received to first feedback"):
        assert english in page, english
    for dutch in ("Meldingen per maand", "Samen 4 meldingen", "maart 2026", "Regulier", "Ontvangen tot eerste"):
        assert dutch not in page, dutch
    dutch_page = app.test_client()
    login_full(dutch_page, users["management"].email)
    html = _visible(_text(dutch_page.get("/rapportages/?van=2026-01-01&tot=2026-12-31")))
    assert "Samen 4 meldingen. Het meest: maart 2026 (4)." in html and "Meldingen per verschijningsvorm" in html


def test_item_09_short_dates_on_staff_pages_follow_the_language(app):
    from datetime import date, datetime, timezone

    from flask import render_template_string

    moment = datetime(2026, 12, 15, 8, 30, tzinfo=timezone.utc)  # 09:30 in Amsterdam
    template = "{{ m|short_datetime_at }} | {{ m|short_datetime }} | {{ d|short_date }}"
    with app.test_request_context("/", headers={"Accept-Language": "en-GB,en;q=0.9"}):
        assert render_template_string(template, m=moment, d=date(2026, 1, 5)) == \
            "15 Dec 2026 at 09:30 | 15 Dec 2026, 09:30 | 5 Jan 2026"
    with app.test_request_context("/"):
        assert render_template_string(template, m=moment, d=date(2026, 1, 5)) == \
            "15-12-2026 om 09:30 | 15-12-2026 09:30 | 05-01-2026"
    with app.app_context():  # a worker rendering a document: Dutch
        assert render_template_string("{{ m|short_date }}", m=moment.replace(tzinfo=None)) == "15-12-2026"


def test_item_09_service_messages_with_values_in_english(app):
    from meldpunt.auth.service import AccountError, check_password_policy
    from meldpunt.signals.models import SignalStatus
    from meldpunt.signals.transitions import TransitionError, check_start

    def refusal() -> str:
        try:
            check_start(SignalStatus.RECEIVED, SignalStatus.DISCUSSED, role="regisseur", track="regulier", path="status")
        except TransitionError as exc:
            return str(exc)
        raise AssertionError("the move should be refused")

    def too_short() -> str:
        try:
            check_password_policy("kort")
        except AccountError as exc:
            return str(exc)
        raise AssertionError("the password should be refused")

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert refusal() == "From “Received” to “Discussed in a meeting” is not possible."
        assert re.fullmatch(r"Choose a password of at least \d+ characters\.", too_short())
    with app.test_request_context("/"):
        assert refusal() == "Van “Ontvangen” naar “Besproken in overleg” kan niet."
        assert re.fullmatch(r"Kies een wachtwoord van minstens \d+ tekens\.", too_short())
