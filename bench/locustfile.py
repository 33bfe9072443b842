"""Locust users for ``python -m bench load`` (issue 23, "A load test with Locust").

80 % reporters (file a melding, read Mijn meldingen and one of their own meldingen), 20 % handlers
(regisseurs with TOTP: the queue's tabs, page 1 and the next page, and a signal page). The accounts
come from the JSON file named by ``MELDPUNT_LOAD_ACCOUNTS`` (written by ``bench/bench_load.py``):
``{"reporters": [email, ...], "handlers": [[email, totp secret], ...], "signals": [uuid, ...],
"password": "..."}``. Each simulated user takes the next account of its kind, so every account logs
in once (TOTP steps are not reused). Requests go to ``--host`` only (127.0.0.1 in the bench).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

import pyotp
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

_ACCOUNTS = json.loads(open(os.environ["MELDPUNT_LOAD_ACCOUNTS"]).read())  # noqa: SIM115 - read once at import
_REPORTERS = itertools.cycle(_ACCOUNTS["reporters"])
_HANDLERS = itertools.cycle(_ACCOUNTS["handlers"])
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_OWN = re.compile(r'href="/mijn-meldingen/([0-9a-f-]{36})"')
_KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]*)"')
_NEXT = re.compile(r'href="([^"]+)" rel="next"')
DESCRIPTION = "Bij het pand aan de Dorpsstraat worden 's nachts steeds andere busjes gelost. " * 2
TABS = ("alle", "nieuw", "mijn", "wacht", "te-laat")


def _token(html: str) -> str:
    found = _CSRF.search(html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


class _Base(FastHttpUser):
    abstract = True

    def _login(self, email: str) -> str:
        with self.client.get("/inloggen", name="GET /inloggen", catch_response=True) as page:
            token = _token(page.text or "")
        with self.client.post("/inloggen", name="POST /inloggen", allow_redirects=False, catch_response=True,
                              data={"email": email, "password": _ACCOUNTS["password"], "csrf_token": token}) as answer:
            if answer.status_code != 302:
                answer.failure(f"login answered {answer.status_code}")
            return answer.headers.get("Location", "") if answer.headers else ""


class Reporter(_Base):
    weight = 4
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self._login(next(_REPORTERS))

    @task(2)
    def file(self) -> None:
        """Form → "Controleer uw melding" → send (issue 22 item 4: the form never files by itself)."""
        page = self.client.get("/melden", name="GET /melden")
        self.client.post("/melden", name="POST /melden", allow_redirects=False, data={
            "csrf_token": _token(page.text or ""), "identity": "naam", "description": DESCRIPTION, "feedback": "app"})
        check = self.client.get("/melden/controleren", name="GET /melden/controleren")
        key = _KEY.search(check.text or "")
        self.client.post("/melden/controleren", name="POST /melden/controleren", allow_redirects=False, data={
            "csrf_token": _token(check.text or ""), "idempotency_key": key.group(1) if key else ""})

    @task(3)
    def read_own(self) -> None:
        listing = self.client.get("/mijn-meldingen", name="GET /mijn-meldingen")
        own = _OWN.findall(listing.text or "")
        if own:
            self.client.get(f"/mijn-meldingen/{random.choice(own)}", name="GET /mijn-meldingen/<id>")  # nosec B311


class Handler(_Base):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        email, secret = next(_HANDLERS)
        location = self._login(email)
        if location.endswith("/inloggen/code"):
            page = self.client.get("/inloggen/code", name="GET /inloggen/code")
            self.client.post("/inloggen/code", name="POST /inloggen/code", allow_redirects=False, data={
                "csrf_token": _token(page.text or ""), "code": pyotp.TOTP(secret).now()})

    @task(4)
    def queue(self) -> None:
        tab = random.choice(TABS)  # nosec B311 - load mix, not security
        page = self.client.get(f"/behandelen/?tab={tab}", name="GET /behandelen/?tab=…")
        following = _NEXT.search(page.text or "")
        if following:
            self.client.get(following.group(1).replace("&amp;", "&"), name="GET /behandelen/?tab=…&na=… (next page)")

    @task(2)
    def signal_page(self) -> None:
        signal_id = random.choice(_ACCOUNTS["signals"])  # nosec B311
        self.client.get(f"/behandelen/meldingen/{signal_id}", name="GET /behandelen/meldingen/<id>")
