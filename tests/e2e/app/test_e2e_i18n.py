"""Issue 22 item 9 in a real browser: the anonymous filing, the named melder's journey (filing with
check-your-answers, confirmation, Mijn meldingen) and the regisseur's (werkvoorraad, the signal page)
in English, at 1280 and 320 px, with axe-core (WCAG 2.1 A/AA, zero violations) on every page. At
1280 px the language comes from the footer switch (a plain form: no script involved); at 320 px from
the browser's Accept-Language."""

from __future__ import annotations

import re

import pytest

from urllib.parse import urlsplit

from tests.conftest import PASSWORD
from tests.e2e.conftest import check_axe, nav_link, reference_on, totp_code_for

DESCRIPTION = "Someone paid 40,000 euros in cash with an application for a permit."
RECEIPT_CODE = re.compile(r"\b[A-Z0-9]{4}(?:[ -]?[A-Z0-9]{4}){4}\b")


def _english_page(new_page, live_server, width: int, path: str = "/inloggen"):
    """``path`` in English: at 320 px through Accept-Language, at 1280 px through the footer switch (which
    comes back to the same page)."""
    if width == 320:
        page = new_page(width=width, height=800, locale="en-GB")
        page.goto(live_server(path))
    else:
        page = new_page(width=width)
        page.goto(live_server(path))
        assert page.locator("html").get_attribute("lang") == "nl"
        with page.expect_navigation():
            page.locator("footer").get_by_role("button", name="English").click()
        assert page.url.endswith(path)
    assert page.locator("html").get_attribute("lang") == "en"
    return page


@pytest.mark.parametrize("width", [1280, 320])
def test_item_09_anonymous_filing_in_english_passes_axe(new_page, live_server, width):
    page = _english_page(new_page, live_server, width, "/melden/anoniem")
    assert page.get_by_role("heading", level=1).inner_text() == "Report anonymously"
    check_axe(page, "report-anonymously-en")

    # a mistake first: the error summary in English
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to check").click()
    assert "There is 1 thing to correct" in page.inner_text(".error-summary")
    check_axe(page, "report-error-en")

    page.get_by_label("What did you see or hear?").fill(DESCRIPTION)
    page.get_by_label("I suspect it, but I am not sure").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to check").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your report"
    check_axe(page, "check-en")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Send report").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your report has been received"
    check_axe(page, "received-en")
    code = RECEIPT_CODE.search(page.inner_text(".receipt-code"))
    assert code, "no receipt code on the confirmation page"

    page.goto(live_server("/ontvangstcode"))
    check_axe(page, "receipt-code-en")
    page.get_by_label("Your receipt code").fill(code.group(0))
    with page.expect_navigation():
        page.get_by_role("button", name="Open report").click()
    assert "/ontvangstcode/melding" in page.url
    main = page.inner_text("main")
    assert "Your anonymous report" in main and "Received" in main and DESCRIPTION in main
    check_axe(page, "own-report-en")


NAMED_DESCRIPTION = "At the counter someone offered a gift to speed up a licence for a bar."


def _log_in_english(page, server, role: str) -> None:
    """The login form in English; answers the TOTP question when the app asks one."""
    user = server.users[role]
    page.goto(server("/inloggen"))
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    check_axe(page, f"login-{role}-en")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Log in").click()
    code_field = page.locator("input[autocomplete='one-time-code']")
    if code_field.count():
        check_axe(page, f"totp-{role}-en")
        code_field.first.fill(totp_code_for(server, role))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    assert "/inloggen" not in urlsplit(page.url).path, f"login as {role} failed: {page.url}"
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("width", [1280, 320])
def test_item_09_named_melder_and_regisseur_journeys_in_english_pass_axe(new_page, live_server, width):
    melder = _english_page(new_page, live_server, width)
    _log_in_english(melder, live_server, "melder")
    check_axe(melder, "after-login-en")
    nav_link(melder, "Report").click()
    assert melder.get_by_role("heading", level=1).inner_text() == "Make a report"
    check_axe(melder, "report-en")
    melder.get_by_label("What did you see or hear?").fill(NAMED_DESCRIPTION)
    melder.get_by_label("Type of undermining").select_option("witwassen")
    with melder.expect_navigation():
        melder.get_by_role("button", name="Continue to check").click()
    assert melder.get_by_role("heading", level=1).inner_text() == "Check your report"
    assert NAMED_DESCRIPTION in melder.inner_text("main") and "Money laundering" in melder.inner_text("main")
    check_axe(melder, "check-named-en")
    with melder.expect_navigation():
        melder.locator("main").get_by_role("button", name="Send report").click()
    assert melder.get_by_role("heading", level=1).inner_text() == "Your report has been received"
    check_axe(melder, "confirmation-named-en")
    reference = reference_on(melder)

    nav_link(melder, "My reports").click()
    assert melder.get_by_role("heading", level=1).inner_text() == "My reports"
    check_axe(melder, "my-reports-en")
    row = melder.get_by_role("row").filter(has_text=reference)
    assert row.count() == 1 and "Received" in row.inner_text()
    row.get_by_role("link", name=reference).click()
    assert NAMED_DESCRIPTION in melder.inner_text("main")
    assert "Ontvangen" not in melder.inner_text("main")
    check_axe(melder, "my-report-en")

    regisseur = _english_page(new_page, live_server, width)  # a fresh context: its own cookies
    _log_in_english(regisseur, live_server, "regisseur")
    nav_link(regisseur, "Work queue").click()
    assert regisseur.get_by_role("heading", level=1).inner_text() == "Work queue"
    assert "Werkvoorraad" not in regisseur.inner_text("main")
    check_axe(regisseur, "work-queue-en")
    regisseur.get_by_role("link", name=reference).click()
    assert regisseur.get_by_role("heading", level=1).inner_text() == f"Report {reference}"
    main = regisseur.inner_text("main")
    assert NAMED_DESCRIPTION in main and "Named reporter" in main
    assert live_server.users["melder"].name not in main
    check_axe(regisseur, "signal-page-en")
    with regisseur.expect_navigation():
        regisseur.get_by_role("button", name="Show reporter").click()
    assert live_server.users["melder"].name in regisseur.inner_text("main")
    check_axe(regisseur, "signal-page-reporter-shown-en")
