"""Regression tests for the findings of the security review (one test per finding, through the real app)."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.auth.models import User
from meldpunt.cases.models import CaseSignal, CaseSubject
from meldpunt.cases.service import add_signal_to_case, add_subject_to_case, close_case, create_case
from meldpunt.extensions import db
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.intake.service import file_signal
from meldpunt.intake.subjects import add_subject
from meldpunt.signals.service import transition_signal
from meldpunt.signals.transitions import Path
from meldpunt.vault.service import cipher_for, current_keyring
from tests.support.logins import login_full


def _move(signal, actor, *targets):
    for target in targets:
        transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=actor, target=target,
                          path=Path.STATUS, four_eyes=False, reason="Reden voor de stap")


def test_signal_transferred_to_integrity_leaves_its_case(app, users):
    """A regular signal in a case that later goes to the integrity track must not stay readable on the case page.

    Path: linked to a case -> closed with the case (the link stays) -> reopened -> transferred to integrity. Before
    the fix the case page decrypted the integrity signal's subjects for every regisseur.
    """
    with app.app_context():
        regisseur = db.session.get(User, users["regisseur"].id)
        signal = file_signal(db.session, keyring=current_keyring(), reporter=db.session.get(User, users["melder"].id),
                             description="Vermoeden over een collega")
        cipher = cipher_for(db.session, keyring=current_keyring(), data_key_id=signal.data_key_id)
        subject = add_subject(db.session, keyring=current_keyring(), signal=signal, cipher=cipher, kind="bedrijf",
                              name="Geheime Holding BV", kvk="87654321")
        _move(signal, regisseur, SignalStatus.IN_PROGRESS)
        case = create_case(db.session, keyring=current_keyring(), actor=regisseur, title="Casus Zuid")
        add_signal_to_case(db.session, keyring=current_keyring(), case=case, signal=signal, actor=regisseur)
        add_subject_to_case(db.session, case=case, subject=subject, actor=regisseur)
        close_case(db.session, keyring=current_keyring(), case=case, actor=regisseur, reason="Afgerond",
                   four_eyes=False)
        _move(signal, regisseur, SignalStatus.IN_PROGRESS, SignalStatus.TO_INTEGRITY)
        db.session.commit()
        signal_id, case_id = signal.id, case.id
        assert db.session.get(Signal, signal_id).track == "integriteit"
        assert db.session.scalars(select(CaseSignal).where(CaseSignal.signal_id == signal_id)).all() == []
        assert db.session.scalars(select(CaseSubject).where(CaseSubject.case_id == case_id)).all() == []

    client = app.test_client()
    login_full(client, users["regisseur"].email)
    page = client.get(f"/behandelen/casussen/{case_id}")
    assert page.status_code == 200
    assert "Geheime Holding BV" not in page.get_data(as_text=True)
    # The integrity coordinator still handles the signal itself.
    coordinator = app.test_client()
    login_full(coordinator, users["integriteit"].email)
    assert "Geheime Holding BV" in coordinator.get(f"/behandelen/meldingen/{signal_id}").get_data(as_text=True)


def test_code_step_has_a_daily_limit_per_account(app_factory):
    """Per minute alone allowed 7,200 code guesses a day (about 2% chance to hit a valid 6-digit code daily)."""
    from meldpunt.auth.views import CODE_LIMIT_PER_ACCOUNT_DAY
    from tests.conftest import csrf_token, login, make_users
    from tests.support.logins import code_for, enrol_totp

    app = app_factory(security={"ratelimit_storage_url": "memory://", "login_limit_per_account": "1000 per minute",
                                "login_limit_per_client": "1000 per minute"})
    users = make_users(app)
    email = users["beheerder"].email
    secret = enrol_totp(app, email)
    allowed = int(CODE_LIMIT_PER_ACCOUNT_DAY.split()[0])
    client = app.test_client()
    assert login(client, email).headers["Location"].endswith("/inloggen/code")
    page = client.get("/inloggen/code").get_data(as_text=True)
    statuses = [client.post("/inloggen/code", data={"code": "000000", "csrf_token": csrf_token(page)}).status_code
                for _ in range(allowed + 1)]
    assert statuses == [422] * allowed + [429]
    # A fresh password login from another client does not reset it: the limit is the account's.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.44"
    assert login(other, email).headers["Location"].endswith("/inloggen/code")
    page = other.get("/inloggen/code").get_data(as_text=True)
    right = other.post("/inloggen/code", data={"code": code_for(app, secret, after_step=None), "csrf_token": csrf_token(page)})
    assert right.status_code == 429
    # Another account is not affected.
    colleague = app.test_client()
    colleague_secret = enrol_totp(app, users["regisseur"].email)
    assert login(colleague, users["regisseur"].email).headers["Location"].endswith("/inloggen/code")
    page = colleague.get("/inloggen/code").get_data(as_text=True)
    ok = colleague.post("/inloggen/code", data={"code": code_for(app, colleague_secret, after_step=None),
                                                 "csrf_token": csrf_token(page)})
    assert ok.status_code == 302


def _wrong_receipt_attempts(client, times: int, forwarded_for: str | None = None) -> list[int]:
    from tests.conftest import csrf_token

    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    statuses = []
    for _ in range(times):
        page = client.get("/ontvangstcode", headers=headers).get_data(as_text=True)
        statuses.append(client.post("/ontvangstcode", headers=headers, data={
            "code": "AAAA BBBB CCCC DDDD EEEE", "csrf_token": csrf_token(page)}).status_code)
    return statuses


def test_behind_a_proxy_the_receipt_limit_stays_per_client(app_factory):
    """Every request arrives from the proxy's address: without trusting it, one guesser locked out everybody."""
    app = app_factory(security={"ratelimit_storage_url": "memory://", "receipt_limit_per_client": "3 per minute",
                                "trusted_proxies": 1})
    guesser, reporter = app.test_client(), app.test_client()
    for client in (guesser, reporter):
        client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
    assert _wrong_receipt_attempts(guesser, 4, forwarded_for="198.51.100.1") == [422, 422, 422, 429]
    assert _wrong_receipt_attempts(reporter, 1, forwarded_for="203.0.113.5") == [422]


def test_without_trusted_proxies_a_forwarded_header_cannot_escape_the_limit(app_factory):
    app = app_factory(security={"ratelimit_storage_url": "memory://", "receipt_limit_per_client": "3 per minute"})
    client = app.test_client()
    statuses = [_wrong_receipt_attempts(client, 1, forwarded_for=f"198.51.100.{n}")[0] for n in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_login_limit_still_applies_when_the_rate_limit_storage_is_down(app_factory):
    """Redis for the limiter unreachable: the limits fall back to memory instead of switching off."""
    from tests.conftest import make_users as _make_users
    from tests.conftest import login as _login

    app = app_factory(security={"ratelimit_storage_url": "redis://127.0.0.1:1/0"})
    users = _make_users(app)
    client = app.test_client()
    codes = [_login(client, users["melder"].email, "wrong password, attempt").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5
    assert codes[5] == 429
