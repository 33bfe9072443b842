"""Report fixtures: signals with random metadata written straight into the table (no content needed),
and independent counts over them in plain Python (never through meldpunt.reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

PHENOMENA = [None, "drugs", "vastgoed", "mensenhandel"]
PROCESSES = [None, "vergunningen", "inkoop"]
DEPARTMENTS = [None, "burgerzaken", "vth"]
CHANNELS = ["intern_formulier", "telefoon"]
TRACKS = ["regulier", "integriteit"]
STATUSES = ["ontvangen", "in_behandeling", "afgesloten", "doorgezonden", "gekoppeld_aan_casus"]
EXIT = {"afgesloten", "niet_ontvankelijk", "doorgezonden", "integriteitstraject"}
YEAR_START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Row:
    created_at: datetime
    phenomenon: str | None
    process: str | None
    department: str | None
    channel: str
    track: str
    status: str
    wants_feedback: bool
    feedback_after: timedelta | None
    triage_after: timedelta | None
    closed_after: timedelta | None


def _after():
    return st.one_of(st.none(), st.integers(min_value=0, max_value=40 * 24).map(lambda h: timedelta(hours=h)))


rows_strategy = st.lists(st.builds(
    Row,
    created_at=st.integers(min_value=0, max_value=364 * 24).map(lambda h: YEAR_START + timedelta(hours=h, minutes=7)),
    phenomenon=st.sampled_from(PHENOMENA), process=st.sampled_from(PROCESSES),
    department=st.sampled_from(DEPARTMENTS), channel=st.sampled_from(CHANNELS), track=st.sampled_from(TRACKS),
    status=st.sampled_from(STATUSES), wants_feedback=st.booleans(), feedback_after=_after(),
    triage_after=_after(), closed_after=_after(),
), max_size=40)


def insert_signals(session, rows: list[Row], *, start_seq: int = 1) -> None:
    """One metadata-only signal row per ``Row`` (references MO-2026-00001 …), built by ``SignalRowFactory``."""
    from tests.factories import SignalRowFactory

    for i, row in enumerate(rows, start=start_seq):
        session.add(SignalRowFactory.build(
            ref_series="MO", ref_year=2026, ref_seq=i, is_anonymous=False,
            status=row.status, track=row.track, channel=row.channel, phenomenon_code=row.phenomenon,
            process_code=row.process, department_code=row.department, wants_feedback=row.wants_feedback,
            created_at=row.created_at, updated_at=row.created_at,
            first_feedback_at=row.created_at + row.feedback_after if row.feedback_after is not None else None,
            triaged_at=row.created_at + row.triage_after if row.triage_after is not None else None,
            closed_at=row.created_at + row.closed_after if row.closed_after is not None else None,
        ))
    session.flush()


def working_days_later(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    pos = p * (len(values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)
