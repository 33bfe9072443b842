"""Filing a signal (melding) and reading it back for its reporter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.crypto import Keyring
from meldpunt.database import utcnow
from meldpunt.feedback.models import NoticeKind
from meldpunt.feedback.service import queue_notice
from meldpunt.intake.models import Signal, SignalStatus, StatusChange, Track
from meldpunt.vault.service import ShreddedError, cipher_for, create_data_key, seal, unseal

REFERENCE_PREFIX = "MO"
DESCRIPTION_MAX = 20_000


class IntakeError(ValueError):
    """Invalid input for a signal; the message is Dutch and shown next to the form."""


def format_reference(year: int, seq: int) -> str:
    """``MO-2026-0042``."""
    return f"{REFERENCE_PREFIX}-{year}-{seq:04d}"


def _next_sequence(session: Session, year: int) -> int:
    current = session.scalar(select(func.max(Signal.ref_seq)).where(Signal.ref_year == year))
    return (current or 0) + 1


def file_signal(
    session: Session,
    *,
    keyring: Keyring,
    reporter: User | None,
    description: str,
    phenomenon_code: str | None = None,
    process_code: str | None = None,
    about_colleague: bool = False,
    now: datetime | None = None,
) -> Signal:
    """Store a new signal encrypted, with its history row, audit entry and confirmation notice."""
    description = (description or "").strip()
    if not description:
        raise IntakeError("Beschrijf wat u heeft gezien of gehoord.")
    if len(description) > DESCRIPTION_MAX:
        raise IntakeError(f"De beschrijving is te lang (hoogstens {DESCRIPTION_MAX} tekens).")
    now = now or utcnow()
    data_key, cipher = create_data_key(session, keyring=keyring)
    signal = Signal(
        id=uuid.uuid4(),
        ref_year=now.year,
        status=SignalStatus.RECEIVED.value,
        track=(Track.INTEGRITY if about_colleague else Track.REGULAR).value,
        phenomenon_code=phenomenon_code or None,
        process_code=process_code or None,
        is_anonymous=reporter is None,
        reporter_id=reporter.id if reporter else None,
        data_key_id=data_key.id,
        created_at=now,
    )
    seal(cipher, signal, "description", description)
    for _attempt in range(5):
        signal.ref_seq = _next_sequence(session, now.year)
        signal.reference = format_reference(now.year, signal.ref_seq)
        try:
            with session.begin_nested():
                session.add(signal)
                session.flush()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five concurrent filings in one instant
        raise IntakeError("Het opslaan lukte niet door drukte. Probeer het nog een keer.")
    session.add(StatusChange(signal_id=signal.id, from_status=None, to_status=signal.status, actor_id=None, created_at=now))
    queue_notice(session, signal=signal, kind=NoticeKind.RECEIVED)
    record(
        session,
        action="signal.file",
        actor_id=reporter.id if reporter else None,
        actor_label=reporter.email if reporter else "anoniem",
        object_type="signal",
        object_id=signal.id,
        details={"track": signal.track, "anonymous": signal.is_anonymous},
    )
    session.flush()
    return signal


@dataclass(frozen=True)
class SignalContent:
    """Decrypted content of a signal, or ``shredded=True`` when its key is gone."""

    description: str | None
    shredded: bool = False


def read_signal_content(session: Session, *, keyring: Keyring, signal: Signal) -> SignalContent:
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        return SignalContent(description=None, shredded=True)
    return SignalContent(description=unseal(cipher, signal, "description"))


def signals_of_reporter(session: Session, *, reporter: User) -> list[Signal]:
    return list(
        session.scalars(select(Signal).where(Signal.reporter_id == reporter.id).order_by(Signal.created_at.desc()))
    )
