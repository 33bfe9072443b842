"""Filing a signal (melding) and reading it back for its reporter."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, String, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from flask_babel import gettext

from meldpunt.audit.service import record, record_anonymous, record_reporter_action
from meldpunt.auth.models import User
from meldpunt.config import UploadSettings
from meldpunt.vault.keys import Keyring
from meldpunt.database import utc_hour, utcnow
from meldpunt.feedback.models import NoticeKind
from meldpunt.feedback.service import notify_reporter_reply, queue_notice
from meldpunt.intake.attachments import (
    Attachment,
    AttachmentError,
    Upload,
    UploadCapacityError,
    check_capacity,
    check_upload_count,
    remove_files,
    store_attachment,
)
from meldpunt.intake.messages import MessageError, post_message
from meldpunt.intake.models import (
    APPROACH_LABELS,
    APPROACHED_LABELS,
    FilingKey,
    MessageSender,
    Subject,
    SubjectOrigin,
)
from meldpunt.signals.models import (
    REFERENCE_SERIES, Signal, SignalPhenomenon, SignalStatus, StatusChange, Track,
)
from meldpunt.intake.receipts import issue_receipt_code
from meldpunt.intake.subjects import SubjectError, add_subject, read_subject
from meldpunt.vault.service import ShreddedError, cipher_for, create_data_key, seal, seal_json, unseal, unseal_json
from meldpunt.i18n import N_

DESCRIPTION_MAX = 20_000
TEXT_MAX = 1_000

#: How sure the reporter is (stored plaintext: it is a category, not content).
CERTAINTY_LABELS = {
    "zelf_gezien": N_("Ik heb het zelf gezien of gehoord"),
    "vermoeden": N_("Ik vermoed het, maar weet het niet zeker"),
    "van_horen_zeggen": N_("Ik heb het van iemand anders gehoord"),
}

#: The reporter's relation to the subject (stored encrypted: it can identify the reporter).
RELATION_LABELS = {
    "geen": N_("Ik ken de betrokkene niet"),
    "werk": N_("Ik heb in mijn werk met de betrokkene te maken"),
    "prive": N_("Ik ken de betrokkene privé (buurt, familie, vrienden)"),
    "anders": N_("Anders"),
}


class IntakeError(ValueError):
    """Invalid input for a signal; the message is Dutch and shown next to ``field`` in the form."""

    def __init__(self, message: str, *, field: str = "description") -> None:
        super().__init__(message)
        self.field = field


class FilesNotTakenError(IntakeError):
    """No files can be taken now (quota, disk space); the same melding can be sent without them."""


@dataclass
class SubjectInput:
    """One betrokkene as typed in the form (all optional)."""

    kind: str | None = None
    name: str | None = None
    kvk: str | None = None
    street: str | None = None
    huisnummer: str | None = None
    postcode: str | None = None
    city: str | None = None
    plate: str | None = None
    permit: str | None = None
    role: str | None = None

    def is_empty(self) -> bool:
        return not any((getattr(self, k) or "").strip() for k in self.values())

    def values(self) -> dict[str, str | None]:
        return {k: v for k, v in self.__dict__.items() if k != "kind"}


@dataclass
class ReportInput:
    """Everything the melden form collects. Only ``description`` is required."""

    description: str
    location: str | None = None
    location_type_code: str | None = None
    area_code: str | None = None  # PC4: the four digits of the postcode
    occurred_from: date | None = None
    occurred_until: date | None = None
    occurred_text: str | None = None
    phenomenon_code: str | None = None
    #: Further phenomena besides the primary ``phenomenon_code`` (a signal may name several).
    other_phenomena: list[str] = field(default_factory=list)
    process_code: str | None = None
    department_code: str | None = None
    approached_code: str | None = None
    approach_code: str | None = None
    certainty: str | None = None
    relation: str | None = None
    relation_text: str | None = None
    feels_unsafe: bool = False
    about_colleague: bool = False
    wants_feedback: bool = True
    feedback_by_email: bool = False
    contact: str | None = None
    subjects: list[SubjectInput] = field(default_factory=list)
    #: How it came in (a channel code); a handler's registration sets it, with the day it came in.
    channel: str = "intern_formulier"
    received_on: date | None = None


@dataclass(frozen=True)
class FiledReport:
    """The new signal, and for an anonymous reporter the receipt code (shown once, stored nowhere)."""

    signal: Signal
    receipt_code: str | None


def unique_codes(codes) -> list[str]:
    """Codes in their order, without blanks and repeats (the form's choices already checked them)."""
    result: list[str] = []
    for code in codes:
        code = (code or "").strip()
        if code and code not in result:
            result.append(code)
    return result


def set_phenomena(signal: Signal, codes: Sequence[str]) -> None:
    """Store ``codes`` (primary first) as the signal's phenomena; ``phenomenon_code`` is the first."""
    signal.phenomenon_code = codes[0] if codes else None
    keep = {p.code: p for p in signal.phenomena}
    signal.phenomena = []
    for position, code in enumerate(codes):
        row = keep.get(code) or SignalPhenomenon(code=code)
        row.position = position
        signal.phenomena.append(row)


def format_reference(series: str, year: int, seq: int) -> str:
    """``MO-2026-0042`` (regular track) or ``MI-2026-0042`` (integrity track)."""
    return f"{series}-{year}-{seq:04d}"


#: The next number of a series in one statement; ``{greatest}`` is GREATEST (PostgreSQL) or SQLite's
#: two-argument max(). Plain SQL: built as an ORM statement it cost ~2 ms a filing to construct and compile.
_NEXT_NUMBER_SQL = """
INSERT INTO reference_counters (series, year, last_seq)
VALUES (:series, :year, (SELECT COALESCE(MAX(ref_seq), 0) + 1 FROM signals WHERE ref_series = :series AND ref_year = :year))
ON CONFLICT (series, year) DO UPDATE SET last_seq = {greatest}(reference_counters.last_seq + 1, excluded.last_seq)
RETURNING last_seq
"""
_NEXT_NUMBER = {
    dialect: text(_NEXT_NUMBER_SQL.format(greatest=greatest)).bindparams(
        bindparam("series", type_=String), bindparam("year", type_=Integer))
    for dialect, greatest in (("postgresql", "GREATEST"), ("sqlite", "max"))
}


def next_reference_number(session: Session, *, series: str, year: int) -> int:
    """The next number in ``series`` for ``year``, in one statement (an upsert of its counter row).

    Filers of one series wait for each other at the counter row until commit, so a number is never
    given twice and a rolled-back filing gives its number back (no SAVEPOINT, no retry; under a burst
    the retries ran out and the reporter got "door drukte"). The counter never falls behind the
    signals table: a new row starts after the highest number filed, and a row behind it catches up.
    """
    statement = _NEXT_NUMBER[session.get_bind().dialect.name]
    return int(session.execute(statement, {"series": series, "year": year}).scalar_one())


def _clean(value: str | None, *, field_name: str, limit: int = TEXT_MAX) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise IntakeError(gettext("Dit is te lang: hoogstens %(limit)s tekens.", limit=limit), field=field_name)
    return text or None


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
    report: ReportInput | None = None,
    uploads: Sequence[Upload] = (),
    upload_settings: UploadSettings | None = None,
    registered_by: User | None = None,
    first_note: str | None = None,
    signal_id: uuid.UUID | None = None,
) -> Signal:
    """Store a new signal encrypted, with subjects, attachments, history, audit entry and confirmation notice.

    ``registered_by``: a handler registers a signal that came in another way (phone, e-mail, a
    ketenpartner, ...; ``meldpunt.channels``). There is no reporter account (``reporter`` must be
    None, the signal counts as anonymous), but the times are exact, the first history row names the
    handler and ``first_note`` (encrypted, e.g. the channel), and the audit entry is the handler's.

    ``reporter=None`` files anonymously: no user id, no request metadata, and every row
    written here (signal, data key, subjects, attachments, history, notice) is stamped with
    the hour instead of the exact time; the audit entry waits for the hour to end
    (``record_anonymous``).
    ``report`` carries the optional fields of the form (its description and
    codes win over the plain keyword arguments). Raises ``IntakeError`` with the
    form field to show it next to; files stored before the error are removed.
    """
    report = report or ReportInput(
        description=description, phenomenon_code=phenomenon_code, process_code=process_code,
        about_colleague=about_colleague,
    )
    text = (report.description or "").strip()
    if not text:
        raise IntakeError(gettext("Beschrijf wat u heeft gezien of gehoord."))
    if len(text) > DESCRIPTION_MAX:
        raise IntakeError(gettext("De beschrijving is te lang (hoogstens %(limit)s tekens).", limit=DESCRIPTION_MAX))
    if report.certainty and report.certainty not in CERTAINTY_LABELS:
        raise IntakeError(gettext("Kies een van de mogelijkheden."), field="certainty")
    if report.relation and report.relation not in RELATION_LABELS:
        raise IntakeError(gettext("Kies een van de mogelijkheden."), field="relation")
    if report.approached_code and report.approached_code not in APPROACHED_LABELS:
        raise IntakeError(gettext("Kies een van de mogelijkheden."), field="approached")
    if report.approach_code and report.approach_code not in APPROACH_LABELS:
        raise IntakeError(gettext("Kies een van de mogelijkheden."), field="approach")
    phenomena = unique_codes([report.phenomenon_code, *report.other_phenomena])
    if report.occurred_from and report.occurred_until and report.occurred_until < report.occurred_from:
        raise IntakeError(gettext("De einddatum ligt vóór de begindatum."), field="occurred_until")
    if uploads and upload_settings is None:
        raise ValueError("upload_settings are needed to store attachments")
    if upload_settings is not None:
        try:
            check_upload_count(uploads=uploads, settings=upload_settings)
        except AttachmentError as exc:
            raise IntakeError(str(exc), field="attachments") from None
    if registered_by is not None and reporter is not None:
        raise ValueError("a registered signal has no reporter account")
    now = now or utcnow()
    stamp = now if reporter is not None or registered_by is not None else utc_hour(now)
    data_key, cipher = create_data_key(session, keyring=keyring)
    data_key.created_at = stamp
    signal = Signal(
        id=signal_id or uuid.uuid4(),
        ref_year=now.year,
        status=SignalStatus.RECEIVED.value,
        track=(Track.INTEGRITY if report.about_colleague else Track.REGULAR).value,
        channel=report.channel,
        received_on=report.received_on,
        process_code=report.process_code or None,
        department_code=report.department_code or None,
        approached_code=report.approached_code or None,
        approach_code=report.approach_code or None,
        location_type_code=report.location_type_code or None,
        area_code=report.area_code or None,
        certainty=report.certainty or None,
        feels_unsafe=bool(report.feels_unsafe),
        is_anonymous=reporter is None,
        reporter_id=reporter.id if reporter else None,
        wants_feedback=bool(report.wants_feedback),
        feedback_by_email=bool(report.feedback_by_email and reporter is not None),
        data_key_id=data_key.id,
        created_at=stamp,
        updated_at=stamp,
    )
    set_phenomena(signal, phenomena)
    seal(cipher, signal, "description", text)
    location = _clean(report.location, field_name="location")
    seal(cipher, signal, "location", location)
    occurred = {
        "from": report.occurred_from.isoformat() if report.occurred_from else None,
        "until": report.occurred_until.isoformat() if report.occurred_until else None,
        "text": _clean(report.occurred_text, field_name="occurred_text"),
    }
    seal_json(cipher, signal, "occurred", occurred if any(occurred.values()) else None)
    relation = {"code": report.relation, "text": _clean(report.relation_text, field_name="relation_text")}
    seal_json(cipher, signal, "relation", relation if any(relation.values()) else None)
    seal(cipher, signal, "contact", _clean(report.contact, field_name="contact") if reporter is not None else None)

    signal.ref_series = REFERENCE_SERIES[signal.track]
    signal.ref_seq = next_reference_number(session, series=signal.ref_series, year=now.year)
    signal.reference = format_reference(signal.ref_series, now.year, signal.ref_seq)
    session.add(signal)  # inserted by the next flush (the notice's), with its data key before it

    subjects = []
    for position, subject in enumerate(report.subjects):
        if subject.is_empty():
            continue
        try:
            subjects.append(
                add_subject(
                    session, keyring=keyring, signal=signal, cipher=cipher, kind=subject.kind or None,
                    added_by=SubjectOrigin.REPORTER, **subject.values(),
                )
            )
        except SubjectError as exc:
            raise IntakeError(str(exc), field=f"subjects-{position}-{exc.field}") from None
        subjects[-1].created_at = stamp
    stored = _store_uploads(
        session, keyring=keyring, signal=signal, cipher=cipher, uploads=uploads, settings=upload_settings, stamp=stamp
    )

    first = StatusChange(signal_id=signal.id, from_status=None, to_status=signal.status,
                         actor_id=registered_by.id if registered_by is not None else None, created_at=stamp)
    session.add(first)
    if first_note:
        session.flush()  # the row's id is in the reason's AAD
        seal(cipher, first, "reason", first_note)
    queue_notice(session, signal=signal, kind=NoticeKind.RECEIVED, created_at=stamp)
    # Who reported stays out of the audit trail: a named reporter's actions are under the signal's
    # pseudonym, never the account; the details leave out the track (about a colleague or not).
    details = {"subjects": len(subjects), "attachments": len(stored)}
    if registered_by is not None:
        record(session, action="signal.register", actor_label=registered_by.email, object_type="signal",
               object_id=signal.id, details={**details, "channel": signal.channel})
    elif reporter is None:
        record_anonymous(session, action="signal.file", object_type="signal", object_id=signal.id, details=details, now=now)
    else:
        record_reporter_action(session, action="signal.file", signal_id=signal.id, details=details)
    return signal  # the audit entry is inserted with the transaction's next flush or its COMMIT


def _store_uploads(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    cipher,
    uploads: Sequence[Upload],
    settings: UploadSettings | None,
    stamp: datetime | None = None,
) -> list[Attachment]:
    """Store every upload; ``stamp`` (the hour, for an anonymous reporter) replaces their exact creation time."""
    stored: list[Attachment] = []
    if uploads and settings is not None:
        try:
            check_capacity(session, uploads=uploads, settings=settings)
        except UploadCapacityError as exc:
            raise FilesNotTakenError(str(exc), field="attachments") from None
    try:
        for upload in uploads:
            stored.append(
                store_attachment(session, keyring=keyring, signal=signal, cipher=cipher, upload=upload, settings=settings)
            )
    except AttachmentError as exc:
        remove_files(stored, folder=settings.folder if settings else None)
        raise IntakeError(str(exc), field="attachments") from None
    except BaseException:
        remove_files(stored, folder=settings.folder if settings else None)
        raise
    if stamp is not None:
        for attachment in stored:
            attachment.created_at = stamp
    return stored


class DuplicateFilingError(Exception):
    """This form was sent before (same idempotency key): nothing is filed again.

    ``signal_id`` names the melding the first POST filed, for a named reporter only.
    """

    def __init__(self, signal_id: uuid.UUID | None) -> None:
        super().__init__("this form was already sent")
        self.signal_id = signal_id


_FILING_KEY_DOMAIN = b"meldpunt:filing-key:v1\x00"
#: How long a sent form's key is remembered: a Back-and-send-again a day later files a new melding.
FILING_KEY_LIFETIME = timedelta(days=1)


def filing_key_digest(key: str) -> str:
    return hashlib.sha256(_FILING_KEY_DOMAIN + key.encode("utf-8")).hexdigest()


def _claim_filing_key(session: Session, *, key: str, stamp: datetime, signal_id: uuid.UUID | None) -> str:
    """Insert the key's row before anything is filed; a second POST with the same key raises DuplicateFilingError.

    One statement (``INSERT … ON CONFLICT DO NOTHING RETURNING``): two concurrent POSTs meet at the
    primary key, the second waits for the first to commit (PostgreSQL) and then inserts nothing, before
    it stores a signal or a file. ``signal_id`` is the id the melding will get (a named filing): the
    foreign key is checked at COMMIT, so the row names the melding without a second statement.
    Expired rows are purged now and then (about one filing in ``_PURGE_ONE_IN``), not on every
    request. Returns the digest (the row's id).
    """
    if secrets.randbelow(_PURGE_ONE_IN) == 0:
        session.execute(
            delete(FilingKey).where(FilingKey.created_at < stamp - FILING_KEY_LIFETIME)
            .execution_options(synchronize_session=False)
        )
    digest = filing_key_digest(key)
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    keys = FilingKey.__table__  # a Core statement: the ORM's bulk path costs milliseconds here
    claimed = session.execute(
        insert(keys).values(id=digest, created_at=stamp, signal_id=signal_id).on_conflict_do_nothing()
        .returning(keys.c.id)
    ).scalar()
    if claimed is None:
        raise DuplicateFilingError(session.scalar(select(FilingKey.signal_id).where(FilingKey.id == digest)))
    return digest


#: Expired filing keys are purged on about one filing in this many.
_PURGE_ONE_IN = 64


def file_report(
    session: Session,
    *,
    keyring: Keyring,
    reporter: User | None,
    report: ReportInput,
    uploads: Sequence[Upload] = (),
    upload_settings: UploadSettings | None = None,
    filing_key: str | None = None,
) -> FiledReport:
    """File from the melden form. Anonymous (``reporter=None``) reports also get a receipt code.

    ``filing_key`` is the form's idempotency key: the same key files at most one melding
    (``DuplicateFilingError`` for every later POST, before anything is stored).
    """
    now = utcnow()
    signal_id = uuid.uuid4()
    if filing_key:  # a named filing's key names its melding, so a repeated POST can lead to it
        _claim_filing_key(session, key=filing_key, stamp=now if reporter is not None else utc_hour(now),
                          signal_id=signal_id if reporter is not None else None)
    signal = file_signal(
        session, keyring=keyring, reporter=reporter, description=report.description, report=report,
        uploads=uploads, upload_settings=upload_settings, now=now, signal_id=signal_id,
    )
    code = issue_receipt_code(session, keyring=keyring, signal=signal) if reporter is None else None
    return FiledReport(signal=signal, receipt_code=code)


def add_reporter_information(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    author: User | None,
    body: str,
    uploads: Sequence[Upload] = (),
    upload_settings: UploadSettings | None = None,
) -> None:
    """The reporter answers a question or adds information: a message and/or extra attachments.

    The handler(s) get a notice (``feedback.service.notify_reporter_reply``): the queue's "nieuw bericht".

    On an anonymous signal the author is never recorded, the message and attachments are stamped
    with the hour and the audit entry waits for the hour to end (see ``file_signal``).
    """
    body = (body or "").strip()
    if not body and not uploads:
        raise IntakeError(gettext("Schrijf een bericht of kies een bestand."), field="body")
    if uploads and upload_settings is not None and len(signal.attachments) + len(uploads) > upload_settings.max_files * 2:
        raise IntakeError(gettext("Er kunnen geen bijlagen meer bij deze melding."), field="attachments")
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        raise IntakeError(gettext("Deze melding is verwijderd. U kunt er niets meer aan toevoegen."), field="body") from None
    if body:
        try:
            post_message(session, keyring=keyring, signal=signal, sender=MessageSender.REPORTER, author=author, body=body)
        except MessageError as exc:
            raise IntakeError(str(exc), field="body") from None
    stored = _store_uploads(
        session, keyring=keyring, signal=signal, cipher=cipher, uploads=uploads, settings=upload_settings,
        stamp=utc_hour() if signal.is_anonymous else None,
    )
    if stored and signal.is_anonymous:
        record_anonymous(
            session, action="signal.add_attachments", object_type="signal", object_id=signal.id,
            details={"attachments": len(stored)},
        )
    elif stored:
        record_reporter_action(
            session, action="signal.add_attachments", signal_id=signal.id, details={"attachments": len(stored)}
        )
    # The reply reaches someone: the assigned handler, else every handler of the track (issue 22 item 2).
    notify_reporter_reply(session, signal=signal, created_at=utc_hour() if signal.is_anonymous else None)
    session.flush()


@dataclass(frozen=True)
class SignalContent:
    """What the reporter gave, decrypted, or ``shredded=True`` when the signal's key is gone.

    Only the reporter's own input: subjects a handler added are not in ``subjects`` (the handler
    page reads those with ``meldpunt.intake.subjects.subjects_with_links``), and ``about_colleague``
    is true only when the reporter said so, not after a handler moved the signal to the integrity track.
    """

    description: str | None
    shredded: bool = False
    location: str | None = None
    occurred: dict | None = None
    relation: dict | None = None
    contact: str | None = None
    subjects: list[dict] = field(default_factory=list)
    attachments: list[tuple[Attachment, str]] = field(default_factory=list)
    about_colleague: bool = False

    @property
    def occurred_label(self) -> str | None:
        if not self.occurred:
            return None
        parts = []
        start, until = self.occurred.get("from"), self.occurred.get("until")
        if start and until:
            parts.append(gettext("van %(start)s tot en met %(until)s", start=_nl_date(start), until=_nl_date(until)))
        elif start:
            parts.append(_nl_date(start))
        elif until:
            parts.append(gettext("tot en met %(until)s", until=_nl_date(until)))
        if self.occurred.get("text"):
            parts.append(self.occurred["text"])
        return "; ".join(parts) or None

    @property
    def relation_label(self) -> str | None:
        if not self.relation:
            return None
        label = RELATION_LABELS.get(self.relation.get("code") or "", "")
        label = gettext(label) if label else label
        text = self.relation.get("text") or ""
        return ": ".join(p for p in (label, text) if p) or None


_MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]


def _nl_date(iso: str) -> str:
    """``3 maart 2026``; on an English page ``3 March 2026`` (the page's language, Dutch outside a request)."""
    from meldpunt.i18n import current_language

    d = date.fromisoformat(iso)
    language = current_language()
    if language != "nl":
        from babel.dates import format_date

        return format_date(d, "d MMMM y", locale=language)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def reported_about_colleague(session: Session, *, signal: Signal) -> bool:
    """True when the reporter filed it as being about a colleague (not when a handler transferred it)."""
    if signal.track != Track.INTEGRITY.value:
        return False
    transferred = session.scalar(
        select(StatusChange.id)
        .where(StatusChange.signal_id == signal.id, StatusChange.to_status == SignalStatus.TO_INTEGRITY.value)
        .limit(1)
    )
    return transferred is None


def read_signal_content(session: Session, *, keyring: Keyring, signal: Signal) -> SignalContent:
    """The reporter's own content of ``signal`` (see ``SignalContent``): safe for the reporter's pages."""
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        return SignalContent(description=None, shredded=True)
    own_subjects = session.scalars(
        select(Subject)
        .where(Subject.signal_id == signal.id, Subject.added_by == SubjectOrigin.REPORTER.value)
        .order_by(Subject.created_at, Subject.id)
    ).all()
    return SignalContent(
        description=unseal(cipher, signal, "description"),
        location=unseal(cipher, signal, "location"),
        occurred=unseal_json(cipher, signal, "occurred"),
        relation=unseal_json(cipher, signal, "relation"),
        contact=unseal(cipher, signal, "contact"),
        subjects=[read_subject(session, keyring=keyring, subject=s, cipher=cipher) for s in own_subjects],
        attachments=[(a, unseal(cipher, a, "filename") or "bijlage") for a in signal.attachments],
        about_colleague=reported_about_colleague(session, signal=signal),
    )


def signals_of_reporter(session: Session, *, reporter: User) -> list[Signal]:
    return list(
        session.scalars(select(Signal).where(Signal.reporter_id == reporter.id).order_by(Signal.created_at.desc()))
    )
