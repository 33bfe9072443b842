"""The handler's signal page as a work page (issue 22 item 1): everything the reporter gave, the melding on the
left and the decisions on the right at desktop width, stacked on a phone; axe-core on both."""

from __future__ import annotations

from tests.e2e.conftest import check_axe, log_in, nav_link, no_horizontal_scroll, reference_on, send_through_check

DESCRIPTION = "Achter de loods aan de Reigerweg worden elke nacht busjes uitgeladen, de ramen zijn afgeplakt."
LOCATION = "Reigerweg 12, de loods achteraan"
WHEN = "elke nacht tussen twee en vier uur"
RELATION = "ik controleerde hun vergunning"

BOXES = """() => {
  const box = s => { const r = document.querySelector(s).getBoundingClientRect();
    return {x: r.left, y: r.top + window.scrollY, right: r.right, bottom: r.bottom + window.scrollY, width: r.width}; };
  return {top: box('.work-main-top'), rest: box('.work-main-rest'), side: box('.work-side'),
          decisions: box('#besluiten'), melding: box('#melding')};
}"""


def _file_full_signal(page, live_server) -> str:
    log_in(page, live_server, "melder")
    nav_link(page, "Melden").click()
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(DESCRIPTION)
    page.get_by_label("Ik voel me onveilig of word bedreigd").check()
    page.get_by_label("Waar was het?").fill(LOCATION)
    page.get_by_label("Of omschrijf wanneer").fill(WHEN)
    page.get_by_label("Ik heb het zelf gezien of gehoord").check()
    page.get_by_label("Wat is uw relatie tot de betrokkene?").select_option("werk")
    page.get_by_label("Toelichting op uw relatie").fill(RELATION)
    send_through_check(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Uw melding is ontvangen"
    return reference_on(page)


def test_item_01_handler_work_page_two_columns_at_1280_and_stacked_at_320(new_page, live_server, shots):
    reference = _file_full_signal(new_page(width=1280), live_server)
    regisseur = new_page(width=1280, height=900)
    log_in(regisseur, live_server, "regisseur")  # once: a TOTP code is accepted only once
    regisseur.goto(live_server("/behandelen/?tab=alle"))
    regisseur.get_by_role("link", name=reference).click()
    for width in (1280, 320):
        regisseur.set_viewport_size({"width": width, "height": 900})
        regisseur.reload()
        assert regisseur.get_by_role("heading", level=1).inner_text().endswith(reference)
        main = regisseur.inner_text("main")
        for given in (DESCRIPTION, LOCATION, WHEN, RELATION, "Ik heb het zelf gezien of gehoord",
                      "De melder voelt zich onveilig of bedreigd"):
            assert given in main, f"{given!r} missing at {width} px"
        assert live_server.users["melder"].name not in main
        boxes = regisseur.evaluate(BOXES)
        top, rest, side = boxes["top"], boxes["rest"], boxes["side"]
        if width == 1280:
            # Two columns: the melding (top and rest, one above the other) left, the decisions right of it,
            # starting level with the melding, so the decisions are on the first screen.
            assert side["x"] >= max(top["right"], rest["right"]), boxes
            assert abs(top["x"] - rest["x"]) < 1 and rest["y"] >= top["bottom"] - 1, boxes
            assert side["y"] < top["bottom"] and abs(side["y"] - top["y"]) < 1, boxes
            assert boxes["decisions"]["y"] < 900, f"the decisions start below the first screen: {boxes}"
            assert top["width"] > 500 and 250 < side["width"] < top["width"], boxes
        else:
            # Stacked as before: melding, then decisions and actions, then subjects and history; full width.
            assert side["y"] >= top["bottom"] - 1 and rest["y"] >= side["bottom"] - 1, boxes
            assert abs(top["x"] - side["x"]) < 1 and abs(side["x"] - rest["x"]) < 1, boxes
            assert all(b["right"] <= width for b in (top, rest, side)), boxes
            scroll_width, inner = no_horizontal_scroll(regisseur)
            assert scroll_width <= inner == width, f"scrolls sideways at 320 px: {scroll_width} > {inner}"
        regisseur.screenshot(path=str(shots / f"melding-behandelen-werkpagina-{width}.png"), full_page=True)
        check_axe(regisseur, f"melding-behandelen-werkpagina-{width}")  # new_page fails the test on any violation
