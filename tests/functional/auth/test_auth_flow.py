"""Login flow: TOTP for privileged roles (enrolment, replay protection, recovery codes),
server-side sessions (logout, password change, disable, idle and absolute timeouts), throttling."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select, update

from meldpunt.auth.models import AuthSession, User
from meldpunt.database import utcnow
from meldpunt.extensions import db
from tests.conftest import PASSWORD, REDIS_URL, csrf_token, make_users, service_missing
from tests.support.logins import password_step as login  # stops before the code step
from tests.support.logins import (
    code_for,
    enrol_from_page,
    enrol_totp,
    login_full,
    unenrol_totp,
    user_totp_state,
)

LIMIT_REDIS = REDIS_URL.rsplit("/", 1)[0] + "/7"


@pytest.fixture
def limited_app(app_factory):
    """An app whose rate limits live in Redis DB 7. Not flushed: per-account keys are HMACs under each
    test's own fresh keyring, so runs (also parallel ones) never share a counter."""
    try:
        redis.Redis.from_url(LIMIT_REDIS).ping()
    except redis.RedisError as exc:
        service_missing("Redis", LIMIT_REDIS, exc)
    return app_factory(security={"ratelimit_storage_url": LIMIT_REDIS})


def _reload(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def test_regisseur_must_enrol_and_can_do_nothing_else_first(app, users):
    unenrol_totp(app, users["regisseur"].email)
    client = app.test_client()
    response = login(client, users["regisseur"].email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen/instellen")
    # Not logged in yet: every other page sends the user to the login page.
    blocked = client.get("/behandelen/")
    assert blocked.status_code == 302 and "/inloggen" in blocked.headers["Location"]
    page = client.get("/inloggen/instellen")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text and "data:" not in text
    secret, done = enrol_from_page(client, text)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "Uw herstelcodes" in body
    assert body.count("<li><code>") == 10
    assert done.headers["Cache-Control"] == "no-store"
    assert client.get("/behandelen/").status_code == 200
    stored_secret, last = user_totp_state(app, users["regisseur"].email)
    assert stored_secret == secret and last is not None
    with app.app_context():
        raw = db.session.scalar(select(User.totp_secret_ct).where(User.email == users["regisseur"].email))
    assert secret.encode() not in raw  # encrypted at rest


def test_same_totp_code_twice_fails(app, users):
    email = users["beheerder"].email
    first = app.test_client()
    login_full(first, email)
    secret, last = user_totp_state(app, email)
    code = code_for(app, secret, after_step=last)
    ok_client = app.test_client()
    assert login(ok_client, email).headers["Location"].endswith("/inloggen/code")
    page = ok_client.get("/inloggen/code").get_data(as_text=True)
    ok = ok_client.post("/inloggen/code", data={"code": code, "csrf_token": csrf_token(page)})
    assert ok.status_code == 302
    replay_client = app.test_client()
    login(replay_client, email)
    page = replay_client.get("/inloggen/code").get_data(as_text=True)
    replay = replay_client.post("/inloggen/code", data={"code": code, "csrf_token": csrf_token(page)})
    assert replay.status_code == 422
    assert "klopt niet of is al gebruikt" in replay.get_data(as_text=True)
    assert replay_client.get("/beheer/gebruikers").status_code == 302


def test_recovery_code_works_once(app, users):
    email = users["integriteit"].email
    unenrol_totp(app, email)
    client = app.test_client()
    page = client.get("/inloggen/instellen")  # not pending: back to login
    assert page.status_code == 302
    response = login(client, email)
    _secret, done = enrol_from_page(client, client.get(response.headers["Location"]).get_data(as_text=True))
    import re

    codes = re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    for attempt, expected in ((codes[0], 302), (codes[0].lower(), 422)):
        other = app.test_client()
        login(other, email)
        page = other.get("/inloggen/code").get_data(as_text=True)
        result = other.post("/inloggen/code", data={"code": attempt, "csrf_token": csrf_token(page)})
        assert result.status_code == expected


def test_session_cookie_from_before_logout_is_refused(app, users):
    client = app.test_client()
    login_full(client, users["regisseur"].email)
    assert client.get("/behandelen/").status_code == 200
    cookie = client.get_cookie("meldpunt")
    assert cookie is not None
    page = client.get("/behandelen/").get_data(as_text=True)
    client.post("/uitloggen", data={"csrf_token": csrf_token(page)})
    thief = app.test_client()
    thief.set_cookie("meldpunt", cookie.value)
    refused = thief.get("/behandelen/")
    assert refused.status_code == 302 and "/inloggen" in refused.headers["Location"]


def test_login_gives_new_session_and_no_remember_cookie(app, users):
    client = app.test_client()
    client.get("/inloggen")
    before = client.get_cookie("meldpunt").value
    response = login(client, users["melder"].email)
    assert response.status_code == 302
    assert client.get_cookie("meldpunt").value != before
    assert client.get_cookie("remember_token") is None
    set_cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    with app.app_context():
        rows = db.session.scalars(select(AuthSession)).all()
    assert len(rows) == 1 and len(rows[0].digest) == 64


def test_secure_cookie_and_hsts_behind_tls(app_factory):
    app = app_factory(security={"behind_tls": True})
    users = make_users(app)
    client = app.test_client()
    page = client.get("/inloggen", base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    response = client.post("/inloggen", base_url="https://localhost", data={
        "email": users["melder"].email, "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith("__Host-meldpunt=") and "Secure" in set_cookie and "HttpOnly" in set_cookie


def test_password_change_ends_other_sessions(app, users):
    email = users["melder"].email
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, email)
    login(phone, email)
    page = laptop.get("/account/wachtwoord").get_data(as_text=True)
    new_password = "een heel ander lang wachtwoord"
    changed = laptop.post("/account/wachtwoord", data={"current": PASSWORD, "new": new_password,
                                                        "csrf_token": csrf_token(page)})
    assert changed.status_code == 302
    assert laptop.get("/mijn-meldingen").status_code == 200
    assert phone.get("/mijn-meldingen").status_code == 302
    assert login(app.test_client(), email, new_password).status_code == 302


def test_weak_password_is_refused_with_dutch_message(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    page = client.get("/account/wachtwoord").get_data(as_text=True)
    for weak, message in (("kort", "minstens 12 tekens"), ("wachtwoord123", "veel gebruikt"), ("x" * 129, "128")):
        response = client.post("/account/wachtwoord", data={"current": PASSWORD, "new": weak,
                                                             "csrf_token": csrf_token(page)})
        assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_disabled_account_is_logged_out_everywhere(app, users):
    melder = app.test_client()
    login(melder, users["melder"].email)
    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    page = admin.get(f"/beheer/gebruikers/{users['melder'].id}").get_data(as_text=True)
    response = admin.post(f"/beheer/gebruikers/{users['melder'].id}/blokkeren", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert melder.get("/mijn-meldingen").status_code == 302
    assert login(app.test_client(), users["melder"].email).status_code == 200  # generic refusal


def test_idle_and_absolute_timeouts(app, users):
    client = app.test_client()
    login(client, users["melder"].email)
    assert client.get("/mijn-meldingen").status_code == 200
    # Activity keeps a session alive: a read-only page moves last_seen_at forward (and commits it).
    with app.app_context():
        db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
        db.session.commit()
    assert client.get("/mijn-meldingen").status_code == 200
    with app.app_context():
        seen = db.session.scalar(select(AuthSession.last_seen_at))
        assert utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(minutes=1)
    with app.app_context():
        db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()
    assert client.get("/mijn-meldingen").status_code == 302
    fresh = app.test_client()
    login(fresh, users["melder"].email)
    with app.app_context():
        db.session.execute(update(AuthSession).where(AuthSession.revoked_at.is_(None)).values(
            created_at=utcnow() - timedelta(hours=10, minutes=1), last_seen_at=utcnow()))
        db.session.commit()
    assert fresh.get("/mijn-meldingen").status_code == 302


def test_sixth_failed_login_is_throttled_without_locking_out_the_account(limited_app):
    users = make_users(limited_app)
    attacker = limited_app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    statuses = []
    for _ in range(6):
        page = attacker.get("/inloggen").get_data(as_text=True)
        response = attacker.post("/inloggen", data={"email": users["melder"].email, "password": "wrong password 123",
                                                    "csrf_token": csrf_token(page)})
        statuses.append(response.status_code)
    assert statuses == [200] * 5 + [429]
    assert "Te veel pogingen" in response.get_data(as_text=True)
    # The right password from the throttled client is throttled too ...
    assert login(attacker, users["melder"].email).status_code == 429
    # ... but the account holder's own client is not locked out (issue 15 item 16).
    elsewhere = limited_app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert login(elsewhere, users["melder"].email).status_code == 302
    # Another account, another client: not affected.
    colleague = limited_app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "203.0.113.10"
    assert login(colleague, users["deelnemer"].email).status_code == 302


def test_successful_logins_are_not_throttled(limited_app):
    users = make_users(limited_app)
    for _ in range(8):
        assert login(limited_app.test_client(), users["melder"].email).status_code == 302


def test_login_attempts_are_audited_without_the_typed_email(app, users):
    from meldpunt.audit.models import AuditEntry

    client = app.test_client()
    login(client, "iemand.anders@test.example", "wrong password 123")
    login(client, users["melder"].email)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login")).all()
        assert [(e.result, e.actor_id) for e in entries] == [("failed", None), ("ok", users["melder"].id)]
        assert "iemand.anders" not in entries[0].details and entries[0].origin == "127.0.0.1"


def test_security_headers_on_every_response(app, users):
    client = app.test_client()
    for path in ("/", "/inloggen", "/healthz", "/bestaat-niet", "/static/css/meldpunt.css"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    login(client, users["melder"].email)
    assert client.get("/mijn-meldingen").headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in client.get("/").headers  # not behind TLS here


def test_a_melder_may_enrol_voluntarily_and_then_needs_a_code(app, users):
    email = users["melder"].email
    client = app.test_client()
    login(client, email)
    other_device = app.test_client()
    login(other_device, email)
    page = client.get("/inloggen/instellen").get_data(as_text=True)
    assert 'name="current_password"' in page  # re-authentication before changing the second factor
    _secret, refused = enrol_from_page(client, page, password="not my password at all")
    assert refused.status_code == 422 and "Uw huidige wachtwoord klopt niet." in refused.get_data(as_text=True)
    _secret, refused = enrol_from_page(client, page, password=None)
    assert refused.status_code == 422
    page = client.get("/inloggen/instellen").get_data(as_text=True)
    secret, done = enrol_from_page(client, page)
    assert done.status_code == 200 and "Uw herstelcodes" in done.get_data(as_text=True)
    assert client.get("/mijn-meldingen").status_code == 200  # this browser got a fresh session
    assert other_device.get("/mijn-meldingen").status_code == 302  # a TOTP change ends the others
    again = login(app.test_client(), email)
    assert again.headers["Location"].endswith("/inloggen/code")


def test_pre_enrolled_account_logs_in_with_a_code(app, users):
    email = users["voorzitter"].email
    secret = enrol_totp(app, email)
    client = app.test_client()
    response = login(client, email)
    assert response.headers["Location"].endswith("/inloggen/code")
    page = client.get("/inloggen/code").get_data(as_text=True)
    wrong = client.post("/inloggen/code", data={"code": "000000", "csrf_token": csrf_token(page)})
    assert wrong.status_code == 422
    ok = client.post("/inloggen/code", data={"code": code_for(app, secret, after_step=None), "csrf_token": csrf_token(page)})
    assert ok.status_code == 302 and client.get("/account").status_code == 200


def test_code_step_is_throttled_per_account(limited_app):
    users = make_users(limited_app)
    email = users["beheerder"].email
    enrol_totp(limited_app, email)
    client = limited_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert login(client, email).headers["Location"].endswith("/inloggen/code")
    page = client.get("/inloggen/code").get_data(as_text=True)
    statuses = [client.post("/inloggen/code", data={"code": "000000", "csrf_token": csrf_token(page)}).status_code
                for _ in range(6)]
    assert statuses == [422] * 5 + [429]


def test_new_recovery_codes_need_the_current_password(app, users):
    from tests.support.logins import login_full

    email = users["regisseur"].email
    client = app.test_client()
    login_full(client, email)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="current_password"' in page
    refused = client.post("/account/herstelcodes", data={"csrf_token": csrf_token(page), "current_password": "wrong"},
                          follow_redirects=True)
    assert "Uw huidige wachtwoord klopt niet" in refused.get_data(as_text=True)
    assert "Uw herstelcodes" not in refused.get_data(as_text=True)
    page = client.get("/account").get_data(as_text=True)
    done = client.post("/account/herstelcodes", data={"csrf_token": csrf_token(page), "current_password": PASSWORD})
    assert done.status_code == 200 and "Uw herstelcodes" in done.get_data(as_text=True)


def test_item_09_totp_reads_the_apps_clock_so_tests_need_not_sleep(app, users):
    """The code step checks the time step of the app's injected clock, not a hidden time.time()."""
    import pyotp

    from meldpunt.auth.totp import STEP_SECONDS
    from tests.support.logins import app_clock

    email = users["voorzitter"].email
    secret = enrol_totp(app, email)
    clock = app_clock(app)
    clock.advance(10 * STEP_SECONDS)  # the app's clock is five minutes ahead of the wall clock
    wall_step, app_step = int(time.time() // STEP_SECONDS), int(clock() // STEP_SECONDS)
    assert app_step - wall_step >= 9

    client = app.test_client()
    assert login(client, email).headers["Location"].endswith("/inloggen/code")
    page = client.get("/inloggen/code").get_data(as_text=True)
    by_wall_clock = client.post("/inloggen/code", data={"code": pyotp.TOTP(secret).generate_otp(wall_step),
                                                         "csrf_token": csrf_token(page)})
    assert by_wall_clock.status_code == 422
    by_app_clock = client.post("/inloggen/code", data={"code": pyotp.TOTP(secret).generate_otp(app_step),
                                                        "csrf_token": csrf_token(page)})
    assert by_app_clock.status_code == 302 and client.get("/account").status_code == 200
    assert user_totp_state(app, email)[1] == app_step


def test_item_09_many_logins_in_one_window_move_the_clock_instead_of_sleeping(app, users):
    from tests.support.logins import app_clock

    email = users["beheerder"].email
    for _ in range(5):  # the window (now-1 .. now+1) holds at most three unused steps
        assert login_full(app.test_client(), email).status_code == 302
    assert app_clock(app).offset >= 30  # the helper moved the app's clock on instead of sleeping


def test_item_10_password_change_refuses_a_guessable_password_over_http(app, users):
    client = app.test_client()
    email = users["melder"].email
    login(client, email)
    page = client.get("/account/wachtwoord").get_data(as_text=True)
    for weak, message in (("aaaaaaaaaaaa", "te makkelijk te raden"), ("voetbal12345", "veel gebruikt"),
                          (email + "1", "te makkelijk te raden")):
        response = client.post("/account/wachtwoord", data={"current": PASSWORD, "new": weak,
                                                             "csrf_token": csrf_token(page)})
        assert response.status_code == 422 and message in response.get_data(as_text=True), weak
    strong = client.post("/account/wachtwoord", data={"current": PASSWORD, "new": "Tulpenbol-Fiets-Regen-Vos",
                                                      "csrf_token": csrf_token(page)})
    assert strong.status_code == 302
