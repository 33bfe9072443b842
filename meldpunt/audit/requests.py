"""Audit entries for the current request: who did it, from where, and the refusals written after the response.

Views call ``audit_event`` (staff), ``audit_reporter_event`` (a reporter on their own melding, pseudonymous)
and, through ``meldpunt.policy.require``, ``audit_denied``. ``init_app`` installs the after-request hook that
writes refusals and not-found ids once the answer has been sent.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user

from meldpunt.extensions import db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Write the refusals and not-found ids of each request after its response has been sent."""
    app.after_request(_audit_denials_after_response)


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
