"""Intake housekeeping (beat): wipe "Controleer uw melding" drafts abandoned for an hour.

A draft (``meldpunt.intake.drafts``) holds an encrypted copy of a form and its files until it is
sent. Saving or opening a draft also purges expired ones; this task makes sure an abandoned draft
is gone within ten minutes of its hour even when nobody files. Takes no arguments; idempotent.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

log = get_task_logger(__name__)


@shared_task(name="workers.intake.purge_expired_drafts", ignore_result=True)
def purge_expired_drafts() -> int:
    from meldpunt.extensions import db
    from meldpunt.intake.drafts import purge_expired_drafts as purge

    count = purge(db.session)
    db.session.commit()
    if count:
        log.info("wiped %d abandoned draft(s)", count)
    return count
