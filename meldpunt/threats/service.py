"""Threatened reporters ("ik voel me onveilig of word bedreigd"): the term for first contact, the
checklist, and the reminder to the handler after some hours without action.

The reporter sees none of this: their page says only that the meldpunt will contact them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.feedback.models import Notice, NoticeKind
from meldpunt.feedback.service import add_working_days, queue_notice
from meldpunt.intake.models import Message, MessageSender
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.threats.models import STEP_LABELS, ThreatCheck, ThreatStep
from meldpunt.signals.models import queue_urgent_condition


class ThreatError(ValueError):
    """A checklist step that cannot be recorded as given; the message is Dutch."""


def contact_due(signal: Signal, *, working_days: int) -> date:
    """The last day for first contact with a threatened reporter (created day + term in working days)."""
    return add_working_days(signal.created_at.date(), working_days)


@dataclass(frozen=True)
class ChecklistLine:
    step: ThreatStep
    label: str
    done_on: date | None
    actor: str | None


def checklist(session: Session, *, signal: Signal) -> list[ChecklistLine]:
    done = {c.step: c for c in session.scalars(select(ThreatCheck).where(ThreatCheck.signal_id == signal.id))}
    lines = []
    for step in ThreatStep:
        check = done.get(step.value)
        lines.append(ChecklistLine(step, STEP_LABELS[step], check.done_on if check else None,
                                   (check.actor.name if check and check.actor else None)))
    return lines


def record_step(session: Session, *, signal: Signal, actor: User, step: str, done_on: date | None,
                today: date | None = None) -> ThreatCheck:
    """Tick one step of the checklist with the day it was done (or change that day); audited."""
    try:
        which = ThreatStep(step)
    except ValueError:
        raise ThreatError(gettext("Kies een stap uit de lijst.")) from None
    if not signal.feels_unsafe:
        raise ThreatError(gettext("Deze melding heeft geen lijst voor een bedreigde melder."))
    today = today or datetime.now(timezone.utc).date()
    done_on = done_on or today
    if done_on > today:
        raise ThreatError(gettext("Deze datum ligt in de toekomst."))
    check = session.scalar(select(ThreatCheck).where(ThreatCheck.signal_id == signal.id,
                                                     ThreatCheck.step == which.value))
    if check is None:
        check = ThreatCheck(signal_id=signal.id, step=which.value, done_on=done_on, actor_id=actor.id)
        session.add(check)
    else:
        check.done_on, check.actor_id = done_on, actor.id
    record(session, action="signal.threat_step", actor_label=actor.email, object_type="signal", object_id=signal.id,
           details={"step": which.value, "done_on": done_on.isoformat()})
    session.flush()
    return check


def _acted_on():
    """SQL: somebody acted on the signal: a status beyond "ontvangen", a checklist step, or a message to the reporter."""
    return (
        (Signal.status != SignalStatus.RECEIVED.value)
        | exists().where(ThreatCheck.signal_id == Signal.id)
        | exists().where(Message.signal_id == Signal.id, Message.sender == MessageSender.HANDLER.value)
    )


def signals_to_remind(session: Session, *, now: datetime, hours: int) -> list[Signal]:
    """Urgent signals older than ``hours`` on which nobody acted and that were not reminded about yet."""
    reminded = exists().where(Notice.signal_id == Signal.id, Notice.kind == NoticeKind.THREAT_REMINDER.value)
    return list(session.scalars(
        select(Signal).where(queue_urgent_condition(), Signal.created_at <= now - timedelta(hours=hours),
                             ~_acted_on(), ~reminded)
        .order_by(Signal.created_at)
    ))


def remind_threatened(session: Session, *, settings, now: datetime) -> int:
    """Queue one content-free reminder (in-app + e-mail) per urgent signal without action after
    ``[feedback] threat_reminder_hours``: to its assignee, or else to every handler of its track."""
    from meldpunt.signals.service import responsible_handlers

    count = 0
    for signal in signals_to_remind(session, now=now, hours=settings.feedback.threat_reminder_hours):
        targets = responsible_handlers(session, signal=signal)
        for user in targets:
            notice = queue_notice(session, signal=signal, kind=NoticeKind.THREAT_REMINDER, recipient_user_id=user.id,
                                  created_at=now)
            record(session, action="signal.threat_remind", actor_label="systeem", object_type="signal",
                   object_id=signal.id, details={"notice_id": notice.id, "user_id": user.id})
            count += 1
    session.flush()
    return count
