"""Intake: the melding form, attachments, receipt codes and the reporter's own view."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The reporter's pages; the anonymous routes refuse a logged-in browser before its session is checked
    (that check writes to the account's session row), so this runs before ``meldpunt.auth.init_app``."""
    from meldpunt.intake.views import bp, refuse_anonymous_routes_when_logged_in

    app.register_blueprint(bp)
    app.before_request(refuse_anonymous_routes_when_logged_in)
