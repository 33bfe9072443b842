"""The daily retention job (beat): crypto-shred what has expired. Takes no arguments; idempotent.

Two workers may run it at once: each batch locks its rows (``FOR UPDATE SKIP LOCKED``), so
every signal is shredded once. A crash loses one batch at most; the next run finishes it.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

log = get_task_logger(__name__)


@shared_task(name="workers.retention.run_retention", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_retention() -> int:
    from flask import current_app

    from meldpunt.extensions import db
    from meldpunt.retention.service import run_retention as run

    settings = current_app.extensions["meldpunt.settings"]
    done = [0]

    def progress(count: int) -> None:
        done[0] += count
        log.info("retention: %d signal(s) shredded so far", done[0])

    outcome = run(db.session, terms=settings.retention, actor_label="retentie-taak",
                  uploads_folder=settings.uploads.folder, on_batch=progress)
    log.info("retention run %s: %d signal(s), %d case(s) shredded", outcome.run_id, len(outcome.shredded),
             len(outcome.cases))
    return len(outcome.shredded)
