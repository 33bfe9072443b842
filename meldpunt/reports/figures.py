"""The figures: counts and lead times over signal metadata, cases, meeting decisions and actions.

Only plaintext metadata columns are read (status, dates, taxonomy codes, track, channel); never a
``*_ct`` column, never a key. Aggregation happens in SQL (GROUP BY, FILTER, percentile_cont on
PostgreSQL); on SQLite the percentiles are computed in Python from the lead times (same
interpolation as percentile_cont). Months and days are UTC, like the queue's term.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Integer, and_, case, cast, func, literal_column, select, text, tuple_
from sqlalchemy.orm import Session

from meldpunt.cases.models import Case
from meldpunt.i18n import N_
from meldpunt.signals.models import Signal, Track
from meldpunt.meetings.models import OPEN_ACTION_STATUSES, Decision, MeetingAction
from meldpunt.signals.models import queue_open_condition, queue_waiting_condition

S = Signal.__table__

#: The dimensions a signal is counted by, in the order the pages show them.
DIMENSIONS = {
    "phenomenon": (N_("Verschijningsvorm"), S.c.phenomenon_code),
    "process": (N_("Kwetsbaar proces"), S.c.process_code),
    "department": (N_("Afdeling"), S.c.department_code),
    "channel": (N_("Kanaal"), S.c.channel),
    "track": (N_("Spoor"), S.c.track),
}
#: Filters the URL may carry, by query parameter.
FILTER_COLUMNS = {"verschijningsvorm": S.c.phenomenon_code, "proces": S.c.process_code,
                  "afdeling": S.c.department_code, "kanaal": S.c.channel}
#: Lead times: label, the end column.
LEAD_TIMES = {
    "feedback": (N_("Ontvangen tot eerste terugkoppeling"), S.c.first_feedback_at),
    "triage": (N_("Ontvangen tot triagebesluit"), S.c.triaged_at),
    "closed": (N_("Ontvangen tot afsluiting"), S.c.closed_at),
}
UNKNOWN = ""  # a NULL code is counted under this key ("Onbekend")


@dataclass(frozen=True)
class Period:
    """[start, end): whole days, UTC."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.utc)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time.min, tzinfo=timezone.utc)

    def months(self) -> list[str]:
        out, day = [], self.start.replace(day=1)
        while day < self.end:
            out.append(f"{day.year:04d}-{day.month:02d}")
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out

    def previous(self) -> Period:
        """The period of the same length just before (whole months when this one is whole months)."""
        if self.start.day == 1 and self.end.day == 1:
            months = len(self.months())
            start = self.start
            for _ in range(months):
                start = (start - timedelta(days=1)).replace(day=1)
            return Period(start, self.start)
        return Period(self.start - (self.end - self.start), self.start)


@dataclass(frozen=True)
class Filters:
    """Narrowing by code (None: everything). ``track`` is forced for the integriteitscoördinator."""

    track: str | None = None
    phenomenon: str | None = None
    process: str | None = None
    department: str | None = None
    channel: str | None = None

    def where(self) -> list:
        out = []
        for name, column in (("track", S.c.track), ("phenomenon", S.c.phenomenon_code),
                             ("process", S.c.process_code), ("department", S.c.department_code),
                             ("channel", S.c.channel)):
            value = getattr(self, name)
            if value:
                out.append(column == value)
        return out


@dataclass(frozen=True)
class LeadTime:
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass
class Dashboard:
    period: Period
    filters: Filters
    total: int = 0
    per_month: list[tuple[str, int]] = field(default_factory=list)
    by: dict[str, dict[str, int]] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    lead_times: dict[str, LeadTime] = field(default_factory=dict)
    feedback_wanted: int = 0
    feedback_in_time: int = 0
    open_now: int = 0
    overdue_now: int = 0
    #: None for the integrity track (cases and meetings belong to the regular track)
    cases_by_status: dict[str, int] | None = None
    decisions_by_kind: dict[str, int] | None = None
    decisions_by_instrument: dict[str, int] | None = None
    actions: dict[str, int] | None = None

    @property
    def feedback_share(self) -> float | None:
        return self.feedback_in_time / self.feedback_wanted if self.feedback_wanted else None


# ------------------------------------------------------------------------------ helpers


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def tune_for_aggregates(session: Session) -> None:
    """PostgreSQL, this transaction only: room to hash and sort a year in memory, and no JIT (compiling
    the aggregate costs more than it saves at these sizes). See docs/reports.md."""
    if is_postgres(session):
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))


def month_key(session: Session, column):
    if is_postgres(session):
        # literals, not bind parameters: the same expression in SELECT, GROUP BY and GROUPING()
        return func.to_char(func.timezone(literal_column("'UTC'"), column), literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", column)


def days_between(session: Session, start, end):
    """``end - start`` in days (float); NULL when ``end`` is NULL."""
    if is_postgres(session):
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, exactly like SQL ``percentile_cont``."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days (Monday–Friday), the first-feedback term of the queue."""
    current, remaining = start, days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def overdue_cutoff(today: date, *, working_days: int) -> datetime:
    """Signals created before this instant without first feedback are past the term (as the queue)."""
    day = today
    while add_working_days(day, working_days) >= today:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.utc)


def _term_days_by_weekday(working_days: int) -> dict[int, int]:
    """SQL weekday (0 = Sunday .. 6 = Saturday) -> calendar days of the term from a creation on that day."""
    monday = date(2024, 1, 1)
    out = {}
    for offset in range(7):
        day = monday + timedelta(days=offset)
        sql_dow = (day.weekday() + 1) % 7
        out[sql_dow] = (add_working_days(day, working_days) - day).days
    return out


def _in_time_condition(session: Session, working_days: int):
    """SQL: the first feedback came on or before the due date (creation date + term in working days)."""
    terms = _term_days_by_weekday(working_days)
    if is_postgres(session):
        created_day = func.date(func.timezone("UTC", S.c.created_at))
        feedback_day = func.date(func.timezone("UTC", S.c.first_feedback_at))
        dow = cast(func.extract("dow", created_day), Integer)
        allowed = case(*[(dow == d, n) for d, n in terms.items()])
        return (feedback_day - created_day) <= allowed
    created_day = func.julianday(func.date(S.c.created_at))
    feedback_day = func.julianday(func.date(S.c.first_feedback_at))
    dow = cast(func.strftime("%w", S.c.created_at), Integer)
    allowed = case(*[(dow == d, n) for d, n in terms.items()])
    return (feedback_day - created_day) <= allowed


def _counts(rows: Iterable) -> dict[str, int]:
    return {(key if key is not None else UNKNOWN): int(count) for key, count in rows}


# ------------------------------------------------------------------------------ the dashboard


def period_where(period: Period, filters: Filters) -> list:
    return [S.c.created_at >= period.start_at, S.c.created_at < period.end_at, *filters.where()]


def signal_counts(session: Session, *, period: Period, filters: Filters) -> tuple[int, list[tuple[str, int]],
                                                                                 dict[str, dict[str, int]],
                                                                                 dict[str, int]]:
    """Total, per month, per dimension and per status of the signals received in ``period``."""
    return signal_counts_where(session, where=period_where(period, filters), months=period.months())


def signal_counts_where(session: Session, *, where: list, months: list[str]):
    """``signal_counts`` of the signals matching ``where``, per month over ``months``."""
    if is_postgres(session):
        return _signal_counts_grouping_sets(session, months=months, where=where)
    month = month_key(session, S.c.created_at).label("month")
    by_month = dict(session.execute(select(month, func.count()).where(*where).group_by(month)).all())
    per_month = [(m, int(by_month.get(m, 0))) for m in months]
    total = sum(count for _m, count in per_month)
    by = {}
    for name, (_label, column) in DIMENSIONS.items():
        by[name] = _counts(session.execute(select(column, func.count()).where(*where).group_by(column)).all())
    by_status = _counts(session.execute(select(S.c.status, func.count()).where(*where).group_by(S.c.status)).all())
    return total, per_month, by, by_status


def _signal_counts_grouping_sets(session: Session, *, months: list[str], where: list):
    """PostgreSQL: every count of ``signal_counts`` in one pass over the period (GROUPING SETS)."""
    month = month_key(session, S.c.created_at)
    keyed = {**{name: column for name, (_label, column) in DIMENSIONS.items()}, "status": S.c.status, "month": month}
    names = list(keyed)
    columns = list(keyed.values())
    statement = (select(*columns, *[func.grouping(c) for c in columns], func.count())
                 .where(*where).group_by(func.grouping_sets(*[tuple_(c) for c in columns])))
    by: dict[str, dict[str, int]] = {name: {} for name in names}
    for row in session.execute(statement):
        values, flags, count = row[:len(names)], row[len(names):2 * len(names)], row[-1]
        index = list(flags).index(0)  # the one column this row is grouped by
        key = values[index]
        by[names[index]][key if key is not None else UNKNOWN] = int(count)
    by_month = by.pop("month")
    per_month = [(m, by_month.get(m, 0)) for m in months]
    by_status = by.pop("status")
    return sum(n for _m, n in per_month), per_month, by, by_status


def lead_times(session: Session, *, period: Period, filters: Filters) -> dict[str, LeadTime]:
    where = period_where(period, filters)
    out: dict[str, LeadTime] = {}
    if is_postgres(session):
        return _lead_times_pg(session, where=where)[0]
    for name, (_label, end) in LEAD_TIMES.items():
        days = days_between(session, S.c.created_at, end)
        values = [float(v) for (v,) in session.execute(select(days).where(*where, end.is_not(None))).all()]
        out[name] = LeadTime(len(values), _round(percentile_cont(values, 0.5)), _round(percentile_cont(values, 0.9)))
    return out


def _lead_times_pg(session: Session, *, where: list, working_days: int | None = None):
    """PostgreSQL: the lead times (and, with ``working_days``, the first-feedback term) in one pass."""
    columns = []
    for _name, (_label, end) in LEAD_TIMES.items():
        days = days_between(session, S.c.created_at, end)
        # both fractions from one sort: percentile_cont(ARRAY[0.5, 0.9]) returns both
        columns += [func.count(end), func.percentile_cont(literal_column("ARRAY[0.5, 0.9]")).within_group(days)]
    if working_days is not None:
        wanted = S.c.wants_feedback.is_(True)
        in_time = and_(wanted, S.c.first_feedback_at.is_not(None), _in_time_condition(session, working_days))
        columns += [func.count().filter(wanted), func.count().filter(in_time)]
    row = session.execute(select(*columns).where(*where)).one()
    out = {}
    for index, name in enumerate(LEAD_TIMES):
        count, both = row[index * 2: index * 2 + 2]
        median, p90 = both if both else (None, None)
        out[name] = LeadTime(int(count), _round(median), _round(p90))
    feedback = (int(row[-2]), int(row[-1])) if working_days is not None else (0, 0)
    return out, feedback


def _round(value) -> float | None:
    return None if value is None else round(float(value), 1)


def feedback_in_time(session: Session, *, period: Period, filters: Filters, working_days: int) -> tuple[int, int]:
    """(reporters who wanted feedback, of whom got the first feedback within the term)."""
    return feedback_in_time_where(session, where=period_where(period, filters), working_days=working_days)


def feedback_in_time_where(session: Session, *, where: list, working_days: int) -> tuple[int, int]:
    where = [*where, S.c.wants_feedback.is_(True)]
    in_time = and_(S.c.first_feedback_at.is_not(None), _in_time_condition(session, working_days))
    wanted, ok = session.execute(
        select(func.count(), func.count().filter(in_time)).where(*where)).one()
    return int(wanted), int(ok)


def open_work(session: Session, *, filters: Filters, today: date, working_days: int) -> tuple[int, int]:
    """(open signals now, of which past the first-feedback term) under ``filters`` (no period: the work in hand)."""
    cutoff = overdue_cutoff(today, working_days=working_days)
    overdue = and_(queue_waiting_condition(S), S.c.created_at < cutoff)
    open_count, overdue_count = session.execute(
        select(func.count(), func.count().filter(overdue)).where(queue_open_condition(S), *filters.where())).one()
    return int(open_count), int(overdue_count)


def case_and_meeting_counts(session: Session, *, period: Period, today: date) -> tuple[dict, dict, dict, dict]:
    """Cases created in ``period`` by status; decisions taken in it by kind and instrument; its actions."""
    cases_t, decisions_t, actions_t = Case.__table__, Decision.__table__, MeetingAction.__table__
    cases = _counts(session.execute(select(cases_t.c.status, func.count()).where(
        cases_t.c.created_at >= period.start_at, cases_t.c.created_at < period.end_at).group_by(cases_t.c.status)).all())
    in_period = [decisions_t.c.decided_at >= period.start_at, decisions_t.c.decided_at < period.end_at]
    kinds = _counts(session.execute(select(decisions_t.c.kind, func.count()).where(*in_period).group_by(decisions_t.c.kind)).all())
    instruments = _counts(session.execute(select(decisions_t.c.instrument, func.count()).where(
        *in_period, decisions_t.c.instrument.is_not(None)).group_by(decisions_t.c.instrument)).all())
    is_open = actions_t.c.status.in_([literal_column(f"'{s}'") for s in OPEN_ACTION_STATUSES])
    total, open_, overdue, done = session.execute(select(
        func.count(), func.count().filter(is_open), func.count().filter(and_(is_open, actions_t.c.deadline < today)),
        func.count().filter(actions_t.c.status == "gereed"),
    ).where(actions_t.c.created_at >= period.start_at, actions_t.c.created_at < period.end_at)).one()
    actions = {"total": int(total), "open": int(open_), "overdue": int(overdue), "done": int(done)}
    return cases, kinds, instruments, actions


def dashboard(session: Session, *, period: Period, filters: Filters, today: date, working_days: int,
              use_summary: bool = True) -> Dashboard:
    """The dashboard's figures: whole closed months from the summary (``summary.py``), the rest live.
    ``use_summary=False`` reads everything live (the tests compare both)."""
    from meldpunt.reports import summary  # summary builds on this module

    tune_for_aggregates(session)
    board = Dashboard(period=period, filters=filters)
    part = summary.split(session, period=period, filters=filters, today=today) if use_summary else None
    if part is not None:
        _from_summary(session, board, part=part, working_days=working_days)
    else:
        board.total, board.per_month, board.by, board.by_status = signal_counts(session, period=period,
                                                                                filters=filters)
        if is_postgres(session):
            board.lead_times, (board.feedback_wanted, board.feedback_in_time) = _lead_times_pg(
                session, where=period_where(period, filters), working_days=working_days)
        else:
            board.lead_times = lead_times(session, period=period, filters=filters)
            board.feedback_wanted, board.feedback_in_time = feedback_in_time(
                session, period=period, filters=filters, working_days=working_days)
    board.open_now, board.overdue_now = open_work(session, filters=filters, today=today, working_days=working_days)
    if filters.track != Track.INTEGRITY.value:
        (board.cases_by_status, board.decisions_by_kind, board.decisions_by_instrument,
         board.actions) = case_and_meeting_counts(session, period=period, today=today)
    return board


def _from_summary(session: Session, board: Dashboard, *, part, working_days: int) -> None:
    """Summary counts of the months in ``part`` plus live counts of the rest of the period."""
    from meldpunt.reports import summary

    period, filters = board.period, board.filters
    where = summary.live_where(period, filters, part)
    _total, per_month, by, by_status = signal_counts_where(session, where=where, months=period.months())
    saved = summary.counts(session, part=part, track=filters.track)
    months = saved.get("month", {})
    board.per_month = [(m, n + months.get(m, 0)) for m, n in per_month]
    board.total = sum(n for _m, n in board.per_month)
    board.by = {name: dict(Counter(by.get(name, {})) + saved.get(name, Counter())) for name in DIMENSIONS}
    board.by_status = dict(Counter(by_status) + saved.get("status", Counter()))
    wanted, in_time = feedback_in_time_where(session, where=where, working_days=working_days)
    board.feedback_wanted = wanted + saved.get("feedback_wanted", Counter())[""]
    board.feedback_in_time = in_time + saved.get("feedback_in_time", Counter())[""]
    histograms = summary.lead_histograms(session, part=part, track=filters.track)
    live = summary.live_histograms(session, where=where)
    for name in LEAD_TIMES:
        histogram = histograms[name] + live[name]
        median, p90 = (summary.histogram_percentile(histogram, f) for f in (0.5, 0.9))
        board.lead_times[name] = LeadTime(sum(histogram.values()), _round(None if median is None else median / 24),
                                          _round(None if p90 is None else p90 / 24))


# ------------------------------------------------------------------------------ cross tables


def cross_counts(session: Session, *, period: Period, filters: Filters, rows, columns) -> dict[tuple[str, str], int]:
    """Signals in ``period`` counted by two expressions (codes or a month key): {(row, column): count}."""
    where = period_where(period, filters)
    result = session.execute(select(rows, columns, func.count()).where(*where).group_by(rows, columns)).all()
    return {((r if r is not None else UNKNOWN), (c if c is not None else UNKNOWN)): int(n) for r, c, n in result}


def quarter_key(session: Session, column):
    if is_postgres(session):
        return func.to_char(func.timezone(literal_column("'UTC'"), column), literal_column("'YYYY-\"K\"Q'"))
    quarter = (cast(func.strftime("%m", column), Integer) + 2).op("/")(3)  # integer division in SQLite
    return func.strftime("%Y", column).op("||")("-K").op("||")(quarter)
