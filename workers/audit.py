"""Audit housekeeping: the sealer chains new entries every second; the anonymous reporters' entries join
the trail once their hour has ended."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

log = get_task_logger(__name__)


@shared_task(name="workers.audit.append_deferred", ignore_result=True)
def append_deferred() -> int:
    """Beat runs this every hour, just after the hour (see meldpunt.audit.service.append_deferred)."""
    from meldpunt.audit.service import append_deferred as append
    from meldpunt.extensions import db

    count = append(db.session)
    db.session.commit()
    if count:
        log.info("appended %d deferred anonymous audit entries", count)
    return count


@shared_task(name="workers.audit.seal", ignore_result=True)
def seal() -> int:
    """Beat runs this every second: chain the audit entries committed since the last run
    (see meldpunt.audit.service.seal). Idempotent: an entry is sealed once; a second sealer
    running at the same time finds the lock taken and returns."""
    from meldpunt.audit.service import seal_all
    from meldpunt.extensions import db

    return seal_all(db.session)
