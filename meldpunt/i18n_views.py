"""The language switch in the footer: a POST form (CSRF like every form) that sets a cookie, 303 back.

Works without JavaScript. For a logged-in user the choice is also kept on the account, so that
e-mails to them are in that language (audited); an anonymous visitor gets only the cookie.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user

from meldpunt.i18n import COOKIE, COOKIE_MAX_AGE, LANGUAGES

bp = Blueprint("i18n", __name__)


def _safe_back(target: str | None) -> str:
    """A path on this site only (``/…``, never ``//host`` or a full URL): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("auth.index")


@bp.post("/taal")
def switch_language():
    """Set the language (``taal`` = nl or en) and go back to the page (``terug``) with 303."""
    language = request.form.get("taal", "")
    response = redirect(_safe_back(request.form.get("terug")), 303)
    if language not in LANGUAGES:
        return response
    settings = current_app.extensions["meldpunt.settings"]
    response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, secure=settings.security.behind_tls,
                        httponly=True, samesite="Lax")
    if current_user and current_user.is_authenticated and current_user.language != language:
        from meldpunt.extensions import db
        from meldpunt.audit.requests import audit_event

        user = current_user._get_current_object()
        user.language = language
        audit_event("account.language", object_type="user", object_id=user.id, details={"language": language})
        db.session.commit()
    return response
