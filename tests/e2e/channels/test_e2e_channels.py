"""Issue 20 in the browser: the regisseur registers a phone tip and an .eml e-mail; both appear in the
queue with their channel; a threatened reporter's signal is first with its marker; axe-core on every page."""

from __future__ import annotations

import re

from tests.e2e.conftest import check_axe, log_in, nav_link, send_through_check
from tests.integration.channels.test_channels_registration import eml_with_attachment


def _register(page, live_server, *, channel: str, received: str, description: str = "", eml: bytes | None = None,
              contact: str = "") -> str:
    page.goto(live_server("/behandelen/"))
    page.get_by_role("link", name="Melding registreren (telefoon, e-mail, brief …)").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Melding registreren"
    page.get_by_label("Hoe kwam de melding binnen?").select_option(channel)
    page.get_by_label("Wanneer kwam de melding binnen?").fill(received)
    if contact:
        page.get_by_label("Contactpersoon").fill(contact)
    if description:
        page.get_by_label("Wat is er gemeld?").fill(description)
    if eml is not None:
        page.get_by_label("Het origineel").set_input_files(
            files=[{"name": "tip.eml", "mimeType": "message/rfc822", "buffer": eml}])
    check_axe(page, f"melding-registreren-{channel}")
    page.get_by_role("button", name="Melding registreren").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Melding MO-"), page.inner_text("main")[:1000]
    return re.search(r"MO-\d{4}-\d{4}", heading).group(0)


def test_registration_regisseur_registers_a_phone_tip_and_an_eml_and_both_are_in_the_queue(new_page, live_server):
    page = new_page(width=1280)
    log_in(page, live_server, "regisseur")
    phone = _register(page, live_server, channel="telefoon", received="2026-11-30", contact="Mevrouw Jansen",
                      description="Een inwoner belde: 's nachts busjes bij de loods aan de Reigerweg.")
    main = page.inner_text("main")
    assert "Binnengekomen via: Telefoon, op 30-11-2026." in main and "Mevrouw Jansen" in main
    check_axe(page, "melding-geregistreerd-telefoon")
    mail = _register(page, live_server, channel="email", received="2026-11-30", eml=eml_with_attachment("E2E"))
    main = page.inner_text("main")
    assert "Er gebeurt iets vreemds: E2E-inhoud." in main and "E2E-bestand.txt" in main and "tip.eml" in main

    nav_link(page, "Werkvoorraad").click()
    page.goto(live_server("/behandelen/?tab=nieuw"))
    check_axe(page, "werkvoorraad-met-kanalen")
    for reference, channel in ((phone, "Telefoon"), (mail, "E-mail")):
        row = page.locator("tbody tr", has=page.get_by_role("link", name=reference, exact=True))
        assert channel in row.inner_text()


def test_threatened_reporter_first_in_the_queue_with_a_marker_in_the_browser(new_page, live_server):
    melder = new_page(width=1280)
    log_in(melder, live_server, "melder")
    nav_link(melder, "Melden").click()
    melder.get_by_label("Wat heeft u gezien of gehoord?").fill("Iemand wacht mij op bij de balie en bedreigt mij.")
    melder.get_by_label("Ik voel me onveilig of word bedreigd").check()
    send_through_check(melder)
    threatened = re.search(r"MO-\d{4}-\d{4}", melder.inner_text("main")).group(0)
    assert "Het meldpunt neemt zo snel mogelijk contact met u op." in melder.inner_text("main")
    melder.goto(live_server("/melden?nieuw=1"))  # "Nog een melding doen": a fresh form after a filing
    melder.get_by_label("Wat heeft u gezien of gehoord?").fill("Een later, gewoon signaal.")
    send_through_check(melder)

    page = new_page(width=1280)
    log_in(page, live_server, "regisseur")
    page.goto(live_server("/behandelen/?tab=nieuw"))
    first = page.locator("tbody tr").first
    assert threatened in first.inner_text() and "Dringend" in first.inner_text()
    check_axe(page, "werkvoorraad-dringend")
    first.get_by_role("link", name=threatened).click()
    assert "Bedreigde melder" in page.inner_text("main")
    page.locator("li", has_text="Contact opgenomen met de melder").get_by_role("button").click()
    assert "De stap is opgeslagen." in page.inner_text("main")
    check_axe(page, "melding-bedreigde-melder")


def test_mma_tip_entered_in_the_browser_shows_no_way_back(new_page, live_server):
    page = new_page(width=1280)
    log_in(page, live_server, "regisseur")
    page.goto(live_server("/behandelen/"))
    page.get_by_role("link", name="Tip van Meld Misdaad Anoniem invoeren").click()
    check_axe(page, "mma-tip-invoeren")
    page.get_by_label("De tekst van de tip").fill("Tipnummer: 2026-000042\nPlaats: Emmen\nOmschrijving: Hennep in de loods.")
    page.get_by_label("Wanneer kwam de tip binnen?").fill("2026-11-30")
    page.get_by_role("button", name="Tip invoeren").click()
    main = page.inner_text("main")
    assert "Hennep in de loods." in main and "2026-000042" in main and "geen weg terug naar de tipgever" in main
    check_axe(page, "mma-tip-melding")


def test_public_form_for_inwoners_in_the_browser_at_320_px(new_page, live_server):
    from dataclasses import replace

    settings = live_server.app.extensions["meldpunt.settings"]
    live_server.app.extensions["meldpunt.settings"] = replace(settings, public_form=True)
    page = new_page(width=320)
    page.goto(live_server("/melden/anoniem/openbaar"))
    assert page.get_by_role("heading", level=1).inner_text() == "Melden als inwoner of ondernemer"
    check_axe(page, "openbaar-formulier-320")
    page.get_by_label("Wat heeft u gezien of gehoord?").fill("Elke nacht busjes bij de loods.")
    send_through_check(page)
    assert page.locator("#ontvangstcode").count() == 1
    check_axe(page, "openbaar-formulier-ontvangen-320")
