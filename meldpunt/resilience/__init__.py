"""Weerbaarheid: register of vulnerable processes and functions, improvement measures, knowledge pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from meldpunt.resilience.views import bp

    app.register_blueprint(bp)
