"""The signal (melding) and what hangs off it: subjects, attachments, messages, history.

Every ``*_ct`` column holds AES-GCM ciphertext under the signal's data key
(see ``meldpunt.vault``); status, dates and taxonomy codes stay plaintext so
queues and statistics work without decrypting.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
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

from meldpunt.database import Base, sql_in_list as _in, utcnow
from meldpunt.i18n import N_
from meldpunt.signals.models import Signal


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
        # Covers the look-up of linked signals (``meldpunt.intake.subjects``): an index-only scan per digest.
        Index("ix_subject_identifiers_lookup", "kind", "digest", "key_id", "signal_id"),
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
    #: Checked at COMMIT: the key is claimed before the melding it names is inserted.
    signal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"), index=True
    )
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
