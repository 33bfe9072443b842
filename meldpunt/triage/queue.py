"""The handler's queue (werkvoorraad): tabs, filters, sorting, counts and keyset pages.

Reads only listed columns (never ciphertext); the tab conditions repeat the partial indexes' predicates
(``meldpunt.signals.models``), so the planner can use them (docs/queue.md).
"""

from __future__ import annotations

import base64
import enum
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext
from sqlalchemy import and_, func, literal, not_, select, text, tuple_
from sqlalchemy.orm import Session

from meldpunt.i18n import N_
from meldpunt.auth.models import User
from meldpunt.database import utcnow
from meldpunt.feedback.service import add_working_days, new_reply_condition, signals_with_new_reply
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.signals.models import queue_open_condition, queue_urgent_condition, queue_waiting_condition
from meldpunt.signals.service import (
    TriageError,
)

class Tab(enum.StrEnum):
    ALL = "alle"
    NEW = "nieuw"
    MINE = "mijn"
    WAITING = "wacht"  # no first feedback yet
    OVERDUE = "te-laat"  # no first feedback within the term

    @property
    def label(self) -> str:
        return TAB_LABELS[self]


TAB_LABELS = {
    Tab.NEW: N_("Nieuw"),
    Tab.MINE: N_("Aan mij toegewezen"),
    Tab.WAITING: N_("Wacht op terugkoppeling"),
    Tab.OVERDUE: N_("Te laat"),
    Tab.ALL: N_("Alle"),
}

#: Sort keys, each ending in a unique column so the order is total (keyset pagination needs that).
#: All columns of one key run in the same direction, so "after this row" is one row comparison
#: that the matching index answers as a range.
SORTS: dict[str, tuple[tuple, bool]] = {
    "nieuwste": ((Signal.created_at, Signal.id), True),
    "oudste": ((Signal.created_at, Signal.id), False),
    "status": ((Signal.status, Signal.created_at, Signal.id), False),
    "nummer": ((Signal.reference,), False),
}
SORT_LABELS = {"nieuwste": N_("Nieuwste eerst"), "oudste": N_("Oudste eerst"), "status": N_("Status (daarbinnen oudste eerst)"),
               "nummer": N_("Nummer")}

#: Below this many signals a count is exact; above it "alle" shows the planner's estimate on PostgreSQL
#: and a filtered list says "meer dan 10.000" (counting further would read the whole archive on every load).
EXACT_COUNT_LIMIT = 10_000
#: Until this page a link without a cursor ("?pagina=N") is answered with OFFSET; deeper pages need a cursor.
OFFSET_PAGE_LIMIT = 40
CURSOR_MAX = 300
BAD_CURSOR_MESSAGE = N_("Deze paginalink klopt niet (meer). U ziet de eerste pagina.")


class QueueError(TriageError):
    """A queue request that cannot be answered as asked (a broken page link); the message is Dutch."""


def format_number(value: int) -> str:
    """Dutch thousands separator: 949312 -> "949.312"."""
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class Count:
    """A number of signals: exact, an estimate by the database planner, or "more than" a bound."""

    value: int
    kind: str = "exact"  # "exact" | "estimate" | "at_least"

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    @property
    def label(self) -> str:
        if self.kind == "estimate":
            # The planner's figure can be a little above the truth (ANALYZE samples 30,000 rows: about
            # 0.1 % at a million), so "ruim" takes 1 % off and rounds down to three significant digits.
            floor = self.value * 99 // 100
            step = 10 ** max(0, len(str(floor)) - 3)
            return gettext("ruim %(count)s", count=format_number(floor // step * step))
        if self.kind == "at_least":
            return gettext("meer dan %(count)s", count=format_number(self.value))
        return format_number(self.value)


@dataclass(frozen=True)
class QueueFilters:
    status: str | None = None
    phenomenon_code: str | None = None
    process_code: str | None = None
    department_code: str | None = None
    #: Only signals with an unread "nieuw bericht" (a reporter's reply) for this handler (issue 22 item 2).
    new_message: bool = False

    def __bool__(self) -> bool:
        return any([self.status, self.phenomenon_code, self.process_code, self.department_code, self.new_message])


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: only the listed columns (never ciphertext, never a whole ORM row)."""

    id: uuid.UUID
    reference: str
    created_at: datetime
    phenomenon_code: str | None
    process_code: str | None
    status: str
    assignee_name: str | None
    first_feedback_at: datetime | None
    wants_feedback: bool
    feels_unsafe: bool = False
    channel: str = "intern_formulier"

    @property
    def status_enum(self) -> SignalStatus:
        return SignalStatus(self.status)


QUEUE_COLUMNS = (Signal.id, Signal.reference, Signal.created_at, Signal.phenomenon_code, Signal.process_code,
                 Signal.status, User.name, Signal.first_feedback_at, Signal.wants_feedback, Signal.feels_unsafe,
                 Signal.channel)

#: At most this many urgent signals are pinned above the list (they are few by nature).
URGENT_MAX = 50


@dataclass(frozen=True)
class QueuePage:
    signals: list[QueueRow]
    total: int
    page: int
    per_page: int
    counts: dict[Tab, int] = field(default_factory=dict)
    overdue_before: datetime | None = None
    #: How each count was obtained (``Count.kind``); a tab missing here is exact.
    count_kinds: dict[Tab, str] = field(default_factory=dict)
    total_kind: str = "exact"
    #: Cursors for the page links ("na" = after the last row, "voor" = before the first row).
    next_cursor: str | None = None
    prev_cursor: str | None = None
    #: Set when the page link was broken or too deep without a cursor: the first page is shown instead.
    link_error: str | None = None
    #: Urgent signals of this tab and filters (threatened reporters, still open), oldest first; shown
    #: above ``signals`` on the first page. ``signals`` then holds the others.
    urgent: list[QueueRow] = field(default_factory=list)
    #: Working days for first contact with a threatened reporter.
    contact_working_days: int = 1
    #: Ids of the rows with an unread reply of the reporter for this handler ("nieuw bericht").
    new_messages: frozenset = frozenset()

    @property
    def pages(self) -> int | None:
        """Number of pages, when the total is exact."""
        return max(1, -(-self.total // self.per_page)) if self.total_kind == "exact" else None

    @property
    def total_label(self) -> str:
        return Count(self.total, self.total_kind).label

    def count_label(self, tab: Tab) -> str:
        return Count(self.counts.get(tab, 0), self.count_kinds.get(tab, "exact")).label

    def contact_due(self, signal: QueueRow | Signal) -> date:
        """The last day for first contact with a threatened reporter."""
        return add_working_days(signal.created_at.date(), self.contact_working_days)

    def is_overdue(self, signal: QueueRow | Signal) -> bool:
        if signal.first_feedback_at is not None or not signal.wants_feedback or self.overdue_before is None:
            return False
        created = signal.created_at if signal.created_at.tzinfo else signal.created_at.replace(tzinfo=timezone.utc)
        return created < self.overdue_before


def overdue_cutoff(today: date, *, working_days: int) -> datetime:
    """Signals created before this instant (UTC) without first feedback are overdue on ``today``.

    A signal is overdue when its due date (created date + term in working days)
    lies before today. ``add_working_days`` never decreases as the start grows, so
    walk back to the last creation date that is overdue and cut just after it.
    """
    day = today
    while add_working_days(day, working_days) >= today:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.utc)


def _tab_condition(tab: Tab, *, user_id: int, cutoff: datetime):
    """The tab's rows, written exactly like the partial indexes' predicates (see ``triage.models``)."""
    if tab == Tab.NEW:
        return Signal.status == SignalStatus.RECEIVED.value
    if tab == Tab.MINE:
        return and_(Signal.assignee_id == user_id, queue_open_condition())
    if tab == Tab.WAITING:
        return queue_waiting_condition()
    if tab == Tab.OVERDUE:
        return and_(queue_waiting_condition(), Signal.created_at < cutoff)
    return None


def _bounded_count(session: Session, where: list, limit: int) -> Count:
    """Exact up to ``limit``; beyond that "more than ``limit``" without reading further."""
    inner = select(Signal.id).where(*where).limit(limit + 1).subquery()
    found = session.scalar(select(func.count()).select_from(inner)) or 0
    return Count(limit, "at_least") if found > limit else Count(found)


def planner_estimate(session: Session, statement) -> int:
    """Rows the PostgreSQL planner expects ``statement`` to return (from the statistics ANALYZE keeps)."""
    compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    plan = session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _count_all(session: Session, *, track: str, exact_limit: int) -> Count:
    """Tab "alle": exact while small; on PostgreSQL above ``exact_limit`` the planner's estimate.

    A real count of "alle" reads every signal of the track on every queue load and grows with the
    archive; no index avoids that. The estimate costs one EXPLAIN and is kept fresh by autovacuum's
    ANALYZE (docs/queue.md).
    """
    where = [Signal.track == track]
    if session.get_bind().dialect.name == "postgresql":
        estimate = planner_estimate(session, select(Signal.id).where(*where))
        if estimate > exact_limit:
            return Count(estimate, "estimate")
        bounded = _bounded_count(session, where, exact_limit)
        return Count(estimate, "estimate") if not bounded.exact else bounded
    return Count(session.scalar(select(func.count()).select_from(Signal).where(*where)) or 0)


def queue_counts(
    session: Session, *, track: str, user_id: int, cutoff: datetime, exact_limit: int = EXACT_COUNT_LIMIT
) -> dict[Tab, Count]:
    """Every tab's count: one statement for the four work tabs (each a range count on its own index)
    and ``_count_all`` for "alle"."""
    work_tabs = [tab for tab in Tab if tab != Tab.ALL]
    subqueries = [
        select(func.count()).select_from(Signal)
        .where(Signal.track == track, _tab_condition(tab, user_id=user_id, cutoff=cutoff))
        .scalar_subquery().label(tab.name.lower())
        for tab in work_tabs
    ]
    row = session.execute(select(*subqueries)).one()
    counts = {tab: Count(int(value or 0)) for tab, value in zip(work_tabs, row, strict=True)}
    counts[Tab.ALL] = _count_all(session, track=track, exact_limit=exact_limit)
    return {tab: counts[tab] for tab in Tab}


def tab_counts(session: Session, *, track: str, user_id: int, cutoff: datetime) -> dict[Tab, int]:
    """The tab counts as numbers ("alle" may be the planner's estimate on a large PostgreSQL table)."""
    return {tab: count.value for tab, count in queue_counts(session, track=track, user_id=user_id, cutoff=cutoff).items()}


def _encode_cursor(values: tuple) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else str(value) for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(token: str, columns: tuple) -> tuple:
    """The sort-key values of a page link, typed per column; ``QueueError`` for anything else."""
    try:
        if len(token) > CURSOR_MAX:
            raise ValueError("too long")
        plain = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(plain, list) or len(plain) != len(columns) or not all(isinstance(v, str) for v in plain):
            raise ValueError("shape")
        values = []
        for column, value in zip(columns, plain, strict=True):
            if column.key == "id":
                values.append(uuid.UUID(value))
            elif column.key == "created_at":
                moment = datetime.fromisoformat(value)
                values.append(moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc))
            else:
                values.append(value)
        return tuple(values)
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        raise QueueError(BAD_CURSOR_MESSAGE) from None


def _row_key(row: QueueRow, columns: tuple) -> tuple:
    return tuple(getattr(row, column.key) for column in columns)


def cursor_for(row: QueueRow, sort: str = "nieuwste") -> str:
    """The page-link cursor for "the rows after ``row``" in ``sort`` order."""
    return _encode_cursor(_row_key(row, SORTS.get(sort, SORTS["nieuwste"])[0]))


def load_queue(
    session: Session,
    *,
    track: str,
    user_id: int,
    tab: Tab = Tab.ALL,
    filters: QueueFilters | None = None,
    sort: str = "nieuwste",
    page: int = 1,
    after: str | None = None,
    before: str | None = None,
    per_page: int = 25,
    working_days: int = 5,
    today: date | None = None,
    exact_limit: int = EXACT_COUNT_LIMIT,
    contact_working_days: int = 1,
) -> QueuePage:
    """One page of the handler's queue; reads plaintext metadata only (nothing is decrypted).

    Paging is by keyset: ``after`` / ``before`` are cursors (the sort key of the last / first row
    of the page the user came from), so page 1,000 costs what page 1 costs. ``page`` is then only
    the number shown. Without a cursor, pages up to ``OFFSET_PAGE_LIMIT`` are read with OFFSET.
    A broken cursor, or a page beyond that without one, gives the first page with ``link_error`` set.

    Urgent signals (``queue_urgent_condition``: a threatened reporter, still open) come first: on the
    first page they are read apart (``QueuePage.urgent``, oldest first, from their small partial index),
    and the paged list holds the other rows, so paging is unchanged.
    """
    filters = filters or QueueFilters()
    cutoff = overdue_cutoff(today or utcnow().date(), working_days=working_days)
    where = [Signal.track == track]
    condition = _tab_condition(tab, user_id=user_id, cutoff=cutoff)
    if condition is not None:
        where.append(condition)
    if filters.status:
        where.append(Signal.status == filters.status)
    if filters.phenomenon_code:
        where.append(Signal.phenomenon_code == filters.phenomenon_code)
    if filters.process_code:
        where.append(Signal.process_code == filters.process_code)
    if filters.department_code:
        where.append(Signal.department_code == filters.department_code)
    if filters.new_message:
        where.append(new_reply_condition(user_id=user_id))
    counts = queue_counts(session, track=track, user_id=user_id, cutoff=cutoff, exact_limit=exact_limit)
    total = _bounded_count(session, where, exact_limit) if filters else counts[tab]

    columns, descending = SORTS.get(sort, SORTS["nieuwste"])
    backwards = before is not None and after is None
    cursor = after if after is not None else before
    link_error, position = None, None
    if cursor is not None:
        try:
            position = _decode_cursor(cursor, columns)
        except QueueError as exc:  # a broken link: the first page, and say so
            link_error, backwards, page = str(exc), False, 1
    elif page > OFFSET_PAGE_LIMIT:  # deep pages only through a cursor
        link_error, page = BAD_CURSOR_MESSAGE, 1
    urgent: list[QueueRow] = []
    if position is None and page <= 1:
        urgent = [QueueRow(*row) for row in session.execute(
            select(*QUEUE_COLUMNS).outerjoin(User, User.id == Signal.assignee_id)
            .where(*where, queue_urgent_condition())
            .order_by(Signal.created_at, Signal.id).limit(URGENT_MAX)
        )]
    query = select(*QUEUE_COLUMNS).outerjoin(User, User.id == Signal.assignee_id).where(
        *where, not_(queue_urgent_condition()))
    if position is not None:
        key = tuple_(*columns) if len(columns) > 1 else columns[0]
        value = tuple_(*[literal(v, type_=c.type) for v, c in zip(position, columns, strict=True)]) \
            if len(columns) > 1 else literal(position[0], type_=columns[0].type)
        query = query.where(key < value if descending != backwards else key > value)
    reverse = descending != backwards
    query = query.order_by(*[c.desc() if reverse else c.asc() for c in columns]).limit(per_page + 1)
    if position is None and page > 1:
        query = query.offset((page - 1) * per_page)
    rows = [QueueRow(*row) for row in session.execute(query)]
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
        if not more:  # reached the start: this is the first page
            page = 1
    has_next = more if not backwards else True
    has_prev = page > 1
    return QueuePage(
        signals=rows, total=total.value, page=max(1, page), per_page=per_page, overdue_before=cutoff,
        counts={t: c.value for t, c in counts.items()}, count_kinds={t: c.kind for t, c in counts.items() if not c.exact},
        total_kind=total.kind,
        next_cursor=_encode_cursor(_row_key(rows[-1], columns)) if rows and has_next else None,
        prev_cursor=_encode_cursor(_row_key(rows[0], columns)) if rows and has_prev else None,
        link_error=link_error, urgent=urgent, contact_working_days=contact_working_days,
        new_messages=signals_with_new_reply(session, user_id=user_id, signal_ids=[r.id for r in (*urgent, *rows)]),
    )
