"""Web wiring: blueprints, health check, error pages, security headers, request audit helpers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import text

from meldpunt.extensions import db, login_manager
from meldpunt.i18n import N_

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)

#: Every blueprint module (each exposes ``bp``). One line per domain.
BLUEPRINT_MODULES = [
    "meldpunt.auth.views",
    "meldpunt.intake.views",
    "meldpunt.triage.views",
    "meldpunt.cases.views",
    "meldpunt.feedback.views",
    "meldpunt.admin.views",
    "meldpunt.grants.views",
    "meldpunt.resilience.views",
    "meldpunt.meetings.views",
    "meldpunt.channels.views",
    "meldpunt.retention.views",
    "meldpunt.reports.views",
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


def audit_reporter_event(action: str, *, signal_id: Any, object_type: str = "signal", object_id: Any = None,
                         details: dict | None = None):
    """Audit entry for what a reporter does on their own melding: pseudonymous actor ("Melder …"), no origin."""
    from meldpunt.audit.service import record_reporter_action

    return record_reporter_action(db.session, action=action, signal_id=signal_id, object_type=object_type,
                                  object_id=object_id, details=details)


#: ``g`` key: refusals of this request, audited once the response has been sent.
_DENIALS = "meldpunt_denials"


def audit_denied(action: Any, obj: Any) -> None:
    """Record an authorisation failure, without touching the request's own transaction.

    In a request the entry is written after the response has gone out (``call_on_close``), in
    its own transaction: a refused id costs no more time before the answer than a missing one,
    and nothing is rolled back or committed in the middle of the request. Outside a request the
    entry joins the current session (the caller commits).
    """
    user = current_user if current_user and current_user.is_authenticated else None
    entry = dict(
        action="authz.denied",
        actor_id=user.id if user else None,
        actor_label=user.email if user else "anoniem",
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "id", "")) if obj is not None else "",
        result="denied",
        origin=client_origin() if user and has_request_context() else "",
        details={"permission": str(action), "endpoint": (request.endpoint or "") if has_request_context() else ""},
    )
    if not has_request_context():
        from meldpunt.audit.service import record

        record(db.session, **entry)
        return
    g.setdefault(_DENIALS, []).append(entry)


def _audit_denials_after_response(response):
    """After the response: the refusals of this request, or a "not found" for an id that does not exist.

    A missing id gets an entry as well (``request.not_found``), written the same way: so a refused
    and a missing id cost the server the same work, also after the answer (a server closes the
    connection only when this is done), and guessing at ids shows up in the trail.
    """
    pending = g.pop(_DENIALS, None)
    if not pending and response.status_code == 404 and request.view_args and request.endpoint != "static" \
            and current_user and current_user.is_authenticated:
        pending = [dict(
            action="request.not_found", actor_id=current_user.id, actor_label=current_user.email,
            object_type="", object_id="", result="failed", origin=client_origin(),
            details={"endpoint": request.endpoint or ""},
        )]
    if pending:
        app = current_app._get_current_object()
        response.call_on_close(lambda: _write_denials(app, pending))
    return response


def _write_denials(app: Flask, entries: list[dict]) -> None:
    """Runs when the server closes the response (after the body was sent), in a fresh app context."""
    from meldpunt.audit.service import record

    with app.app_context():
        try:
            for entry in entries:
                record(db.session, **entry)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - the answer is already sent; say so in the log, without details
            db.session.rollback()
            log.error("%d refusal or not-found entries could not be audited (%s)", len(entries), type(exc).__name__)


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
    login_manager.login_message = N_("Log in om verder te gaan.")
    login_manager.localize_callback = _translate
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    app.register_blueprint(health)
    for module in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(module).bp)

    # Server-side sessions: flask-login's id must match a live auth_sessions row (meldpunt.auth.sessions).
    from meldpunt.auth.views import load_user, session_guard
    from meldpunt.intake.views import refuse_anonymous_routes_when_logged_in

    login_manager.user_loader(load_user)
    # First: the anonymous reporter's routes refuse a logged-in browser before its session is checked
    # (that check writes to the account's session row).
    app.before_request(refuse_anonymous_routes_when_logged_in)
    app.before_request(session_guard)
    # No long-lived "remember me" cookie: login_user(remember=False) everywhere, and a presented one
    # is useless because load_user also demands a live server-side session id.
    app.config["REMEMBER_COOKIE_DURATION"] = 0
    # Referrer-Policy no-referrer means browsers send no Referer (and "Origin: null" on POST), so
    # Flask-WTF's HTTPS Referer check would refuse every form. The CSRF token plus SameSite=Lax cookies protect.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    app.after_request(_security_headers)
    app.after_request(_audit_denials_after_response)

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
