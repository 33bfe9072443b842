"""Rights of data subjects (AVG): a beheerder records a request, a second beheerder decides, and only
then does anything happen.

- ``inzage`` (a reporter): everything stored about that reporter (account, their meldingen as they gave
  them, messages, notices) as a PDF and a JSON file in an AES-256 zip. The password is shown once to the
  approver and stored nowhere; before the approval there is no export at all.
- ``correctie``: the reporter's account name and e-mail address are corrected.
- ``wissen``: the reporter's identity link is removed from their meldingen (the meldingen stay, now
  without a reporter, contact details or e-mail feedback), refused while a legal hold applies.
- ``betrokkene``: a person named in meldingen; their right of access is limited by law, so only the
  request and the decision are recorded. Nothing is exported automatically.

This module lives here, not in ``meldpunt.admin``: the beheerder's package never touches the vault.
"""

from __future__ import annotations

import io
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyzipper
from flask import render_template
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.intake.models import Message, MessageSender
from meldpunt.signals.models import Signal
from meldpunt.retention.models import RequestKind, RequestState, RightsRequest
from meldpunt.retention.service import MAX_REASON, local_date
from meldpunt.vault.service import ShreddedError, cipher_for, create_data_key, seal_json, unseal, unseal_json, seal

#: Unambiguous characters for the export password (no 0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class RightsError(ValueError):
    """Refused; the message is Dutch. ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str = "details") -> None:
        super().__init__(message)
        self.field = field


def _user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def record_request(
    session: Session, *, keyring: Keyring, actor: User, kind: str, reporter_email: str | None, details: str,
    new_name: str | None = None, new_email: str | None = None, origin: str = "",
) -> RightsRequest:
    try:
        kind_enum = RequestKind(kind)
    except ValueError:
        raise RightsError(gettext("Kies de soort verzoek."), "kind") from None
    text = (details or "").strip()
    if not text or len(text) > MAX_REASON:
        raise RightsError(gettext("Beschrijf het verzoek (hoogstens 1000 tekens)."))
    reporter = None
    if kind_enum != RequestKind.SUBJECT:
        if not (reporter_email or "").strip():
            raise RightsError(gettext("Vul het e-mailadres van de melder in."), "reporter_email")
        reporter = _user_by_email(session, reporter_email or "")
        if reporter is None:
            raise RightsError(gettext("Er is geen account met dit e-mailadres."), "reporter_email")
    correction = {}
    if kind_enum == RequestKind.CORRECTION:
        if (new_name or "").strip():
            correction["new_name"] = new_name.strip()
        if (new_email or "").strip():
            correction["new_email"] = new_email.strip()
        if not correction:
            raise RightsError(gettext("Vul bij een correctie een nieuwe naam of een nieuw e-mailadres in."), "new_name")
    data_key, cipher = create_data_key(session, keyring=keyring)
    session.flush()  # the key row first: the request refers to it
    item = RightsRequest(id=uuid.uuid4(), kind=kind_enum.value, state=RequestState.RECORDED.value,
                         reporter_id=reporter.id if reporter else None, data_key_id=data_key.id,
                         recorded_by_id=actor.id)
    seal_json(cipher, item, "details", {"details": text, **correction})
    session.add(item)
    session.flush()
    record(session, action="rights.record", actor_id=actor.id, actor_label=actor.email, origin=origin,
           object_type="rights_request", object_id=item.id, details={"kind": kind_enum.value})
    return item


def list_requests(session: Session) -> list[RightsRequest]:
    return list(session.scalars(select(RightsRequest).order_by(RightsRequest.recorded_at.desc())))


@dataclass(frozen=True)
class RequestSummary:
    details: str
    new_name: str | None
    new_email: str | None
    decision: str | None
    reporter_email: str | None


def read_request(session: Session, *, keyring: Keyring, item: RightsRequest) -> RequestSummary:
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=item.data_key_id)
    except ShreddedError:
        return RequestSummary("Verwijderd", None, None, None, None)
    data = unseal_json(cipher, item, "details") or {}
    return RequestSummary(data.get("details", ""), data.get("new_name"), data.get("new_email"),
                          unseal(cipher, item, "decision"), item.reporter.email if item.reporter else None)


def decide_request(
    session: Session, *, keyring: Keyring, item: RightsRequest, actor: User, approve: bool, note: str, settings: Any,
    origin: str = "",
) -> str | None:
    """Approve (and carry out) or reject. Returns the export password for an approved inzage, else None."""
    if item.state != RequestState.RECORDED.value:
        raise RightsError(gettext("Over dit verzoek is al beslist."))
    if item.recorded_by_id == actor.id:
        raise RightsError(gettext("U heeft dit verzoek zelf vastgelegd. Een andere beheerder moet beslissen."))
    cipher = cipher_for(session, keyring=keyring, data_key_id=item.data_key_id)
    details = unseal_json(cipher, item, "details") or {}
    password = None
    if approve:
        reporter = session.get(User, item.reporter_id) if item.reporter_id is not None else None
        kind = item.kind_enum
        if kind != RequestKind.SUBJECT and reporter is None:
            raise RightsError(gettext("Het account van de melder bestaat niet meer."))
        if kind == RequestKind.ACCESS:
            password = _make_export(session, keyring=keyring, item=item, reporter=reporter, settings=settings)
            record(session, action="rights.export", actor_id=actor.id, actor_label=actor.email, origin=origin,
                   object_type="rights_request", object_id=item.id)
        elif kind == RequestKind.CORRECTION:
            _correct(session, reporter=reporter, details=details, actor=actor, item=item, origin=origin)
        elif kind == RequestKind.ERASURE:
            _erase_identity(session, reporter=reporter, actor=actor, item=item, origin=origin)
    item.state = (RequestState.APPROVED if approve else RequestState.REJECTED).value
    item.decided_by_id, item.decided_at = actor.id, utcnow()
    seal(cipher, item, "decision", (note or "").strip()[:MAX_REASON] or None)
    session.flush()
    record(session, action="rights.approve" if approve else "rights.reject", actor_id=actor.id,
           actor_label=actor.email, origin=origin, object_type="rights_request", object_id=item.id,
           details={"kind": item.kind})
    return password


# ------------------------------------------------------------------------------------------- correction, erasure


def _correct(session: Session, *, reporter: User, details: dict, actor: User, item: RightsRequest, origin: str) -> None:
    changed = []
    if details.get("new_email"):
        other = _user_by_email(session, details["new_email"])
        if other is not None and other.id != reporter.id:
            raise RightsError(gettext("Dit e-mailadres hoort al bij een ander account."))
        reporter.email = details["new_email"].lower()
        changed.append("email")
    if details.get("new_name"):
        reporter.name = details["new_name"]
        changed.append("name")
    session.flush()
    record(session, action="rights.correct", actor_id=actor.id, actor_label=actor.email, origin=origin,
           object_type="user", object_id=reporter.id, details={"fields": changed, "request": str(item.id)})


def held_signals(session: Session, *, signal_ids: list[uuid.UUID], today) -> list[str]:
    """References of these signals under an active legal hold (on the signal or its casus)."""
    if not signal_ids:
        return []
    from meldpunt.retention.service import held_condition

    return list(session.scalars(select(Signal.reference).where(Signal.id.in_(signal_ids), held_condition(today))))


def _erase_identity(session: Session, *, reporter: User, actor: User, item: RightsRequest, origin: str) -> None:
    signals = list(session.scalars(select(Signal).where(Signal.reporter_id == reporter.id)))
    held = held_signals(session, signal_ids=[s.id for s in signals], today=local_date(utcnow()))
    if held:
        raise RightsError("Dit kan nu niet: er geldt een juridische bewaarplicht op " + ", ".join(sorted(held)) + ".")
    erased_at = utcnow()
    for signal in signals:
        signal.reporter_id = None
        signal.reporter_erased_at = erased_at  # the handler's page says so; never "Anoniem"
        signal.contact_ct = None  # how the reporter wanted to be reached
        signal.feedback_by_email = False
    if signals:
        session.execute(update(Message).where(Message.signal_id.in_([s.id for s in signals]),
                                              Message.author_id == reporter.id)
                        .values(author_id=None).execution_options(synchronize_session=False))
    session.flush()
    record(session, action="rights.erase", actor_id=actor.id, actor_label=actor.email, origin=origin,
           object_type="rights_request", object_id=item.id, details={"signals": len(signals)})


# ------------------------------------------------------------------------------------------- inzage export


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def collect_reporter_data(session: Session, *, keyring: Keyring, reporter: User) -> dict[str, Any]:
    """Everything stored about ``reporter``, as they gave it or were sent it. Persons they named in a
    melding are other people's data (AVG art. 15 lid 4) and are left out; handlers' notes too."""
    from meldpunt.feedback.service import feedback_history, inbox
    from meldpunt.intake.messages import list_messages
    from meldpunt.intake.service import read_signal_content

    meldingen = []
    for signal in session.scalars(select(Signal).where(Signal.reporter_id == reporter.id)
                                  .order_by(Signal.created_at, Signal.id)):
        content = read_signal_content(session, keyring=keyring, signal=signal)
        meldingen.append({
            "kenmerk": signal.reference,
            "status": signal.status_enum.label,
            "ontvangen": _iso(signal.created_at),
            "afgesloten": _iso(signal.closed_at),
            "verwijderd": content.shredded,
            "wat": content.description,
            "waar": content.location,
            "wanneer": content.occurred_label,
            "relatie": content.relation_label,
            "contact": content.contact,
            "bijlagen": [name for _attachment, name in content.attachments],
            "berichten": [{"van": "melder" if m.sender == MessageSender.REPORTER.value else "behandelaar",
                           "datum": _iso(m.created_at), "tekst": m.body}
                          for m in list_messages(session, keyring=keyring, signal=signal)],
            "terugkoppeling": [{"datum": _iso(f.created_at), "soort": f.title, "tekst": f.text}
                               for f in feedback_history(session, keyring=keyring, signal=signal)],
        })
    return {
        "account": {"naam": reporter.name, "e-mailadres": reporter.email, "rol": reporter.role,
                    "afdeling": reporter.department, "aangemaakt": _iso(reporter.created_at),
                    "laatst_ingelogd": _iso(reporter.last_login_at)},
        "meldingen": meldingen,
        "berichten_in_postvak": [{"datum": _iso(n.created_at), "soort": n.title, "kenmerk": n.reference}
                                 for n in inbox(session, user=reporter, limit=10_000)],
    }


def make_password() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(24))
    return "-".join(raw[i:i + 4] for i in range(0, 24, 4))


def build_archive(data: dict[str, Any], *, password: str, pdf: bytes | None) -> bytes:
    """An AES-256 zip (opens in 7-Zip, WinZip, macOS Archive Utility with the password)."""
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        archive.writestr("inzage.json", json.dumps(data, ensure_ascii=False, indent=2))
        if pdf is not None:
            archive.writestr("inzage.pdf", pdf)
    return buffer.getvalue()


def _make_export(session: Session, *, keyring: Keyring, item: RightsRequest, reporter: User, settings: Any) -> str:
    from meldpunt.documents.pdf import pdf_available, render_pdf

    data = collect_reporter_data(session, keyring=keyring, reporter=reporter)
    pdf = None
    if pdf_available():
        html = render_template("retention/inzage_pdf.html", data=data, organisation=settings.organisation,
                               made_on=local_date(utcnow()))
        pdf = render_pdf(html)
    password = make_password()
    item.export_ct = build_archive(data, password=password, pdf=pdf)
    return password


def open_archive(blob: bytes, *, password: str) -> dict[str, bytes]:
    """The files in an export (for tests and for the beheerder who checks one)."""
    with pyzipper.AESZipFile(io.BytesIO(blob)) as archive:
        archive.setpassword(password.encode())
        return {name: archive.read(name) for name in archive.namelist()}
