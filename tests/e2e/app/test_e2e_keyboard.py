"""The melder journey with the keyboard only (Tab, Enter, Space, typing): no mouse, focus always visible."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.e2e.conftest import reference_on

FOCUS_INFO = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').trim().slice(0, 60),
    classes: el.className || '', href: el.getAttribute('href') || '',
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    ring: style.outlineStyle + ' ' + style.outlineWidth + ' / ' + style.boxShadow,
  };
}"""


def tab_until(page, matches, limit: int = 120) -> dict:
    """Press Tab until ``matches(focus_info)``; every stop on the way must show a visible focus ring.

    Tab wraps around at the end of the page (focus passes the browser's own UI, seen as BODY), so the
    order of the fields on a form does not matter to the test.
    """
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS_INFO)
        seen.append(f"{info['tag']}#{info['id']}:{info['text'][:30]}")
        if info["tag"] == "BODY":
            continue
        assert info["outline"], f"focus is not visible on {seen[-1]} ({info['ring']}); stops: {seen}"
        if matches(info):
            return info
    raise AssertionError(f"never reached the element with Tab; stops were: {seen}")


def enter_and_wait(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("load")


def test_melder_journey_by_keyboard_only(new_page, live_server):
    page = new_page(width=1024, height=800)
    page.goto(live_server("/"))

    first = tab_until(page, lambda i: True)
    assert first["text"] == "Naar de inhoud" and "skip-link" in first["classes"], "the skip link must be the first stop"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud", "the skip link moves focus to the content"

    tab_until(page, lambda i: i["tag"] == "A" and i["text"] == "Inloggen en melden")
    enter_and_wait(page)
    tab_until(page, lambda i: i["id"] == "email")
    page.keyboard.type(live_server.users["melder"].email)
    tab_until(page, lambda i: i["id"] == "password")
    page.keyboard.type(PASSWORD)
    enter_and_wait(page)  # Enter in a field submits the form
    assert page.get_by_role("heading", level=1).inner_text() == "Melding doen", "Inloggen en melden lands on the form"

    page.goto(live_server("/mijn-meldingen"))
    tab_until(page, lambda i: i["tag"] == "A" and i["text"] == "Melden")
    enter_and_wait(page)
    tab_until(page, lambda i: i["id"] == "description")
    page.keyboard.type("Op de camping staan steeds andere mensen ingeschreven op één adres.")
    tab_until(page, lambda i: i["id"] == "phenomenon_code")
    page.keyboard.press("ArrowDown")  # a closed select changes its choice with the arrow keys
    chosen = page.eval_on_selector("#phenomenon_code", "el => el.value")
    assert chosen, "the arrow key chose a phenomenon"
    tab_until(page, lambda i: i["id"] == "about_colleague")
    page.keyboard.press("Space")
    assert page.is_checked("#about_colleague")
    page.keyboard.press("Space")
    assert not page.is_checked("#about_colleague")
    tab_until(page, lambda i: i["tag"] == "BUTTON" and i["text"] == "Verder naar controleren")
    enter_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Controleer uw melding"  # required (issue 22 item 4)
    tab_until(page, lambda i: i["tag"] == "BUTTON" and i["text"] == "Melding versturen")
    enter_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Uw melding is ontvangen"
    reference = reference_on(page)

    tab_until(page, lambda i: i["tag"] == "A" and i["text"] == "Mijn meldingen")
    enter_and_wait(page)
    tab_until(page, lambda i: i["tag"] == "A" and i["text"] == reference)
    enter_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == f"Melding {reference}"
    assert "Op de camping staan steeds andere mensen" in page.inner_text("main")


def test_regisseur_opens_a_folded_action_by_keyboard(new_page, live_server):
    """The rarely used actions on the signal page sit in <details>: Enter opens one, Tab goes into its form."""
    from meldpunt.auth.models import User
    from meldpunt.extensions import db
    from meldpunt.intake.service import file_signal
    from tests.e2e.conftest import log_in

    with live_server.app.app_context():
        signal = file_signal(db.session, keyring=live_server.app.extensions["meldpunt.keyring"],
                             reporter=db.session.get(User, live_server.users["melder"].id),
                             description="Een nagelstudio die nooit klanten heeft.")
        db.session.commit()
        signal_id = signal.id
    page = new_page()
    log_in(page, live_server, "regisseur")
    page.goto(live_server(f"/behandelen/meldingen/{signal_id}"))
    details = page.locator("details.disclosure", has=page.locator("summary", has_text="Melding doorzenden"))
    assert details.get_attribute("open") is None, "folded by default"
    tab_until(page, lambda info: info["tag"] == "SUMMARY" and info["text"] == "Melding doorzenden")
    page.keyboard.press("Enter")
    assert details.get_attribute("open") is not None, "Enter opens the folded action"
    info = tab_until(page, lambda info: info["tag"] == "SELECT", limit=5)
    assert info["id"] == "authority"
