"""Whole journeys in a real browser: an identified melder files a signal, the regisseur finds it;
an anonymous melder files one and follows it with the receipt code.

Each journey runs at 1280 and 320 px, and axe-core checks every page on the way (WCAG 2.1 A/AA,
``check_axe``): the ``new_page`` fixture fails the test when any page had a violation.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_axe, log_in, nav_link, reference_on, send_through_check

WIDTHS = [1280, 320]

DESCRIPTION = "Bij de aanvraag voor een exploitatievergunning betaalde iemand 40.000 euro contant."


def file_signal_as_melder(page, live_server) -> str:
    log_in(page, live_server, "melder")
    check_axe(page, "na-inloggen")
    nav_link(page, "Melden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Melding doen"
    check_axe(page, "melden")
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(DESCRIPTION)
    page.get_by_label("Verschijningsvorm").select_option("witwassen")
    send_through_check(page, "controleren")  # form → check page → send (issue 22 item 4)
    assert page.get_by_role("heading", level=1).inner_text() == "Uw melding is ontvangen"
    check_axe(page, "bevestiging")
    return reference_on(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_identified_melder_files_and_regisseur_opens_it(new_page, live_server, width):
    melder = new_page(width=width)
    reference = file_signal_as_melder(melder, live_server)
    assert re.fullmatch(r"MO-\d{4}-\d{4,}", reference)

    nav_link(melder, "Mijn meldingen").click()
    check_axe(melder, "mijn-meldingen")
    row = melder.get_by_role("row").filter(has_text=reference)
    assert row.count() == 1
    assert "Ontvangen" in row.inner_text()
    row.get_by_role("link", name=reference).click()
    assert DESCRIPTION in melder.inner_text("main")
    check_axe(melder, "mijn-melding")

    regisseur = new_page(width=width)  # a fresh context: its own cookies
    log_in(regisseur, live_server, "regisseur")
    check_axe(regisseur, "regisseur-na-inloggen")
    nav_link(regisseur, "Werkvoorraad").click()
    assert regisseur.get_by_role("heading", level=1).inner_text() == "Werkvoorraad"
    check_axe(regisseur, "werkvoorraad")
    regisseur.get_by_role("link", name=reference).click()
    assert regisseur.get_by_role("heading", level=1).inner_text().endswith(reference)
    assert DESCRIPTION in regisseur.inner_text("main")
    # Who reported is folded behind "Toon melder" (an audited POST), then shown on the same page.
    assert live_server.users["melder"].name not in regisseur.inner_text("main")
    assert "Melder met naam" in regisseur.inner_text("main")
    regisseur.get_by_role("button", name="Toon melder").click()
    assert regisseur.get_by_role("heading", level=1).inner_text().endswith(reference)
    assert live_server.users["melder"].name in regisseur.inner_text("main")
    check_axe(regisseur, "melding-behandelen")


@pytest.mark.parametrize("width", WIDTHS)
def test_empty_description_shows_error_summary_with_focus(new_page, live_server, width):
    page = new_page(width=width)
    log_in(page, live_server, "melder")
    page.goto(live_server("/melden"))
    page.get_by_label("Verschijningsvorm").select_option("witwassen")
    page.get_by_role("button", name="Verder naar controleren").click()
    check_axe(page, "melden-fout")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), "the error summary must get focus"
    assert page.get_by_label("Verschijningsvorm").input_value() == "witwassen", "typed input must not be lost"
    field = page.get_by_label("Wat heeft u gezien of gehoord?")
    assert field.get_attribute("aria-invalid") == "true"
    assert "description-error" in (field.get_attribute("aria-describedby") or "")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "description"


RECEIPT_CODE = re.compile(r"\b[A-Z0-9]{4}(?:[ -]?[A-Z0-9]{4}){4}\b")


@pytest.mark.parametrize("width", WIDTHS)
def test_anonymous_melder_files_and_follows_with_receipt_code(new_page, live_server, width):
    page = new_page(width=width)
    page.goto(live_server("/melden"))  # not logged in: the page offers the choice
    check_axe(page, "melden-kiezen")
    page.locator("main a[href$='/melden/anoniem']").first.click()
    page.wait_for_load_state("load")
    assert "/inloggen" not in page.url, "anonymous reporting must not need a login"
    check_axe(page, "anoniem-melden")
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(DESCRIPTION)
    send_through_check(page, "controleren-anoniem")
    check_axe(page, "bevestiging-anoniem")
    main_text = page.inner_text("main")
    code_match = RECEIPT_CODE.search(page.inner_text(".receipt-code") if page.locator(".receipt-code").count() else main_text)
    assert code_match, f"no receipt code on the confirmation page: {main_text[:300]}"
    receipt_code = code_match.group(0)
    assert live_server.users["melder"].email not in main_text

    page.goto(live_server("/ontvangstcode"))
    check_axe(page, "ontvangstcode")
    page.get_by_label("Uw ontvangstcode").fill(receipt_code)
    page.get_by_role("button", name="Melding openen").click()
    page.wait_for_load_state("load")
    assert "/ontvangstcode/melding" in page.url
    check_axe(page, "ontvangstcode-melding")
    main_text = page.inner_text("main")
    assert "Ontvangen" in main_text, "the status of the signal is shown"
    assert DESCRIPTION in main_text

    other = new_page(width=width)  # a wrong code gets a plain message, nothing else
    other.goto(live_server("/ontvangstcode"))
    other.get_by_label("Uw ontvangstcode").fill("AAAA BBBB CCCC DDDD EEEE")
    with other.expect_navigation() as navigation:
        other.get_by_role("button", name="Melding openen").click()
    assert navigation.value.status == 422
    assert other.locator(".error-message, .error-summary").count() >= 1, "a wrong code gets a message"
    check_axe(other, "ontvangstcode-fout")
    assert DESCRIPTION not in other.inner_text("main")
