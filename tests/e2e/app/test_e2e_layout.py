"""The look and the basics of accessibility: 320 px without sideways scrolling, desktop width,
one h1, lang="nl", labels on every control, alt on images, visible focus, no foreign requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import check_axe, log_in, no_horizontal_scroll, reference_on
from tests.e2e.app.test_e2e_journeys import file_signal_as_melder
from tests.page_data import seed_work_data

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
    check_axe(page, name)  # WCAG 2.1 A/AA: the new_page fixture fails the test on any violation
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
    melder.get_by_role("button", name="Verder naar controleren").click()
    problems += check_page(melder, "melden-fout", width, shots)
    melder.get_by_label("Wat heeft u gezien of gehoord?").fill("Een bestelbus die elke nacht iets komt brengen.")
    melder.get_by_role("button", name="Verder naar controleren").click()
    problems += check_page(melder, "controleren", width, shots)  # the required step (issue 22 item 4)

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
    """Data for the handling, feedback, case, approval, admin and shredding pages (``tests.page_data``)."""
    return seed_work_data(live_server.app, live_server.users)


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


# ---------------------------------------------------------------------------- the phone menu (issue 22 item 8)

HEADER_SHARE = """() => [document.querySelector('.site-header').getBoundingClientRect().bottom / window.innerHeight,
                         document.querySelector('.main-nav').getBoundingClientRect().height / window.innerHeight]"""


def test_item_08_phone_menu_folds_behind_a_menu_button_without_javascript(new_page, live_server, shots):
    page = new_page(width=320, height=568, java_script_enabled=False)
    log_in(page, live_server, "regisseur")
    page.goto(live_server("/mijn-meldingen"))
    button = page.locator("details.nav-menu > summary")
    assert button.is_visible() and button.inner_text().strip() == "Menu"
    assert button.bounding_box()["height"] >= 44
    assert not page.locator(".main-nav").get_by_role("link", name="Werkvoorraad").is_visible()
    header, menu = page.evaluate(HEADER_SHARE)
    page.screenshot(path=str(shots / "menu-dicht-320.png"))
    assert menu <= 0.1, f"the folded menu takes {menu:.0%} of the first screen"
    assert header <= 1 / 3, f"header and menu take {header:.0%} of the first screen"

    button.click()  # a <details>: opens without any script
    assert page.locator("details.nav-menu").evaluate("d => d.open")
    links = page.locator(".main-nav").get_by_role("link")
    assert links.count() >= 4 and all(links.nth(i).is_visible() for i in range(links.count()))
    page.screenshot(path=str(shots / "menu-open-320.png"))
    with page.expect_navigation():
        page.locator(".main-nav").get_by_role("link", name="Werkvoorraad", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Werkvoorraad"
    assert page.locator("details.nav-menu > summary").is_visible(), "every page starts with the menu folded"
    assert not page.locator("details.nav-menu").evaluate("d => d.open")


def test_item_08_phone_menu_open_and_closed_pass_axe(new_page, live_server):
    """axe-core needs script in the page, so this check runs in a normal context (same markup and CSS)."""
    page = new_page(width=320, height=568)
    log_in(page, live_server, "regisseur")
    check_axe(page, "menu-dicht")
    page.locator("details.nav-menu > summary").click()
    assert page.locator("details.nav-menu").evaluate("d => d.open")
    check_axe(page, "menu-open")


def test_item_08_wide_screen_shows_the_menu_without_a_button(new_page, live_server):
    page = new_page(width=1280, height=800)
    log_in(page, live_server, "melder")
    assert not page.locator("details.nav-menu > summary").is_visible()
    links = page.locator(".main-nav").get_by_role("link")
    assert links.count() >= 3 and all(links.nth(i).is_visible() for i in range(links.count()))
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, "the menu is one row on a wide screen"
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # the brand (home)
    page.keyboard.press("Tab")  # Uitloggen
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.main-nav') !== null && document.activeElement.tagName") == "A", \
        "Tab goes straight from the header to the first menu link (no hidden button in between)"
