"""Retention (bewaartermijnen), legal hold and the rights of data subjects (AVG); see docs/privacy.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The retention and AVG pages, and the ``retention`` commands."""
    from meldpunt.retention.cli import retention_cli
    from meldpunt.retention.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(retention_cli)
