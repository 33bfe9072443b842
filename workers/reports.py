"""The dashboard's summary (beat, hourly): recount the closed months. Takes no arguments; idempotent."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

log = get_task_logger(__name__)


@shared_task(name="workers.reports.refresh_report_summary", acks_late=True, ignore_result=True)
def refresh_report_summary() -> str:
    from datetime import datetime, timezone

    from flask import current_app

    from meldpunt.extensions import db
    from meldpunt.reports.summary import refresh

    settings = current_app.extensions["meldpunt.settings"]
    through = refresh(db.session, today=datetime.now(timezone.utc).date(),  # months are UTC
                      working_days=settings.first_feedback_working_days)
    db.session.commit()
    log.info("report summary refreshed through %s", through)
    return through
