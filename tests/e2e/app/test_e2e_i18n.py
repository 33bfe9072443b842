"""Issue 22 item 9 in a real browser: the anonymous filing in English, at 1280 and 320 px, with axe-core
(WCAG 2.1 A/AA, zero violations) on every page. At 1280 px the language comes from the footer switch
(a plain form: no script involved); at 320 px from the browser's Accept-Language."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_axe

DESCRIPTION = "Someone paid 40,000 euros in cash with an application for a permit."
RECEIPT_CODE = re.compile(r"\b[A-Z0-9]{4}(?:[ -]?[A-Z0-9]{4}){4}\b")


@pytest.mark.parametrize("width", [1280, 320])
def test_item_09_anonymous_filing_in_english_passes_axe(new_page, live_server, width):
    if width == 320:
        page = new_page(width=width, height=800, locale="en-GB")
        page.goto(live_server("/melden/anoniem"))
    else:
        page = new_page(width=width)
        page.goto(live_server("/melden/anoniem"))
        assert page.locator("html").get_attribute("lang") == "nl"
        with page.expect_navigation():
            page.locator("footer").get_by_role("button", name="English").click()
        assert page.url.endswith("/melden/anoniem")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Report anonymously"
    check_axe(page, "report-anonymously-en")

    # a mistake first: the error summary in English
    with page.expect_navigation():
        page.get_by_role("button", name="Send report").click()
    assert "There is 1 thing to correct" in page.inner_text(".error-summary")
    check_axe(page, "report-error-en")

    page.get_by_label("What did you see or hear?").fill(DESCRIPTION)
    page.get_by_label("I suspect it, but I am not sure").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Check your report").click()
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
