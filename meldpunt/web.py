"""Web wiring: blueprints, health check, error pages, security headers, request audit helpers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import text

from meldpunt.extensions import db, login_manager

health = Blueprint("health", __name__)

#: Every blueprint module (each exposes ``bp``). One line per domain.
BLUEPRINT_MODULES = [
    "meldpunt.auth.views",
    "meldpunt.intake.views",
    "meldpunt.triage.views",
    "meldpunt.cases.views",
    "meldpunt.feedback.views",
    "meldpunt.admin.views",
    "meldpunt.grants.views",
    "meldpunt.meetings.views",
]

ERROR_TEXT = {
    400: ("Er ging iets mis met uw verzoek", "Controleer wat u heeft ingevuld en probeer het opnieuw."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet, of u heeft er geen toegang toe."),
    405: ("Dit kan niet", "Deze actie is op deze manier niet mogelijk."),
    413: ("Bestand te groot", "De bijlagen zijn samen te groot. Kies kleinere of minder bestanden."),
    429: ("Te veel pogingen", "U heeft het te vaak geprobeerd. Wacht een minuut en probeer het dan opnieuw."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Uw gegevens zijn niet verstuurd als u dit ziet. Probeer het later opnieuw."),
}


@health.get("/healthz")
def healthz():
    from workers.celery_app import broker_status

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


def client_origin() -> str:
    """The client address for audit entries of authenticated staff (never stored for anonymous reporters)."""
    return request.remote_addr or ""


def audit_event(action: str, *, object_type: str = "", object_id: Any = "", result: str = "ok", details: dict | None = None):
    """Audit entry for the current request's user (commits with the request's transaction)."""
    from meldpunt.audit.service import record

    user = current_user if current_user and current_user.is_authenticated else None
    return record(
        db.session,
        action=action,
        actor_id=user.id if user else None,
        actor_label=user.email if user else "anoniem",
        object_type=object_type,
        object_id=object_id,
        result=result,
        origin=client_origin() if user else "",
        details=details,
    )


def audit_denied(action: Any, obj: Any) -> None:
    """Record an authorisation failure in its own transaction (the request will abort)."""
    from meldpunt.audit.service import record

    user = current_user if current_user and current_user.is_authenticated else None
    db.session.rollback()
    record(
        db.session,
        action="authz.denied",
        actor_id=user.id if user else None,
        actor_label=user.email if user else "anoniem",
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", "") if obj is not None else "",
        result="denied",
        origin=client_origin() if user else "",
        details={"permission": str(action), "endpoint": request.endpoint or ""},
    )
    db.session.commit()


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


def register_web(app: Flask) -> None:
    from importlib import import_module

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om verder te gaan."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    app.register_blueprint(health)
    for module in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(module).bp)

    # Server-side sessions: flask-login's id must match a live auth_sessions row (meldpunt.auth.sessions).
    from meldpunt.auth.views import load_user, session_guard

    login_manager.user_loader(load_user)
    app.before_request(session_guard)
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

    @app.context_processor
    def _globals():
        settings = current_app.extensions["meldpunt.settings"]
        return {"organisation": settings.organisation}

    for code in ERROR_TEXT:
        app.register_error_handler(code, _error_page)

    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, _csrf_error)


def _error_page(error):
    if getattr(error, "response", None) is not None:  # a page prepared by the view (e.g. a limiter's on_breach)
        return error.response
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()
    title, text_ = ERROR_TEXT.get(code, ERROR_TEXT[500])
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": title}), code
    return render_template("errors/error.html", title=title, text=text_, code=code), code


def _csrf_error(error):
    title = "Formulier verlopen"
    text_ = "Het formulier was verlopen of onvolledig. Ga terug, vernieuw de pagina en verstuur het opnieuw."
    return render_template("errors/error.html", title=title, text=text_, code=400), 400
