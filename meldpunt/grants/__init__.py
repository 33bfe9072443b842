"""Role grants: a content role takes effect only after a second person approves (vier ogen)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from meldpunt.grants.views import bp

    app.register_blueprint(bp)
