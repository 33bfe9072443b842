"""One limiter for every password check (issue 15 item 15) and no targeted lockout (item 16).

Attackers and victims are separate test clients with their own ``REMOTE_ADDR``; the limiter storage is
memory (one app) or Redis (``limited_app``), as in production.
"""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.extensions import db
from tests.conftest import PASSWORD, REDIS_URL, csrf_token, make_users, service_missing
from tests.support.logins import enrol_totp, login_full
from tests.support.logins import password_step as login

LIMIT_REDIS = REDIS_URL.rsplit("/", 1)[0] + "/7"
WRONG = "not the password at all"


@pytest.fixture
def limited_app(app_factory):
    """Limits in Redis DB 7: keys are HMACs under each test's own fresh keyring, so runs never share a counter."""
    try:
        redis.Redis.from_url(LIMIT_REDIS).ping()
    except redis.RedisError as exc:
        service_missing("Redis", LIMIT_REDIS, exc)
    return app_factory(security={"ratelimit_storage_url": LIMIT_REDIS})


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _recovery_reauth(client, password: str):
    page = client.get("/account").get_data(as_text=True)
    return client.post("/account/herstelcodes", data={"csrf_token": csrf_token(page), "current_password": password})


def _password_change(client, current: str):
    page = client.get("/account/wachtwoord").get_data(as_text=True)
    return client.post("/account/wachtwoord", data={"csrf_token": csrf_token(page), "current": current,
                                                    "new": "een heel nieuw wachtwoord 2026"})


def _enrol_reauth(client, password: str):
    page = client.get("/inloggen/instellen").get_data(as_text=True)
    return client.post("/inloggen/instellen", data={"csrf_token": csrf_token(page), "current_password": password,
                                                    "code": "000000"})


def _codes_issued(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "auth.recovery_codes", AuditEntry.result == "ok", AuditEntry.actor_id == user_id))


# ---------------------------------------------------------------------------- item 15


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_item_15_recovery_code_reauth_is_throttled(app, request, storage):
    """40 wrong passwords at the re-authentication for new recovery codes: refused with 429 after five."""
    app = request.getfixturevalue("limited_app") if storage == "redis" else app
    users = make_users(app)
    user = users["regisseur"]
    client = _client(app, "198.51.100.15")
    login_full(client, user.email)
    statuses = [_recovery_reauth(client, WRONG).status_code for _ in range(40)]
    assert statuses[:5] == [302] * 5  # "Uw huidige wachtwoord klopt niet" on the account page
    assert set(statuses[5:]) == {429}
    refused = _recovery_reauth(client, PASSWORD)  # even the right password waits now
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Te veel pogingen" in text and "Probeer het over" in text
    assert int(refused.headers["Retry-After"]) >= 1
    assert _codes_issued(app, user.id) == 0
    with app.app_context():  # only the five checks that ran were audited as failures
        failed = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "auth.recovery_codes", AuditEntry.result == "failed"))
    assert failed == 5


def test_item_15_every_password_check_shares_one_limiter(app, users):
    """Failures at the recovery-code re-auth, the password change and the second-factor re-auth add up,
    and then also stop the login itself for that account from that client."""
    email = users["melder"].email
    enrol_totp(app, email)  # new recovery codes exist only for an account with a second factor
    client = _client(app, "198.51.100.16")
    login_full(client, email)
    assert _recovery_reauth(client, WRONG).status_code == 302
    assert _recovery_reauth(client, WRONG).status_code == 302
    assert _password_change(client, WRONG).status_code == 422
    assert _password_change(client, WRONG).status_code == 422
    assert _enrol_reauth(client, WRONG).status_code == 422
    for attempt in (_recovery_reauth(client, PASSWORD), _password_change(client, PASSWORD),
                    _enrol_reauth(client, PASSWORD)):
        assert attempt.status_code == 429
    # The same client cannot escape to the login page: a fresh browser on the same address is refused too.
    assert login(_client(app, "198.51.100.16"), email).status_code == 429


def test_item_15_password_change_counts_only_wrong_current_passwords(app, users):
    """A new password that breaks the policy is no failed password check: it never throttles."""
    client = _client(app, "198.51.100.17")
    login_full(client, users["melder"].email)
    page = client.get("/account/wachtwoord").get_data(as_text=True)
    for _ in range(8):
        weak = client.post("/account/wachtwoord", data={"csrf_token": csrf_token(page), "current": PASSWORD,
                                                        "new": "kort"})
        assert weak.status_code == 422
    assert _password_change(client, PASSWORD).status_code == 302


# ---------------------------------------------------------------------------- item 16


def test_item_16_attacker_on_one_client_cannot_lock_out_the_victim(limited_app):
    users = make_users(limited_app)
    victim = users["melder"].email
    attacker = _client(limited_app, "198.51.100.66")
    statuses = [login(attacker, victim, WRONG).status_code for _ in range(30)]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    assert login(attacker, victim).status_code == 429  # the attacker's client may not even try the right one
    own = _client(limited_app, "203.0.113.16")
    assert login(own, victim).status_code == 302  # at once, no delay


def test_item_16_distributed_attack_slows_every_attacking_client_but_not_the_victim(app_factory):
    """Many addresses, a few tries each: the account's growing delay holds back every client that failed
    (even with the right password), while a client without failures logs in at once."""
    app = app_factory(security={"ratelimit_storage_url": "memory://", "password_backoff_after": 5,
                                "password_backoff_max_seconds": 600})
    users = make_users(app)
    victim = users["melder"].email
    attackers = [_client(app, f"198.51.100.{n}") for n in range(100, 110)]
    first_round = [login(a, victim, WRONG).status_code for a in attackers]
    assert first_round == [200] * 10  # 10 failures on the account, one per client
    second_round = [login(a, victim, WRONG) for a in attackers]
    assert {r.status_code for r in second_round} == {429}
    waits = [int(r.headers["Retry-After"]) for r in second_round]
    assert max(waits) <= 600 and waits[-1] >= 16  # 2**(10 - 5) = 32 s after the last failure
    assert login(attackers[0], victim).status_code == 429  # the right password is no way round it
    # The victim, from their own client: straight in.
    own = _client(app, "203.0.113.16")
    assert login(own, victim).status_code == 302
    # A colleague's account is not affected at all.
    assert login(_client(app, "198.51.100.100"), users["deelnemer"].email).status_code == 302


def test_item_16_victim_who_mistypes_during_an_attack_waits_a_bounded_time(app_factory):
    app = app_factory(security={"ratelimit_storage_url": "memory://", "password_backoff_max_seconds": 10})
    users = make_users(app)
    victim = users["melder"].email
    for n in range(8):
        login(_client(app, f"198.51.100.{n}"), victim, WRONG)
    own = _client(app, "203.0.113.17")
    assert login(own, victim, "typo in my password").status_code == 200
    waiting = login(own, victim)  # 2**(9 - 5) = 16 s, capped at the configured 10 s
    assert waiting.status_code == 429 and 1 <= int(waiting.headers["Retry-After"]) <= 10


def test_item_16_unknown_accounts_are_throttled_like_known_ones(app, users):
    """No account enumeration through the limiter: an unknown e-mail gets the same answers."""
    client_known, client_unknown = _client(app, "198.51.100.31"), _client(app, "198.51.100.32")
    known = [login(client_known, users["melder"].email, WRONG).status_code for _ in range(7)]
    unknown = [login(client_unknown, "niemand@test.example", WRONG).status_code for _ in range(7)]
    assert known == unknown == [200] * 5 + [429] * 2


def test_item_16_the_right_password_clears_only_that_clients_own_failures(app_factory):
    app = app_factory(security={"ratelimit_storage_url": "memory://", "password_backoff_after": 100})
    users = make_users(app)
    email = users["melder"].email
    client = _client(app, "198.51.100.40")
    assert [login(client, email, WRONG).status_code for _ in range(4)] == [200] * 4
    assert login(client, email).status_code == 302  # the fifth try is the right one
    client.post("/uitloggen", data={"csrf_token": csrf_token(client.get("/account").get_data(as_text=True))})
    assert [login(client, email, WRONG).status_code for _ in range(6)] == [200] * 5 + [429]


def test_item_16_throttle_rules_unit():
    from meldpunt.auth.throttle import ThrottleRules

    rules = ThrottleRules(backoff_after=5, backoff_max_seconds=900)
    assert [rules.delay_for(n) for n in (0, 4, 5, 6, 10, 15, 1000)] == [0, 0, 1, 2, 32, 900, 900]


def test_item_16_enrolled_victim_still_reaches_the_code_step(app_factory):
    """A privileged victim (TOTP) under a targeted attack still gets to the code step and in."""
    app = app_factory(security={"ratelimit_storage_url": "memory://"})
    users = make_users(app)
    email = users["regisseur"].email
    enrol_totp(app, email)
    for _ in range(10):
        login(_client(app, "198.51.100.90"), email, WRONG)
    own = _client(app, "203.0.113.90")
    assert login_full(own, email).status_code == 302
    assert own.get("/behandelen/").status_code == 200
