"""The handler's queue (werkvoorraad)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meldpunt.intake.models import Signal, SignalStatus


@dataclass(frozen=True)
class QueuePage:
    signals: list[Signal]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def queue(session: Session, *, track: str, status: SignalStatus | None = None, page: int = 1, per_page: int = 25) -> QueuePage:
    """Signals of one track, newest first, optionally filtered by status."""
    where = [Signal.track == track]
    if status is not None:
        where.append(Signal.status == status.value)
    total = session.scalar(select(func.count()).select_from(Signal).where(*where)) or 0
    rows = session.scalars(
        select(Signal).where(*where).order_by(Signal.created_at.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return QueuePage(signals=list(rows), total=total, page=page, per_page=per_page)
