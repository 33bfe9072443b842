"""Two-way messages between the handler and the reporter on one signal, encrypted like the rest."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from flask_babel import gettext

from meldpunt.audit.service import record, record_anonymous, record_reporter_action
from meldpunt.auth.models import User
from meldpunt.vault.keys import Keyring
from meldpunt.database import utc_hour, utcnow
from meldpunt.feedback.models import NoticeKind
from meldpunt.feedback.service import queue_notice
from meldpunt.intake.models import Message, MessageSender
from meldpunt.signals.models import Signal
from meldpunt.vault.service import ShreddedError, cipher_for, field_reader, seal

MESSAGE_MAX = 10_000


class MessageError(ValueError):
    """A message that cannot be posted; the message text is Dutch."""


def post_message(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    sender: MessageSender,
    author: User | None,
    body: str,
) -> Message:
    """Store one encrypted message; a handler's message queues a ``NoticeKind.MESSAGE`` notice.

    ``author`` is None for the reporter of an anonymous signal: no account, no
    request metadata is kept with the message or its audit entry, the message is stamped
    with the hour (``anonymous_message_time``) and the audit entry waits for the hour to end.
    """
    body = (body or "").strip()
    if not body:
        raise MessageError(gettext("Schrijf eerst uw bericht."))
    if len(body) > MESSAGE_MAX:
        raise MessageError(gettext("Uw bericht is te lang: hoogstens %(limit)s tekens.", limit=f"{MESSAGE_MAX:,}".replace(",", ".")))
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        raise MessageError(gettext("Deze melding is verwijderd. U kunt er geen bericht meer bij plaatsen.")) from None
    sender = MessageSender(sender)
    anonymous_reporter = sender == MessageSender.REPORTER and signal.is_anonymous
    if anonymous_reporter:
        author = None
    message = Message(
        id=uuid.uuid4(), signal_id=signal.id, sender=sender.value, author_id=author.id if author else None,
        created_at=anonymous_message_time(session, signal=signal) if anonymous_reporter else utcnow(),
    )
    seal(cipher, message, "body", body)
    session.add(message)
    session.flush()
    if sender == MessageSender.HANDLER:
        queue_notice(session, signal=signal, kind=NoticeKind.MESSAGE)
    details = {"message": str(message.id), "sender": sender.value}
    if anonymous_reporter:
        record_anonymous(session, action="message.post", object_type="signal", object_id=signal.id, details=details)
    elif sender == MessageSender.REPORTER:  # the reporter's own melding: under its pseudonym, never the account
        record_reporter_action(session, action="message.post", signal_id=signal.id, details=details)
    else:
        record(session, action="message.post", actor_id=author.id if author else None,
               actor_label=author.email if author else "anoniem", object_type="signal", object_id=signal.id,
               details=details)
    return message


def anonymous_message_time(session: Session, *, signal: Signal, now: datetime | None = None) -> datetime:
    """The time stored for an anonymous reporter's message: the hour, but never before the newest message.

    Rounded down to the hour like everything an anonymous reporter does; moved to just after
    the newest message of the conversation when that one is later, so an answer never sorts
    above the question. That tells no more than the order of the conversation already does.
    """
    stamp = utc_hour(now)
    newest = session.scalar(select(func.max(Message.created_at)).where(Message.signal_id == signal.id))
    if newest is not None:
        newest = newest if newest.tzinfo is not None else newest.replace(tzinfo=timezone.utc)
        stamp = max(stamp, newest + timedelta(microseconds=1))
    return stamp


@dataclass(frozen=True)
class MessageView:
    """A decrypted message for display (``body`` is "Verwijderd." when shredded)."""

    id: uuid.UUID
    sender: str
    created_at: datetime
    body: str
    author_name: str | None

    @property
    def from_reporter(self) -> bool:
        return self.sender == MessageSender.REPORTER.value


def list_messages(session: Session, *, keyring: Keyring, signal: Signal) -> list[MessageView]:
    """The signal's messages, oldest first, decrypted."""
    rows = session.scalars(
        select(Message).where(Message.signal_id == signal.id).order_by(Message.created_at, Message.id)
    ).all()
    read = field_reader(session, keyring=keyring, data_key_id=signal.data_key_id)
    return [
        MessageView(
            id=m.id, sender=m.sender, created_at=m.created_at,
            body=read(m, "body") or "",
            author_name=m.author.name if m.author is not None else None,
        )
        for m in rows
    ]
