"""Casusoverleg tasks: make the agenda packs, remind owners of overdue actions (ids only in messages).

``make_packs`` is idempotent: it makes only the packs still waiting, one at a time, committing each,
so a second message or a redelivery after a crash picks up where the first stopped. A pack that
fails (e.g. no Pango on the worker) is marked ``mislukt`` with the error class only; the chair's
"opnieuw maken" queues it again.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

log = get_task_logger(__name__)


@shared_task(name="workers.meetings.make_packs", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def make_packs(meeting_id: str) -> int:
    import uuid

    from sqlalchemy import select

    from meldpunt.extensions import db
    from meldpunt.meetings.models import Meeting, MeetingPack, PackState
    from meldpunt.meetings.notices import make_pack
    from meldpunt.meetings.packs import build_pack, render_pack_pdf
    from meldpunt.vault.service import current_keyring

    keyring = current_keyring()

    def render(meeting: Meeting, user) -> bytes:
        return render_pack_pdf(build_pack(db.session, keyring=keyring, meeting=meeting, viewer=user,
                                          require_secrecy=False))

    made = 0
    ids = list(db.session.scalars(select(MeetingPack.id).where(MeetingPack.meeting_id == uuid.UUID(str(meeting_id)),
                                                               MeetingPack.state == PackState.WAITING.value)))
    db.session.rollback()
    for pack_id in ids:
        pack = db.session.get(MeetingPack, pack_id)
        if pack is None or pack.state != PackState.WAITING.value:
            db.session.rollback()
            continue
        try:
            make_pack(db.session, keyring=keyring, pack=pack, render=render)
            db.session.commit()
            made += 1
        except Exception as exc:  # noqa: BLE001 - any failure: mark this pack failed, go on with the next
            db.session.rollback()
            pack = db.session.get(MeetingPack, pack_id)
            pack.state, pack.error = PackState.FAILED.value, type(exc).__name__[:200]
            pack.attempts += 1
            db.session.commit()
            log.warning("meeting %s: pack %s failed (%s)", meeting_id, pack_id, type(exc).__name__)
    log.info("meeting %s: %d pack(s) made", meeting_id, made)
    return made


@shared_task(name="workers.meetings.remind_overdue_actions", ignore_result=True)
def remind_overdue_actions() -> int:
    from meldpunt.extensions import db
    from meldpunt.meetings.notices import remind_overdue_actions as queue

    count = queue(db.session)
    db.session.commit()  # the outbox publishes the notices after commit
    log.info("queued %d overdue-action reminder(s)", count)
    return count
