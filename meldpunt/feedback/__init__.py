"""Feedback to reporters (terugkoppeling): notices written to a transactional outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The notices pages, and the outbox: notice ids go to Celery after each commit (``notices`` commands)."""
    from meldpunt.feedback.outbox import init_outbox
    from meldpunt.feedback.views import bp

    app.register_blueprint(bp)
    init_outbox(app)
