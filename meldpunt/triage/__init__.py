"""Triage and enrichment: the regisseur's queue, status machine, subjects and linked signals."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and the landing page after login for those who may use it."""
    from meldpunt.policy import Action, add_landing_page
    from meldpunt.triage.views import bp

    app.register_blueprint(bp)
    add_landing_page(app, Action.VIEW_QUEUE, "triage.queue")
