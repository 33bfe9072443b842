"""Weerbaarheid: business rules for the register, measures, progress reports, knowledge and sessions.

Functions take keyword-only plain values and a session, raise ``ResilienceError`` with a Dutch message,
write an audit entry for every change, and flush (the view or task commits). The clock comes in as
``today``/``now`` so tests can freeze it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.signals.models import Signal, Track
from meldpunt.resilience.models import (
    OPEN_STATUSES, AwarenessSession, Control, EntryKind, KnowledgeKind, KnowledgePage, Measure, MeasureEvidence,
    MeasureNote,
    MeasureSource, MeasureStatus, ProgressReport, RegisterEntry,
)
from meldpunt.taxonomy.models import TaxonomyTerm, TermKind
from meldpunt.vault.service import cipher_for, create_data_key, field_reader, seal


class ResilienceError(ValueError):
    """A rule of the weerbaarheid domain was broken; the message is Dutch and shown to the user."""


def _audit(session: Session, *, actor: User | None, action: str, object_type: str, object_id, origin: str = "",
           details: dict | None = None) -> None:
    record(session, action=action, actor_id=actor.id if actor else None,
           actor_label=actor.email if actor else "systeem", object_type=object_type, object_id=object_id,
           origin=origin, details=details)


def _owner(session: Session, owner_email: str | None) -> User | None:
    """The enabled account with this e-mail address (any role), or None for an empty field.

    Owners are typed by e-mail address rather than picked from a list of every account: the pages then
    show no list of colleagues' names (a handler page must not show a reporter's name) and it scales.
    """
    email = (owner_email or "").strip().lower()
    if not email:
        return None
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.is_enabled:
        raise ResilienceError(gettext("Er is geen actief account met dit e-mailadres. Controleer het adres van de eigenaar."))
    return user


def _terms(session: Session, kind: TermKind, *, active_only: bool = True) -> list[TaxonomyTerm]:
    query = select(TaxonomyTerm).where(TaxonomyTerm.kind == kind.value)
    if active_only:
        query = query.where(TaxonomyTerm.is_active.is_(True))
    return list(session.scalars(query.order_by(TaxonomyTerm.position, TaxonomyTerm.label)))


def process_labels(session: Session) -> dict[str, str]:
    return {t.code: t.label for t in _terms(session, TermKind.PROCESS, active_only=False)}


# ============================================================================ 1. register


def register_entries(session: Session) -> list[RegisterEntry]:
    """Processes first (in taxonomy order), then functions by name."""
    order = {t.code: i for i, t in enumerate(_terms(session, TermKind.PROCESS, active_only=False))}
    entries = list(session.scalars(select(RegisterEntry)))
    return sorted(entries, key=lambda e: (e.kind != EntryKind.PROCESS.value, order.get(e.process_code or "", 999),
                                          (e.function_name or "").lower()))


def entry_for_process(session: Session, *, process_code: str | None) -> RegisterEntry | None:
    if not process_code:
        return None
    return session.scalar(select(RegisterEntry).where(RegisterEntry.process_code == process_code))


def save_entry(session: Session, *, actor: User, entry: RegisterEntry | None = None, kind: str,
               process_code: str | None, function_name: str | None, risks: str, controls: list[str],
               controls_note: str, owner_email: str | None, reviewed_on: date | None, origin: str = "") -> RegisterEntry:
    """Create (``entry=None``) or change a register entry; kept by the regisseur."""
    if kind not in {k.value for k in EntryKind}:
        raise ResilienceError(gettext("Kies of het om een werkproces of een functie gaat."))
    process_code = (process_code or "").strip() or None
    function_name = (function_name or "").strip() or None
    if kind == EntryKind.PROCESS.value:
        if process_code not in process_labels(session):
            raise ResilienceError(gettext("Kies een werkproces uit de lijst."))
        function_name = None
    else:
        if not function_name:
            raise ResilienceError(gettext("Vul de naam van de functie in, bijvoorbeeld BOA of inkoper."))
        process_code = None
    clash = session.scalar(select(RegisterEntry).where(
        RegisterEntry.process_code == process_code if process_code else RegisterEntry.function_name == function_name))
    if clash is not None and (entry is None or clash.id != entry.id):
        raise ResilienceError(gettext("Dit werkproces of deze functie staat al in het register. Pas die regel aan."))
    owner = _owner(session, owner_email)
    valid = [c.value for c in Control]
    if any(c not in valid for c in controls):
        raise ResilienceError(gettext("Kies beheersmaatregelen uit de lijst."))
    created = entry is None
    if created:
        entry = RegisterEntry(kind=kind)
        session.add(entry)
    entry.kind = kind
    entry.process_code = process_code
    entry.function_name = function_name
    entry.risks = risks.strip()
    entry.controls = ",".join(c for c in valid if c in controls)
    entry.controls_note = controls_note.strip()
    entry.owner_id = owner.id if owner else None
    entry.reviewed_on = reviewed_on
    entry.updated_at = utcnow()
    session.flush()
    _audit(session, actor=actor, action="resilience.entry.create" if created else "resilience.entry.update",
           object_type="register_entry", object_id=entry.id, origin=origin,
           details={"kind": kind, "process_code": process_code, "owner_id": entry.owner_id})
    session.flush()
    return entry


def add_starting_lines(session: Session, *, actor: User, origin: str = "") -> int:
    """Add the generic starting lines (``meldpunt.resilience.seed``) for processes and functions that have
    no line yet; existing lines are never changed. Returns how many were added."""
    from meldpunt.resilience.seed import FUNCTION_LINES, PROCESS_LINES

    known = process_labels(session)
    have_process = set(session.scalars(select(RegisterEntry.process_code).where(RegisterEntry.process_code.is_not(None))))
    have_function = {n.lower() for n in session.scalars(
        select(RegisterEntry.function_name).where(RegisterEntry.function_name.is_not(None)))}
    added = 0
    for code, risks, controls in PROCESS_LINES:
        if code in known and code not in have_process:
            session.add(RegisterEntry(kind=EntryKind.PROCESS.value, process_code=code, risks=risks,
                                      controls=",".join(controls), controls_note=""))
            added += 1
    for name, risks, controls in FUNCTION_LINES:
        if name.lower() not in have_function:
            session.add(RegisterEntry(kind=EntryKind.FUNCTION.value, function_name=name, risks=risks,
                                      controls=",".join(controls), controls_note=""))
            added += 1
    session.flush()
    _audit(session, actor=actor, action="resilience.entry.seed", object_type="register_entry", object_id="",
           origin=origin, details={"added": added})
    session.flush()
    return added


# ============================================================================ 2. signals per process per quarter

#: Counts below this are shown as "< 5" (a small number could point at a person or a case).
SMALL_COUNT = 5


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def _previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def show_count(n: int) -> str:
    return "0" if n == 0 else (f"< {SMALL_COUNT}" if n < SMALL_COUNT else str(n))


@dataclass(frozen=True)
class QuarterCounts:
    quarters: list[str]  # labels, oldest first, e.g. "2026 K3"
    rows: dict[str, list[str]]  # process code -> shown counts per quarter


def signals_per_quarter(session: Session, *, today: date, quarters: int = 4, by: str = "process") -> QuarterCounts:
    """Regular-track signals per process (``by="department"``: per reporter's department) per quarter
    (counts only, small counts as "< 5").

    Integrity-track signals (about colleagues) are left out: their existence per process is itself
    sensitive and the regisseur does not handle them.
    """
    spans = []
    year, q = quarter_of(today)
    for _ in range(quarters):
        start = quarter_start(year, q)
        ny, nq = (year, q + 1) if q < 4 else (year + 1, 1)
        spans.append((f"{year} K{q}", start, quarter_start(ny, nq)))
        year, q = _previous_quarter(year, q)
    spans.reverse()
    raw: dict[str, list[int]] = {}
    column = Signal.department_code if by == "department" else Signal.process_code
    for index, (_label, start, end) in enumerate(spans):
        begin = datetime(start.year, start.month, start.day, tzinfo=timezone.utc)
        stop = datetime(end.year, end.month, end.day, tzinfo=timezone.utc)
        rows = session.execute(
            select(column, func.count(Signal.id))
            .where(Signal.track == Track.REGULAR.value, Signal.created_at >= begin, Signal.created_at < stop,
                   column.is_not(None))
            .group_by(column)
        ).all()
        for code, n in rows:
            raw.setdefault(code, [0] * len(spans))[index] = n
    return QuarterCounts([s[0] for s in spans], {code: [show_count(n) for n in ns] for code, ns in raw.items()})


# ============================================================================ 3. measures

#: Who may move a measure where. The owner records progress; only the regisseur decides "niet overgenomen"
#: and reopens a measure that was not adopted.
TRANSITIONS: dict[str, frozenset[str]] = {
    MeasureStatus.OPEN.value: frozenset({MeasureStatus.IN_PROGRESS.value, MeasureStatus.DONE.value,
                                         MeasureStatus.NOT_ADOPTED.value}),
    MeasureStatus.IN_PROGRESS.value: frozenset({MeasureStatus.OPEN.value, MeasureStatus.DONE.value,
                                                MeasureStatus.NOT_ADOPTED.value}),
    MeasureStatus.DONE.value: frozenset({MeasureStatus.IN_PROGRESS.value}),
    MeasureStatus.NOT_ADOPTED.value: frozenset({MeasureStatus.OPEN.value}),
}
KEEPER_ONLY_TARGETS = frozenset({MeasureStatus.NOT_ADOPTED.value})
KEEPER_ONLY_SOURCES = frozenset({MeasureStatus.NOT_ADOPTED.value})


def may_move(*, current: str, target: str, by_keeper: bool) -> bool:
    """Pure transition rule (tested in tests/unit)."""
    if target == current:
        return True
    if target not in TRANSITIONS.get(current, frozenset()):
        return False
    if not by_keeper and (target in KEEPER_ONLY_TARGETS or current in KEEPER_ONLY_SOURCES):
        return False
    return True


_NUMBERED = re.compile(r"^\s*(?:aanbeveling\s+)?(\d+(?:[.-]\d+)*[a-z]?)[.):]?\s+(.+)$", re.IGNORECASE)
MAX_IMPORT = 500


def parse_scan_list(raw: str) -> list[tuple[str, str, str]]:
    """Lines of a scan's recommendations -> (number, text, source document).

    Accepts CSV with ``;``, ``,`` or tab (number, text[, source document]; a header row starting with
    "nummer" is skipped) and pasted lines like "3.2 Voer het vier-ogenprincipe in" or "- Tekst".
    """
    items: list[tuple[str, str, str]] = []
    lines = [line for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
    if not lines:
        raise ResilienceError(gettext("Plak de aanbevelingen, één per regel, of kies een CSV-bestand."))
    delimiter = next((d for d in (";", "\t") if all(d in line for line in lines)), None)
    if delimiter is None and all("," in line for line in lines) and all(
            re.match(r'^\s*"?[\w.-]{0,20}"?\s*,', line) for line in lines):
        delimiter = ","
    if delimiter:
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter):
            cells = [c.strip() for c in row]
            if not cells or cells[0].lower() in ("nummer", "nr", "nr.", "number"):
                continue
            number = cells[0]
            text = cells[1] if len(cells) > 1 else ""
            document = cells[2] if len(cells) > 2 else ""
            if text:
                items.append((number[:30], text, document[:200]))
    else:
        for line in lines:
            match = _NUMBERED.match(line)
            if match:
                items.append((match.group(1)[:30], match.group(2).strip(), ""))
            else:
                items.append(("", line.strip().lstrip("-*•").strip(), ""))
    items = [i for i in items if i[1]]
    if not items:
        raise ResilienceError(gettext("Er staan geen aanbevelingen in. Zet er één per regel in: nummer en tekst."))
    if len(items) > MAX_IMPORT:
        raise ResilienceError(gettext("Dat zijn meer dan %(maximum)s aanbevelingen. Splits de lijst.", maximum=MAX_IMPORT))
    return items


def _new_measure(session: Session, *, keyring: Keyring, actor: User, source: str, number: str, text: str,
                 source_document: str, source_reference: str = "", signal_id: uuid.UUID | None = None,
                 process_code: str | None = None, owner: User | None, due_on: date | None) -> Measure:
    data_key, cipher = create_data_key(session, keyring=keyring)
    session.flush()  # the key row first: the measure refers to it
    measure = Measure(source=source, number=number.strip()[:30], source_document=source_document.strip()[:200],
                      source_reference=source_reference.strip()[:60], signal_id=signal_id,
                      process_code=process_code or None, owner_id=owner.id if owner else None,
                      due_on=due_on, data_key_id=data_key.id, created_by_id=actor.id,
                      status=MeasureStatus.OPEN.value)
    session.add(measure)
    session.flush()
    seal(cipher, measure, "text", text.strip())
    session.flush()
    return measure


def import_scan(session: Session, *, keyring: Keyring, actor: User, raw: str, source_document: str,
                owner_email: str | None, due_on: date | None, source: str = MeasureSource.SCAN.value,
                origin: str = "") -> list[Measure]:
    """Import a weerbaarheidsscan's (or rekenkamer report's) recommendations as open measures."""
    if source not in (MeasureSource.SCAN.value, MeasureSource.AUDIT_OFFICE.value):
        raise ResilienceError(gettext("Importeren kan voor een weerbaarheidsscan of een rekenkamerrapport."))
    items = parse_scan_list(raw)
    owner = _owner(session, owner_email)
    measures = [
        _new_measure(session, keyring=keyring, actor=actor, source=source, number=number, text=text,
                     source_document=document or source_document, owner=owner, due_on=due_on)
        for number, text, document in items
    ]
    _audit(session, actor=actor, action="resilience.measure.import", object_type="measure",
           object_id=measures[0].id, origin=origin,
           details={"count": len(measures), "source": source, "ids": [m.id for m in measures][:50]})
    session.flush()
    return measures


def create_measure(session: Session, *, keyring: Keyring, actor: User, source: str, number: str, text: str,
                   source_document: str, source_reference: str, signal_reference: str,
                   process_code: str | None, owner_email: str | None, due_on: date | None,
                   origin: str = "") -> Measure:
    if source not in {s.value for s in MeasureSource}:
        raise ResilienceError(gettext("Kies een bron uit de lijst."))
    if not text.strip():
        raise ResilienceError(gettext("Beschrijf de maatregel."))
    signal_id = None
    if source == MeasureSource.SIGNAL.value:
        signal_id = _signal_for(session, actor=actor, reference=signal_reference)
    if process_code and process_code not in process_labels(session):
        raise ResilienceError(gettext("Kies een werkproces uit de lijst."))
    measure = _new_measure(session, keyring=keyring, actor=actor, source=source, number=number, text=text,
                           source_document=source_document, source_reference=source_reference,
                           signal_id=signal_id, process_code=process_code, owner=_owner(session, owner_email),
                           due_on=due_on)
    _audit(session, actor=actor, action="resilience.measure.create", object_type="measure", object_id=measure.id,
           origin=origin, details={"source": source, "owner_id": measure.owner_id,
                                   "signal_id": str(signal_id) if signal_id else None})
    session.flush()
    return measure


def _signal_for(session: Session, *, actor: User, reference: str) -> uuid.UUID:
    """The signal with this reference, when ``actor`` may handle it (otherwise the same refusal as a typo)."""
    from meldpunt.policy import Action, can

    signal = session.scalar(select(Signal).where(Signal.reference == reference.strip().upper()))
    if signal is None or not can(actor, Action.HANDLE_SIGNAL, signal):
        raise ResilienceError(gettext("Deze melding bestaat niet of u heeft er geen toegang toe. Controleer het nummer."))
    return signal.id


def signal_link(session: Session, *, user: User, measure: Measure) -> tuple[str, uuid.UUID] | None:
    """The reference and id of the measure's signal, only for a viewer who may handle that signal."""
    from meldpunt.policy import Action, can

    if measure.signal_id is None:
        return None
    signal = session.get(Signal, measure.signal_id)
    if signal is None or not can(user, Action.HANDLE_SIGNAL, signal):
        return None
    return signal.reference, signal.id


@dataclass
class MeasureView:
    measure: Measure
    text: str
    reason: str | None
    notes: list[tuple[MeasureNote, str | None]] = field(default_factory=list)


def read_measure(session: Session, *, keyring: Keyring, measure: Measure, with_notes: bool = False) -> MeasureView:
    read = field_reader(session, keyring=keyring, data_key_id=measure.data_key_id)
    notes = [(n, read(n, "body")) for n in measure.notes] if with_notes else []
    return MeasureView(measure, read(measure, "text") or "", read(measure, "reason"), notes)


def measures(session: Session, *, owner_id: int | None = None, status: str | None = None) -> list[Measure]:
    query = select(Measure)
    if owner_id is not None:
        query = query.where(Measure.owner_id == owner_id)
    if status:
        query = query.where(Measure.status == status)
    return list(session.scalars(query.order_by(Measure.due_on.is_(None), Measure.due_on, Measure.id)))


def open_measure_count(session: Session, *, owner_id: int | None = None) -> int:
    """Measures still to be done (open or in uitvoering), of one owner or (``owner_id=None``) all."""
    query = select(func.count(Measure.id)).where(Measure.status.in_(OPEN_STATUSES))
    if owner_id is not None:
        query = query.where(Measure.owner_id == owner_id)
    return session.scalar(query) or 0


def overdue_measures(session: Session, *, today: date) -> list[Measure]:
    return list(session.scalars(
        select(Measure).where(Measure.status.in_(OPEN_STATUSES), Measure.due_on.is_not(None), Measure.due_on < today)
        .order_by(Measure.due_on, Measure.id)
    ))


def update_measure(session: Session, *, keyring: Keyring, actor: User, measure: Measure, status: str, note: str,
                   reason: str, due_on: date | None = None, change_due: bool = False, origin: str = "") -> Measure:
    """Record progress: a note and/or a new status (owner or regisseur). "Niet overgenomen" needs a reason."""
    from meldpunt.resilience.permissions import is_keeper

    keeper = is_keeper(actor)
    if status not in {s.value for s in MeasureStatus}:
        raise ResilienceError(gettext("Kies een status uit de lijst."))
    if not may_move(current=measure.status, target=status, by_keeper=keeper):
        raise ResilienceError("Deze statuswijziging kan niet. Alleen de regisseur besluit dat een maatregel niet "
                              "wordt overgenomen.")
    if status == MeasureStatus.NOT_ADOPTED.value and status != measure.status and not reason.strip():
        raise ResilienceError(gettext("Vul de reden in waarom de maatregel niet wordt overgenomen."))
    if status == measure.status and not note.strip() and not (change_due and keeper):
        raise ResilienceError(gettext("Schrijf wat er is gedaan, of kies een andere status."))
    cipher = cipher_for(session, keyring=keyring, data_key_id=measure.data_key_id)
    previous = measure.status
    if status != previous or note.strip():
        entry = MeasureNote(measure_id=measure.id, author_id=actor.id,
                            status_from=previous if status != previous else None,
                            status_to=status if status != previous else None)
        session.add(entry)
        session.flush()
        seal(cipher, entry, "body", note.strip() or None)
    if status == MeasureStatus.NOT_ADOPTED.value and status != previous:
        seal(cipher, measure, "reason", reason.strip())
    elif status != MeasureStatus.NOT_ADOPTED.value:
        measure.reason_ct = None
    measure.status = status
    if change_due and keeper:
        measure.due_on = due_on
    measure.updated_at = utcnow()
    session.flush()
    _audit(session, actor=actor, action="resilience.measure.update", object_type="measure", object_id=measure.id,
           origin=origin, details={"from": previous, "to": status, "note": bool(note.strip()),
                                   "due_on": measure.due_on.isoformat() if measure.due_on else None})
    session.flush()
    return measure


def _evidence_context(evidence_id: uuid.UUID) -> str:
    return f"improvement_measure_evidence:{evidence_id}"


def add_evidence(session: Session, *, keyring: Keyring, actor: User, measure: Measure, upload, settings,
                 origin: str = "") -> MeasureEvidence:
    """Store one evidence file encrypted with the measure's data key (same checks and streaming encryption
    as a signal's attachment). Raises ``ResilienceError`` (Dutch) and leaves no file when refused."""
    from meldpunt.intake.attachments import AttachmentError, store_encrypted_file
    from meldpunt.vault.service import data_key_bytes

    evidence_id = uuid.uuid4()
    dek = data_key_bytes(session, keyring=keyring, data_key_id=measure.data_key_id)
    try:
        stored = store_encrypted_file(dek=dek, upload=upload, settings=settings,
                                      context=_evidence_context(evidence_id))
    except AttachmentError as exc:
        raise ResilienceError(str(exc)) from None
    evidence = MeasureEvidence(id=evidence_id, measure_id=measure.id, storage_name=stored.storage_name,
                               size=stored.size, uploaded_by_id=actor.id)
    cipher = cipher_for(session, keyring=keyring, data_key_id=measure.data_key_id)
    seal(cipher, evidence, "filename", stored.filename)
    seal(cipher, evidence, "mime", stored.mime)
    session.add(evidence)
    session.flush()
    _audit(session, actor=actor, action="resilience.evidence.add", object_type="measure", object_id=measure.id,
           origin=origin, details={"evidence_id": str(evidence_id), "size": stored.size})
    session.flush()
    return evidence


def evidence_names(session: Session, *, keyring: Keyring, measure: Measure) -> list[tuple[MeasureEvidence, str]]:
    read = field_reader(session, keyring=keyring, data_key_id=measure.data_key_id)
    return [(e, read(e, "filename") or "bewijsstuk") for e in measure.evidence]


def open_evidence(session: Session, *, keyring: Keyring, measure: Measure, evidence_id: uuid.UUID, actor: User,
                  origin: str = ""):
    """``(filename, mime, chunks)`` of one evidence file of ``measure`` (None when it is not this measure's)."""
    from meldpunt.intake.attachments import decrypt_file_chunks
    from meldpunt.vault.service import data_key_bytes, unseal

    evidence = session.get(MeasureEvidence, evidence_id)
    if evidence is None or evidence.measure_id != measure.id:
        return None
    cipher = cipher_for(session, keyring=keyring, data_key_id=measure.data_key_id)
    dek = data_key_bytes(session, keyring=keyring, data_key_id=measure.data_key_id)
    _audit(session, actor=actor, action="resilience.evidence.read", object_type="measure", object_id=measure.id,
           origin=origin, details={"evidence_id": str(evidence_id)})
    chunks = decrypt_file_chunks(dek=dek, storage_name=evidence.storage_name, context=_evidence_context(evidence.id))
    return (unseal(cipher, evidence, "filename") or "bewijsstuk", unseal(cipher, evidence, "mime")
            or "application/octet-stream", chunks)


def remind_overdue(session: Session, *, today: date) -> int:
    """Queue one content-free reminder per overdue measure per day to its owner (idempotent per day)."""
    from meldpunt.feedback.service import queue_measure_notice

    count = 0
    for measure in overdue_measures(session, today=today):
        owner = measure.owner
        if owner is None or not owner.is_enabled or measure.reminded_on == today:
            continue
        notice = queue_measure_notice(session, measure_id=measure.id, recipient_user_id=owner.id)
        measure.reminded_on = today
        _audit(session, actor=None, action="resilience.measure.remind", object_type="measure", object_id=measure.id,
               details={"notice_id": notice.id, "user_id": owner.id, "due_on": measure.due_on.isoformat()})
        count += 1
    session.flush()
    return count


# ============================================================================ 4. progress reports


def build_snapshot(session: Session, *, today: date, since: ProgressReport | None) -> dict:
    """Counts by status and source, the overdue measures, sessions held, and changes since ``since``.

    Only numbers, statuses and dates: no free text of a measure (that stays sealed).
    """
    all_measures = list(session.scalars(select(Measure).order_by(Measure.id)))
    by_status = {s.value: 0 for s in MeasureStatus}
    by_source = {src.value: {s.value: 0 for s in MeasureStatus} for src in MeasureSource}
    for m in all_measures:
        by_status[m.status] += 1
        by_source[m.source][m.status] += 1
    overdue = [{"id": m.id, "number": m.number, "source": m.source, "due_on": m.due_on.isoformat(),
                "status": m.status, "process_code": m.process_code}
               for m in all_measures if m.is_overdue(today)]
    previous = json.loads(since.snapshot) if since is not None else {}
    before = {int(k): v for k, v in previous.get("statuses", {}).items()}
    new = [m.id for m in all_measures if m.id not in before]
    changed = [{"id": m.id, "number": m.number, "source": m.source, "from": before[m.id], "to": m.status}
               for m in all_measures if m.id in before and before[m.id] != m.status]
    period_start = since.as_of if since is not None else None
    sessions = list(session.scalars(select(AwarenessSession).where(
        AwarenessSession.held_on <= today,
        *([AwarenessSession.held_on > period_start] if period_start else []))))
    return {
        "as_of": today.isoformat(),
        "since": period_start.isoformat() if period_start else None,
        "total": len(all_measures),
        "by_status": by_status,
        "by_source": by_source,
        "overdue": overdue,
        "statuses": {str(m.id): m.status for m in all_measures},
        "new": new,
        "new_by_source": {src.value: sum(1 for m in all_measures if m.id in set(new) and m.source == src.value)
                          for src in MeasureSource},
        "changed": changed,
        "sessions": {"count": len(sessions), "participants": sum(s.participants for s in sessions)},
    }


def latest_report(session: Session) -> ProgressReport | None:
    return session.scalar(select(ProgressReport).order_by(ProgressReport.as_of.desc(), ProgressReport.id.desc()))


def issue_report(session: Session, *, actor: User, title: str, today: date, origin: str = "") -> ProgressReport:
    """Freeze the current state as a report (compared with the last issued one)."""
    title = title.strip()
    if not title:
        raise ResilienceError(gettext("Geef de rapportage een titel, bijvoorbeeld ‘Voortgang eerste halfjaar 2026’."))
    previous = latest_report(session)
    if previous is not None and previous.as_of > today:
        raise ResilienceError(gettext("Er is al een rapportage met een latere datum."))
    snapshot = build_snapshot(session, today=today, since=previous)
    report = ProgressReport(title=title[:120], as_of=today, snapshot=json.dumps(snapshot, sort_keys=True),
                            issued_by_id=actor.id)
    session.add(report)
    session.flush()
    _audit(session, actor=actor, action="resilience.report.issue", object_type="progress_report",
           object_id=report.id, origin=origin, details={"as_of": today.isoformat(), "total": snapshot["total"],
                                                        "overdue": len(snapshot["overdue"])})
    session.flush()
    return report


def reports(session: Session) -> list[ProgressReport]:
    return list(session.scalars(select(ProgressReport).order_by(ProgressReport.as_of.desc(), ProgressReport.id.desc())))


def report_data(report: ProgressReport) -> dict:
    return json.loads(report.snapshot)


def next_report_due(session: Session, *, today: date) -> date:
    """Twice a year: six months after the last report (or today when there is none)."""
    last = latest_report(session)
    if last is None:
        return today
    month = last.as_of.month + 6
    year = last.as_of.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(last.as_of.day, 28))


# ============================================================================ 5. knowledge and sessions

KNOWLEDGE_TERM_KIND = {KnowledgeKind.PROCESS.value: TermKind.PROCESS, KnowledgeKind.PHENOMENON.value: TermKind.PHENOMENON}


def knowledge_terms(session: Session) -> dict[str, list[TaxonomyTerm]]:
    return {kind: _terms(session, term_kind) for kind, term_kind in KNOWLEDGE_TERM_KIND.items()}


def knowledge_term(session: Session, *, kind: str, code: str) -> TaxonomyTerm | None:
    term_kind = KNOWLEDGE_TERM_KIND.get(kind)
    if term_kind is None:
        return None
    return session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.kind == term_kind.value, TaxonomyTerm.code == code))


def knowledge_page(session: Session, *, kind: str, code: str) -> KnowledgePage | None:
    return session.scalar(select(KnowledgePage).where(KnowledgePage.kind == kind, KnowledgePage.code == code))


def save_knowledge_page(session: Session, *, actor: User, kind: str, code: str, lookout_md: str, examples_md: str,
                        origin: str = "") -> KnowledgePage:
    if knowledge_term(session, kind=kind, code=code) is None:
        raise ResilienceError(gettext("Dit onderwerp bestaat niet."))
    page = knowledge_page(session, kind=kind, code=code)
    if page is None:
        page = KnowledgePage(kind=kind, code=code)
        session.add(page)
    page.lookout_md = lookout_md.strip()
    page.examples_md = examples_md.strip()
    page.updated_by_id = actor.id
    page.updated_at = utcnow()
    session.flush()
    _audit(session, actor=actor, action="resilience.knowledge.update", object_type="knowledge_page",
           object_id=page.id, origin=origin, details={"kind": kind, "code": code})
    session.flush()
    return page


def record_awareness_session(session: Session, *, actor: User, held_on: date, department: str, participants: int,
                             topic: str, today: date, origin: str = "") -> AwarenessSession:
    if held_on > today + timedelta(days=366):
        raise ResilienceError(gettext("Die datum ligt te ver in de toekomst."))
    if participants < 0:
        raise ResilienceError(gettext("Het aantal deelnemers kan niet negatief zijn."))
    if not department.strip():
        raise ResilienceError(gettext("Vul de afdeling in."))
    row = AwarenessSession(held_on=held_on, department=department.strip()[:120], participants=participants,
                           topic=topic.strip()[:200], created_by_id=actor.id)
    session.add(row)
    session.flush()
    _audit(session, actor=actor, action="resilience.session.create", object_type="awareness_session",
           object_id=row.id, origin=origin, details={"participants": participants})
    session.flush()
    return row


def awareness_sessions(session: Session) -> list[AwarenessSession]:
    return list(session.scalars(select(AwarenessSession).order_by(AwarenessSession.held_on.desc(),
                                                                  AwarenessSession.id.desc())))
