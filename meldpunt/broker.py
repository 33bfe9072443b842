"""The Celery app (broker connection, queues, beat schedule), built from the same settings as the Flask app.

Tasks live in ``workers/`` and run in the Flask app context; the app publishes to them by name, so this
package never imports the workers."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

#: Seconds a reserved, unacknowledged message stays invisible before Redis redelivers it.
#: Must exceed the longest task run (with retries it is re-queued, not held).
VISIBILITY_TIMEOUT = 3600
#: Seconds between two runs of the audit sealer (``workers.audit.seal``).
SEAL_INTERVAL = 1.0


#: Tasks that run every second: Celery's INFO lines for them (beat sending, the worker receiving, the
#: success) would be three lines a second and bury every line worth reading. Failures are still logged.
QUIET_TASKS = ("workers.audit.seal",)
_TASK_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


class QuietRoutineTasks(logging.Filter):
    """Drops the INFO lines of ``QUIET_TASKS``; warnings and errors about them pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        text = record.getMessage()
        return not any(name in text for name in QUIET_TASKS)


def _quiet_routine_tasks() -> None:
    for name in _TASK_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QuietRoutineTasks) for f in logger.filters):
            logger.addFilter(QuietRoutineTasks())


def init_celery(app: Flask) -> Celery:
    settings = app.extensions["meldpunt.settings"]

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    _quiet_routine_tasks()
    transport_options: dict[str, Any] = {}
    if settings.broker_url.startswith("redis"):
        transport_options = {
            "visibility_timeout": VISIBILITY_TIMEOUT,
            "socket_connect_timeout": settings.publish_timeout,
            "socket_timeout": max(settings.publish_timeout, 5),
        }
    # kombu's SQLAlchemy transport passes its options to create_engine(): it takes none of these.
    celery.conf.update(
        broker_url=settings.broker_url,
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=transport_options,
        result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=settings.publish_timeout,
        task_default_queue=settings.broker_queue,
        timezone="Europe/Amsterdam",
        enable_utc=True,
        worker_hijack_root_logger=False,
        imports=("workers.notices", "workers.audit", "workers.meetings", "workers.retention", "workers.intake",
                 "workers.reports"),
        beat_schedule={
            "sweep-outbox": {"task": "workers.notices.sweep_outbox", "schedule": 30.0},
            "append-deferred-audit": {"task": "workers.audit.append_deferred", "schedule": crontab(minute=1)},
            # Chains the audit entries the requests appended (they take no lock); a run that could not
            # start within a few seconds is dropped, the next one seals its entries too.
            "seal-audit": {"task": "workers.audit.seal", "schedule": SEAL_INTERVAL, "options": {"expires": 10}},
            "remind-handlers": {
                "task": "workers.notices.remind_handlers",
                "schedule": crontab(hour=settings.feedback.reminder_hour, minute=0),
            },
            "remind-threatened": {"task": "workers.notices.remind_threatened", "schedule": crontab(minute="*/15")},
            "remind-measure-owners": {
                "task": "workers.notices.remind_measure_owners",
                "schedule": crontab(hour=settings.feedback.reminder_hour, minute=5),
            },
            "remind-overdue-actions": {
                "task": "workers.meetings.remind_overdue_actions",
                "schedule": crontab(hour=settings.feedback.reminder_hour, minute=10),
            },
            "purge-expired-drafts": {"task": "workers.intake.purge_expired_drafts", "schedule": crontab(minute="*/10")},
            "refresh-report-summary": {"task": "workers.reports.refresh_report_summary",
                                       "schedule": crontab(minute=20)},
            "retention-daily": {
                "task": "workers.retention.run_retention",
                "schedule": crontab(hour=settings.retention.run_hour, minute=30),
            },
        },
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def broker_status(app: Flask) -> dict[str, Any]:
    """Which broker is configured and whether it answers (for /healthz); never raises."""
    url = app.extensions["meldpunt.settings"].broker_url
    if url.startswith("redis"):
        import redis

        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            return {"backend": "redis", "reachable": True}
        except Exception:  # noqa: BLE001
            return {"backend": "redis", "reachable": False}
    if url.startswith("sqla+"):
        return {"backend": "embedded (sqlalchemy)", "reachable": True}
    return {"backend": url.split(":", 1)[0], "reachable": None}
