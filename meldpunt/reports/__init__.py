"""Management information: the dashboard, the council report (raadsrapportage), the ondermijningsbeeld and
"wat doen we met uw meldingen". Metadata and aggregates only: never the crypto package or the vault."""



from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and the landing page after login for those who may use it."""
    from meldpunt.policy import add_landing_page
    from meldpunt.reports.permissions import ReportAction
    from meldpunt.reports.views import bp

    app.register_blueprint(bp)
    add_landing_page(app, ReportAction.VIEW_DASHBOARD, "reports.dashboard")
