"""Issue 22 in the browser: the journeys as people live them (items 2, 3, 4 and 7).

Every step is checked with axe-core at 1280 and 320 px (``check_axe``) and written as a screenshot
to the ``shots`` folder (``MELDPUNT_E2E_SCREENSHOTS``, else a pytest temporary folder: never committed),
so a reviewer can look at each step.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.e2e.conftest import check_axe, send_through_check

WIDTHS = [1280, 320]
RECEIPT_CODE = re.compile(r"\b[A-Z0-9]{4}(?: [A-Z0-9]{4}){4}\b")


def step(page, shots, name: str, width: int) -> None:
    """One journey step: axe-core on the page as it is, and a full-page screenshot."""
    check_axe(page, name)
    page.screenshot(path=str(shots / f"item22-{name}-{width}.png"), full_page=True)


def signal_count(live_server) -> int:
    from meldpunt.extensions import db
    from meldpunt.signals.models import Signal

    with live_server.app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Signal))
        db.session.remove()
        return count


@pytest.mark.parametrize("width", WIDTHS)
def test_item_03_anonymous_code_shown_once_and_reload_files_nothing(new_page, live_server, shots, width):
    page = new_page(width=width)
    page.goto(live_server("/melden/anoniem"))
    step(page, shots, "03-anoniem-formulier", width)
    page.get_by_label("Wat heeft u gezien of gehoord?").fill("Steeds andere huurders in de loods aan de Vaart.")
    send_through_check(page)
    assert page.url.endswith("/melden/anoniem/ontvangen"), "the POST redirects to a GET page"
    step(page, shots, "03-code-eenmalig", width)
    code = RECEIPT_CODE.search(page.inner_text(".receipt-code"))
    assert code, "the receipt code is shown"
    assert signal_count(live_server) == 1

    page.reload()  # reloading the confirmation files nothing and shows the code no more
    page.wait_for_load_state("load")
    step(page, shots, "03-herladen", width)
    assert page.get_by_role("heading", level=1).inner_text() == "Uw melding is al verstuurd"
    assert code.group(0) not in page.inner_text("main")
    page.go_back()  # Back to the check page and send again: still one melding
    page.wait_for_load_state("load")
    for button in ("Melding versturen", "Verder naar controleren", "Melding versturen"):
        if page.get_by_role("button", name=button).count():
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1).inner_text() == "Uw melding is al verstuurd"
    assert signal_count(live_server) == 1

    page.goto(live_server("/ontvangstcode"))
    page.get_by_label("Uw ontvangstcode").fill(code.group(0))
    page.get_by_role("button", name="Melding openen").click()
    page.wait_for_load_state("load")
    assert "/ontvangstcode/melding" in page.url
    step(page, shots, "03-ontvangstcode-melding", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_item_02_reply_marker_appears_and_clears_when_opened(new_page, live_server, shots, width):
    from tests.e2e.conftest import log_in, nav_link, reference_on

    melder = new_page(width=width)
    log_in(melder, live_server, "melder")
    melder.goto(live_server("/melden?nieuw=1"))
    melder.get_by_label("Wat heeft u gezien of gehoord?").fill("Contante betaling bij de balie vergunningen.")
    send_through_check(melder)
    reference = reference_on(melder)
    melder.goto(live_server("/mijn-meldingen"))
    melder.get_by_role("link", name=reference).click()
    melder.get_by_label("Uw bericht of aanvulling").fill("Het ging om ongeveer 40.000 euro.")
    melder.get_by_role("button", name="Versturen").click()
    melder.wait_for_load_state("load")
    step(melder, shots, "02-melder-reageert", width)

    regisseur = new_page(width=width)
    log_in(regisseur, live_server, "regisseur")
    nav_link(regisseur, "Werkvoorraad").click()
    regisseur.get_by_role("link", name="Toon alleen meldingen met een nieuw bericht van de melder").click()
    regisseur.wait_for_load_state("load")
    row = regisseur.get_by_role("row").filter(has_text=reference)
    assert row.count() == 1 and "Nieuw bericht" in row.inner_text()
    step(regisseur, shots, "02-werkvoorraad-nieuw-bericht", width)
    row.get_by_role("link", name=reference).click()
    regisseur.wait_for_load_state("load")
    assert "Het ging om ongeveer 40.000 euro." in regisseur.inner_text("main")
    step(regisseur, shots, "02-melding-geopend", width)
    regisseur.goto(live_server("/behandelen/?tab=alle"))
    row = regisseur.get_by_role("row").filter(has_text=reference)
    assert "Nieuw bericht" not in row.inner_text()
    step(regisseur, shots, "02-werkvoorraad-gelezen", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_item_07_one_word_per_thing_on_the_pages(new_page, live_server, shots, width):
    from tests.e2e.conftest import log_in

    melder = new_page(width=width)
    log_in(melder, live_server, "melder")
    melder.goto(live_server("/melden?nieuw=1"))
    main = melder.inner_text("main")
    assert "Verschijningsvorm" in main and "Waar lijkt het op" not in main and "verschijnsel " not in main.lower()
    step(melder, shots, "07-melden-woorden", width)
    regisseur = new_page(width=width)
    log_in(regisseur, live_server, "regisseur")
    regisseur.goto(live_server("/behandelen/"))
    tabs = regisseur.inner_text("ul.tabs")
    assert "Aan mij toegewezen" in tabs and "Mijn meldingen" not in tabs
    step(regisseur, shots, "07-werkvoorraad-tabs", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_item_04_character_counter_and_pasted_text_kept(new_page, live_server, shots, width):
    page = new_page(width=width)
    page.goto(live_server("/melden/anoniem"))
    field = page.get_by_label("Wat heeft u gezien of gehoord?")
    assert field.get_attribute("maxlength") is None  # a paste is never cut off
    counter = page.locator("#description-count")
    assert "U kunt nog 20.000 tekens typen." in counter.inner_text()
    field.fill("Twaalf tekens")
    assert "U kunt nog 19.987 tekens typen." in counter.inner_text()
    step(page, shots, "04-teller", width)
    pasted = "x" * 20_005
    field.fill(pasted)  # as a paste: the whole text stays, the counter says how far over it is
    assert len(field.input_value()) == 20_005
    assert "5 tekens te veel" in counter.inner_text()
    page.get_by_role("button", name="Verder naar controleren").click()
    page.wait_for_load_state("load")
    assert "Dit is te lang" in page.inner_text("main")
    assert len(page.get_by_label("Wat heeft u gezien of gehoord?").input_value()) == 20_005
    step(page, shots, "04-te-lang", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_item_04_check_your_answers_then_send(new_page, live_server, shots, width):
    page = new_page(width=width)
    page.goto(live_server("/melden/anoniem"))
    page.get_by_label("Wat heeft u gezien of gehoord?").fill("Contant betaald bij de balie.")
    page.get_by_label("Waar was het?").fill("Stadskantoor")
    page.get_by_role("button", name="Verder naar controleren").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1).inner_text() == "Controleer uw melding"
    assert "Contant betaald bij de balie." in page.inner_text("main") and "Stadskantoor" not in page.url
    step(page, shots, "04-controleer", width)
    page.get_by_role("link", name="wijzig Waar was het?").click()
    page.wait_for_load_state("load")
    assert page.get_by_label("Waar was het?").input_value() == "Stadskantoor"
    page.get_by_label("Waar was het?").fill("Stadskantoor, balie 3")
    step(page, shots, "04-wijzig", width)
    page.get_by_role("button", name="Verder naar controleren").click()
    page.wait_for_load_state("load")
    assert "Stadskantoor, balie 3" in page.inner_text("main")
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_load_state("load")
    assert "/melden/anoniem/ontvangen" in page.url and page.locator(".receipt-code").count() == 1
    step(page, shots, "04-verstuurd", width)
    assert signal_count(live_server) == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_item4_named_melder_walks_form_check_confirmation(new_page, live_server, shots, width):
    """The check page is the required step: the form's only button leads to it, nothing is filed before
    "Melding versturen", and every page on the way passes axe."""
    from tests.e2e.conftest import log_in, reference_on

    melder = new_page(width=width)
    log_in(melder, live_server, "melder")
    melder.goto(live_server("/melden?nieuw=1"))
    check_axe(melder, "item4-formulier")
    assert melder.locator("form.intake-form").get_by_role("button", name="Melding versturen").count() == 0
    melder.get_by_label("Wat heeft u gezien of gehoord?").fill("Een ambtenaar vroeg contant geld voor een vergunning.")
    melder.get_by_label("Waar was het?").fill("Balie Burgerzaken")
    melder.get_by_role("button", name="Verder naar controleren").click()
    melder.wait_for_load_state("load")
    assert melder.url.endswith("/melden/controleren")
    assert melder.get_by_role("heading", level=1).inner_text() == "Controleer uw melding"
    assert "Balie Burgerzaken" in melder.inner_text("main") and signal_count(live_server) == 0
    check_axe(melder, "item4-controleren")
    step(melder, shots, "item4-controleren-met-naam", width)
    melder.get_by_role("button", name="Melding versturen").click()
    melder.wait_for_load_state("load")
    assert melder.get_by_role("heading", level=1).inner_text() == "Uw melding is ontvangen"
    assert "/melden/bevestiging/" in melder.url and reference_on(melder).startswith("MO-")
    check_axe(melder, "item4-bevestiging")
    step(melder, shots, "item4-bevestiging-met-naam", width)
    assert signal_count(live_server) == 1
