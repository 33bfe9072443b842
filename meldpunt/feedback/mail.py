"""Compose and send notice e-mails.

An e-mail only says that there is news on melding MO-… (or, to staff, that a request for rights
awaits their decision, that a meeting's agenda is ready — with an invite naming the meeting type and
time only —, or that an action passed its deadline) and where to read it. It never
carries the signal's content, its subject, its status, the feedback text, or the reporter's
name: whoever reads the mailbox (or the relay's logs) learns nothing beyond the reference (handlers'
reminders). E-mails to reporters carry no reference at all: an MI number would reveal the integrity track.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from flask import render_template
from flask_babel import force_locale, gettext

from meldpunt.config import MailSettings


@dataclass(frozen=True)
class NoticeMail:
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    #: (filename, MIME type, bytes): the iCalendar invite of an agenda notice.
    attachment: tuple[str, str, bytes] | None = None


def message_id_for(notice_id: int, *, base_url: str) -> str:
    """A stable Message-ID per notice: a duplicate (see docs/feedback.md) carries the same id."""
    from urllib.parse import urlsplit

    domain = urlsplit(base_url).hostname or "meldpunt.local"
    return f"<notice-{notice_id}@{domain}>"


def compose_notice_mail(
    *, notice_id: int, reference: str, to: str, for_handler: bool, base_url: str, organisation: str,
    about_grant: bool = False,
    about_measure: bool = False,
    meeting_kind: str | None = None,
    attachment: tuple[str, str, bytes] | None = None,
    about_reply: bool = False,
    language: str = "nl",
) -> NoticeMail:
    """The e-mail for one notice, rendered from templates/email/ (text and HTML).

    ``about_grant``: a role grant awaits the recipient's decision; the mail names no account and no role.
    ``about_measure``: an improvement measure of the recipient is overdue; the mail names no measure.
    ``meeting_kind``: ``agenda`` (with the iCalendar ``attachment``: meeting type and time only) or
    ``actie_verlopen``; the mail names no case, item, subject or action.
    ``language``: the recipient's (``nl`` or ``en``); subject and text are in it.
    """
    with force_locale(language):
        return _compose(
            notice_id=notice_id, reference=reference, to=to, for_handler=for_handler, base_url=base_url,
            organisation=organisation, about_grant=about_grant, about_measure=about_measure,
            meeting_kind=meeting_kind, attachment=attachment, about_reply=about_reply,
        )


def _compose(
    *, notice_id: int, reference: str, to: str, for_handler: bool, base_url: str, organisation: str,
    about_grant: bool, about_measure: bool, meeting_kind: str | None, attachment: tuple[str, str, bytes] | None,
    about_reply: bool,
) -> NoticeMail:
    if meeting_kind == "agenda":
        template, subject = "email/meeting_agenda", gettext("De agenda van een overleg staat klaar")
    elif meeting_kind == "actie_verlopen":
        template, subject = "email/action_overdue", gettext("Een actie uit een overleg is over de datum")
    elif about_grant:
        template, subject = "email/grant_request", gettext("Een verzoek om rechten wacht op uw besluit")
    elif about_measure:
        template, subject = "email/measure_due", gettext("Een verbetermaatregel van u is over de termijn")
    elif about_reply:
        # No reference: the mail only says that a reporter wrote (issue 22 item 2).
        template, subject = "email/reporter_reply", gettext("Nieuw bericht van een melder")
    elif for_handler:
        template, subject = "email/handler_reminder", gettext("Herinnering over melding %(reference)s", reference=reference)
    else:
        # No reference: an MI number would tell whoever reads the mailbox that the reporter reported a colleague.
        template, subject = "email/reporter_news", gettext("Nieuws over uw melding")
    context = {"reference": reference, "base_url": base_url, "organisation": organisation, "subject": subject}
    return NoticeMail(
        to=to,
        subject=subject,
        text=render_template(f"{template}.txt", **context),
        html=render_template(f"{template}.html", **context),
        message_id=message_id_for(notice_id, base_url=base_url),
        attachment=attachment,
    )


def build_message(mail: NoticeMail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    if mail.attachment is not None:
        filename, mime, content = mail.attachment
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


#: A kept SMTP connection idle longer than this is closed rather than reused (relays drop idle ones).
SMTP_IDLE_SECONDS = 30.0


class _SmtpConnections(threading.local):
    """The SMTP connection a worker keeps between notices: one per thread (a solo worker has one)."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.key: tuple | None = None
        self.last_used = 0.0
        self.pid = 0

    def take(self, key: tuple) -> smtplib.SMTP | None:
        """The kept connection for ``key`` if it still answers ``NOOP``; otherwise None (and it is closed)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return None
        if self.key != key or self.pid != os.getpid() or time.monotonic() - self.last_used > SMTP_IDLE_SECONDS:
            _close(smtp, polite=self.pid == os.getpid())
            return None
        try:
            code, _ = smtp.noop()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            _close(smtp, polite=False)
            return None
        return smtp

    def keep(self, key: tuple, smtp: smtplib.SMTP) -> None:
        self.smtp, self.key, self.last_used, self.pid = smtp, key, time.monotonic(), os.getpid()


_connections = _SmtpConnections()


def _close(smtp: smtplib.SMTP, *, polite: bool) -> None:
    try:
        if polite:
            smtp.quit()
        else:
            smtp.close()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_mail(settings: MailSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP relay; raises ``smtplib.SMTPException``/``OSError`` on failure.

    The connection is kept for the next message of this worker (connect, ``EHLO``, ``STARTTLS`` and
    ``AUTH`` once, not per notice). Before reuse it must answer ``NOOP``; if not, a new one is made.
    A message is never sent twice here: any failure while sending closes the connection and raises,
    and the caller's retry (with its claim, see ``outbox._deliver_email``) decides what happens next.
    """
    key = (settings.host, settings.port, settings.use_tls, settings.username)
    smtp = _connections.take(key) or _connect(settings)
    try:
        smtp.send_message(message)
    except BaseException:
        _close(smtp, polite=False)
        raise
    _connections.keep(key, smtp)


def close_kept_connection() -> None:
    """Say ``QUIT`` on the kept connection (worker shutdown; tests)."""
    smtp, _connections.smtp = _connections.smtp, None
    if smtp is not None:
        _close(smtp, polite=_connections.pid == os.getpid())
