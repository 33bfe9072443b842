"""Account rules: creating users, password policy and verification (argon2id)."""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from flask_babel import gettext

from meldpunt.auth.models import RecoveryCode, Role, User
from meldpunt.database import utcnow

PASSWORD_MIN = 12
PASSWORD_MAX = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
#: Verified against when the account does not exist, so timing does not reveal which e-mails exist.
_DUMMY_HASH = _hasher.hash("meldpunt-timing-equaliser")

#: zxcvbn's strength score (0-4) a password needs: 3 is "safely unguessable" (about 10^8 guesses or more).
PASSWORD_MIN_SCORE = 3
#: zxcvbn's own bound on the work of one estimate; a longer password is judged on its first 72 characters.
_ESTIMATE_MAX_LENGTH = 72
#: Words that make a password easy to guess here, on top of the account's own e-mail address and name.
_CONTEXT_WORDS = ("meldpunt", "ondermijning", "gemeente", "signaal", "melding")

# Dutch passwords that zxcvbn's lists (English, with the common-password list of leaked passwords) miss.
_COMMON = {
    "wachtwoord123", "welkom123456", "password1234", "123456789012", "qwertyuiop12",
    "wachtwoord1234", "welkomwelkom", "passwordpassword", "meldpunt2026", "gemeente1234",
}


class AccountError(ValueError):
    """A rule about accounts was broken; the message is Dutch and shown to the user."""


class WrongPasswordError(AccountError):
    """Re-authentication failed: the typed current password is not the account's (counts as a failed check)."""


def check_password_policy(password: str, *, user_inputs: Sequence[str] = ()) -> None:
    """12–128 characters, no composition rules, not a commonly used or easily guessed password (ASVS 6.2).

    zxcvbn estimates how many guesses the password takes (dictionaries including its list of the most
    common leaked passwords, names, keyboard patterns, repeats, dates, l33t); ``user_inputs`` are the
    account's own words (e-mail address, name) that make a password easy to guess for its owner.
    """
    if len(password) < PASSWORD_MIN:
        raise AccountError(gettext("Kies een wachtwoord van minstens %(minimum)s tekens.", minimum=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        raise AccountError(gettext("Een wachtwoord mag hoogstens %(maximum)s tekens hebben.", maximum=PASSWORD_MAX))
    if password.lower() in _COMMON:
        raise AccountError(gettext("Dit wachtwoord wordt veel gebruikt en is makkelijk te raden. Kies een ander."))
    words = [*_CONTEXT_WORDS, *(word for word in user_inputs if word)]
    estimate = zxcvbn(password[:_ESTIMATE_MAX_LENGTH], user_inputs=words, max_length=_ESTIMATE_MAX_LENGTH)
    judged = min(len(password), _ESTIMATE_MAX_LENGTH)
    common = sum(len(match["token"]) for match in estimate["sequence"]
                 if match["pattern"] == "dictionary" and match.get("dictionary_name") == "passwords")
    if common * 2 >= judged:  # at least half of it is a commonly used password
        raise AccountError(gettext("Dit wachtwoord wordt veel gebruikt en is makkelijk te raden. Kies een ander."))
    if estimate["score"] < PASSWORD_MIN_SCORE:
        raise AccountError("Dit wachtwoord is te makkelijk te raden. Kies een langer wachtwoord, bijvoorbeeld "
                           "vier of vijf gewone woorden die niet bij elkaar horen.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str | None,
    department: str | None = None,
) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(gettext("Vul een geldig e-mailadres in."))
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(gettext("Onbekende rol '%(role)s'. Kies uit: %(roles)s.", role=role, roles=", ".join(r.value for r in Role))) from None
    if not name.strip():
        raise AccountError(gettext("Vul een naam in."))
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(gettext("Er is al een account met dit e-mailadres."))
    if password is not None:
        check_password_policy(password, user_inputs=[email, name])
    user = User(
        email=email,
        name=name.strip(),
        role=role.value,
        department=department,
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user when the password is right and the account enabled; rehashes outdated hashes."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.password_hash:
        try:
            _hasher.verify(_DUMMY_HASH, password + "x")
        except VerificationError:
            pass
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not user.is_enabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """New password; every session of the account ends."""
    from meldpunt.auth.sessions import revoke_all_sessions

    check_password_policy(password, user_inputs=[user.email, user.name])
    user.password_hash = hash_password(password)
    revoke_all_sessions(session, user=user)


def password_matches(user: User, password: str) -> bool:
    """Re-authentication: does ``password`` match the account's current password?"""
    try:
        return bool(user.password_hash) and _hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    if not password_matches(user, current):
        raise WrongPasswordError(gettext("Uw huidige wachtwoord klopt niet."))
    set_password(session, user=user, password=new)


def set_enabled(session: Session, *, user: User, enabled: bool) -> None:
    """Disable (all sessions end at once) or enable an account."""
    from meldpunt.auth.sessions import revoke_all_sessions

    user.is_enabled = enabled
    if not enabled:
        revoke_all_sessions(session, user=user)
    session.flush()


def change_role(session: Session, *, user: User, role: Role | str) -> None:
    """A new role takes effect at once: the account's sessions end, so it logs in (and enrols TOTP) again."""
    from meldpunt.auth.sessions import revoke_all_sessions

    try:
        role = Role(role)
    except ValueError:
        raise AccountError(gettext("Kies een bestaande rol.")) from None
    if user.role != role.value:
        user.role = role.value
        revoke_all_sessions(session, user=user)
    session.flush()


def totp_required(user: User, required_roles: tuple[str, ...] | frozenset[str]) -> bool:
    """The account must pass a TOTP step: its role requires one, or it enrolled of its own accord."""
    return user.role in required_roles or user.totp_secret_ct is not None


def email_digest(keyring, email: str) -> str:
    """HMAC of the normalised e-mail under the blind-index key: traces attempts per account without the text."""
    import hashlib
    import hmac

    _key_id, key = keyring.active_index_key()
    return hmac.new(key, b"login-email\x00" + normalise_email(email).encode("utf-8"), hashlib.sha256).hexdigest()


def load_session_user(session: Session, session_id: str) -> User | None:
    """flask-login user loader: ``"<id>:<generation>"``; a stale generation logs out."""
    try:
        raw_id, raw_gen = session_id.split(":", 1)
        user = session.get(User, int(raw_id))
        generation = int(raw_gen)
    except (ValueError, TypeError):
        return None
    if user is None or user.session_generation != generation or not user.is_enabled:
        return None
    return user


def clear_totp(session: Session, *, user: User) -> None:
    """Remove the second factor and all recovery codes (the beheerder's reset; needs no key: it only deletes)."""
    user.totp_secret_ct = None
    user.totp_last_step = None
    session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=utcnow()))
    session.flush()
