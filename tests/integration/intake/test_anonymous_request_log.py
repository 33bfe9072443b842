"""Issue 15 item 6: the real web servers write no client address, user agent or moment of an anonymous request.

Runs the app as it runs for real, in a subprocess with its output captured: ``flask run`` (what
``make run`` starts) and gunicorn with its access log switched on (``--access-logfile -``, the way an
operator would). An anonymous reporter, connecting from 127.0.0.2 with a recognisable user agent,
files a melding and uses every receipt-code route and a static file; a staff browser from
127.0.0.1 opens the login page. Afterwards the log must show the staff request and nothing of the
anonymous one.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.worker_stack import free_port
from tests.support.forms import send_data
from tests.support.keys import PROJECT_ROOT, write_config_toml

BIN = Path(sys.executable).parent
ANONYMOUS_ADDRESS = "127.0.0.2"
USER_AGENT = "AnoniemeBrowser/7.7 (canary-ua-5e1f09)"
FORWARDED_FOR = "203.0.113.199"


class Browser:
    """A tiny HTTP client with one cookie jar, connecting from a chosen loopback address."""

    def __init__(self, port: int, source: str, headers: dict[str, str] | None = None) -> None:
        self.port, self.source = port, source
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, text


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token"
    return match.group(1)


def _start(kind: str, port: int, config: Path, log_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env["MELDPUNT_CONFIG"] = str(config)
    if kind == "flask":
        argv = [str(BIN / "flask"), "--app", "meldpunt", "run", "--host", "127.0.0.1", "--port", str(port)]
    else:
        argv = [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "--access-logfile", "-",
                "--error-logfile", "-", "--no-control-socket", "meldpunt:create_app()"]
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process below
    process = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    process.log_file = log  # type: ignore[attr-defined]
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    process.log_file.close()  # type: ignore[attr-defined]


def _wait_until_up(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server stopped: {log_path.read_text(errors='replace')}")
        try:
            status, _h, _t = Browser(port, "127.0.0.1").request("GET", "/inloggen")
            if status == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"server did not answer: {log_path.read_text(errors='replace')}")


@pytest.mark.parametrize("kind", ["flask", "gunicorn"])
def test_item_06_server_logs_keep_nothing_of_anonymous_requests(app, tmp_path, kind):
    config = write_config_toml(app)  # the app's schema exists (app fixture); same database, mode 0600
    port = free_port()
    log_path = tmp_path / f"{kind}.log"
    process = _start(kind, port, config, log_path)
    try:
        _wait_until_up(port, process, log_path)
        staff = Browser(port, "127.0.0.1")
        assert staff.request("GET", "/inloggen?staff-control=1")[0] == 200

        anonymous = Browser(port, ANONYMOUS_ADDRESS, {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED_FOR})
        _s, _h, page = anonymous.request("GET", "/melden/anoniem")
        status, _h, page = anonymous.request("POST", "/melden/anoniem", {
            "csrf_token": _token(page), "description": "Loods aan de Havenweg", "feedback": "code"})
        assert status == 303, page  # to "Controleer uw melding" (issue 22 item 4), whose send files it
        _s, _h, page = anonymous.request("GET", "/melden/anoniem/controleren")
        status, _h, page = anonymous.request("POST", "/melden/anoniem/controleren", send_data(page))
        assert status == 303, page  # post/redirect/get: the code is shown once on the page it leads to
        status, _h, page = anonymous.request("GET", "/melden/anoniem/ontvangen")
        assert status == 200, page
        code = re.search(r'<p class="receipt-code" id="ontvangstcode"><code>([0-9A-Z ]+)</code>', page).group(1)
        _s, _h, page = anonymous.request("GET", "/ontvangstcode")
        token = _token(page)
        assert anonymous.request("POST", "/ontvangstcode", {"csrf_token": token, "code": "ABCD EFGH JKMN PQRS TVWX"})[0] == 422
        assert anonymous.request("POST", "/ontvangstcode", {"csrf_token": token, "code": code})[0] == 303
        status, _h, page = anonymous.request("GET", "/ontvangstcode/melding")
        assert status == 200 and "Loods aan de Havenweg" in page
        assert anonymous.request("POST", "/ontvangstcode/bericht", {"csrf_token": token, "body": "Nummer 12"})[0] == 303
        assert anonymous.request("GET", "/static/css/meldpunt.css")[0] in (200, 304)
        referred = {"Referer": f"http://127.0.0.1:{port}/ontvangstcode/melding"}
        assert anonymous.request("GET", "/static/favicon.svg", headers=referred)[0] in (200, 304)
        assert anonymous.request("POST", "/ontvangstcode/sluiten", {"csrf_token": token})[0] == 303
        assert anonymous.request("GET", "/melden/anoniem/../../ontvangstcode/melding")[0] in (303, 308, 404)
        time.sleep(0.5)  # let the server flush its last lines
    finally:
        _stop(process)

    log = log_path.read_text(errors="replace")
    lines = log.splitlines()
    # The capture works: the staff request is there, with its address.
    assert any("/inloggen?staff-control=1" in line and "127.0.0.1" in line for line in lines), log
    # Nothing of the anonymous reporter: no address, no browser, no forwarded address, no anonymous path.
    for needle in (ANONYMOUS_ADDRESS, "canary-ua-5e1f09", "AnoniemeBrowser", FORWARDED_FOR,
                   "/melden/anoniem", "/ontvangstcode", code, code.replace(" ", "")):
        assert needle not in log, f"{needle!r} in the {kind} log:\n{log}"
