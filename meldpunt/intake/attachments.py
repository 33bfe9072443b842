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

Office documents are zip archives, so a small upload can inflate to gigabytes
(a zip bomb). Before anything is inflated, the end-of-central-directory record
gives the member count and the directory size, then the directory gives each
member's declared size and compression ratio; an archive over the limits below
is refused. Of the members, only ODF's ``mimetype`` is read, at most
``ODF_MIMETYPE_MAX + 1`` bytes of it.
"""

from __future__ import annotations

import codecs
import io
import os
import shutil
import struct
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timezone
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from flask import Request, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flask_babel import gettext

from meldpunt.i18n import N_
from meldpunt.config import UploadSettings
from meldpunt.vault.keys import (
    FieldCipher,
    Keyring,
    PlaintextTooLarge,
    decrypt_stream,
    encrypt_stream,
    encrypted_size,
    padded_size,
)
from meldpunt.intake.models import Attachment
from meldpunt.signals.models import Signal
from meldpunt.vault.service import data_key_bytes, seal, unseal

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
    "pdf": "PDF", "png": "PNG", "jpeg": "JPG", "gif": "GIF", "txt": N_("tekst (.txt)"),
    "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "odt": "OpenDocument (.odt)", "eml": N_("e-mail (.eml)"),
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

#: Zip (office document) limits, checked on the directory before anything is inflated.
ZIP_MAX_MEMBERS = 5_000
ZIP_MAX_DIRECTORY_BYTES = 512 * 1024
ZIP_MAX_TOTAL_SIZE = 256 * 1024 * 1024
#: A member larger than ZIP_RATIO_FLOOR may inflate at most ZIP_MAX_RATIO times its compressed size
#: (office XML compresses 5-30 times; a zip bomb 1000 times).
ZIP_MAX_RATIO = 200
ZIP_RATIO_FLOOR = 1024 * 1024
#: Bytes read from an ODF ``mimetype`` member (the longest ODF MIME type is under 80 bytes).
ODF_MIMETYPE_MAX = 100
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")


class AttachmentError(ValueError):
    """A refused file; the message is Dutch and shown next to the file field."""


class UploadCapacityError(AttachmentError):
    """No files can be taken now (daily quota reached, disk nearly full); the melding can go without them."""


QUOTA_MESSAGE = (
    "Wij kunnen vandaag geen bijlagen meer aannemen. U kunt zonder bijlagen versturen: wat u schreef "
    "staat er nog. Probeer de bestanden morgen opnieuw mee te sturen."
)
DISK_MESSAGE = (
    "Wij kunnen op dit moment geen bijlagen aannemen. U kunt zonder bijlagen versturen: wat u schreef "
    "staat er nog. Probeer de bestanden later opnieuw mee te sturen."
)
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def human_size(size: int) -> str:
    """The size in Dutch notation (``0,6 kB``, ``10 MB``): the same as the ``file_size`` template filter."""
    from meldpunt.templating import file_size

    return file_size(size)


def check_filename(filename: str) -> str:
    """The name as given, or ``AttachmentError`` for names that try to be paths or hide things."""
    name = unicodedata.normalize("NFC", filename or "")
    refused = AttachmentError(gettext(
        "De bestandsnaam „%(name)s” kunnen wij niet aannemen. Geef het bestand een gewone naam, "
        "zonder / of \\ en zonder twee punten achter elkaar, en kies het opnieuw.", name=name[:80]
    ))
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


class UnsafeArchive(Exception):
    """A zip archive over the limits (zip bomb, too many members); nothing of it was inflated."""


def _zip_directory_extent(stream: BinaryIO) -> tuple[int, int] | None:
    """``(member count, central directory bytes)`` as ``zipfile`` will read them; None when not a zip.

    Read before ``zipfile`` parses the directory (which builds an object per member), and
    found the way ``zipfile`` finds them: the end record at the very end, else the last one
    within the final 64 KiB (a trailing comment); a Zip64 record right before its locator.
    """
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    tail_start = max(0, size - (_EOCD.size + 0xFFFF))
    stream.seek(tail_start)
    tail = stream.read(size - tail_start)
    at = len(tail) - _EOCD.size
    if at < 0:
        return None
    if not (tail[at : at + 4] == b"PK\x05\x06" and tail[-2:] == b"\x00\x00"):
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            return None
    _sig, _disk, _cd_disk, _here, members, directory, _offset, _comment = _EOCD.unpack_from(tail, at)
    locator_at = tail_start + at - _EOCD64_LOCATOR.size
    record_at = locator_at - _EOCD64.size
    if record_at >= 0:
        stream.seek(record_at)
        record = stream.read(_EOCD64.size + _EOCD64_LOCATOR.size)
        if record[_EOCD64.size : _EOCD64.size + 4] == b"PK\x06\x07" and record[:4] == b"PK\x06\x06":
            fields = _EOCD64.unpack_from(record)
            members, directory = max(members, fields[7]), max(directory, fields[8])
    return members, directory


def _check_archive(stream: BinaryIO) -> None:
    extent = _zip_directory_extent(stream)
    if extent is None:
        return  # not a zip after all: zipfile will say so
    members, directory = extent
    if members > ZIP_MAX_MEMBERS or directory > ZIP_MAX_DIRECTORY_BYTES:
        raise UnsafeArchive(f"{members} members, {directory} directory bytes")


def _check_members(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_MEMBERS:
        raise UnsafeArchive(f"{len(infos)} members")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeArchive("compression ratio")
        if total > ZIP_MAX_TOTAL_SIZE:
            raise UnsafeArchive("total size")


def _zip_type(stream: BinaryIO) -> str | None:
    """docx / xlsx / odt by their members (central directory only; nothing is extracted to disk).

    Raises :class:`UnsafeArchive` for a zip over the limits, before anything is inflated.
    """
    if not stream.seekable():
        return None
    start = stream.tell()
    try:
        _check_archive(stream)
        stream.seek(start)
        with zipfile.ZipFile(stream) as archive:
            _check_members(archive)
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > ODF_MIMETYPE_MAX:
                    return None
                with archive.open(info) as member:
                    mimetype = member.read(ODF_MIMETYPE_MAX + 1)
                if mimetype.strip() == _ODT_MIMETYPE:
                    return "odt"
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError, EOFError, struct.error):
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


def _upload_size(upload: Upload, *, limit: int) -> int:
    """Bytes in an upload's stream (its position is kept); ``limit`` when the stream cannot tell."""
    stream = upload.stream
    if not stream.seekable():
        return limit
    here = stream.tell()
    size = stream.seek(0, os.SEEK_END)
    stream.seek(here)
    return min(size, limit)


def stored_today(session: Session, *, now: datetime | None = None) -> int:
    """Attachment bytes (rounded sizes) stored since midnight, Europe/Amsterdam."""
    local = (now or datetime.now(timezone.utc)).astimezone(LOCAL_ZONE)
    midnight = datetime.combine(local.date(), time(0), tzinfo=LOCAL_ZONE).astimezone(timezone.utc)
    return int(session.scalar(select(func.coalesce(func.sum(Attachment.size), 0)).where(Attachment.created_at >= midnight)))


def check_capacity(
    session: Session, *, uploads: Sequence[Upload], settings: UploadSettings, now: datetime | None = None
) -> None:
    """Refuse all files of a request (``UploadCapacityError``) before storing any of them when they would
    take the day's stored bytes over ``daily_quota_bytes`` or the disk's free space under ``min_free_bytes``.

    Concurrent requests each check before they store, so the quota can be overrun by at most what the
    requests in flight carry (``max_files x max_bytes`` each).
    """
    if not uploads:
        return
    sizes = [_upload_size(u, limit=settings.max_bytes) for u in uploads]
    if stored_today(session, now=now) + sum(padded_size(n) for n in sizes) > settings.daily_quota_bytes:
        raise UploadCapacityError(QUOTA_MESSAGE)
    folder = upload_folder(settings.folder)
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(folder).free - sum(encrypted_size(n) for n in sizes) < settings.min_free_bytes:
        raise UploadCapacityError(DISK_MESSAGE)


def _dek(session: Session, *, keyring: Keyring, signal: Signal) -> bytes:
    """The signal's raw data key for the stream cipher; only the vault unwraps keys (``ShreddedError`` if gone)."""
    return data_key_bytes(session, keyring=keyring, data_key_id=signal.data_key_id)


def _context(attachment_id: uuid.UUID) -> str:
    return f"attachments:{attachment_id}"


@dataclass(frozen=True)
class StoredFile:
    """A checked upload, encrypted on disk under ``storage_name``: its name, MIME type and padded size."""

    filename: str
    mime: str
    storage_name: str
    size: int


@dataclass
class _CheckedUpload:
    """An upload whose name, type and archive structure passed; ``reader`` streams it (text checked on the way)."""

    name: str
    kind: str
    label: str
    allowed: str
    reader: BinaryIO
    text_check: _TextCheck | None


def _open_checked(upload: Upload, settings: UploadSettings) -> _CheckedUpload:
    """Name, emptiness, type by content, archive bombs, name against content: ``AttachmentError`` (Dutch)."""
    name = check_filename(upload.filename)
    label = f"„{name[:80]}”"
    allowed = ", ".join(gettext(TYPE_LABELS.get(t, t)) for t in settings.allowed_types)
    head = upload.stream.read(HEAD_SIZE)
    if not head:
        raise AttachmentError(gettext("Het bestand %(label)s is leeg. Kies een bestand met inhoud.", label=label))
    if upload.stream.seekable():
        upload.stream.seek(0)
        try:
            kind = detect_type(head, upload.stream)
        except UnsafeArchive:
            raise AttachmentError(gettext(
                "Het bestand %(label)s kunnen wij niet aannemen: uitgepakt is het veel groter dan het bestand zelf, "
                "of het bestaat uit te veel onderdelen. Sla het opnieuw op, of stuur het als PDF.", label=label
            )) from None
        src: BinaryIO = upload.stream
    else:  # not seekable: no zip check possible, continue after the head we already read
        kind = detect_type(head, io.BytesIO(head))
        src = io.BufferedReader(_Chain(head, upload.stream))  # type: ignore[arg-type]
    if kind is None or kind not in settings.allowed_types:
        raise AttachmentError(gettext("Het bestand %(label)s heeft een soort die wij niet aannemen. Toegestaan: %(allowed)s.",
                                      label=label, allowed=allowed))
    extension = _extension(name)
    if extension is not None and extension not in TYPES[kind][1]:
        raise AttachmentError(gettext(
            "De inhoud van %(label)s past niet bij de naam: het bestand is geen .%(extension)s. "
            "Toegestaan: %(allowed)s.", label=label, extension=extension, allowed=allowed
        ))
    text_check = _TextCheck(src, utf8=kind == "txt") if kind in ("txt", "eml") else None
    return _CheckedUpload(name, kind, label, allowed, text_check if text_check is not None else src, text_check)


def _too_large(checked: _CheckedUpload, settings: UploadSettings) -> AttachmentError:
    return AttachmentError(gettext(
        "Het bestand %(label)s is te groot. Een bijlage mag hoogstens %(size)s zijn.",
        label=checked.label, size=human_size(settings.max_bytes),
    ))


def _wrong_text(checked: _CheckedUpload) -> AttachmentError:
    return AttachmentError(gettext("Het bestand %(label)s heeft een soort die wij niet aannemen. Toegestaan: %(allowed)s.",
                                   label=checked.label, allowed=checked.allowed))


def check_upload_count(*, uploads: Sequence[Upload], settings: UploadSettings) -> None:
    """At most ``max_files`` files with one melding: ``AttachmentError`` (Dutch) for more."""
    if len(uploads) > settings.max_files:
        raise AttachmentError(gettext("U kunt hoogstens %(count)s bijlagen meesturen.", count=settings.max_files))


def check_uploads(*, uploads: Sequence[Upload], settings: UploadSettings) -> None:
    """The form's files as sending the melding will check them: their number, then each (``check_upload``)."""
    check_upload_count(uploads=uploads, settings=settings)
    for upload in uploads:
        check_upload(upload=upload, settings=settings)


def check_upload(*, upload: Upload, settings: UploadSettings) -> None:
    """Every check of ``store_encrypted_file``, without storing anything: for the form's POST, so a file we
    would refuse is named on the form itself, not after "Melding versturen". ``AttachmentError`` (Dutch);
    the stream (seekable, as a form's upload is) is back at its start afterwards."""
    checked = _open_checked(upload, settings)
    size = 0
    while chunk := checked.reader.read(64 * 1024):
        size += len(chunk)
        if size > settings.max_bytes:
            raise _too_large(checked, settings)
    if checked.text_check is not None and not checked.text_check.valid:
        raise _wrong_text(checked)
    upload.stream.seek(0)


def store_encrypted_file(*, dek: bytes, upload: Upload, settings: UploadSettings, context: str) -> StoredFile:
    """Check one upload (name, type, size, archives, text) and stream it encrypted with ``dek`` to a new
    server-named file in the upload folder; ``AttachmentError`` (Dutch) leaves no file.

    Shared by signal attachments (below) and other encrypted files, e.g. the evidence of an improvement
    measure (meldpunt.resilience). ``context`` binds the ciphertext to its row (see ``encrypt_stream``).
    """
    checked = _open_checked(upload, settings)
    name, kind, reader, text_check = checked.name, checked.kind, checked.reader, checked.text_check

    storage_name = uuid.uuid4().hex
    folder = upload_folder(settings.folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / storage_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as dst:
            size = encrypt_stream(dek, reader, dst, context=context, max_bytes=settings.max_bytes)
            dst.flush()
            os.fsync(dst.fileno())
    except PlaintextTooLarge:
        path.unlink(missing_ok=True)
        raise _too_large(checked, settings) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if text_check is not None and not text_check.valid:
        path.unlink(missing_ok=True)
        raise _wrong_text(checked)
    # The padded size is what the encrypted file shows anyway; the exact size is not kept.
    return StoredFile(filename=name, mime=TYPES[kind][0], storage_name=storage_name, size=padded_size(size))


def decrypt_file_chunks(*, dek: bytes, storage_name: str, context: str, folder: Path | None = None) -> Iterator[bytes]:
    """The plaintext of a file stored by ``store_encrypted_file``, decrypted and verified chunk by chunk.

    The path is resolved now (inside the request); the file is opened when the response is streamed.
    """
    path = upload_folder(folder) / storage_name

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as src:
            yield from decrypt_stream(dek, src, context=context)

    return chunks()


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
    attachment_id = uuid.uuid4()
    stored = store_encrypted_file(dek=_dek(session, keyring=keyring, signal=signal), upload=upload,
                                  settings=settings, context=_context(attachment_id))
    attachment = Attachment(id=attachment_id, signal_id=signal.id, storage_name=stored.storage_name,
                            size=stored.size)
    seal(cipher, attachment, "filename", stored.filename)
    seal(cipher, attachment, "mime", stored.mime)
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
    chunks = decrypt_file_chunks(dek=dek, storage_name=attachment.storage_name, context=_context(attachment.id),
                                 folder=folder)
    return filename, mime, chunks


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

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()
