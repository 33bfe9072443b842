"""Authentication: accounts, passwords, sessions, roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Login pages, and server-side sessions: flask-login's id must match a live ``auth_sessions`` row."""
    from flask_babel import gettext

    from meldpunt.auth.views import bp, load_user, session_guard
    from meldpunt.extensions import login_manager
    from meldpunt.i18n import N_

    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Log in om verder te gaan.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    app.register_blueprint(bp)
    app.before_request(session_guard)
