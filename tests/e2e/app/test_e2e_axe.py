"""axe-core in the browser suite (issue 22 item 6).

Every page the journeys (``test_e2e_journeys.py``) and the layout tests (``test_e2e_layout.py``) open,
at 1280 and 320 px, goes through ``check_axe``: WCAG 2.1 A/AA (tags wcag2a, wcag2aa, wcag21a, wcag21aa)
with zero violations allowed. axe-core comes from the ``axe-playwright-python`` package (its bundled
axe.min.js, injected into the page: no CDN, nothing fetched).
"""

from __future__ import annotations

from tests.e2e.conftest import AXE_TAGS, axe_violations


def test_item_06_axe_lists_page_rule_and_element(new_page, live_server):
    """The check itself: a clean page passes, a broken one is reported by page, rule and element."""
    page = new_page(width=320)
    page.goto(live_server("/ontvangstcode"))
    assert axe_violations(page, "ontvangstcode") == []
    page.evaluate("""() => {
      const input = document.createElement('input');
      input.id = 'zonder-label';
      document.querySelector('main').append(input);
    }""")
    found = axe_violations(page, "ontvangstcode")
    assert any(line.startswith("ontvangstcode@320 /ontvangstcode: label (") and "#zonder-label" in line for line in found), found


def test_item_06_axe_core_is_local_and_recent(new_page, live_server):
    """axe-core >= 4.10 from the installed package; running it asks nothing of any other server."""
    from axe_playwright_python.base import AXE_FILE_PATH

    assert AXE_FILE_PATH.is_file()
    page = new_page()
    page.goto(live_server("/"))
    assert axe_violations(page, "start") == []
    version = page.evaluate("() => window.axe.version")
    major, minor = (int(part) for part in version.split(".")[:2])
    assert (major, minor) >= (4, 10), version
    assert AXE_TAGS == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    # new_page fails the test after it ends if any request left the live server.

