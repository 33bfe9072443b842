"""Triage: the status machine in action, the handler's queue, decisions, enrichment and linked subjects.

Every mutation here checks first, then changes, then writes its audit entry (and
outbox row where the table says so) in the caller's transaction; the view commits.
"""

from __future__ import annotations

import base64
import enum
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, literal, not_, select, text, tuple_
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError
from flask_babel import gettext

from meldpunt.audit.service import record
from meldpunt.auth.models import Role, User
from meldpunt.crypto import FieldCipher, Keyring
from meldpunt.database import utcnow
from meldpunt.i18n import N_
from meldpunt.feedback.service import add_working_days, new_reply_condition, queue_notice, signals_with_new_reply
from meldpunt.intake.models import Signal, SignalStatus, StatusChange, Subject, Track
from meldpunt.triage.models import (
    Approval,
    ApprovalKind,
    ApprovalState,
    Authority,
    EnrichmentNote,
    Forwarding,
    ForwardingState,
    Register,
    queue_open_condition,
    queue_urgent_condition,
    queue_waiting_condition,
)
from meldpunt.triage.transitions import (
    FINAL_STATUSES,
    Path,
    TransitionError,
    check_start,
    check_transition,
    requires_approval,
    track_after,
)
from meldpunt.vault.service import ShreddedError, cipher_for, field_reader, seal, unseal

REASON_MAX = 5_000
NOTE_MAX = 20_000
STALE_MESSAGE = "Iemand anders heeft deze melding net gewijzigd. Bekijk de nieuwe gegevens en probeer het opnieuw."


class TriageError(ValueError):
    """A refused triage action; the message is Dutch and shown to the user."""


class ReasonError(TransitionError):
    """The move is allowed but its reason is missing or too long (shown next to the reason field)."""


class StaleSignalError(TriageError):
    """The form was based on an older version of the signal (answer 409)."""

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)


def _actor_label(actor: User) -> str:
    return actor.email


def _cipher(session: Session, keyring: Keyring, signal: Signal) -> FieldCipher:
    try:
        return cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        raise TriageError(gettext("Deze melding is verwijderd; er kan niets meer aan worden toegevoegd.")) from None


def check_version(signal: Signal, expected_version: int | None) -> None:
    if expected_version is not None and signal.version_id != expected_version:
        raise StaleSignalError()


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise StaleSignalError() from None


# ---------------------------------------------------------------------------- the status machine


def transition_signal(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    actor: User,
    target: SignalStatus | str,
    path: Path | str,
    four_eyes: bool,
    reason: str | None = None,
    expected_version: int | None = None,
    approval: Approval | None = None,
    audit_details: dict | None = None,
    now: datetime | None = None,
) -> StatusChange:
    """Move ``signal`` to ``target`` if the table allows it for ``actor`` on ``path``; refuse before changing anything.

    ``path`` is where the caller is (the status buttons, a forwarding, a case, the casusoverleg,
    or the completion of an approved request); ``four_eyes`` is the ``[security] four_eyes``
    setting: a row that carries four eyes is then taken only on the approval path, with the
    approved ``approval`` in hand. A signal in an open case does not move on the status path.

    Writes the status change (reason encrypted), exactly one audit entry and, where
    the table says so, one outbox row for the reporter — all in the caller's transaction.
    """
    check_version(signal, expected_version)
    if signal.is_shredded:
        raise TriageError(gettext("Deze melding is verwijderd (bewaartermijn verstreken). De status kan niet meer veranderen."))
    transition = check_transition(signal.status, target, role=actor.role, track=signal.track, path=path,
                                  four_eyes=four_eyes)
    path = Path(path)
    if path == Path.APPROVAL:
        _check_approved(session, approval, signal)
    elif path == Path.STATUS:
        case_reference = open_case_reference(session, signal=signal)
        if case_reference is not None:
            raise TransitionError(f"Deze melding hoort bij casus {case_reference}. Wat er verder met de melding "
                                  "gebeurt, gaat via de casus.")
    reason = (reason or "").strip() or None
    if transition.reason_required and not reason:
        raise ReasonError(gettext("Geef een reden op. Die wordt vertrouwelijk bewaard."))
    if reason and len(reason) > REASON_MAX:
        raise ReasonError(f"De reden is te lang (hoogstens {REASON_MAX} tekens).")
    cipher = _cipher(session, keyring, signal) if reason else None
    now = now or utcnow()
    source = signal.status
    change = StatusChange(
        signal_id=signal.id, from_status=source, to_status=transition.target.value, actor_id=actor.id, created_at=now
    )
    session.add(change)
    signal.status = transition.target.value
    new_track = track_after(transition, Track(signal.track)).value
    if new_track != signal.track:
        # Cases are the regisseur's: a signal leaving the regular track leaves its case (and the case its subjects),
        # or every regisseur would keep reading it on the case page.
        left_case = unlink_from_case(session, signal=signal)
        if left_case is not None:
            audit_details = {**(audit_details or {}), "left_case_id": str(left_case)}
    signal.track = new_track
    if source == SignalStatus.RECEIVED.value and signal.triaged_at is None:
        signal.triaged_at = now
    signal.closed_at = now if transition.target in FINAL_STATUSES else None
    _flush(session)  # assigns the change's id (needed for the reason's AAD) and checks the version
    if cipher is not None:
        seal(cipher, change, "reason", reason)
    if transition.notice is not None:
        queue_notice(session, signal=signal, kind=transition.notice)
    details = {"from": source, "to": transition.target.value, "path": path.value,
               "notice": transition.notice is not None, "reason": reason is not None}
    if approval is not None:
        details["approval_id"] = approval.id
    details.update(audit_details or {})
    record(
        session,
        action="signal.transition",
        actor_id=actor.id,
        actor_label=_actor_label(actor),
        object_type="signal",
        object_id=signal.id,
        details=details,
    )
    _flush(session)
    return change


def _check_approved(session: Session, approval: Approval | None, signal: Signal) -> None:
    """The approval path needs an approval that a second person granted, about this very signal (or its case)."""
    from meldpunt.cases.models import CaseSignal

    refused = TransitionError("Hiervoor is eerst akkoord van een collega nodig (vier ogen).")
    if approval is None or approval.state != ApprovalState.APPROVED.value or approval.decided_by_id is None:
        raise refused
    if approval.decided_by_id == approval.requested_by_id:
        raise refused
    if approval.kind == ApprovalKind.FORWARD_SIGNAL.value:
        if approval.signal_id != signal.id:
            raise refused
    elif approval.kind == ApprovalKind.CLOSE_CASE.value:
        if session.get(CaseSignal, (approval.case_id, signal.id)) is None:
            raise refused
    else:  # pragma: no cover - the kinds are a closed set
        raise refused


def open_case_reference(session: Session, *, signal: Signal) -> str | None:
    """The reference of the open case this signal sits in, or None (closed cases do not count)."""
    from meldpunt.cases.models import Case, CaseSignal, CaseStatus

    return session.scalar(
        select(Case.reference).join(CaseSignal, CaseSignal.case_id == Case.id)
        .where(CaseSignal.signal_id == signal.id, Case.status != CaseStatus.CLOSED.value)
    )


def unlink_from_case(session: Session, *, signal: Signal) -> uuid.UUID | None:
    """Remove the signal's case link and the case's choice of its subjects; returns the case id (or None)."""
    from meldpunt.cases.models import CaseSignal, CaseSubject

    link = session.scalar(select(CaseSignal).where(CaseSignal.signal_id == signal.id))
    if link is None:
        return None
    case_id = link.case_id
    subject_ids = select(Subject.id).where(Subject.signal_id == signal.id)
    for chosen in session.scalars(select(CaseSubject).where(CaseSubject.case_id == case_id,
                                                            CaseSubject.subject_id.in_(subject_ids))):
        session.delete(chosen)
    session.delete(link)
    return case_id


# ---------------------------------------------------------------------------- the queue


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


# ---------------------------------------------------------------------------- assignment


def handlers_for_track(session: Session, *, track: str) -> list[User]:
    role = Role.REGISSEUR if track == Track.REGULAR.value else Role.INTEGRITEIT
    return list(session.scalars(select(User).where(User.role == role.value, User.is_enabled.is_(True)).order_by(User.name)))


def assign_signal(
    session: Session, *, signal: Signal, actor: User, assignee_id: int | None, expected_version: int | None = None
) -> Signal:
    """Give the signal to a colleague of the same track (or to nobody)."""
    check_version(signal, expected_version)
    if assignee_id is not None:
        allowed = {u.id for u in handlers_for_track(session, track=signal.track)}
        if assignee_id not in allowed:
            raise TriageError(gettext("Kies een collega die deze meldingen mag behandelen."))
    previous = signal.assignee_id
    signal.assignee_id = assignee_id
    record(
        session,
        action="signal.assign",
        actor_id=actor.id,
        actor_label=_actor_label(actor),
        object_type="signal",
        object_id=signal.id,
        details={"from": previous, "to": assignee_id},
    )
    _flush(session)
    return signal


# ---------------------------------------------------------------------------- enrichment


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    register: Register
    consulted_on: date
    author: str
    created_at: datetime
    source: str | None
    legal_basis: str | None
    content: str | None


def _text(value: str | None, name: str, *, required: bool = True, maximum: int = NOTE_MAX) -> str | None:
    value = (value or "").strip() or None
    if required and not value:
        raise TriageError(f"Vul {name} in.")
    if value and len(value) > maximum:
        raise TriageError(f"{name[0].upper()}{name[1:]} is te lang (hoogstens {maximum} tekens).")
    return value


def add_enrichment_note(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    actor: User,
    register: Register | str,
    consulted_on: date,
    source: str,
    legal_basis: str,
    content: str,
) -> EnrichmentNote:
    """One note per register consulted, with source, date and doelbinding; all text encrypted."""
    try:
        register = Register(register)
    except ValueError:
        raise TriageError(gettext("Kies het register dat u heeft geraadpleegd.")) from None
    source = _text(source, "de bron", maximum=500)
    legal_basis = _text(legal_basis, "de grondslag (doelbinding)", maximum=1000)
    content = _text(content, "wat u heeft gevonden")
    if consulted_on > utcnow().date():
        raise TriageError(gettext("De datum van raadplegen kan niet in de toekomst liggen."))
    cipher = _cipher(session, keyring, signal)
    note = EnrichmentNote(
        id=uuid.uuid4(), signal_id=signal.id, register=register.value, consulted_on=consulted_on, author_id=actor.id
    )
    seal(cipher, note, "source", source)
    seal(cipher, note, "legal_basis", legal_basis)
    seal(cipher, note, "content", content)
    session.add(note)
    record(
        session,
        action="signal.enrich",
        actor_id=actor.id,
        actor_label=_actor_label(actor),
        object_type="signal",
        object_id=signal.id,
        details={"note_id": str(note.id), "register": register.value},
    )
    session.flush()
    return note


def enrichment_notes(session: Session, *, keyring: Keyring, signal: Signal) -> list[NoteView]:
    notes = session.scalars(
        select(EnrichmentNote).options(joinedload(EnrichmentNote.author))
        .where(EnrichmentNote.signal_id == signal.id).order_by(EnrichmentNote.consulted_on, EnrichmentNote.created_at)
    ).all()
    _open = field_reader(session, keyring=keyring, data_key_id=signal.data_key_id)

    return [
        NoteView(n.id, Register(n.register), n.consulted_on, n.author.name if n.author else "—", n.created_at,
                 _open(n, "source"), _open(n, "legal_basis"), _open(n, "content"))
        for n in notes
    ]


# ---------------------------------------------------------------------------- forwarding (with four eyes)


def forward_signal(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    actor: User,
    authority: Authority | str,
    recipient: str | None,
    legal_basis: str,
    reason: str,
    four_eyes: bool,
    expected_version: int | None = None,
) -> Forwarding:
    """Doorzenden naar bevoegd gezag. With four eyes a second regisseur must approve before it happens."""
    check_version(signal, expected_version)
    try:
        authority = Authority(authority)
    except ValueError:
        raise TriageError(gettext("Kies naar wie u de melding doorzendt.")) from None
    transition = check_start(signal.status, SignalStatus.FORWARDED, role=actor.role, track=signal.track,
                             path=Path.FORWARD)
    recipient = _text(recipient, "de ontvanger", required=False, maximum=300)
    legal_basis = _text(legal_basis, "de grondslag", maximum=1000)
    reason = _text(reason, "de reden", maximum=REASON_MAX)
    open_request = session.scalar(
        select(Forwarding.id).where(Forwarding.signal_id == signal.id, Forwarding.state == ForwardingState.PENDING.value)
    )
    if open_request is not None:
        raise TriageError(gettext("Voor deze melding wacht al een verzoek om door te zenden op akkoord."))
    cipher = _cipher(session, keyring, signal)
    forwarding = Forwarding(id=uuid.uuid4(), signal_id=signal.id, authority=authority.value, requested_by_id=actor.id,
                            state=ForwardingState.PENDING.value)
    seal(cipher, forwarding, "recipient", recipient)
    seal(cipher, forwarding, "legal_basis", legal_basis)
    seal(cipher, forwarding, "reason", reason)
    session.add(forwarding)
    session.flush()
    if requires_approval(transition, four_eyes=four_eyes):
        approval = Approval(kind=ApprovalKind.FORWARD_SIGNAL.value, signal_id=signal.id, forwarding_id=forwarding.id,
                            requested_by_id=actor.id)
        session.add(approval)
        session.flush()
        record(session, action="approval.request", actor_id=actor.id, actor_label=_actor_label(actor),
               object_type="signal", object_id=signal.id,
               details={"approval_id": approval.id, "kind": approval.kind, "authority": authority.value})
        _flush(session)
        return forwarding
    _complete_forwarding(session, keyring=keyring, signal=signal, forwarding=forwarding, actor=actor, reason=reason,
                         four_eyes=four_eyes)
    return forwarding


def _complete_forwarding(session, *, keyring, signal, forwarding, actor, reason, four_eyes, approval=None) -> None:
    """The move to "doorgezonden": on the forward path, or on the approval path once a colleague approved."""
    now = utcnow()
    details = {"forwarding_id": str(forwarding.id), "authority": forwarding.authority}
    transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.FORWARDED,
                      path=Path.APPROVAL if approval is not None else Path.FORWARD, four_eyes=four_eyes,
                      approval=approval, reason=reason, audit_details=details, now=now)
    forwarding.state = ForwardingState.DONE.value
    forwarding.forwarded_at = now
    session.flush()


@dataclass(frozen=True)
class ForwardingView:
    id: uuid.UUID
    authority: Authority
    state: ForwardingState
    requested_by: str
    created_at: datetime
    forwarded_at: datetime | None
    recipient: str | None
    legal_basis: str | None
    reason: str | None


def forwardings_of(session: Session, *, keyring: Keyring, signal: Signal) -> list[ForwardingView]:
    rows = session.scalars(select(Forwarding).where(Forwarding.signal_id == signal.id).order_by(Forwarding.created_at)).all()
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        cipher = None

    def _open(row, column):
        return unseal(cipher, row, column) if cipher else "Verwijderd"

    return [
        ForwardingView(f.id, Authority(f.authority), ForwardingState(f.state),
                       f.requested_by.name if f.requested_by else "—", f.created_at, f.forwarded_at,
                       _open(f, "recipient"), _open(f, "legal_basis"), _open(f, "reason"))
        for f in rows
    ]


def _approver_track(actor: User) -> str | None:
    return {Role.REGISSEUR.value: Track.REGULAR.value, Role.INTEGRITEIT.value: Track.INTEGRITY.value}.get(actor.role)


def pending_approvals(session: Session, *, actor: User) -> list[Approval]:
    """Open requests this user may decide on: forwardings of their track; case closings for regisseurs."""
    track = _approver_track(actor)
    visible = Approval.signal_id.in_(select(Signal.id).where(Signal.track == track))
    if actor.role == Role.REGISSEUR.value:
        visible = visible | (Approval.kind == ApprovalKind.CLOSE_CASE.value)
    query = select(Approval).where(Approval.state == ApprovalState.PENDING.value, visible).order_by(Approval.created_at)
    return list(session.scalars(query))


def may_decide(approval: Approval, actor: User, signal_track: str | None) -> bool:
    if approval.kind == ApprovalKind.CLOSE_CASE.value:
        return actor.role == Role.REGISSEUR.value
    return signal_track is not None and _approver_track(actor) == signal_track


def decide_approval(
    session: Session, *, keyring: Keyring, approval: Approval, actor: User, approve: bool
) -> Approval:
    """A second regisseur (never the requester) approves or rejects; on approval the action happens now."""
    if approval.state != ApprovalState.PENDING.value:
        raise TriageError(gettext("Over dit verzoek is al besloten."))
    if approval.requested_by_id == actor.id:
        raise TriageError(gettext("Vier ogen: een andere regisseur moet dit goedkeuren, niet uzelf."))
    signal = session.get(Signal, approval.signal_id) if approval.signal_id else None
    if not may_decide(approval, actor, signal.track if signal else None):
        raise TriageError(gettext("U kunt over dit verzoek niet beslissen."))
    approval.state = (ApprovalState.APPROVED if approve else ApprovalState.REJECTED).value
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    session.flush()
    record(session, action="approval.decide", actor_id=actor.id, actor_label=_actor_label(actor),
           object_type="approval", object_id=approval.id,
           details={"kind": approval.kind, "approved": approve})
    if approval.kind == ApprovalKind.FORWARD_SIGNAL.value:
        forwarding = approval.forwarding
        signal = session.get(Signal, forwarding.signal_id)
        if approve:
            cipher = _cipher(session, keyring, signal)
            reason = unseal(cipher, forwarding, "reason")
            _complete_forwarding(session, keyring=keyring, signal=signal, forwarding=forwarding,
                                 actor=actor, reason=reason, four_eyes=True, approval=approval)
        else:
            forwarding.state = ForwardingState.REJECTED.value
    elif approval.kind == ApprovalKind.CLOSE_CASE.value and approve:
        from meldpunt.cases.service import complete_case_closing

        complete_case_closing(session, keyring=keyring, approval=approval, actor=actor)
    session.flush()
    return approval


# ---------------------------------------------------------------------------- subjects and linked signals


@dataclass(frozen=True)
class LinkedSignal:
    id: uuid.UUID
    reference: str
    status: SignalStatus


@dataclass(frozen=True)
class SubjectView:
    id: uuid.UUID
    kind: str
    kind_label: str
    values: list[tuple[str, str]]  # (Dutch label, value), display order
    shredded: bool
    linked: list[LinkedSignal]
    added_by: str = "behandelaar"  # SubjectOrigin: "melder" when the reporter named it when filing


def linked_signals(session: Session, *, keyring: Keyring, signal: Signal, track: str) -> dict[uuid.UUID, list[LinkedSignal]]:
    """Per subject: the *other* signals naming an equal identifier (blind index), on ``track`` only.

    Only signals this handler may see are counted or listed, so a link count never
    leaks a signal of another track.
    """
    from meldpunt.intake.subjects import linked_signal_ids

    links = linked_signal_ids(session, keyring=keyring, signal=signal)
    wanted = set().union(*links.values()) if links else set()
    if not wanted:
        return {}
    visible = {
        row.id: LinkedSignal(row.id, row.reference, SignalStatus(row.status))
        for row in session.execute(
            select(Signal.id, Signal.reference, Signal.status).where(Signal.id.in_(wanted), Signal.track == track)
        )
    }
    return {
        subject_id: sorted((visible[i] for i in ids if i in visible), key=lambda item: item.reference)
        for subject_id, ids in links.items()
    }


def subjects_with_links(session: Session, *, keyring: Keyring, signal: Signal, track: str) -> list[SubjectView]:
    """The signal's subjects decrypted, each with the other visible signals about it."""
    from meldpunt.intake.subjects import SUBJECT_FIELDS, read_subject

    subjects = session.scalars(select(Subject).where(Subject.signal_id == signal.id).order_by(Subject.created_at)).all()
    links = linked_signals(session, keyring=keyring, signal=signal, track=track)
    views = []
    for subject in subjects:
        data = read_subject(session, keyring=keyring, subject=subject)
        values = [(label, str(data[key])) for key, label in SUBJECT_FIELDS.items() if data.get(key)]
        views.append(SubjectView(subject.id, subject.kind, data.get("kind_label", subject.kind), values,
                                 bool(data.get("shredded")), links.get(subject.id, []), subject.added_by))
    return views


# ---------------------------------------------------------------------------- reporter identity

#: Audit action of every time a handler has the reporter's identity shown ("Toon melder").
REPORTER_IDENTITY_VIEW = "signal.reporter_identity.view"


@dataclass(frozen=True)
class ReporterIdentity:
    name: str
    email: str
    contact: str | None  # how the reporter wants to hear back (encrypted with the signal)


def reveal_reporter_identity(
    session: Session, *, keyring: Keyring, signal: Signal, actor: User, origin: str = ""
) -> ReporterIdentity:
    """Who filed ``signal``, for a handler of its track only; audited as a read of identity.

    The handler's page shows "Melder met naam" until the handler asks for this. Refused with a
    Dutch ``TriageError`` for an anonymous or shredded signal. The audit entry names the signal
    and the handler, never the reporter.
    """
    from meldpunt.policy import Action, can

    if not can(actor, Action.VIEW_REPORTER_IDENTITY, signal):
        raise TriageError(gettext("U mag niet zien wie deze melding deed."))
    if signal.is_anonymous or signal.reporter is None:
        raise TriageError(gettext("Deze melding is anoniem gedaan. Er is geen melder om te tonen."))
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        raise TriageError(gettext("Deze melding is verwijderd. Wie de melder was, wordt niet meer getoond.")) from None
    identity = ReporterIdentity(signal.reporter.name, signal.reporter.email, unseal(cipher, signal, "contact"))
    record(
        session,
        action=REPORTER_IDENTITY_VIEW,
        actor_id=actor.id,
        actor_label=_actor_label(actor),
        object_type="signal",
        object_id=signal.id,
        origin=origin,
    )
    session.flush()
    return identity


# ---------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryItem:
    """A status change, or (``to_status`` None, ``note`` set) a re-classification or checklist step."""

    created_at: datetime
    from_status: SignalStatus | None
    to_status: SignalStatus | None
    actor: str
    reason: str | None
    note: str | None = None


def signal_history(session: Session, *, keyring: Keyring, signal: Signal) -> list[HistoryItem]:
    rows = session.scalars(
        select(StatusChange).options(joinedload(StatusChange.actor))
        .where(StatusChange.signal_id == signal.id).order_by(StatusChange.created_at, StatusChange.id)
    ).all()
    read = field_reader(session, keyring=keyring, data_key_id=signal.data_key_id)
    items = []
    for row in rows:
        reason = read(row, "reason")
        items.append(HistoryItem(row.created_at, SignalStatus(row.from_status) if row.from_status else None,
                                 SignalStatus(row.to_status), row.actor.name if row.actor else "Systeem", reason))
    from meldpunt.triage.classification import classification_history

    items += [HistoryItem(c.created_at, None, None, c.actor, None, note=c.text)
              for c in classification_history(session, signal=signal)]
    items.sort(key=lambda item: _aware(item.created_at))
    return items


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def search_open_signals(session: Session, *, track: str, reference: str) -> Signal | None:
    """Find a signal of this track by its reference (for adding it to a case)."""
    reference = (reference or "").strip().upper()
    return session.scalar(select(Signal).where(Signal.reference == reference, Signal.track == track))


__all__ = [
    "STALE_MESSAGE",
    "QueueFilters",
    "QueuePage",
    "ReasonError",
    "StaleSignalError",
    "Tab",
    "TransitionError",
    "TriageError",
    "add_enrichment_note",
    "assign_signal",
    "decide_approval",
    "enrichment_notes",
    "forward_signal",
    "forwardings_of",
    "linked_signals",
    "load_queue",
    "open_case_reference",
    "overdue_cutoff",
    "pending_approvals",
    "reveal_reporter_identity",
    "signal_history",
    "subjects_with_links",
    "tab_counts",
    "transition_signal",
    "unlink_from_case",
]
