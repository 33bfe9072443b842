"""Attachments: checked by content, streamed to disk encrypted, never in plaintext.

The upload is read straight from the request's in-memory stream (see
``InMemoryUploadRequest``) through :func:`meldpunt.crypto.encrypt_stream` into a
file under a server-generated name (``uuid4().hex``) in the upload folder. The
original file name and the detected MIME type are encrypted in the row
(``filename_ct``, ``mime_ct``); the stream is bound to ``"attachments:<id>"``.

Type checking looks at the bytes, not the name: magic numbers for pdf, png,
jpeg and gif; zip members for docx, xlsx and odt; header lines for eml; and
valid UTF-8 without NUL bytes for txt (checked while streaming). A name whose
extension says another type than the content is refused too.
"""

from __future__ import annotations

import codecs
import io
import os
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Request, current_app
from sqlalchemy.orm import Session

from meldpunt.config import UploadSettings
from meldpunt.crypto import FieldCipher, Keyring, PlaintextTooLarge, decrypt_stream, encrypt_stream, unwrap_dek
from meldpunt.intake.models import Attachment, Signal
from meldpunt.vault.models import DataKey
from meldpunt.vault.service import ShreddedError, seal, unseal

#: type -> (MIME type, accepted file name extensions)
TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("application/pdf", frozenset({"pdf"})),
    "png": ("image/png", frozenset({"png"})),
    "jpeg": ("image/jpeg", frozenset({"jpg", "jpeg", "jpe", "jfif"})),
    "gif": ("image/gif", frozenset({"gif"})),
    "txt": ("text/plain; charset=utf-8", frozenset({"txt", "text", "log", "csv", "md"})),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", frozenset({"docx"})),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", frozenset({"xlsx"})),
    "odt": ("application/vnd.oasis.opendocument.text", frozenset({"odt"})),
    "eml": ("message/rfc822", frozenset({"eml"})),
}

TYPE_LABELS = {
    "pdf": "PDF", "png": "PNG", "jpeg": "JPG", "gif": "GIF", "txt": "tekst (.txt)",
    "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "odt": "OpenDocument (.odt)", "eml": "e-mail (.eml)",
}

_MAGIC = (
    ("pdf", (b"%PDF-",)),
    ("png", (b"\x89PNG\r\n\x1a\n",)),
    ("jpeg", (b"\xff\xd8\xff",)),
    ("gif", (b"GIF87a", b"GIF89a")),
)
_ZIP_MAGIC = b"PK\x03\x04"
_EML_HEADERS = (
    b"received:", b"return-path:", b"from:", b"to:", b"date:", b"subject:", b"message-id:",
    b"mime-version:", b"delivered-to:", b"x-", b"reply-to:", b"cc:", b"content-type:", b"dkim-signature:",
    b"arc-", b"authentication-results:", b"sender:",
)
HEAD_SIZE = 8192
FILENAME_MAX = 200


class AttachmentError(ValueError):
    """A refused file; the message is Dutch and shown next to the file field."""


def human_size(size: int) -> str:
    """The size in Dutch notation (``0,6 kB``, ``10 MB``): the same as the ``file_size`` template filter."""
    from meldpunt.templating import file_size

    return file_size(size)


def check_filename(filename: str) -> str:
    """The name as given, or ``AttachmentError`` for names that try to be paths or hide things."""
    name = unicodedata.normalize("NFC", filename or "")
    refused = AttachmentError(
        f"De bestandsnaam „{name[:80]}” kunnen wij niet aannemen. Geef het bestand een gewone naam, "
        "zonder / of \\ en zonder twee punten achter elkaar, en kies het opnieuw."
    )
    if not name.strip() or len(name) > FILENAME_MAX:
        raise refused
    if "/" in name or "\\" in name or ".." in name or name.startswith(".") or name.strip() != name:
        raise refused
    if any(unicodedata.category(ch)[0] == "C" for ch in name):  # control, format, private-use characters
        raise refused
    return name


def _extension(name: str) -> str | None:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else None


def _zip_type(stream: BinaryIO) -> str | None:
    """docx / xlsx / odt by their members (central directory only; nothing is extracted to disk)."""
    if not stream.seekable():
        return None
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                return "odt"
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    finally:
        stream.seek(start)
    return None


def _looks_like_eml(head: bytes) -> bool:
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0].lower()
    if b"\x00" in head or b":" not in first:
        return False
    return first.startswith(_EML_HEADERS)


def detect_type(head: bytes, stream: BinaryIO) -> str | None:
    """The content type of a file from its first bytes (and zip members); None when unknown.

    ``stream`` is positioned at the start of the file and left there.
    """
    for kind, magics in _MAGIC:
        if head.startswith(magics):
            return kind
    if head.startswith(_ZIP_MAGIC):
        return _zip_type(stream)
    if b"\x00" in head:
        return None
    if _looks_like_eml(head):
        return "eml"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return "txt"


class _TextCheck(io.RawIOBase):
    """Passes bytes through while checking they are UTF-8 without NUL bytes."""

    def __init__(self, src: BinaryIO, *, utf8: bool) -> None:
        self._src = src
        self._decoder = codecs.getincrementaldecoder("utf-8")() if utf8 else None
        self.valid = True

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._src.read(size)
        if b"\x00" in data:
            self.valid = False
        if self._decoder is not None and self.valid:
            try:
                self._decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                self.valid = False
        return data


@dataclass(frozen=True)
class Upload:
    """One file from the form: its client-given name and its (in-memory) stream."""

    filename: str
    stream: BinaryIO


def upload_folder(folder: Path | None = None) -> Path:
    if folder is not None:
        return Path(folder)
    return Path(current_app.extensions["meldpunt.settings"].uploads.folder)


def _dek(session: Session, *, keyring: Keyring, signal: Signal) -> bytes:
    data_key = session.get(DataKey, signal.data_key_id) if signal.data_key_id else None
    if data_key is None:
        raise ShreddedError("data key shredded")
    return unwrap_dek(keyring, data_key.kek_id, data_key.wrapped, key_ref=str(data_key.id))


def _context(attachment_id: uuid.UUID) -> str:
    return f"attachments:{attachment_id}"


def store_attachment(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    cipher: FieldCipher,
    upload: Upload,
    settings: UploadSettings,
) -> Attachment:
    """Check, encrypt and store one file; ``AttachmentError`` (Dutch) leaves no file and no row.

    The caller deletes the files of attachments stored earlier in the same
    request when it rolls back (:func:`remove_files`).
    """
    name = check_filename(upload.filename)
    label = f"„{name[:80]}”"
    allowed = ", ".join(TYPE_LABELS.get(t, t) for t in settings.allowed_types)
    head = upload.stream.read(HEAD_SIZE)
    if not head:
        raise AttachmentError(f"Het bestand {label} is leeg. Kies een bestand met inhoud.")
    if upload.stream.seekable():
        upload.stream.seek(0)
        kind = detect_type(head, upload.stream)
        src: BinaryIO = upload.stream
    else:  # not seekable: no zip check possible, continue after the head we already read
        kind = detect_type(head, io.BytesIO(head))
        src = io.BufferedReader(_Chain(head, upload.stream))  # type: ignore[arg-type]
    if kind is None or kind not in settings.allowed_types:
        raise AttachmentError(f"Het bestand {label} heeft een soort die wij niet aannemen. Toegestaan: {allowed}.")
    extension = _extension(name)
    if extension is not None and extension not in TYPES[kind][1]:
        raise AttachmentError(
            f"De inhoud van {label} past niet bij de naam: het bestand is geen .{extension}. "
            f"Toegestaan: {allowed}."
        )
    text_check = _TextCheck(src, utf8=kind == "txt") if kind in ("txt", "eml") else None
    reader = text_check if text_check is not None else src

    attachment = Attachment(id=uuid.uuid4(), signal_id=signal.id, storage_name=uuid.uuid4().hex, size=0)
    folder = upload_folder(settings.folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / attachment.storage_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as dst:
            size = encrypt_stream(
                _dek(session, keyring=keyring, signal=signal), reader, dst,
                context=_context(attachment.id), max_bytes=settings.max_bytes,
            )
            dst.flush()
            os.fsync(dst.fileno())
    except PlaintextTooLarge:
        path.unlink(missing_ok=True)
        raise AttachmentError(
            f"Het bestand {label} is te groot. Een bijlage mag hoogstens {human_size(settings.max_bytes)} zijn."
        ) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if text_check is not None and not text_check.valid:
        path.unlink(missing_ok=True)
        raise AttachmentError(f"Het bestand {label} heeft een soort die wij niet aannemen. Toegestaan: {allowed}.")
    attachment.size = size
    seal(cipher, attachment, "filename", name)
    seal(cipher, attachment, "mime", TYPES[kind][0])
    session.add(attachment)
    session.flush()
    return attachment


class _Chain(io.RawIOBase):
    """``head`` followed by the rest of a non-seekable stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def remove_files(attachments: list[Attachment], *, folder: Path | None = None) -> int:
    """Delete the encrypted files of ``attachments`` (after a rollback or when shredding)."""
    base = upload_folder(folder)
    removed = 0
    for attachment in attachments:
        path = base / attachment.storage_name
        if path.exists():
            path.unlink()
            removed += 1
    return removed


def delete_attachment_files(signal: Signal, *, folder: Path | None = None) -> int:
    """Shred the files of every attachment of ``signal``; returns how many files were removed."""
    return remove_files(list(signal.attachments), folder=folder)


def open_attachment(
    session: Session, *, keyring: Keyring, attachment: Attachment, folder: Path | None = None
) -> tuple[str, str, Iterator[bytes]]:
    """``(filename, mime, chunks)`` for a download. Raises ``ShreddedError`` when the key is gone.

    The chunks are decrypted lazily and verified one by one; a tampered or
    truncated file raises ``DecryptionError`` while iterating. Serve it with
    ``Content-Disposition: attachment``.
    """
    from meldpunt.vault.service import cipher_for

    signal = attachment.signal
    cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    filename = unseal(cipher, attachment, "filename") or "bijlage"
    mime = unseal(cipher, attachment, "mime") or "application/octet-stream"
    dek = _dek(session, keyring=keyring, signal=signal)
    path = upload_folder(folder) / attachment.storage_name
    context = _context(attachment.id)

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as src:
            yield from decrypt_stream(dek, src, context=context)

    return filename, mime, chunks()


def read_attachment_names(session: Session, *, cipher: FieldCipher | None, signal: Signal) -> list[tuple[Attachment, str]]:
    """Each attachment with its decrypted name (``"Verwijderd"`` when shredded)."""
    return [(a, unseal(cipher, a, "filename") if cipher else "Verwijderd") for a in signal.attachments]


class InMemoryUploadRequest(Request):
    """Keeps uploaded files in memory while the form is parsed.

    Werkzeug's default stream factory spools file parts above 500 kB to a
    ``SpooledTemporaryFile`` in the temp folder: the plaintext upload would
    touch the disk. Here every file part goes into a ``BytesIO``; the total is
    bounded by ``MAX_CONTENT_LENGTH`` (max_bytes x max_files + 1 MB), which
    werkzeug enforces while reading, also for chunked requests.
    """

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):  # noqa: D401
        return io.BytesIO()
