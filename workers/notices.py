"""Delivery of outbox notices (filled in by the feedback work)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.notices.sweep_outbox")
def sweep_outbox() -> int:
    from meldpunt.feedback.outbox import sweep

    return sweep()
