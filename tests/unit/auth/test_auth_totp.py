"""TOTP step matching (window, replay), secret display, QR markup, password policy."""

from __future__ import annotations

import pyotp
import pytest

from meldpunt.auth.service import AccountError, check_password_policy
from meldpunt.auth.totp import grouped, matching_step, qr_svg

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_000.0
STEP = int(NOW // 30)


def code(step: int) -> str:
    return pyotp.TOTP(SECRET).generate_otp(step)


def test_codes_of_the_window_are_accepted():
    for offset in (-1, 0, 1):
        assert matching_step(SECRET, code(STEP + offset), after_step=None, now=NOW) == STEP + offset
    for offset in (-3, -2, 2, 3):
        assert matching_step(SECRET, code(STEP + offset), after_step=None, now=NOW) is None


def test_same_or_older_step_is_refused():
    assert matching_step(SECRET, code(STEP), after_step=STEP, now=NOW) is None
    assert matching_step(SECRET, code(STEP - 1), after_step=STEP, now=NOW) is None
    assert matching_step(SECRET, code(STEP + 1), after_step=STEP, now=NOW) == STEP + 1


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(bad):
    assert matching_step(SECRET, bad, after_step=None, now=NOW) is None


def test_spaces_in_a_code_are_ignored():
    typed = code(STEP)[:3] + " " + code(STEP)[3:]
    assert matching_step(SECRET, typed, after_step=None, now=NOW) == STEP


def test_secret_grouping_and_qr_svg():
    assert grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"
    svg = qr_svg(pyotp.TOTP(SECRET).provisioning_uri(name="a@b.example", issuer_name="Meldpunt"))
    assert svg.startswith("<svg") and "<script" not in svg and "<?xml" not in svg


@pytest.mark.parametrize("password,ok", [
    ("a" * 11, False), ("Vlinder#Kaas9", True), ("Tulpenbol-Fiets " * 8, True), ("Tulpenbol-Fiets " * 8 + "x", False),
    ("wachtwoord123", False), ("WachtWoord123", False), ("alleen kleine letters zonder cijfers", True),
])
def test_password_policy(password, ok):
    if ok:
        check_password_policy(password)
    else:
        with pytest.raises(AccountError):
            check_password_policy(password)


@pytest.mark.parametrize("password,message", [
    ("aaaaaaaaaaaa", "te makkelijk te raden"),           # a repeat: zxcvbn score 0
    ("qwertyuiop12", "veel gebruikt"),                    # keyboard row from the common-password list
    ("voetbal12345", "veel gebruikt"),                    # leaked-password list words, not in our own short list
    ("Gemeente!2026", "te makkelijk te raden"),           # a word of this place and a year
    ("jan.jansen@gemeente.nl1", "te makkelijk te raden"),  # the account's own e-mail address
])
def test_item_10_zxcvbn_refuses_guessable_passwords_in_dutch(password, message):
    assert len(password) >= 12
    with pytest.raises(AccountError, match=message):
        check_password_policy(password, user_inputs=["jan.jansen@gemeente.nl", "Jan Jansen"])


def test_item_10_a_long_password_of_ordinary_words_passes():
    check_password_policy("Tulpenbol-Fiets-Regen-Vos", user_inputs=["jan.jansen@gemeente.nl", "Jan Jansen"])
    check_password_policy("correct horse battery staple")
