"""Registering a signal that came in another way than the employee's form.

Everything goes through ``meldpunt.intake.service.file_signal`` (the same encryption, attachments,
history, audit and notices as the web form); this module adds the source: channel, date received,
who passed it on, whether and how the source wants feedback (``SignalSource``), and reads an e-mail
(``.eml``) with the standard library: sender, date, subject and body into the description, the
e-mail itself and its attachments kept as encrypted attachments.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from html.parser import HTMLParser

from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.auth.models import User
from meldpunt.channels.models import (
    FEEDBACK_LABELS,
    ORGANISATION_LABELS,
    Organisation,
    SignalSource,
    SourceFeedback,
)
from meldpunt.config import UploadSettings
from meldpunt.vault.keys import Keyring
from meldpunt.intake.attachments import Upload
from meldpunt.signals.models import Signal, Track
from meldpunt.intake.service import DESCRIPTION_MAX, IntakeError, ReportInput, file_signal
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import is_known_code, term_labels
from meldpunt.vault.service import ShreddedError, cipher_for, seal_json, unseal_json

#: Channels a handler registers on the registration page (the others have their own way in).
NOT_REGISTERED_HERE = frozenset({"intern_formulier", "publiek_formulier", "mma"})
DETAIL_MAX = 300
EML_MAX = 10 * 1024 * 1024


class RegistrationError(IntakeError):
    """Invalid registration input; the message is Dutch and belongs to ``field``."""


@dataclass
class Registration:
    """What the handler enters for a signal that came in by phone, e-mail, letter, ..."""

    channel: str
    received_on: date
    description: str = ""
    organisation: str = Organisation.NONE.value
    organisation_name: str | None = None
    contact_person: str | None = None
    feedback: str = SourceFeedback.NONE.value
    feedback_contact: str | None = None
    phenomenon_code: str | None = None
    process_code: str | None = None
    feels_unsafe: bool = False
    location: str | None = None
    occurred_text: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # e.g. the e-mail's sender, date and subject


@dataclass(frozen=True)
class ParsedEmail:
    sender: str
    date: str
    subject: str
    body: str
    attachments: list[Upload]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")


def _html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return html.unescape(re.sub(r"\n{3,}", "\n\n", "".join(parser.parts))).strip()


def parse_eml(data: bytes) -> ParsedEmail:
    """Sender, date, subject, body (plain text, or the HTML part as text) and attachments of an e-mail."""
    if len(data) > EML_MAX:
        raise RegistrationError(gettext("Dit e-mailbestand is te groot."), field="original")
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not message.keys():
        raise RegistrationError(gettext("Dit bestand lijkt geen e-mail (.eml). Kies het bestand opnieuw."), field="original")
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        content = body_part.get_content()
        body = _html_to_text(content) if body_part.get_content_type() == "text/html" else str(content)
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        name = part.get_filename() or "bijlage"
        attachments.append(Upload(filename=name, stream=io.BytesIO(payload)))
    sent = message.get("Date", "")
    try:
        moment = email.utils.parsedate_to_datetime(sent) if sent else None
    except (TypeError, ValueError):
        moment = None
    return ParsedEmail(
        sender=str(message.get("From", "")).strip()[:DETAIL_MAX],
        date=moment.astimezone(timezone.utc).isoformat() if moment else str(sent)[:DETAIL_MAX],
        subject=str(message.get("Subject", "")).strip()[:DETAIL_MAX],
        body=body.strip(),
        attachments=attachments,
    )


def _email_text(parsed: ParsedEmail) -> str:
    lines = [f"Van: {parsed.sender}" if parsed.sender else "", f"Datum: {parsed.date}" if parsed.date else "",
             f"Onderwerp: {parsed.subject}" if parsed.subject else ""]
    header = "\n".join(line for line in lines if line)
    return f"{header}\n\n{parsed.body}".strip()


def _clean(value: str | None, field_name: str) -> str | None:
    text = (value or "").strip()
    if len(text) > DETAIL_MAX:
        raise RegistrationError(gettext("Dit is te lang: hoogstens %(maximum)s tekens.", maximum=DETAIL_MAX), field=field_name)
    return text or None


def register_signal(
    session: Session,
    *,
    keyring: Keyring,
    actor: User,
    track: str,
    registration: Registration,
    original: Upload | None = None,
    uploads: Sequence[Upload] = (),
    upload_settings: UploadSettings | None = None,
    today: date | None = None,
) -> Signal:
    """File a signal for a source outside the form; the handler's track decides the signal's track.

    An ``.eml`` original is parsed (sender, date, subject and body into the description; its
    attachments are stored too); any other original is stored as it is. Raises ``IntakeError``.
    """
    channel = registration.channel
    if channel in NOT_REGISTERED_HERE or not is_known_code(session, kind=TermKind.CHANNEL, code=channel):
        raise RegistrationError(gettext("Kies hoe de melding binnenkwam."), field="channel")
    return _file_registration(session, keyring=keyring, actor=actor, track=track, registration=registration,
                              original=original, uploads=uploads, upload_settings=upload_settings, today=today)


def _file_registration(
    session: Session,
    *,
    keyring: Keyring,
    actor: User,
    track: str,
    registration: Registration,
    original: Upload | None,
    uploads: Sequence[Upload],
    upload_settings: UploadSettings | None,
    today: date | None,
) -> Signal:
    channel = registration.channel
    today = today or datetime.now(timezone.utc).date()
    if registration.received_on > today:
        raise RegistrationError(gettext("Deze datum ligt in de toekomst."), field="received_on")
    if registration.organisation not in {o.value for o in Organisation}:
        raise RegistrationError(gettext("Kies wie de melding doorgaf."), field="organisation")
    if registration.feedback not in {f.value for f in SourceFeedback}:
        raise RegistrationError(gettext("Kies of de bron iets wil terughoren."), field="feedback")
    details = {
        "organisation_name": _clean(registration.organisation_name, "organisation_name"),
        "contact_person": _clean(registration.contact_person, "contact_person"),
        "feedback_contact": _clean(registration.feedback_contact, "feedback_contact"),
        **{k: v for k, v in registration.extra.items() if v},
    }
    description = (registration.description or "").strip()
    files: list[Upload] = []
    if original is not None:
        data = original.stream.read()
        if original.filename.lower().endswith(".eml"):
            parsed = parse_eml(data)
            details.update({"email_from": parsed.sender, "email_date": parsed.date, "email_subject": parsed.subject})
            text = _email_text(parsed)
            description = f"{description}\n\n--- E-mail ---\n{text}".strip() if description else text
            files = [Upload(filename=original.filename, stream=io.BytesIO(data)), *parsed.attachments]
        else:
            files = [Upload(filename=original.filename, stream=io.BytesIO(data))]
    if not description:
        raise RegistrationError(gettext("Beschrijf wat er gemeld is, of voeg de e-mail (.eml) toe."), field="description")
    if len(description) > DESCRIPTION_MAX:
        raise RegistrationError(gettext("De beschrijving is te lang (hoogstens %(maximum)s tekens).", maximum=DESCRIPTION_MAX), field="description")
    files += list(uploads)
    if upload_settings is not None and len(files) > upload_settings.max_files * 2:
        raise RegistrationError(gettext("Hoogstens %(number)s bestanden, de bijlagen van de e-mail meegeteld.", number=upload_settings.max_files * 2),
                                field="original")
    channel_label = term_labels(session, kind=TermKind.CHANNEL).get(channel, channel)
    report = ReportInput(
        description=description, channel=channel, received_on=registration.received_on,
        phenomenon_code=registration.phenomenon_code or None, process_code=registration.process_code or None,
        feels_unsafe=registration.feels_unsafe, about_colleague=track == Track.INTEGRITY.value,
        location=registration.location, occurred_text=registration.occurred_text,
        wants_feedback=False,  # feedback to an outside source goes the way it asked for, not through the app
    )
    settings = upload_settings
    if files and settings is not None:
        settings = _with_room(settings, len(files))
    signal = file_signal(
        session, keyring=keyring, reporter=None, description=description, report=report, uploads=files,
        upload_settings=settings, registered_by=actor,
        first_note=f"Geregistreerd door de behandelaar. Binnengekomen via: {channel_label}, "
                   f"op {registration.received_on.strftime('%d-%m-%Y')}.",
    )
    source = SignalSource(signal_id=signal.id, organisation=registration.organisation,
                          feedback=registration.feedback, registered_by_id=actor.id)
    cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    session.add(source)
    seal_json(cipher, source, "details", {k: v for k, v in details.items() if v} or None)
    session.flush()
    return signal


def _with_room(settings: UploadSettings, count: int) -> UploadSettings:
    """The upload settings, allowing the e-mail's own attachments besides the original."""
    from dataclasses import replace

    return replace(settings, max_files=max(settings.max_files, count))


@dataclass(frozen=True)
class SourceView:
    """The registration as the handler reads it (decrypted)."""

    channel: str
    received_on: date | None
    organisation: str
    feedback: str
    details: dict
    registered_by: str | None
    shredded: bool = False


def read_source(session: Session, *, keyring: Keyring, signal: Signal) -> SourceView | None:
    source = session.get(SignalSource, signal.id)
    if source is None:
        return None
    labels = term_labels(session, kind=TermKind.CHANNEL)
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
        details, shredded = unseal_json(cipher, source, "details") or {}, False
    except ShreddedError:
        details, shredded = {}, True
    return SourceView(
        channel=labels.get(signal.channel, signal.channel), received_on=signal.received_on,
        organisation=ORGANISATION_LABELS.get(Organisation(source.organisation), source.organisation),
        feedback=FEEDBACK_LABELS.get(SourceFeedback(source.feedback), source.feedback), details=details,
        registered_by=source.registered_by.name if source.registered_by else None, shredded=shredded,
    )


# ---------------------------------------------------------------------------- Meld Misdaad Anoniem

#: The usual layout of a Meld Misdaad Anoniem tip: "Label: value" lines; the description may run on.
MMA_LABELS = {
    "tipnummer": "number", "meldingnummer": "number", "meldingsnummer": "number", "kenmerk": "number",
    "datum": "date", "datum melding": "date", "datum tip": "date",
    "plaats": "place", "pleegplaats": "place", "locatie": "place", "adres": "place", "gemeente": "place",
    "pleegdatum": "when", "tijdstip": "when", "wanneer": "when",
    "soort": "kind", "categorie": "kind", "delict": "kind", "onderwerp": "kind",
    "omschrijving": "text", "melding": "text", "tekst": "text", "inhoud": "text", "toelichting": "text",
}
_LINE = re.compile(r"^\s*([A-Za-zÀ-ÿ ]{3,30})\s*:\s*(.*)$")


@dataclass(frozen=True)
class MmaTip:
    number: str | None
    date: str | None
    place: str | None
    when: str | None
    kind: str | None
    text: str


def parse_mma_tip(raw: str) -> MmaTip:
    """The key fields of a pasted tip ("Tipnummer: …", "Plaats: …", "Omschrijving: …"); the description
    is the "Omschrijving" with every line after it, or else the whole text."""
    found: dict[str, str] = {}
    text_lines: list[str] = []
    in_text = False
    for line in (raw or "").splitlines():
        match = _LINE.match(line)
        key = MMA_LABELS.get(match.group(1).strip().lower()) if match else None
        if key == "text":
            in_text = True
            text_lines.append(match.group(2))
        elif key is not None and not in_text:
            found.setdefault(key, match.group(2).strip()[:DETAIL_MAX])
        elif in_text:
            text_lines.append(line)
    text = "\n".join(text_lines).strip() or (raw or "").strip()
    return MmaTip(number=found.get("number") or None, date=found.get("date") or None, place=found.get("place") or None,
                  when=found.get("when") or None, kind=found.get("kind") or None, text=text)


def import_mma_tip(
    session: Session,
    *,
    keyring: Keyring,
    actor: User,
    track: str,
    raw_text: str,
    received_on: date,
    original: Upload | None = None,
    phenomenon_code: str | None = None,
    process_code: str | None = None,
    upload_settings: UploadSettings | None = None,
    today: date | None = None,
) -> Signal:
    """A Meld Misdaad Anoniem tip: anonymous, with no way back to the tipgever (no receipt code, no feedback).

    The pasted text is parsed (``parse_mma_tip``); their PDF or text file is kept as an encrypted attachment.
    """
    tip = parse_mma_tip(raw_text)
    if not tip.text:
        raise RegistrationError(gettext("Plak de tekst van de tip, of typ de kern ervan over."), field="raw_text")
    registration = Registration(
        channel="mma", received_on=received_on, description=tip.text, organisation=Organisation.MMA.value,
        feedback=SourceFeedback.NONE.value, phenomenon_code=phenomenon_code, process_code=process_code,
        location=tip.place, occurred_text=tip.when,
        extra={k: v for k, v in {"mma_number": tip.number, "mma_date": tip.date, "mma_kind": tip.kind}.items() if v},
    )
    return _file_registration(session, keyring=keyring, actor=actor, track=track, registration=registration,
                              original=original, uploads=(), upload_settings=upload_settings, today=today)
