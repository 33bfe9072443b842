"""Casusoverleg and LIO: meetings, proposals, agenda, packs, decisions and actions (see docs/meetings.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The meeting pages, the "Overleg" section of the casus page, and agenda-pack jobs published after commit."""
    from meldpunt.meetings import case_views, views
    from meldpunt.meetings.notices import init_pack_publishing

    app.register_blueprint(views.bp)
    app.register_blueprint(case_views.bp)
    init_pack_publishing()
