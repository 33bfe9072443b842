"""Second factor: TOTP (RFC 6238, pyotp) with replay protection, QR enrolment and recovery codes.

pyotp does not stop a code from being used twice; we store the last accepted
time step on the account and only accept a strictly newer one (as warehouse and
SecureDrop do). The secret is encrypted under the account's own data key.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meldpunt.auth.models import RecoveryCode, User
from meldpunt.crypto import Keyring
from meldpunt.database import utcnow
from meldpunt.vault.service import ShreddedError, cipher_for, create_data_key, seal, unseal

ISSUER = "Meldpunt ondermijning"
STEP_SECONDS = 30
#: Accept the previous and next time step too (clock drift), but never a step at or before the last used one.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_secret() -> str:
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it over."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, *, account: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(data: str) -> str:
    """A QR code as inline SVG markup (no JavaScript, no external resource)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1]
    return svg.strip()


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(secret: str, code: str, *, after_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, when it is within the window and newer than ``after_step``."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step_now = current_step(now)
    found = None
    for step in range(step_now - VALID_WINDOW, step_now + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    if found is None or (after_step is not None and found <= after_step):
        return None
    return found


def read_secret(session: Session, *, keyring: Keyring, user: User) -> str | None:
    if user.totp_secret_ct is None:
        return None
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=user.data_key_id)
    except ShreddedError:
        return None
    return unseal(cipher, user, "totp_secret")


def verify_totp(session: Session, *, keyring: Keyring, user: User, code: str, now: float | None = None) -> bool:
    """Check a code at time ``now`` (default: the wall clock) and consume its time step (the same or an
    older code never works again)."""
    secret = read_secret(session, keyring=keyring, user=user)
    if secret is None:
        return False
    step = matching_step(secret, code, after_step=user.totp_last_step, now=now)
    if step is None:
        return False
    # Compare-and-set, so two simultaneous requests with the same code cannot both pass.
    last = user.totp_last_step
    condition = User.totp_last_step.is_(None) if last is None else User.totp_last_step == last
    result = session.execute(
        update(User).where(User.id == user.id, condition).values(totp_last_step=step).execution_options(
            synchronize_session=False
        )
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    session.flush()
    return True


def store_secret(session: Session, *, keyring: Keyring, user: User, secret: str, confirmed_step: int) -> None:
    """Save a confirmed secret (encrypted under the account's data key) and its first used step."""
    if user.data_key_id is None:
        data_key, cipher = create_data_key(session, keyring=keyring)
        session.flush()
        user.data_key_id = data_key.id
    else:
        cipher = cipher_for(session, keyring=keyring, data_key_id=user.data_key_id)
    seal(cipher, user, "totp_secret", secret)
    user.totp_last_step = confirmed_step
    session.flush()


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(b"meldpunt-recovery\x00" + _normalise_recovery(code).encode()).hexdigest()


def issue_recovery_codes(session: Session, *, user: User) -> list[str]:
    """Ten new single-use codes (80 random bits each); older unused ones stop working. Shown once."""
    session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=utcnow()))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    session.add_all(RecoveryCode(user_id=user.id, digest=_recovery_digest(code)) for code in codes)
    session.flush()
    return codes


def use_recovery_code(session: Session, *, user: User, code: str) -> bool:
    if len(_normalise_recovery(code)) != 16:
        return False
    row = session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.digest == _recovery_digest(code), RecoveryCode.used_at.is_(None)
    ))
    if row is None:
        return False
    result = session.execute(update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                             .values(used_at=utcnow()).execution_options(synchronize_session=False))
    session.flush()
    return result.rowcount == 1


def remaining_recovery_codes(session: Session, *, user: User) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0
