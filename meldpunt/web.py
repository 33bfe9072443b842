"""The web layer: health check, error pages, security headers, template filters, and each package wired in order."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from sqlalchemy import text

from meldpunt.extensions import db
from meldpunt.i18n import N_

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)

#: Every package that wires itself into the app (``init_app``: its blueprints, CLI commands and hooks), in
#: this order. The intake's hook (anonymous routes refuse a logged-in browser) must run before auth's session check.
PACKAGES = [
    "meldpunt.audit",
    "meldpunt.intake",
    "meldpunt.auth",
    "meldpunt.triage",
    "meldpunt.cases",
    "meldpunt.feedback",
    "meldpunt.admin",
    "meldpunt.grants",
    "meldpunt.resilience",
    "meldpunt.meetings",
    "meldpunt.channels",
    "meldpunt.retention",
    "meldpunt.reports",
]

ERROR_TEXT = {
    400: (N_("Er ging iets mis met uw verzoek"), N_("Controleer wat u heeft ingevuld en probeer het opnieuw.")),
    403: (N_("Geen toegang"), N_("U heeft geen toegang tot deze pagina.")),
    404: (N_("Pagina niet gevonden"), N_("Deze pagina bestaat niet, of u heeft er geen toegang toe.")),
    405: (N_("Dit kan niet"), N_("Deze actie is op deze manier niet mogelijk.")),
    413: (N_("Bestand te groot"), N_("De bijlagen zijn samen te groot. Kies kleinere of minder bestanden.")),
    429: (N_("Te veel pogingen"), N_("U heeft het te vaak geprobeerd. Wacht een minuut en probeer het dan opnieuw.")),
    500: (N_("Er ging iets mis"), N_("Er ging aan onze kant iets mis. Uw gegevens zijn niet verstuurd als u dit ziet. Probeer het later opnieuw.")),
}


@health.get("/healthz")
def healthz():
    from meldpunt.broker import broker_status

    settings = current_app.extensions["meldpunt.settings"]
    status: dict[str, Any] = {"status": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        status["database"] = {"backend": db.engine.dialect.name, "reachable": True}
    except Exception:  # noqa: BLE001 - report, don't crash the health check
        status["database"] = {"backend": db.engine.dialect.name, "reachable": False}
        status["status"] = "degraded"
    status["broker"] = broker_status(current_app)
    del settings
    return jsonify(status), 200 if status["status"] == "ok" else 503


def _security_headers(response):
    settings = current_app.extensions["meldpunt.settings"]
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'; frame-ancestors 'none'"
    )
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if settings.security.behind_tls:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def can_in_template(action: str, obj: Any = None) -> bool:
    """``can('view_queue')`` / ``can('handle_signal', signal)`` in a template: the policy decides, never a role string."""
    from flask_login import current_user

    from meldpunt.policy import can

    return can(current_user, action, obj)  # type: ignore[arg-type]  (every action enum is a str)


def register_web(app: Flask) -> None:
    """The web layer: health check, security headers, error pages, template helpers, then every package."""
    from importlib import import_module

    app.register_blueprint(health)
    for package in PACKAGES:
        import_module(package).init_app(app)
    # No long-lived "remember me" cookie: login_user(remember=False) everywhere, and a presented one
    # is useless because load_user also demands a live server-side session id.
    app.config["REMEMBER_COOKIE_DURATION"] = 0
    # Referrer-Policy no-referrer means browsers send no Referer (and "Origin: null" on POST), so
    # Flask-WTF's HTTPS Referer check would refuse every form. The CSRF token plus SameSite=Lax cookies protect.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    app.after_request(_security_headers)

    from flask_babel import format_date, format_datetime

    app.add_template_filter(lambda value: format_date(value, "d MMMM y") if value else "", "format_date")
    app.add_template_filter(lambda value: format_datetime(value, "d MMMM y, HH:mm") if value else "", "format_datetime")
    # Local (Europe/Amsterdam) time to the second, for the audit view.
    app.add_template_filter(lambda value: format_datetime(value, "dd-MM-y HH:mm:ss") if value else "", "format_timestamp")
    # Times of what an anonymous reporter did are stored rounded down to the hour: show no more than that.
    app.add_template_filter(_format_day, "format_day")
    app.add_template_filter(_format_hour, "format_hour")

    from meldpunt.templating import register_templating

    register_templating(app)
    app.add_template_global(can_in_template, "can")

    @app.context_processor
    def _globals():
        settings = current_app.extensions["meldpunt.settings"]
        return {"organisation": settings.organisation}

    for code in ERROR_TEXT:
        app.register_error_handler(code, _error_page)

    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, _csrf_error)


def _format_day(value) -> str:
    """"vandaag" or "3 maart 2026" (Europe/Amsterdam): for the anonymous reporter's own times."""
    from flask_babel import format_date, to_user_timezone

    if not value:
        return ""
    local = to_user_timezone(value)  # a naive value is UTC
    today = to_user_timezone(datetime.now(timezone.utc)).date()
    from flask_babel import gettext

    return gettext("vandaag") if local.date() == today else format_date(local, "d MMMM y")


def _format_hour(value) -> str:
    """"3 maart 2026, tussen 14:00 en 15:00": a time stored rounded down to the hour, shown as its hour."""
    from flask_babel import format_datetime, gettext

    if not value:
        return ""
    return gettext("%(day)s, tussen %(start)s en %(end)s", day=format_datetime(value, "d MMMM y"),
                   start=format_datetime(value, "HH:00"), end=format_datetime(value + timedelta(hours=1), "HH:00"))


def _translate(text: str) -> str:
    from flask_babel import gettext

    return gettext(text)


#: The CSRF error page's texts (translated where they are shown).
_CSRF_TEXTS = (N_("Formulier verlopen"),
               N_("Het formulier was verlopen of onvolledig. Ga terug, vernieuw de pagina en verstuur het opnieuw."))


def _error_page(error):
    if getattr(error, "response", None) is not None:  # a page prepared by the view (e.g. a limiter's on_breach)
        return error.response
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()
    title, text_ = (_translate(part) for part in ERROR_TEXT.get(code, ERROR_TEXT[500]))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": title}), code
    return render_template("errors/error.html", title=title, text=text_, code=code), code


def _csrf_error(error):
    title = _translate("Formulier verlopen")
    text_ = _translate("Het formulier was verlopen of onvolledig. Ga terug, vernieuw de pagina en verstuur het opnieuw.")
    return render_template("errors/error.html", title=title, text=text_, code=400), 400
