"""The dashboard's summary: closed months counted once by a beat job, so a year's dashboard reads a
few thousand summary rows instead of every signal of the year (docs/reports.md, "Summary").

``refresh`` rebuilds the summary of every closed month (the months before the current one, UTC) in
one transaction: delete, then INSERT … SELECT per dimension. It is idempotent and safe to run twice
at once (PostgreSQL: an advisory lock serialises the runs). The dashboard (``figures.dashboard``)
reads the summary for the whole months of its period up to the state's ``through`` month and reads
the rest (the current month, a partial first or last month) live.

Per month and track the summary keeps:

- the counts by one dimension at a time (phenomenon, process, department, channel, status) and the
  first-feedback term (wanted, in time). A cross product of all dimensions would have about one row
  per signal with the real taxonomy (20+ phenomena × processes × departments), so it would not be
  faster; the dashboard filtered on a phenomenon, process, department or channel reads live;
- the lead times as histograms in whole hours (``report_lead_time_hours``). The median and the 90th
  percentile are computed from the histogram with the same interpolation as ``percentile_cont``.
  Precision: each lead time is rounded to the nearest hour (at most 30 minutes, 0.02 day, off), so
  a percentile is at most 0.02 day off before it is shown rounded to 0.1 day; lead times that are
  whole hours give exactly the live figure.

A closed month can still change (a signal received in October is closed in December): the summary
is as fresh as its last refresh (hourly, ``broker.py``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Integer, and_, cast, delete, false, func, insert, literal, or_, select, text
from sqlalchemy.orm import Session

from meldpunt.reports import figures
from meldpunt.reports.models import ReportLeadTimeHours, ReportMonthCount, ReportSummaryState

S = figures.S
C = ReportMonthCount.__table__
H = ReportLeadTimeHours.__table__
#: Summarised dimensions (``figures.DIMENSIONS`` without track, which is a column of the summary).
COUNTED = {"phenomenon": S.c.phenomenon_code, "process": S.c.process_code, "department": S.c.department_code,
           "channel": S.c.channel, "status": S.c.status}
LOCK_ID = 180001  # pg_advisory_xact_lock key of the refresh


def month_start(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def previous_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def refresh(session: Session, *, today: date, working_days: int) -> str:
    """Rebuild the summary of every month before ``today``'s month; returns that last month (YYYY-MM)."""
    if figures.is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_ID})
    figures.tune_for_aggregates(session)
    end = today.replace(day=1)
    through = month_of(previous_month(end))
    end_at = datetime.combine(end, datetime.min.time(), tzinfo=timezone.utc)
    session.execute(delete(C))
    session.execute(delete(H))
    month = figures.month_key(session, S.c.created_at)
    before = S.c.created_at < end_at
    for name, column in COUNTED.items():
        key = func.coalesce(column, literal(figures.UNKNOWN))
        session.execute(insert(C).from_select(
            ["month", "track", "dimension", "key", "count"],
            select(month, S.c.track, literal(name), key, func.count()).where(before)
            .group_by(month, S.c.track, key)))
    in_time = and_(S.c.first_feedback_at.is_not(None), figures._in_time_condition(session, working_days))
    for name, condition in (("feedback_wanted", S.c.wants_feedback.is_(True)),
                            ("feedback_in_time", and_(S.c.wants_feedback.is_(True), in_time))):
        session.execute(insert(C).from_select(
            ["month", "track", "dimension", "key", "count"],
            select(month, S.c.track, literal(name), literal(""), func.count()).where(before, condition)
            .group_by(month, S.c.track)))
    for kind, (_label, end_column) in figures.LEAD_TIMES.items():
        hours = _hours(session, end_column)
        session.execute(insert(H).from_select(
            ["month", "track", "kind", "hours", "count"],
            select(month, S.c.track, literal(kind), hours, func.count()).where(before, end_column.is_not(None))
            .group_by(month, S.c.track, hours)))
    state = session.get(ReportSummaryState, 1)
    if state is None:
        session.add(ReportSummaryState(id=1, through=through, refreshed_at=datetime.now(timezone.utc)))
    else:
        state.through, state.refreshed_at = through, datetime.now(timezone.utc)
    session.flush()
    return through


def _hours(session: Session, end_column):
    return cast(func.round(figures.days_between(session, S.c.created_at, end_column) * 24), Integer)


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Split:
    """The whole months [start, end) read from the summary; the rest of the period is read live."""

    start: date
    end: date

    def months(self) -> list[str]:
        return figures.Period(self.start, self.end).months()


def split(session: Session, *, period: figures.Period, filters: figures.Filters, today: date) -> Split | None:
    """The summarised part of ``period``, or None when nothing of it can come from the summary."""
    if filters.phenomenon or filters.process or filters.department or filters.channel:
        return None
    through = session.scalar(select(ReportSummaryState.through).where(ReportSummaryState.id == 1))
    if through is None:
        return None
    start = period.start if period.start.day == 1 else next_month(period.start)
    end = min(period.end.replace(day=1), next_month(month_start(through)), today.replace(day=1))
    return Split(start, end) if start < end else None


def live_where(period: figures.Period, filters: figures.Filters, part: Split) -> list:
    """The conditions for the signals of ``period`` outside the summarised months (empty ranges left out)."""
    ranges = []
    for low, high in ((period.start, part.start), (part.end, period.end)):
        if low < high:
            ranges.append(and_(S.c.created_at >= figures.Period(low, high).start_at,
                               S.c.created_at < figures.Period(low, high).end_at))
    if not ranges:
        return [false()]
    return [ranges[0] if len(ranges) == 1 else or_(*ranges), *filters.where()]


def counts(session: Session, *, part: Split, track: str | None) -> dict[str, Counter]:
    """{dimension: Counter(key -> count)} over the summarised months; "month" and "track" derived from status."""
    where = [C.c.month >= month_of(part.start), C.c.month < month_of(part.end)]
    if track:
        where.append(C.c.track == track)
    out: dict[str, Counter] = {}
    for month, row_track, dimension, key, count in session.execute(
            select(C.c.month, C.c.track, C.c.dimension, C.c.key, func.sum(C.c.count)).where(*where)
            .group_by(C.c.month, C.c.track, C.c.dimension, C.c.key)):
        out.setdefault(dimension, Counter())[key] += int(count)
        if dimension == "status":
            out.setdefault("month", Counter())[month] += int(count)
            out.setdefault("track", Counter())[row_track] += int(count)
    return out


def lead_histograms(session: Session, *, part: Split, track: str | None) -> dict[str, Counter]:
    """{kind: Counter(hours -> count)} over the summarised months."""
    where = [H.c.month >= month_of(part.start), H.c.month < month_of(part.end)]
    if track:
        where.append(H.c.track == track)
    out: dict[str, Counter] = {kind: Counter() for kind in figures.LEAD_TIMES}
    for kind, hours, count in session.execute(
            select(H.c.kind, H.c.hours, func.sum(H.c.count)).where(*where).group_by(H.c.kind, H.c.hours)):
        out[kind][int(hours)] += int(count)
    return out


def live_histograms(session: Session, *, where: list) -> dict[str, Counter]:
    """{kind: Counter(hours -> count)} of the live part, rounded like the summary."""
    out: dict[str, Counter] = {}
    for kind, (_label, end_column) in figures.LEAD_TIMES.items():
        hours = _hours(session, end_column)
        out[kind] = Counter({int(h): int(n) for h, n in session.execute(
            select(hours, func.count()).where(*where, end_column.is_not(None)).group_by(hours))})
    return out


def histogram_percentile(histogram: Counter, fraction: float) -> float | None:
    """``percentile_cont`` over the multiset the histogram describes (values in hours)."""
    total = sum(histogram.values())
    if not total:
        return None
    position = fraction * (total - 1)
    low, high = math.floor(position), math.ceil(position)
    values: dict[int, float] = {}
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for rank in (low, high):
            if rank not in values and seen <= rank < seen + count:
                values[rank] = float(value)
        seen += count
    return values[low] + (values[high] - values[low]) * (position - low)
