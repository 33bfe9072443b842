"""Casus: bundling signals into a case with a risk picture and proposed interventions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from meldpunt.cases.views import bp

    app.register_blueprint(bp)
