"""The signal (melding) and what hangs off it: subjects, attachments, messages, history.

Every ``*_ct`` column holds AES-GCM ciphertext under the signal's data key
(see ``meldpunt.vault``); status, dates and taxonomy codes stay plaintext so
queues and statistics work without decrypting.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, utcnow
from meldpunt.i18n import N_


class SignalStatus(enum.StrEnum):
    """The statuses of a melding (docs/glossary.md); the allowed moves are in ``meldpunt.triage.transitions``."""

    RECEIVED = "ontvangen"
    IN_PROGRESS = "in_behandeling"
    ENRICHMENT = "verrijking"
    LINKED_TO_CASE = "gekoppeld_aan_casus"
    ON_AGENDA = "geagendeerd"
    DISCUSSED = "besproken"
    CLOSED = "afgesloten"
    NOT_ADMISSIBLE = "niet_ontvankelijk"
    FORWARDED = "doorgezonden"
    TO_INTEGRITY = "integriteitstraject"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


#: Plain Dutch (B1) for the reporter and the queue.
STATUS_LABELS = {
    SignalStatus.RECEIVED: N_("Ontvangen"),
    SignalStatus.IN_PROGRESS: N_("In behandeling"),
    SignalStatus.ENRICHMENT: N_("Wordt uitgezocht"),
    SignalStatus.LINKED_TO_CASE: N_("Onderdeel van een casus"),
    SignalStatus.ON_AGENDA: N_("Geagendeerd voor overleg"),
    SignalStatus.DISCUSSED: N_("Besproken in overleg"),
    SignalStatus.CLOSED: N_("Afgesloten"),
    SignalStatus.NOT_ADMISSIBLE: N_("Niet in behandeling genomen"),
    SignalStatus.FORWARDED: N_("Doorgezonden naar bevoegde instantie"),
    SignalStatus.TO_INTEGRITY: N_("Overgedragen aan integriteitstraject"),
}


class Track(enum.StrEnum):
    REGULAR = "regulier"  # to the OOV-regisseur
    INTEGRITY = "integriteit"  # about a colleague: to the integriteitscoördinator


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


#: Reference series per track at filing time: each series numbers per year without gaps
#: (``MO-2026-0001``, ``MI-2026-0001``), so the regular series shows nothing of integrity filings.
#: A signal that later changes track keeps its reference.
REFERENCE_SERIES = {Track.REGULAR.value: "MO", Track.INTEGRITY.value: "MI"}


class Signal(Base):
    """A melding. ``reporter_id`` is NULL for anonymous reports, which also keep no request metadata."""

    __tablename__ = "signals"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(SignalStatus)})", name="status_valid"),
        CheckConstraint(f"track IN ({_in(Track)})", name="track_valid"),
        CheckConstraint("NOT is_anonymous OR reporter_id IS NULL", name="anonymous_has_no_reporter"),
        CheckConstraint("(receipt_digest IS NULL) OR is_anonymous", name="receipt_only_anonymous"),
        CheckConstraint("ref_series IN ('MO', 'MI')", name="ref_series_valid"),
        UniqueConstraint("ref_series", "ref_year", "ref_seq", name="uq_signals_ref_series_ref_year_ref_seq"),
        Index("ix_signals_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    #: "MO" (filed on the regular track) or "MI" (filed on the integrity track); see REFERENCE_SERIES.
    ref_series: Mapped[str] = mapped_column(String(2), default="MO", server_default="MO")
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30), default=SignalStatus.RECEIVED.value)
    track: Mapped[str] = mapped_column(String(20), default=Track.REGULAR.value)
    channel: Mapped[str] = mapped_column(String(60), default="intern_formulier")
    phenomenon_code: Mapped[str | None] = mapped_column(String(60), index=True)
    process_code: Mapped[str | None] = mapped_column(String(60), index=True)
    location_type_code: Mapped[str | None] = mapped_column(String(60))
    department_code: Mapped[str | None] = mapped_column(String(60), index=True)
    #: "Wie werd benaderd?" and "hoe?" (codes of APPROACHED_LABELS / APPROACH_LABELS): metadata, not content.
    approached_code: Mapped[str | None] = mapped_column(String(30))
    approach_code: Mapped[str | None] = mapped_column(String(30))
    #: For a signal a handler registered (phone, e-mail, letter, ...): the day it came in.
    received_on: Mapped[date | None] = mapped_column(Date)
    certainty: Mapped[str | None] = mapped_column(String(20))
    feels_unsafe: Mapped[bool] = mapped_column(Boolean, default=False)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: "<index key id>:<hex HMAC>" of the anonymous reporter's receipt code (see intake.receipts).
    receipt_digest: Mapped[str | None] = mapped_column(String(100), unique=True)
    wants_feedback: Mapped[bool] = mapped_column(Boolean, default=True)
    feedback_by_email: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_keys.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    first_feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shredded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    # Encrypted under the signal's data key.
    description_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # wat heeft u gezien
    location_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # waar
    occurred_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # wanneer
    relation_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # relatie tot betrokkene
    contact_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # hoe terugkoppeling

    __mapper_args__ = {"version_id_col": version_id}

    reporter = relationship("User", foreign_keys=[reporter_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    data_key = relationship("DataKey")
    subjects: Mapped[list[Subject]] = relationship(back_populates="signal", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="signal", cascade="all, delete-orphan")
    messages: Mapped[list[Message]] = relationship(
        back_populates="signal", cascade="all, delete-orphan", order_by="Message.created_at"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="signal", cascade="all, delete-orphan", order_by="StatusChange.created_at"
    )
    #: Every phenomenon the signal names; ``phenomenon_code`` is the primary one (queue, reports).
    phenomena: Mapped[list[SignalPhenomenon]] = relationship(
        back_populates="signal", cascade="all, delete-orphan", order_by="SignalPhenomenon.position"
    )

    @property
    def phenomenon_codes(self) -> list[str]:
        """The primary phenomenon first, then the others in the order they were given."""
        codes = [self.phenomenon_code] if self.phenomenon_code else []
        return codes + [p.code for p in self.phenomena if p.code not in codes]

    @property
    def status_enum(self) -> SignalStatus:
        return SignalStatus(self.status)

    @property
    def is_shredded(self) -> bool:
        return self.data_key_id is None


#: "Wie werd benaderd?" (Borger-Odoorn §8.2): which function was approached.
APPROACHED_LABELS = {
    "eigen_functie": N_("Ikzelf, in mijn functie"),
    "collega": N_("Een collega"),
    "bestuurder": N_("Een bestuurder (burgemeester, wethouder)"),
    "raadslid": N_("Een raadslid"),
}

#: "Hoe?" (Verwey-Jonker §3.2): how the approach was made.
APPROACH_LABELS = {
    "gift": N_("Met een gift, geld of een gunst"),
    "dreiging": N_("Met dreiging of intimidatie"),
    "vriendschap": N_("Via vriendschap of een persoonlijke band"),
    "druk_derden": N_("Via druk van anderen (derden)"),
}


class SignalPhenomenon(Base):
    """One phenomenon (verschijningsvorm code) a signal names; a signal may name several."""

    __tablename__ = "signal_phenomena"

    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    signal: Mapped[Signal] = relationship(back_populates="phenomena")


class SubjectKind(enum.StrEnum):
    PERSON = "persoon"
    COMPANY = "bedrijf"
    ADDRESS = "adres"
    VEHICLE = "voertuig"


class SubjectOrigin(enum.StrEnum):
    """Who named a subject: the reporter when filing, or a handler afterwards (need-to-know both ways)."""

    REPORTER = "melder"
    HANDLER = "behandelaar"


class Subject(Base):
    """A betrokkene named in a signal. All identifying values are in ``data_ct`` (JSON, encrypted).

    ``added_by`` says who named it. The reporter's own pages show only ``melder`` subjects; a subject
    a handler adds (``behandelaar``, the default, so a forgotten value never reaches the reporter)
    stays on the handler's side.
    """

    __tablename__ = "subjects"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(SubjectKind)})", name="kind_valid"),
        CheckConstraint(f"added_by IN ({_in(SubjectOrigin)})", name="added_by_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    added_by: Mapped[str] = mapped_column(
        String(20), default=SubjectOrigin.HANDLER.value, server_default=SubjectOrigin.HANDLER.value
    )
    data_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    signal: Mapped[Signal] = relationship(back_populates="subjects")
    identifiers: Mapped[list[SubjectIdentifier]] = relationship(
        back_populates="subject", cascade="all, delete-orphan"
    )


class SubjectIdentifier(Base):
    """Blind index of one normalised identifier of a subject: equality lookups without decrypting."""

    __tablename__ = "subject_identifiers"
    __table_args__ = (
        Index("ix_subject_identifiers_kind_digest", "kind", "digest"),
        UniqueConstraint("subject_id", "kind", "digest"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key_id: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))

    subject: Mapped[Subject] = relationship(back_populates="identifiers")


class Attachment(Base):
    """An encrypted file on disk under a server-generated name; name and type encrypted here."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    #: Size rounded up like the encrypted file (plaintext + padding, a multiple of 64 KiB); never the exact size.
    size: Mapped[int] = mapped_column(Integer)
    filename_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    mime_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    signal: Mapped[Signal] = relationship(back_populates="attachments")

    @property
    def size_label(self) -> str:
        """The rounded size in plain Dutch notation: "kleiner dan 64 kB", "ca. 192 kB", "ca. 2,5 MB"."""
        from meldpunt.templating import file_size

        if self.size <= 64 * 1024:
            return "kleiner dan 64 kB"
        return f"ca. {file_size(self.size)}"


class MessageSender(enum.StrEnum):
    REPORTER = "melder"
    HANDLER = "behandelaar"


class Message(Base):
    """A message between the handler (regisseur/integriteit) and the reporter on one signal."""

    __tablename__ = "messages"
    __table_args__ = (CheckConstraint(f"sender IN ({_in(MessageSender)})", name="sender_valid"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    signal: Mapped[Signal] = relationship(back_populates="messages")
    author = relationship("User")


class StatusChange(Base):
    """History of a signal's status (one row per transition; reason encrypted)."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    signal: Mapped[Signal] = relationship(back_populates="history")
    actor = relationship("User")


class ReceiptGrant(Base):
    """Access to one anonymous signal after its receipt code was entered (see ``meldpunt.intake.receipts``).

    The browser's cookie holds only a random handle. This row is keyed by a SHA-256 digest of the
    handle, and the signal's receipt digest is stored encrypted under a key derived from the
    handle: without the cookie, the row does not say which signal it opens. Deleted by
    "Melding sluiten" and when it expires (idle or absolute lifetime).
    """

    __tablename__ = "receipt_grants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class FilingKey(Base):
    """The idempotency key of one sent melden form: a second POST with the same key files nothing.

    The key is a random value in a hidden field of the form; only a SHA-256 digest of it is kept
    (``meldpunt.intake.service.file_report``). ``signal_id`` is set for a named filing only (so a
    repeated POST can lead to the filed melding); an anonymous filing's row names no signal and
    carries the hour, like every row written for an anonymous reporter. Rows older than a day are purged.
    """

    __tablename__ = "filing_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    signal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ReceiptDisplay(Base):
    """A receipt code waiting to be shown, once, on the page the anonymous filing redirects to.

    Keyed by a SHA-256 digest of a single-use token (derived from the form's idempotency key and
    kept in the browser's session cookie); the code and reference are encrypted under a key
    derived from that token, so the row alone reveals neither. Deleted when shown, and purged
    after ``expires_at`` (see ``meldpunt.intake.receipts.take_code_for_display``).
    """

    __tablename__ = "receipt_displays"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class IntakeDraft(Base):
    """A melden form waiting on the "Controleer uw melding" page (issue 22 item 4).

    Keyed by a SHA-256 digest of a random token held only in the browser's session cookie; the
    form's fields and chosen files are encrypted under a key derived from that token. Deleted when
    the melding is sent, and purged after ``expires_at`` (an hour after it was last saved).
    """

    __tablename__ = "intake_drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload_ct: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
