"""Retention: which signals have expired, the batched shredding job, legal holds and "bewaren tot".

A signal expires a number of years after it (or its casus) was closed; the terms are in
``[retention]`` (``RetentionSettings``). It is never shredded while a legal hold on it or on its
casus is active, or while a handler's "bewaren tot" date has not passed.

The job (``run_retention``) shreds in batches, one transaction per batch. On PostgreSQL each batch
locks its rows with ``FOR UPDATE SKIP LOCKED``, so two workers running at once take disjoint
batches and every signal is shredded once. A crash loses at most the batch in flight (its
attachment files may already be gone; the rerun finishes it): rerunning gives the same end state.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, exists, false, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from flask_babel import gettext
from meldpunt.audit.service import record, record_many
from meldpunt.cases.models import Case, CaseSignal, CaseStatus
from meldpunt.config import RetentionSettings
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.signals.models import Signal, SignalStatus, Track
from meldpunt.retention.models import HoldState, LegalHold, RetentionExtension, RetentionRun
from meldpunt.triage.models import EnrichmentNote
from meldpunt.vault.models import DataKey
from meldpunt.vault.service import ShreddedError, cipher_for, seal, unseal
from meldpunt.retention.redaction import redact_meetings
from meldpunt.retention.shredding import ShredReason

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FINAL = (SignalStatus.CLOSED.value, SignalStatus.NOT_ADMISSIBLE.value, SignalStatus.FORWARDED.value,
         SignalStatus.TO_INTEGRITY.value)
MAX_REASON = 1000


class RetentionError(ValueError):
    """A retention action was refused; the message is Dutch and shown to the user."""


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite returns naive UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(AMSTERDAM).date()


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# ------------------------------------------------------------------------------------------- expiry


def _term_years(terms: RetentionSettings, *, track: str, status: str) -> int | None:
    """Years after closing for a signal outside a casus (None: it does not expire)."""
    if status not in FINAL:
        return None
    if track == Track.INTEGRITY.value or status == SignalStatus.TO_INTEGRITY.value:
        return terms.integrity_years
    return {
        SignalStatus.NOT_ADMISSIBLE.value: terms.not_admissible_years,
        SignalStatus.CLOSED.value: terms.closed_years,
        SignalStatus.FORWARDED.value: terms.forwarded_years,
    }[status]


def held_condition(today: date) -> ColumnElement[bool]:
    """An active legal hold on the signal, or on the casus it belongs to."""
    active = and_(LegalHold.state == HoldState.ACTIVE.value, LegalHold.ends_on >= today)
    on_signal = exists(select(LegalHold.id).where(active, LegalHold.signal_id == Signal.id))
    on_case = exists(select(LegalHold.id).join(CaseSignal, CaseSignal.case_id == LegalHold.case_id)
                     .where(active, CaseSignal.signal_id == Signal.id))
    return or_(on_signal, on_case)


def _extended_condition(today: date) -> ColumnElement[bool]:
    return exists(select(RetentionExtension.id).where(
        RetentionExtension.signal_id == Signal.id, RetentionExtension.keep_until >= today))


def expired_condition(*, now: datetime, terms: RetentionSettings) -> ColumnElement[bool]:
    """SQL: the signal has expired at ``now`` and nothing keeps it (not shredded yet, no hold, no extension)."""
    today = local_date(now)

    def closed_before(years: int) -> ColumnElement[bool]:
        return and_(Signal.closed_at.is_not(None), Signal.closed_at <= _years_before(now, years))

    case_expired = exists(select(CaseSignal.signal_id).join(Case, Case.id == CaseSignal.case_id).where(
        CaseSignal.signal_id == Signal.id, Case.status == CaseStatus.CLOSED.value,
        Case.closed_at <= _years_before(now, terms.case_years)))
    in_case = exists(select(CaseSignal.signal_id).where(CaseSignal.signal_id == Signal.id))
    integrity = and_(or_(Signal.track == Track.INTEGRITY.value, Signal.status == SignalStatus.TO_INTEGRITY.value),
                     Signal.status.in_(FINAL), closed_before(terms.integrity_years))
    regular = and_(Signal.track == Track.REGULAR.value, or_(
        and_(Signal.status == SignalStatus.NOT_ADMISSIBLE.value, closed_before(terms.not_admissible_years)),
        and_(Signal.status == SignalStatus.CLOSED.value, closed_before(terms.closed_years)),
        and_(Signal.status == SignalStatus.FORWARDED.value, closed_before(terms.forwarded_years)),
    ))
    return and_(
        Signal.shredded_at.is_(None),
        or_(case_expired, and_(~in_case, or_(integrity, regular))),
        ~held_condition(today),
        ~_extended_condition(today),
    )


@dataclass(frozen=True)
class Expiry:
    """When one signal expires, and what keeps it longer."""

    term_ends_on: date | None  # by its outcome (None: still open, or its casus is)
    expires_on: date | None  # after "bewaren tot" (None: it does not expire now)
    kept_until: date | None  # the latest "bewaren tot"
    held_until: date | None  # the end date of the active legal hold that ends last


def expiry_of(session: Session, *, signal: Signal, terms: RetentionSettings, today: date) -> Expiry:
    case = session.scalar(select(Case).join(CaseSignal, CaseSignal.case_id == Case.id)
                          .where(CaseSignal.signal_id == signal.id))
    term_ends: date | None = None
    if case is not None:
        if case.status == CaseStatus.CLOSED.value and case.closed_at is not None:
            term_ends = _years_after(local_date(case.closed_at), terms.case_years)
    else:
        years = _term_years(terms, track=signal.track, status=signal.status)
        if years is not None and signal.closed_at is not None:
            term_ends = _years_after(local_date(signal.closed_at), years)
    kept = session.scalar(select(func.max(RetentionExtension.keep_until))
                          .where(RetentionExtension.signal_id == signal.id))
    held = session.scalar(select(func.max(LegalHold.ends_on)).where(
        LegalHold.state == HoldState.ACTIVE.value, LegalHold.ends_on >= today,
        or_(LegalHold.signal_id == signal.id, LegalHold.case_id == (case.id if case else None))))
    expires = term_ends
    if expires is not None and kept is not None and kept >= expires:
        expires = kept + timedelta(days=1)
    return Expiry(term_ends_on=term_ends, expires_on=expires, kept_until=kept, held_until=held)


def expired_signals(session: Session, *, now: datetime, terms: RetentionSettings) -> Iterator[Signal]:
    """What a run at ``now`` would shred (read only; for the dry run)."""
    return iter(session.scalars(select(Signal).where(expired_condition(now=now, terms=terms))
                                .order_by(Signal.closed_at, Signal.id)).yield_per(1000))


def count_expired(session: Session, *, now: datetime, terms: RetentionSettings) -> int:
    return session.scalar(select(func.count()).select_from(Signal).where(expired_condition(now=now, terms=terms))) or 0


def expiring_soon(session: Session, *, now: datetime, terms: RetentionSettings, days: int | None = None) -> list[Signal]:
    """Signals that expire in the coming ``days`` (default: the warning period), not yet expired now."""
    later = now + timedelta(days=terms.warning_days if days is None else days)
    return list(session.scalars(
        select(Signal).where(expired_condition(now=later, terms=terms), ~expired_condition(now=now, terms=terms))
        .order_by(Signal.closed_at, Signal.id)))


# ------------------------------------------------------------------------------------------- the job


def shred_expired_batch(
    session: Session, *, now: datetime, terms: RetentionSettings, batch_size: int, actor_label: str,
    uploads_folder: Path | None = None, after: uuid.UUID | None = None, keyring: Keyring | None = None,
) -> tuple[list[str], uuid.UUID | None]:
    """Shred up to ``batch_size`` expired signals (ids above ``after``) in the caller's transaction;
    returns their references and the highest id seen (the next batch starts after it).

    On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``: a second worker skips them. A row
    skipped because another worker held it is that worker's; if that worker fails, the next run takes it.
    """
    # What the shredding needs (reference, data key) comes with the locking select: no second read.
    stmt = select(Signal.id, Signal.reference, Signal.data_key_id).where(expired_condition(now=now, terms=terms))
    if after is not None:  # keyset: never scan again past what this run already shredded
        stmt = stmt.where(Signal.id > after)
    stmt = stmt.order_by(Signal.id).limit(batch_size)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Signal)
    rows = list(session.execute(stmt).all())
    if not rows:
        return [], None
    return _shred_rows(session, rows=rows, actor_label=actor_label, uploads_folder=uploads_folder,
                       reason=ShredReason.RETENTION, keyring=keyring), rows[-1].id


def shred_signals(
    session: Session, *, signal_ids: list[uuid.UUID], actor_label: str, uploads_folder: Path | None = None,
    reason: ShredReason = ShredReason.RETENTION, keyring: Keyring | None = None,
) -> list[str]:
    """Crypto-shred many signals in the caller's transaction with a few statements per batch: what
    ``retention.shredding.shred_signal`` does for one (data key, attachment files, digests, ``shredded_at``,
    one ``signal.shred`` audit entry each, with the same details), plus the enrichment notes and their part
    of the meetings (``retention.redaction``: motivation, actions, minutes, stored packs). Signals already
    shredded are skipped. Returns the references. ``keyring``: the app's when None (app context).

    Attachment files are unlinked before the caller commits (as in ``shred_signal``): after a
    rollback the signals keep their keys and a rerun finishes them.
    """
    rows = session.execute(select(Signal.id, Signal.reference, Signal.data_key_id)
                           .where(Signal.id.in_(signal_ids), Signal.shredded_at.is_(None))
                           .order_by(Signal.id)).all()
    if not rows:
        return []
    return _shred_rows(session, rows=list(rows), actor_label=actor_label, uploads_folder=uploads_folder,
                       reason=reason, keyring=keyring)


def _shred_rows(session: Session, *, rows: list, actor_label: str, uploads_folder: Path | None,
                reason: ShredReason, keyring: Keyring | None) -> list[str]:
    """``shred_signals`` for rows (id, reference, data_key_id) of unshredded signals the caller read (and locked).

    Statements per batch: attachments (1), signals (1), data keys (1), digests (1, ``RETURNING`` gives the
    counts), notes (1), agenda items (1), and the audit trail (3).
    """
    from meldpunt.intake.attachments import remove_files
    from meldpunt.intake.models import Attachment, SubjectIdentifier

    ids = [row.id for row in rows]
    key_ids = [row.data_key_id for row in rows if row.data_key_id is not None]
    attachments: dict[uuid.UUID, list[Attachment]] = {}
    for attachment in session.scalars(select(Attachment).where(Attachment.signal_id.in_(ids))):
        attachments.setdefault(attachment.signal_id, []).append(attachment)
    now = utcnow()
    session.execute(update(Signal).where(Signal.id.in_(ids))
                    .values(data_key_id=None, shredded_at=now, version_id=Signal.version_id + 1)
                    .execution_options(synchronize_session=False))
    if key_ids:
        session.execute(delete(DataKey).where(DataKey.id.in_(key_ids)).execution_options(synchronize_session=False))
    digests = Counter(session.scalars(delete(SubjectIdentifier).where(SubjectIdentifier.signal_id.in_(ids))
                                      .returning(SubjectIdentifier.signal_id)
                                      .execution_options(synchronize_session=False)))
    session.execute(delete(EnrichmentNote).where(EnrichmentNote.signal_id.in_(ids))
                    .execution_options(synchronize_session=False))
    redact_meetings(session, keyring=keyring, signal_ids=ids)
    entries = []
    for row in rows:
        files = attachments.get(row.id, [])
        entries.append({
            "action": "signal.shred", "actor_label": actor_label, "object_type": "signal", "object_id": row.id,
            "details": {"reason": reason.value, "key_deleted": row.data_key_id is not None,
                        "attachments": len(files), "files_deleted": remove_files(files, folder=uploads_folder),
                        "identifiers_deleted": digests.get(row.id, 0)},
        })
    record_many(session, entries=entries)
    return [row.reference for row in rows]


def _expired_cases_condition(*, now: datetime, terms: RetentionSettings) -> ColumnElement[bool]:
    """Closed long enough ago, not yet shredded, not held, and every one of its signals shredded."""
    today = local_date(now)
    unshredded = exists(select(CaseSignal.signal_id).join(Signal, Signal.id == CaseSignal.signal_id)
                        .where(CaseSignal.case_id == Case.id, Signal.shredded_at.is_(None)))
    held = exists(select(LegalHold.id).where(LegalHold.case_id == Case.id, LegalHold.state == HoldState.ACTIVE.value,
                                             LegalHold.ends_on >= today))
    return and_(Case.status == CaseStatus.CLOSED.value, Case.closed_at <= _years_before(now, terms.case_years),
                Case.data_key_id.is_not(None), ~unshredded, ~held)


def shred_expired_cases_batch(
    session: Session, *, now: datetime, terms: RetentionSettings, batch_size: int, actor_label: str,
    keyring: Keyring | None = None,
) -> list[str]:
    """Shred the casus itself (its own data key: title, risk picture, interventions) once its signals are gone."""
    stmt = (select(Case.id).where(_expired_cases_condition(now=now, terms=terms)).order_by(Case.id).limit(batch_size))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    refs = []
    for case_id in list(session.scalars(stmt)):
        case = session.get(Case, case_id)
        redacted = redact_meetings(session, keyring=keyring, case_id=case.id)
        data_key_id = case.data_key_id
        case.data_key_id = None
        session.flush()
        session.execute(delete(DataKey).where(DataKey.id == data_key_id))
        record(session, action="case.shred", actor_label=actor_label, object_type="case", object_id=case.id,
               details={"reason": ShredReason.RETENTION.value, "decisions_redacted": redacted.decisions,
                        "minutes_redacted": redacted.minutes, "packs_deleted": redacted.packs})
        refs.append(case.reference)
    session.flush()
    return refs


@dataclass
class RunOutcome:
    run_id: int
    shredded: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)


def run_retention(
    session: Session, *, terms: RetentionSettings, actor_label: str, now: datetime | None = None,
    batch_size: int | None = None, uploads_folder: Path | None = None,
    on_batch: Callable[[int], None] | None = None, keyring: Keyring | None = None,
) -> RunOutcome:
    """Shred everything that has expired, one committed transaction per batch, and keep a run report.

    Safe to run on two workers at once (PostgreSQL) and to rerun after a crash.
    """
    now = now or utcnow()
    size = batch_size or terms.batch_size
    run = RetentionRun(actor_label=actor_label[:100], references="")
    session.add(run)
    session.commit()
    outcome = RunOutcome(run_id=run.id)
    after = None
    while True:
        refs, after = shred_expired_batch(session, now=now, terms=terms, batch_size=size, actor_label=actor_label,
                                          uploads_folder=uploads_folder, after=after, keyring=keyring)
        if after is None:
            session.rollback()
            break
        _add_to_run(session, run_id=outcome.run_id, refs=refs)
        session.commit()  # one transaction per batch
        outcome.shredded.extend(refs)
        if on_batch is not None:
            on_batch(len(refs))
    while True:
        refs = shred_expired_cases_batch(session, now=now, terms=terms, batch_size=size, actor_label=actor_label,
                                         keyring=keyring)
        if not refs:
            session.rollback()
            break
        run = session.get(RetentionRun, outcome.run_id)
        run.cases_shredded += len(refs)
        session.commit()
        outcome.cases.extend(refs)
    run = session.get(RetentionRun, outcome.run_id)
    run.finished_at = utcnow()
    record(session, action="retention.run", actor_label=actor_label, object_type="retention_run",
           object_id=run.id, details={"shredded": run.shredded, "cases_shredded": run.cases_shredded})
    session.commit()
    return outcome


def _add_to_run(session: Session, *, run_id: int, refs: list[str]) -> None:
    session.execute(update(RetentionRun).where(RetentionRun.id == run_id)
                    .values(shredded=RetentionRun.shredded + len(refs),
                            references=RetentionRun.references + "".join(f"{ref}\n" for ref in refs))
                    .execution_options(synchronize_session=False))


def recent_runs(session: Session, *, limit: int = 20) -> list[RetentionRun]:
    return list(session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit)))


def run_references(run: RetentionRun) -> list[str]:
    return [line for line in (run.references or "").split("\n") if line]


# ------------------------------------------------------------------------------------------- legal hold


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise RetentionError(gettext("Geef een reden op."))
    if len(text) > MAX_REASON:
        raise RetentionError(gettext("De reden is te lang: gebruik hoogstens %(maximum)s tekens.", maximum=MAX_REASON))
    return text


def _target_key(target: Signal | Case) -> uuid.UUID:
    if target.data_key_id is None:
        raise RetentionError(gettext("Deze gegevens zijn al verwijderd: er valt niets meer te bewaren."))
    return target.data_key_id


def propose_hold(
    session: Session, *, keyring: Keyring, actor, target: Signal | Case, reason: str, ends_on: date | None, today: date,
    origin: str = "",
) -> LegalHold:
    """One regisseur proposes a legal hold; it applies once another approves it (``decide_hold``)."""
    text = _reason(reason)
    if ends_on is None or ends_on <= today:
        raise RetentionError(gettext("Kies een einddatum in de toekomst."))
    cipher = cipher_for(session, keyring=keyring, data_key_id=_target_key(target))
    is_signal = isinstance(target, Signal)
    hold = LegalHold(id=uuid.uuid4(), signal_id=target.id if is_signal else None,
                     case_id=None if is_signal else target.id, ends_on=ends_on, proposed_by_id=actor.id,
                     state=HoldState.PROPOSED.value)
    seal(cipher, hold, "reason", text)
    session.add(hold)
    session.flush()
    record(session, action="retention.hold.propose", actor_id=actor.id, actor_label=actor.email, origin=origin,
           object_type="legal_hold", object_id=hold.id,
           details={"target": "signal" if is_signal else "case", "target_id": str(target.id),
                    "ends_on": ends_on.isoformat()})
    return hold


def decide_hold(session: Session, *, hold: LegalHold, actor, approve: bool, origin: str = "") -> LegalHold:
    """The second regisseur approves or rejects a proposed hold (never the one who proposed it)."""
    if hold.state != HoldState.PROPOSED.value:
        raise RetentionError(gettext("Over deze bewaarplicht is al beslist."))
    if hold.proposed_by_id == actor.id:
        raise RetentionError(gettext("U heeft deze bewaarplicht zelf voorgesteld. Een andere regisseur moet beslissen."))
    hold.state = (HoldState.ACTIVE if approve else HoldState.REJECTED).value
    hold.decided_by_id, hold.decided_at = actor.id, utcnow()
    session.flush()
    record(session, action="retention.hold.approve" if approve else "retention.hold.reject", actor_id=actor.id,
           actor_label=actor.email, origin=origin, object_type="legal_hold", object_id=hold.id)
    return hold


def request_lift(
    session: Session, *, keyring: Keyring, hold: LegalHold, actor, reason: str, origin: str = "",
) -> LegalHold:
    """Ask to lift an active hold ("opheffen aangevraagd"), with a reason. The hold stays in force until
    another handler of the same track agrees (``decide_lift``)."""
    if hold.state != HoldState.ACTIVE.value:
        raise RetentionError(gettext("Alleen een actieve bewaarplicht kan worden opgeheven."))
    if hold.lift_requested_by_id is not None:
        raise RetentionError(gettext("Opheffen is al aangevraagd. Een andere behandelaar moet beslissen."))
    text = _reason(reason)
    target = hold.signal if hold.signal_id is not None else hold.case
    cipher = cipher_for(session, keyring=keyring, data_key_id=_target_key(target))
    hold.lift_requested_by_id, hold.lift_requested_at = actor.id, utcnow()
    seal(cipher, hold, "lift_reason", text)
    session.flush()
    record(session, action="retention.hold.lift_request", actor_id=actor.id, actor_label=actor.email, origin=origin,
           object_type="legal_hold", object_id=hold.id)
    return hold


def decide_lift(session: Session, *, hold: LegalHold, actor, approve: bool, origin: str = "") -> LegalHold:
    """A second handler (never the one who asked) lifts the hold, or rejects the request (the hold stays)."""
    if not hold.lift_pending:
        raise RetentionError(gettext("Er is geen aanvraag om deze bewaarplicht op te heffen."))
    if hold.lift_requested_by_id == actor.id:
        raise RetentionError(gettext("U heeft het opheffen zelf aangevraagd. Een andere behandelaar moet beslissen."))
    if approve:
        hold.state, hold.lifted_by_id, hold.lifted_at = HoldState.LIFTED.value, actor.id, utcnow()
    else:
        hold.lift_requested_by_id = hold.lift_requested_at = hold.lift_reason_ct = None
    session.flush()
    record(session, action="retention.hold.lift" if approve else "retention.hold.lift_reject", actor_id=actor.id,
           actor_label=actor.email, origin=origin, object_type="legal_hold", object_id=hold.id)
    return hold


def hold_reason(session: Session, *, keyring: Keyring, hold: LegalHold, field: str = "reason") -> str:
    """The reason of the hold (``field="reason"``) or of the request to lift it (``"lift_reason"``)."""
    target = hold.signal if hold.signal_id is not None else hold.case
    try:
        return unseal(cipher_for(session, keyring=keyring, data_key_id=target.data_key_id), hold, field) or ""
    except ShreddedError:
        return "Verwijderd"


def holds(session: Session, *, states: tuple[str, ...] | None = None) -> list[LegalHold]:
    stmt = select(LegalHold).order_by(LegalHold.proposed_at.desc())
    if states:
        stmt = stmt.where(LegalHold.state.in_(states))
    return list(session.scalars(stmt))


def holds_on(session: Session, *, signal: Signal | None = None, case: Case | None = None) -> list[LegalHold]:
    cond = []
    if signal is not None:
        cond.append(LegalHold.signal_id == signal.id)
        cond.append(LegalHold.case_id.in_(select(CaseSignal.case_id).where(CaseSignal.signal_id == signal.id)))
    if case is not None:
        cond.append(LegalHold.case_id == case.id)
    return list(session.scalars(select(LegalHold).where(or_(*cond) if cond else false())
                                .order_by(LegalHold.proposed_at.desc())))


# ------------------------------------------------------------------------------------------- bewaren tot


def extend_retention(
    session: Session, *, keyring: Keyring, actor, signal: Signal, keep_until: date | None, reason: str, today: date,
    origin: str = "",
) -> RetentionExtension:
    """"Bewaren tot": the handler keeps a signal until ``keep_until`` (inclusive), with a reason; audited."""
    text = _reason(reason)
    if keep_until is None or keep_until <= today:
        raise RetentionError(gettext("Kies een datum in de toekomst."))
    if keep_until > _years_after(today, 10):
        raise RetentionError(gettext("Kies een datum binnen tien jaar. Langer bewaren gaat met een juridische bewaarplicht."))
    cipher = cipher_for(session, keyring=keyring, data_key_id=_target_key(signal))
    extension = RetentionExtension(id=uuid.uuid4(), signal_id=signal.id, keep_until=keep_until,
                                   created_by_id=actor.id)
    seal(cipher, extension, "reason", text)
    session.add(extension)
    session.flush()
    record(session, action="retention.extend", actor_id=actor.id, actor_label=actor.email, origin=origin,
           object_type="signal", object_id=signal.id, details={"keep_until": keep_until.isoformat()})
    return extension
