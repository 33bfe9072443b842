"""Content-free notices about meetings, the iCalendar invite, and the agenda packs made by a Celery task.

- Sending the agenda: every member gets an ``agenda`` notice (in-app and e-mail) with an
  iCalendar invite that names the meeting type and the time only — no place, no items, no names.
- Overdue actions: once a day (Celery beat) the owner of each open action whose deadline passed gets
  one ``actie_verlopen`` notice; the mail says only that an action is over its date.
- Packs: after the agenda is sent, ``workers.meetings.make_packs`` renders one watermarked PDF per
  member (and the chair), encrypted under the meeting's key; the chair sees the progress and can retry
  the packs that failed. Notices and task messages carry ids only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.auth.models import User
from meldpunt.config import Settings
from meldpunt.vault.keys import Keyring
from meldpunt.database import savepoint_released, utcnow
from meldpunt.feedback.models import Notice, NoticeKind
from meldpunt.feedback.outbox import MAIL_ATTACHMENTS
from meldpunt.meetings.models import (
    OPEN_ACTION_STATUSES,
    Meeting,
    MeetingAction,
    MeetingPack,
    MeetingState,
    PackState,
)
from meldpunt.meetings.service import MeetingError, _audit, _require_not_closed, as_utc

log = logging.getLogger("meldpunt.meetings.notices")

PACK_TASK = "workers.meetings.make_packs"
_PACKS_KEY = "meldpunt.meetings.pack_jobs"


# ---------------------------------------------------------------------------- the invite


def invite_ics(meeting: Meeting, *, base_url: str, now: datetime | None = None) -> bytes:
    """An iCalendar invite with the meeting type and time only (no place, no agenda, no names)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Meldpunt ondermijning//Overleg//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    domain = urlsplit(base_url).hostname or "meldpunt.local"
    start = as_utc(meeting.starts_at)
    event.add("uid", f"meeting-{meeting.id}@{domain}")
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.duration_minutes))
    event.add("summary", meeting.type.name)
    calendar.add_component(event)
    return calendar.to_ical()


def agenda_invite(session: Session, *, notice: Notice, settings: Settings) -> tuple[str, str, bytes] | None:
    """The calendar invite the e-mail of an agenda notice carries (see ``meldpunt.feedback.outbox``)."""
    if notice.meeting_id is None:
        return None
    meeting = session.get(Meeting, notice.meeting_id)
    return "overleg.ics", "text/calendar", invite_ics(meeting, base_url=settings.base_url)


MAIL_ATTACHMENTS[NoticeKind.AGENDA_SENT.value] = agenda_invite


# ---------------------------------------------------------------------------- sending the agenda


def send_agenda(session: Session, *, meeting: Meeting, actor: User, now: datetime | None = None) -> int:
    """Notify every member (content-free, in-app and e-mail with the invite) and queue the packs.

    Sending again (after a change) notifies again and makes the packs anew. Returns how many members.
    """
    _require_not_closed(meeting)
    if not meeting.members:
        raise MeetingError(gettext("Voeg eerst leden toe."))
    if not meeting.items:
        raise MeetingError(gettext("De agenda is nog leeg."))
    now = now or utcnow()
    for member in meeting.members:
        session.add(Notice(meeting_id=meeting.id, kind=NoticeKind.AGENDA_SENT.value,
                           recipient_user_id=member.user_id))
    meeting.agenda_sent_at = now
    if meeting.state == MeetingState.PLANNED.value:
        meeting.state = MeetingState.AGENDA_SENT.value
    request_packs(session, meeting=meeting, now=now)
    _audit(session, actor, "meeting.send_agenda", "meeting", meeting.id, members=len(meeting.members))
    session.flush()
    return len(meeting.members)


# ---------------------------------------------------------------------------- packs (Celery)


def request_packs(session: Session, *, meeting: Meeting, now: datetime | None = None,
                  only_failed: bool = False) -> int:
    """Mark the packs of every member (and the chair) to be made; the task is published after commit."""
    now = now or utcnow()
    rows = {p.user_id: p for p in session.scalars(select(MeetingPack).where(MeetingPack.meeting_id == meeting.id))}
    wanted = [meeting.chair_id] + [m.user_id for m in meeting.members]
    count = 0
    for user_id in wanted:
        row = rows.get(user_id)
        if only_failed and (row is None or row.state != PackState.FAILED.value):
            continue
        if row is None:
            row = MeetingPack(meeting_id=meeting.id, user_id=user_id)
            session.add(row)
        row.state, row.pdf_ct, row.error, row.made_at, row.requested_at = PackState.WAITING.value, None, None, None, now
        count += 1
    session.flush()
    if count:
        session.info.setdefault(_PACKS_KEY, set()).add(str(meeting.id))
    return count


def retry_failed_packs(session: Session, *, meeting: Meeting, actor: User) -> int:
    count = request_packs(session, meeting=meeting, only_failed=True)
    if not count:
        raise MeetingError(gettext("Er zijn geen mislukte stukken om opnieuw te maken."))
    _audit(session, actor, "meeting.retry_packs", "meeting", meeting.id, packs=count)
    return count


@dataclass(frozen=True)
class PackProgress:
    total: int
    ready: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.total - self.ready - self.failed


def pack_progress(session: Session, *, meeting: Meeting) -> PackProgress:
    states = list(session.scalars(select(MeetingPack.state).where(MeetingPack.meeting_id == meeting.id)))
    return PackProgress(len(states), states.count(PackState.READY.value), states.count(PackState.FAILED.value))


def make_pack(session: Session, *, keyring: Keyring, pack: MeetingPack, render) -> None:
    """Render one member's pack with ``render(meeting, user) -> bytes`` and store it encrypted (the task commits)."""
    from meldpunt.meetings.outcomes import meeting_cipher

    meeting = session.get(Meeting, pack.meeting_id)
    user = session.get(User, pack.user_id)
    pack.attempts += 1
    pdf = render(meeting, user)
    cipher = meeting_cipher(session, keyring=keyring, meeting=meeting)
    pack.pdf_ct = cipher.encrypt(pdf, table=MeetingPack.__tablename__, column="pdf", row_id=str(pack.id))
    pack.state, pack.made_at, pack.error = PackState.READY.value, utcnow(), None


def stored_pack(session: Session, *, keyring: Keyring, meeting: Meeting, user: User) -> bytes | None:
    """The pack made by the task, when it is still current (newer than the last change, minutes not approved)."""
    from meldpunt.meetings.outcomes import meeting_cipher

    if meeting.state == MeetingState.MINUTES_APPROVED.value:
        return None
    pack = session.scalar(select(MeetingPack).where(MeetingPack.meeting_id == meeting.id,
                                                    MeetingPack.user_id == user.id,
                                                    MeetingPack.state == PackState.READY.value))
    if pack is None or as_utc(pack.made_at) < as_utc(meeting.updated_at):
        return None
    cipher = meeting_cipher(session, keyring=keyring, meeting=meeting)
    return cipher.decrypt(pack.pdf_ct, table=MeetingPack.__tablename__, column="pdf", row_id=str(pack.id))


def publish_pack_jobs(session: Session) -> None:
    """After commit: one ``make_packs`` message per meeting (ids only); a broker failure leaves the retry button."""
    if savepoint_released(session):
        return  # the jobs wait for the outer transaction's commit
    ids = session.info.pop(_PACKS_KEY, None)
    if not ids or not has_app_context():
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.extensions["meldpunt.settings"]
    celery = app.extensions["celery"]
    try:
        with celery.connection_for_write(
            transport_options={"max_retries": 0, "interval_start": 0, "interval_step": 0}
        ) as conn:
            for meeting_id in sorted(ids):
                celery.send_task(PACK_TASK, args=[meeting_id], retry=False, connection=conn,
                                 queue=settings.broker_queue, ignore_result=True)
    except Exception as exc:  # noqa: BLE001 - the chair sees "wacht" and can retry
        log.warning("meetings: publishing pack jobs for %s failed (%s)", ",".join(sorted(ids)), type(exc).__name__)


def forget_pack_jobs(session: Session) -> None:
    session.info.pop(_PACKS_KEY, None)


def init_pack_publishing() -> None:
    from flask_sqlalchemy.session import Session as FlaskSession
    from sqlalchemy import event

    for name, fn in (("after_commit", publish_pack_jobs), ("after_rollback", forget_pack_jobs)):
        if not event.contains(FlaskSession, name, fn):
            event.listen(FlaskSession, name, fn)


# ---------------------------------------------------------------------------- overdue actions


def remind_overdue_actions(session: Session, *, today: date | None = None) -> int:
    """One content-free ``actie_verlopen`` notice per open action that passed its deadline (daily, beat)."""
    today = today or utcnow().date()
    actions = session.scalars(select(MeetingAction).where(
        MeetingAction.status.in_(OPEN_ACTION_STATUSES), MeetingAction.deadline < today,
        MeetingAction.owner_user_id.is_not(None), MeetingAction.reminded_on.is_(None)))
    count = 0
    for action in actions:
        session.add(Notice(action_id=action.id, kind=NoticeKind.ACTION_OVERDUE.value,
                           recipient_user_id=action.owner_user_id))
        action.reminded_on = today
        count += 1
    session.flush()
    return count
