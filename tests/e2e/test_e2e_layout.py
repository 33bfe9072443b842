"""The look and the basics of accessibility: 320 px without sideways scrolling, desktop width,
one h1, lang="nl", labels on every control, alt on images, visible focus, no foreign requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import log_in, no_horizontal_scroll, reference_on
from tests.e2e.test_e2e_journeys import file_signal_as_melder

#: Pages per viewer; every one is checked at the given widths.
ANONYMOUS_PAGES = [
    ("start", "/"), ("inloggen", "/inloggen"), ("niet-gevonden", "/bestaat-niet"), ("melden-kiezen", "/melden"),
    ("anoniem-melden", "/melden/anoniem"), ("ontvangstcode", "/ontvangstcode"),
]
MELDER_PAGES = [("melden", "/melden"), ("eerst-uitloggen", "/melden/anoniem"), ("mijn-meldingen", "/mijn-meldingen")]
REGISSEUR_PAGES = [("werkvoorraad", "/behandelen/")]

PAGE_CHECKS = """() => {
  const problems = [];
  if (document.documentElement.lang !== 'nl') problems.push('html lang is ' + document.documentElement.lang);
  const h1s = document.querySelectorAll('h1');
  if (h1s.length !== 1) problems.push(h1s.length + ' h1 elements');
  if (!document.title.trim()) problems.push('empty <title>');
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt: ' + img.src);
  }
  const controls = document.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]), select, textarea');
  for (const c of controls) {
    const byFor = c.id && document.querySelector('label[for="' + CSS.escape(c.id) + '"]');
    const wrapped = c.closest('label');
    const aria = c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
    if (!byFor && !wrapped && !aria) problems.push('control without label: ' + (c.name || c.id || c.outerHTML.slice(0, 60)));
  }
  const ids = [...document.querySelectorAll('[id]:not(input[type=hidden])')].map(e => e.id);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) problems.push('duplicate ids: ' + dup.join(','));
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [role=button]')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // hidden (e.g. skip link off screen)
    if (el.matches('input[type=checkbox], input[type=radio]')) continue;  // the label is the target
    if (el.closest('p, li, td, dd, .prose, .error-summary, .site-footer') && el.tagName === 'A' && !el.classList.contains('button')) continue;  // inline text links
    if (r.height < 44) problems.push('click target lower than 44px: ' + el.tagName + ' ' + (el.textContent || el.name || '').trim().slice(0, 40) + ' (' + Math.round(r.height) + 'px)');
  }
  return problems;
}"""


def check_page(page, name: str, width: int, shots: Path) -> list[str]:
    page.wait_for_load_state("load")
    problems = [f"{name}@{width}: {p}" for p in page.evaluate(PAGE_CHECKS)]
    scroll_width, inner = no_horizontal_scroll(page)
    if scroll_width > width:
        problems.append(f"{name}@{width}: scrolls sideways ({scroll_width} > {width})")
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("width", [320, 1280])
def test_pages_fit_the_screen_and_pass_basic_checks(new_page, live_server, shots, width):
    problems: list[str] = []
    visitor = new_page(width=width, height=800)
    for name, path in ANONYMOUS_PAGES:
        visitor.goto(live_server(path))
        problems += check_page(visitor, name, width, shots)

    melder = new_page(width=width, height=800)
    reference = file_signal_as_melder(melder, live_server)
    problems += check_page(melder, "bevestiging", width, shots)
    for name, path in MELDER_PAGES:
        melder.goto(live_server(path))
        problems += check_page(melder, name, width, shots)
    melder.get_by_role("link", name=reference).click()
    problems += check_page(melder, "mijn-melding", width, shots)
    melder.goto(live_server("/melden"))
    melder.get_by_role("button", name="Melding versturen").click()
    problems += check_page(melder, "melden-fout", width, shots)

    regisseur = new_page(width=width, height=800)
    log_in(regisseur, live_server, "regisseur")
    for name, path in REGISSEUR_PAGES:
        regisseur.goto(live_server(path))
        problems += check_page(regisseur, name, width, shots)
    regisseur.get_by_role("link", name=reference).click()
    assert reference_on(regisseur) == reference
    problems += check_page(regisseur, "melding-behandelen", width, shots)
    assert not problems, "\n".join(problems)


def test_no_requests_leave_the_server_and_no_console_errors(new_page, live_server):
    """Stated on its own as well: the ``new_page`` fixture checks this after every browser test."""
    page = new_page()
    file_signal_as_melder(page, live_server)
    page.goto(live_server("/mijn-meldingen"))
    page.goto(live_server("/inloggen"))
    recorder = page.recorder
    assert recorder.requests, "no requests were recorded"
    assert any(url.endswith("/static/css/meldpunt.css") for url in recorder.requests)
    assert recorder.foreign_requests(live_server.origin) == []
    assert recorder.console_errors == []
    csp = page.request.get(live_server("/")).headers["content-security-policy"]
    assert "default-src 'self'" in csp and "style-src 'self'" in csp


# ---------------------------------------------------------------------------- work pages with data


@pytest.fixture
def work_data(live_server):
    """Data for the handling, feedback, case, approval, admin and shredding pages, made via the services."""
    from meldpunt.auth.models import User
    from meldpunt.cases.models import Intervention
    from meldpunt.cases.service import add_intervention, close_case, create_case
    from meldpunt.extensions import db
    from meldpunt.feedback.service import send_feedback
    from meldpunt.intake.models import SignalStatus
    from meldpunt.intake.service import ReportInput, SubjectInput, file_report, file_signal
    from meldpunt.triage.service import transition_signal
    from meldpunt.vault.shredding import ShredReason, shred_signal
    from tests.conftest import make_users

    app = live_server.app
    second = make_users(app, suffix="b")  # a second regisseur, TOTP not enrolled yet
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        melder = db.session.get(User, live_server.users["melder"].id)
        regisseur = db.session.get(User, live_server.users["regisseur"].id)
        other = db.session.get(User, second["regisseur"].id)
        waiting = file_signal(db.session, keyring=keyring, reporter=melder,
                              description="Een kapsalon aan de Stationsstraat is altijd leeg maar heeft veel geld.")
        handled = file_signal(db.session, keyring=keyring, reporter=melder,
                              description="Bij de loods aan de Havenweg komen 's nachts busjes zonder kenteken.",
                              report=ReportInput(
                                  description="Bij de loods aan de Havenweg komen 's nachts busjes zonder kenteken.",
                                  subjects=[SubjectInput(name="Transport Havenweg B.V.", kvk="12345678",
                                                         street="Havenweg", huisnummer="12", postcode="1234 AB",
                                                         city="Voorbeeld")]))
        transition_signal(db.session, keyring=keyring, signal=handled, actor=regisseur, target=SignalStatus.IN_PROGRESS,
                          path="status", four_eyes=False)
        send_feedback(db.session, keyring=keyring, signal=handled, actor=regisseur,
                      text="Dank voor uw melding. Wij zoeken dit verder uit met onze partners.")
        case = create_case(db.session, keyring=keyring, actor=regisseur, title="Bedrijventerrein Havenweg",
                           signals=[handled])
        add_intervention(db.session, keyring=keyring, case=case, actor=regisseur, kind=Intervention.BIBOB,
                         note="Bij de aanvraag van de nieuwe vergunning")
        closing = create_case(db.session, keyring=keyring, actor=other, title="Winkelstraat Oost")
        close_case(db.session, keyring=keyring, case=closing, actor=other, reason="Geen aanwijzingen gevonden.",
                   four_eyes=True)
        shredded = file_signal(db.session, keyring=keyring, reporter=melder, description="Wordt vernietigd.")
        send_feedback(db.session, keyring=keyring, signal=shredded, actor=regisseur, text="Wij kijken ernaar.")
        shred_signal(db.session, signal=shredded, actor_label="test", reason=ShredReason.MISTAKE)
        anonymous = file_report(db.session, keyring=keyring, reporter=None,
                                report=ReportInput(description="Drugshandel bij het viaduct, elke avond."))
        # The e-mail of the waiting signal's confirmation gave up: the pages show "Opnieuw proberen".
        from sqlalchemy import select

        from meldpunt.feedback.models import DeliveryChannel, DeliveryState, Notice, NoticeDelivery

        db.session.flush()
        notice = db.session.scalar(select(Notice).where(Notice.signal_id == waiting.id))
        notice.attempts = 12
        db.session.add(NoticeDelivery(notice_id=notice.id, channel=DeliveryChannel.EMAIL.value,
                                      state=DeliveryState.FAILED.value, attempts=12))
        from meldpunt.grants.service import request_role

        candidate = db.session.get(User, second["deelnemer"].id)
        request_role(db.session, actor=db.session.get(User, live_server.users["beheerder"].id), user=candidate,
                     role="regisseur")  # waits for the regisseur's decision on /rechten
        db.session.commit()
        return {
            "waiting": waiting.id, "handled": handled.id, "case": case.id, "closing": closing.id,
            "shredded": shredded.id, "receipt_code": anonymous.receipt_code, "second": second["regisseur"],
            "melder": melder.id, "candidate": candidate.id,
        }


@pytest.mark.parametrize("width", [320, 1280])
def test_work_pages_fit_the_screen_and_pass_basic_checks(new_page, live_server, shots, work_data, width):
    from tests.conftest import PASSWORD

    problems: list[str] = []
    regisseur = new_page(width=width, height=800)
    log_in(regisseur, live_server, "regisseur")
    for name, path in [
        ("terugkoppeling-schrijven", f"/behandelen/meldingen/{work_data['waiting']}/terugkoppeling"),
        ("terugkoppeling-gegeven", f"/behandelen/meldingen/{work_data['handled']}/terugkoppeling"),
        ("wacht-op-terugkoppeling", "/behandelen/wacht-op-terugkoppeling"),
        ("casussen", "/behandelen/casussen/"),
        ("casus", f"/behandelen/casussen/{work_data['case']}"),
        ("casus-afsluiten-wacht", f"/behandelen/casussen/{work_data['closing']}"),
        ("akkoord", "/behandelen/akkoord"),
        ("rechten", "/rechten/"),
        ("melding-met-casus", f"/behandelen/meldingen/{work_data['handled']}"),
        ("melding-mail-niet-bezorgd", f"/behandelen/meldingen/{work_data['waiting']}"),
        ("melding-verwijderd", f"/behandelen/meldingen/{work_data['shredded']}"),
        ("berichten-regisseur", "/berichten"),
        ("account", "/account"),
        ("wachtwoord", "/account/wachtwoord"),
    ]:
        response = regisseur.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(regisseur, name, width, shots)
    regisseur.goto(live_server(f"/behandelen/meldingen/{work_data['shredded']}"))
    assert "Verwijderd" in regisseur.inner_text("main")

    melder = new_page(width=width, height=800)
    log_in(melder, live_server, "melder")
    for name, path in [("berichten", "/berichten"), ("mijn-melding-terugkoppeling", f"/mijn-meldingen/{work_data['handled']}"),
                       ("mijn-melding-verwijderd", f"/mijn-meldingen/{work_data['shredded']}")]:
        response = melder.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(melder, name, width, shots)

    beheerder = new_page(width=width, height=800)
    log_in(beheerder, live_server, "beheerder")
    for name, path in [
        ("beheer-gebruikers", "/beheer/gebruikers"), ("beheer-gebruiker-nieuw", "/beheer/gebruikers/nieuw"),
        ("beheer-gebruiker", f"/beheer/gebruikers/{work_data['melder']}"), ("beheer-taxonomie", "/beheer/taxonomie"),
        ("beheer-gebruiker-rol-wacht", f"/beheer/gebruikers/{work_data['candidate']}"),
        ("beheer-term-nieuw", "/beheer/taxonomie/nieuw"), ("beheer-audit", "/beheer/audit"),
    ]:
        response = beheerder.goto(live_server(path))
        assert response.status == 200, f"{path} answered {response.status}"
        problems += check_page(beheerder, name, width, shots)

    anonymous = new_page(width=width, height=800)
    anonymous.goto(live_server("/ontvangstcode"))
    anonymous.locator("main input:not([type=hidden])").first.fill(work_data["receipt_code"])
    with anonymous.expect_navigation():
        anonymous.locator("main form button[type=submit]").first.click()
    problems += check_page(anonymous, "ontvangstcode-melding", width, shots)

    enrolling = new_page(width=width, height=800)
    enrolling.goto(live_server("/inloggen"))
    enrolling.get_by_label("E-mailadres").fill(work_data["second"].email)
    enrolling.get_by_label("Wachtwoord").fill(PASSWORD)
    with enrolling.expect_navigation():
        enrolling.get_by_role("button", name="Inloggen").click()
    assert "/inloggen/instellen" in enrolling.url, enrolling.url
    problems += check_page(enrolling, "tweestap-instellen", width, shots)
    import pyotp

    secret = enrolling.inner_text(".totp-secret code").replace(" ", "")
    enrolling.locator("input[autocomplete='one-time-code']").fill(pyotp.TOTP(secret).now())
    with enrolling.expect_navigation():
        enrolling.locator("main form button[type=submit]").first.click()
    problems += check_page(enrolling, "herstelcodes", width, shots)

    voorzitter = new_page(width=width, height=800)
    voorzitter.goto(live_server("/inloggen"))
    voorzitter.get_by_label("E-mailadres").fill(live_server.users["voorzitter"].email)
    voorzitter.get_by_label("Wachtwoord").fill(PASSWORD)
    with voorzitter.expect_navigation():
        voorzitter.get_by_role("button", name="Inloggen").click()
    problems += check_page(voorzitter, "inloggen-code", width, shots)

    regisseur.goto(live_server(f"/behandelen/meldingen/{work_data['waiting']}/terugkoppeling"))
    regisseur.get_by_role("button", name="Versturen aan de melder").click()
    regisseur.wait_for_load_state("load")
    assert "Schrijf de terugkoppeling" in regisseur.inner_text("main")
    problems += check_page(regisseur, "terugkoppeling-fout", width, shots)
    regisseur.goto(live_server(f"/behandelen/meldingen/{work_data['waiting']}"))
    regisseur.get_by_text("Melding doorzenden", exact=True).click()
    regisseur.get_by_role("button", name="Doorzenden").click()
    regisseur.wait_for_load_state("load")
    problems += check_page(regisseur, "doorzenden-fout", width, shots)
    assert not problems, "\n".join(problems)
