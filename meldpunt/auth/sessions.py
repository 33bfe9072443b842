"""Server-side login sessions.

The signed Flask cookie carries a random 256-bit session id (``sid``); the
database keeps only its SHA-256 digest with the user, creation and last-seen
time. Every request checks that the row exists, is not revoked, and is within
the idle and absolute lifetime (``[security] session_idle_minutes`` and
``session_absolute_hours``). Logout revokes the row; password change, TOTP
change and disabling the account revoke all rows of the user (and bump
``User.session_generation``, which flask-login's id embeds).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meldpunt.auth.models import AuthSession, User
from meldpunt.database import utcnow

SESSION_KEY = "sid"
#: last_seen_at is written at most this often (fewer writes; idle timeout precision is this much).
TOUCH_INTERVAL = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def create_session(session: Session, *, user: User, method: str = "password") -> str:
    """A new session row; returns the token for the cookie (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AuthSession(digest=_digest(token), user_id=user.id, created_at=now, last_seen_at=now, method=method))
    session.flush()
    return token


def find_session(session: Session, token: str | None) -> AuthSession | None:
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    # The account comes along in the same statement: the user loader then finds it in the session
    # (one SELECT per request instead of two).
    row = session.execute(
        select(AuthSession, User).join(User, User.id == AuthSession.user_id).where(AuthSession.digest == _digest(token))
    ).first()
    if row is None:
        return None
    # The identity map holds objects weakly: keep the account alive for the rest of this session.
    session.info["meldpunt.auth.session_user"] = row[1]
    return row[0]


def validate_session(
    session: Session, *, token: str | None, idle: timedelta, absolute: timedelta, now: datetime | None = None
) -> tuple[AuthSession | None, bool]:
    """(the live session row for ``token`` or None, whether the row was changed and needs a commit).

    None when missing, revoked, idle too long or too old; an expired row is revoked on the spot.
    A live row's ``last_seen_at`` is moved forward (at most once per ``TOUCH_INTERVAL``).
    """
    row = find_session(session, token)
    if row is None or row.revoked_at is not None:
        return None, False
    now = now or utcnow()
    if now - _aware(row.last_seen_at) > idle or now - _aware(row.created_at) > absolute:
        row.revoked_at = now
        session.flush()
        return None, True
    if now - _aware(row.last_seen_at) >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.flush()
        return row, True
    return row, False


def revoke_session(session: Session, *, token: str | None) -> None:
    row = find_session(session, token)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()


def revoke_all_sessions(session: Session, *, user: User) -> int:
    """End every session of ``user`` (password/TOTP change, disable); returns how many were live."""
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    return result.rowcount or 0


def live_session_count(session: Session, *, user: User) -> int:
    from sqlalchemy import func

    return session.scalar(
        select(func.count()).select_from(AuthSession).where(
            AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)
        )
    ) or 0
