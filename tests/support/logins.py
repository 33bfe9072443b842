"""Helpers for logging in through the whole flow: password, then TOTP (enrolling first when needed).

``login_full(client, email)`` works for every role: for the roles that must use TOTP it
reads the secret from the enrolment page (as a person would type it over) or from the
account (with the app's keyring), and uses a time step newer than the last one used. When
repeated logins have used up the steps the app accepts now, the app's clock (``meldpunt.clock``)
moves on one step instead of the test sleeping until the next 30-second window.
"""

from __future__ import annotations

import re
import time

import pyotp

from meldpunt.auth.totp import STEP_SECONDS
from tests.conftest import PASSWORD, csrf_token

_SECRET_RE = re.compile(r'class="totp-secret"><code>([A-Z2-7 ]+)</code>')


class SteppingClock:
    """The wall clock plus an offset that a test moves forward in whole TOTP steps."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float = STEP_SECONDS) -> None:
        self.offset += seconds


def app_clock(app) -> SteppingClock:
    """The app's clock, replaced by a ``SteppingClock`` (still the wall clock until moved) on first use."""
    clock = app.extensions["meldpunt.clock"]
    if not isinstance(clock, SteppingClock):
        clock = app.extensions["meldpunt.clock"] = SteppingClock()
    return clock


def code_for(app, secret: str, *, after_step: int | None) -> str:
    """A valid code, at the app's clock, for the step now (or now+1) newer than ``after_step``.

    The middle of the accepted window (now-1 .. now+1) is preferred, so a 30-second boundary passing
    between this call and the POST does not matter. When only later steps remain, the app's clock
    moves on one step.
    """
    clock = app_clock(app)
    now_step = int(clock() // STEP_SECONDS)
    step = now_step if after_step is None else max(now_step, after_step + 1)
    if step > now_step + 1:
        clock.advance()
        return code_for(app, secret, after_step=after_step)
    return pyotp.TOTP(secret).generate_otp(step)


def user_totp_state(app, email: str) -> tuple[str | None, int | None]:
    from sqlalchemy import select

    from meldpunt.auth.models import User
    from meldpunt.auth.totp import read_secret
    from meldpunt.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        secret = read_secret(db.session, keyring=app.extensions["meldpunt.keyring"], user=user)
        last = user.totp_last_step
        db.session.remove()
    return secret, last


def enrol_from_page(client, page_text: str, *, password: str | None = PASSWORD) -> tuple[str, object]:
    """Type over the shown secret and confirm with a fresh code (and the current password when the
    page asks for it, as it does for a logged-in user replacing the factor); returns (secret, response)."""
    match = _SECRET_RE.search(page_text)
    assert match, "no TOTP secret on the enrolment page"
    secret = match.group(1).replace(" ", "")
    data = {"code": code_for(client.application, secret, after_step=None), "csrf_token": csrf_token(page_text)}
    if 'name="current_password"' in page_text and password is not None:
        data["current_password"] = password
    response = client.post("/inloggen/instellen", data=data)
    return secret, response


def complete_login(client, email: str, response):
    """Finish a login that ``tests.conftest.login`` started; returns the final response."""
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if location.endswith("/inloggen/instellen"):
        page = client.get("/inloggen/instellen").get_data(as_text=True)
        _secret, final = enrol_from_page(client, page)
        assert final.status_code == 200, final.status_code  # the recovery codes, shown once
        return client.get("/")  # logged in: 302 to the home page, like a login without TOTP
    if location.endswith("/inloggen/code"):
        secret, last = user_totp_state(client.application, email)
        page = client.get("/inloggen/code").get_data(as_text=True)
        return client.post("/inloggen/code", data={"code": code_for(client.application, secret, after_step=last),
                                                    "csrf_token": csrf_token(page)})
    return response


def password_step(client, email: str, password: str = PASSWORD):
    """Only the password step (the response may redirect to the code or enrolment step)."""
    page = client.get("/inloggen")
    return client.post("/inloggen", data={"email": email, "password": password,
                                          "csrf_token": csrf_token(page.get_data(as_text=True))})


def login_full(client, email: str, password: str = PASSWORD):
    """The whole login, also for roles with TOTP: ends in a 302 to the home page when it succeeds."""
    return complete_login(client, email, password_step(client, email, password))


def enrol_totp(app, email: str) -> str:
    """Give an account a TOTP secret directly (as if enrolled earlier); returns the secret.

    For ``tests.conftest.make_users``: with privileged users enrolled, ``login`` + ``complete_login``
    ends in the same 302 to the home page as for every other role.
    """
    from sqlalchemy import select

    from meldpunt.auth.models import User
    from meldpunt.auth.totp import current_step, new_secret, store_secret
    from meldpunt.extensions import db

    secret = new_secret()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        store_secret(db.session, keyring=app.extensions["meldpunt.keyring"], user=user, secret=secret,
                     confirmed_step=current_step() - 2)
        db.session.commit()
        db.session.remove()
    return secret


def unenrol_totp(app, email: str) -> None:
    """Remove an account's second factor, so its next login starts with enrolment."""
    from sqlalchemy import select

    from meldpunt.auth.models import User
    from meldpunt.auth.service import clear_totp
    from meldpunt.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        clear_totp(db.session, user=user)
        db.session.commit()
        db.session.remove()
