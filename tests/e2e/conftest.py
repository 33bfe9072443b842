"""Browser tests: the real app on a live server, driven by Debian's headless Chromium (Playwright).

Fixtures:
- ``browser``: one headless Chromium for the session (``/usr/bin/chromium``; no downloads).
- ``live_server``: the real app (fresh SQLite file, seeded taxonomy, one user per role) served by
  werkzeug in a thread on 127.0.0.1 and a free port.
- ``new_page``: ``new_page(width=1280, height=900)`` opens a page in a fresh browser context (own
  cookies) that records every request and every console error; after the test, every request must
  have gone to the live server and no console error may have happened (CSP violations are errors).
- ``shots``: a folder for screenshots (``MELDPUNT_E2E_SCREENSHOTS`` or a pytest tmp folder).

Accessibility: ``check_axe(page, name)`` runs axe-core (bundled by ``axe-playwright-python``, injected
from the local package: no CDN) with the WCAG 2.1 A/AA rules on the page as it is now and records every
violation (page, rule, element) on the page's recorder; ``new_page`` fails the test after it ends when
any page had one, listing them all.

Helpers: ``log_in(page, server, role)`` types e-mail, password and, when asked, the current TOTP code;
``nav_link(page, name)`` finds a link of the main menu (opening the folded phone menu first).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import IN_CI, PASSWORD, service_missing

CHROMIUM = os.environ.get("MELDPUNT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--lang=nl", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        if IN_CI:
            pytest.fail(f"CI needs the playwright package: {exc}", pytrace=False)
        pytest.skip(f"playwright is not installed: {exc}")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance) -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}; install Debian's chromium (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI needs {message}", pytrace=False)
        pytest.skip(message)
    try:
        browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - turn a broken browser into a clear skip/fail
        service_missing("Chromium", CHROMIUM, exc)
    yield browser
    browser.close()


# ---------------------------------------------------------------------------- live server


@dataclass
class LiveServer:
    url: str
    app: Any
    users: dict[str, Any]
    #: role -> TOTP secret of the seeded user, for roles that must log in with a second factor.
    totp_secrets: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app, users) -> Iterator[LiveServer]:
    """The app of ``tests.conftest.app`` (fresh SQLite file, all roles seeded) on a real HTTP port."""
    from werkzeug.serving import make_server

    app.config["TESTING"] = False  # behave like production: real error pages, CSRF on
    secrets_by_role = enrol_totp_where_required(app, users)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, users=users, totp_secrets=secrets_by_role)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def enrol_totp_where_required(app, users: dict[str, Any]) -> dict[str, str]:
    """Enrol TOTP (through ``meldpunt.auth.totp``) for each seeded user whose role requires it.

    The enrolment is recorded as confirmed two time steps ago, so the code of *now* is the first
    one the app accepts at login (the app refuses a step at or before the last one used).
    """
    try:
        from meldpunt.auth import totp
    except ImportError:  # before the second factor existed
        return {}
    from meldpunt.auth.models import User
    from meldpunt.extensions import db

    required = set(app.extensions["meldpunt.settings"].security.totp_required_roles)
    secrets_by_role: dict[str, str] = {}
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        for role, seeded in users.items():
            if role not in required:
                continue
            user = db.session.get(User, seeded.id)
            secret = totp.new_secret()
            totp.store_secret(db.session, keyring=keyring, user=user, secret=secret, confirmed_step=totp.current_step() - 2)
            secrets_by_role[role] = secret
        db.session.commit()
    return secrets_by_role


# ---------------------------------------------------------------------------- pages


@dataclass
class Recorder:
    """What one browser context did: every request URL, every console error / page error, axe violations."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    axe_violations: list[str] = field(default_factory=list)
    axe_pages: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        return [
            url for url in self.requests
            if not (url == origin or url.startswith(origin + "/")) and not url.startswith(("data:", "about:"))
        ]


def _record_console(recorder: Recorder, page: Any, msg: Any) -> None:
    if msg.type != "error":
        return
    # A page answered with 4xx on purpose (422 for a failed form, 404) logs "Failed to load resource"
    # for the document itself; that is the status the app means to send. Failed assets are caught by
    # ``_record_failed_asset``; every other console error (CSP, script errors) counts.
    if msg.text.startswith("Failed to load resource") and (msg.location or {}).get("url") == page.url:
        return
    recorder.console_errors.append(f"{page.url}: {msg.text}")


def _record_failed_asset(recorder: Recorder, response: Any) -> None:
    if response.status >= 400 and response.request.resource_type != "document":
        recorder.console_errors.append(f"asset {response.url} answered {response.status}")


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., Any]]:
    contexts: list[tuple[Any, Recorder]] = []

    def open_page(width: int = 1280, height: int = 900, **context_options: Any):
        context_options.setdefault("locale", "nl-NL")  # the browser's language (Accept-Language); en-GB for item 9
        context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
        context.set_default_timeout(15_000)
        recorder = Recorder()
        context.on("request", lambda request: recorder.requests.append(request.url))
        page = context.new_page()
        page.on("console", lambda msg: _record_console(recorder, page, msg))
        page.on("response", lambda response: _record_failed_asset(recorder, response))
        page.on("pageerror", lambda exc: recorder.console_errors.append(f"{page.url}: {exc}"))
        page.recorder = recorder
        contexts.append((context, recorder))
        return page

    yield open_page
    problems = []
    for context, recorder in contexts:
        context.close()
        foreign = recorder.foreign_requests(live_server.origin)
        if foreign:
            problems.append(f"requests outside {live_server.origin}: {foreign}")
        if recorder.console_errors:
            problems.append(f"console errors: {recorder.console_errors}")
        if recorder.axe_violations:
            problems.append(f"{len(recorder.axe_violations)} axe-core violations (WCAG 2.1 A/AA):\n" + "\n".join(recorder.axe_violations))
    assert not problems, "; ".join(problems)


@pytest.fixture
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("MELDPUNT_E2E_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------------------- accessibility (axe-core)

#: The rule sets that must pass on every page: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE: list[Any] = []


def axe_engine() -> Any:
    """axe-core as bundled by ``axe-playwright-python`` (a local copy of axe.min.js; nothing is fetched)."""
    if not _AXE:
        try:
            from axe_playwright_python.sync_playwright import Axe
        except ImportError as exc:  # pragma: no cover - the test extra installs it
            if IN_CI:
                pytest.fail(f"CI needs the axe-playwright-python package: {exc}", pytrace=False)
            pytest.skip(f"axe-playwright-python is not installed: {exc}")
        _AXE.append(Axe())
    return _AXE[0]


def axe_violations(page, name: str) -> list[str]:
    """Every WCAG 2.1 A/AA violation axe-core finds on the page now, one line per element."""
    page.wait_for_load_state("load")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = axe_engine().run(page, options=options).response
    width = page.viewport_size["width"] if page.viewport_size else "?"
    lines = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            html = " ".join(node.get("html", "").split())[:160]
            lines.append(f"{name}@{width} {urlsplit(page.url).path}: {violation['id']} ({violation['impact']}): "
                         f"{violation['help']} -> {target} {html}")
    return lines


def check_axe(page, name: str) -> list[str]:
    """Run axe-core on the page and record what it finds (``new_page`` fails the test on any)."""
    found = axe_violations(page, name)
    page.recorder.axe_pages.append(name)
    page.recorder.axe_violations.extend(found)
    return found


# ---------------------------------------------------------------------------- helpers


def totp_code_for(server: LiveServer, role: str) -> str | None:
    """The current TOTP code of the seeded user with ``role`` (enrolled by ``enrol_totp``), or None."""
    secret = server.totp_secrets.get(role)
    if not secret:
        return None
    import pyotp

    return pyotp.TOTP(secret).now()


def log_in(page, server: LiveServer, role: str) -> None:
    """Log in through the real form; answers a TOTP question when the app asks one."""
    user = server.users[role]
    page.goto(server("/inloggen"))
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()
    code_field = page.locator("input[autocomplete='one-time-code']")
    if code_field.count():
        code = totp_code_for(server, role)
        assert code, f"the app asks a TOTP code for {role} but none is enrolled"
        code_field.first.fill(code)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    assert "/inloggen" not in urlsplit(page.url).path, f"login as {role} failed: {page.url}"


def nav_link(page, name: str):
    """A link of the main menu; on a phone the menu is folded behind "Menu", which is opened first."""
    menu = page.locator("details.nav-menu")
    if menu.count() and page.locator("details.nav-menu > summary").is_visible() and not menu.evaluate("d => d.open"):
        page.locator("details.nav-menu > summary").click()
    return page.locator(".main-nav").get_by_role("link", name=name, exact=True)


def send_through_check(page, axe_name: str | None = None) -> None:
    """The filing form never files (issue 22 item 4): "Verder naar controleren", then "Melding versturen"
    on "Controleer uw melding". ``axe_name``: also check the check page with axe under that name."""
    page.get_by_role("button", name="Verder naar controleren").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1).inner_text() == "Controleer uw melding", page.inner_text("main")[:500]
    if axe_name:
        check_axe(page, axe_name)
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_load_state("load")


def reference_on(page) -> str:
    match = re.search(r"MO-[0-9A-Z-]+", page.inner_text("main"))
    assert match, "no MO- reference on the page"
    return match.group(0)


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
