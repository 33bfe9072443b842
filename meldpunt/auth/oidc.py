"""Optional sign-in with the organisation's identity provider (OpenID Connect, Authlib).

Enabled with ``[oidc] enabled = true``. The identity provider authenticates
(and should enforce its own second factor); a group claim maps to a role via
``[oidc] role_map`` (``{"GG-Meldpunt-Regisseurs" = "regisseur", ...}``). An
account is found by its OIDC subject; the first sign-in links an existing local
account by verified e-mail or creates one. A sign-in without a mapped group is
refused. Local accounts keep working alongside.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from meldpunt.auth.models import Role, User
from meldpunt.auth.service import AccountError, change_role, create_user, normalise_email

#: When groups map to several roles, the first role in this order wins.
ROLE_PRIORITY = (
    Role.REGISSEUR, Role.INTEGRITEIT, Role.VOORZITTER, Role.BEHEERDER, Role.MANAGEMENT, Role.DEELNEMER, Role.MELDER,
)


class OidcRefused(AccountError):
    """The identity provider's answer does not give access (no mapped group, disabled account, no e-mail)."""


def role_from_groups(groups: Any, role_map: dict[str, str]) -> Role | None:
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, (list, tuple)):
        return None
    mapped = {Role(role_map[g]) for g in groups if isinstance(g, str) and role_map.get(g) in Role._value2member_map_}
    for role in ROLE_PRIORITY:
        if role in mapped:
            return role
    return None


def sign_in_oidc(session: Session, *, claims: dict[str, Any], group_claim: str, role_map: dict[str, str],
                 department_claim: str = "") -> User:
    """The account for these ID-token claims, created or updated; raises ``OidcRefused``.

    With ``department_claim`` set, a non-empty string in that claim becomes the account's department
    (the melden form starts from it: docs/channels.md)."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise OidcRefused(gettext("De inlogdienst gaf geen gebruiker terug."))
    role = role_from_groups(claims.get(group_claim), role_map)
    if role is None:
        raise OidcRefused(gettext("U heeft geen toegang tot het meldpunt. Vraag de functioneel beheerder om toegang."))
    user = session.scalar(select(User).where(User.oidc_subject == subject))
    email = normalise_email(str(claims.get("email") or ""))
    if user is None and email and claims.get("email_verified") is True:
        user = session.scalar(select(User).where(User.email == email, User.oidc_subject.is_(None)))
        if user is not None:
            user.oidc_subject = subject
    if user is None:
        if not email:
            raise OidcRefused(gettext("De inlogdienst gaf geen e-mailadres terug."))
        name = str(claims.get("name") or email.split("@")[0])[:200]
        try:
            user = create_user(session, email=email, name=name, role=role, password=None)
        except AccountError as exc:  # e.g. a local account with this (unverified) e-mail exists
            raise OidcRefused(gettext("Inloggen via uw organisatie lukt niet: %(reason)s Vraag de functioneel beheerder.", reason=exc)) from None
        user.oidc_subject = subject
    elif user.role != role.value:
        change_role(session, user=user, role=role)
    if not user.is_enabled:
        raise OidcRefused(gettext("Dit account is geblokkeerd."))
    department = claims.get(department_claim) if department_claim else None
    if isinstance(department, str) and department.strip():
        user.department = department.strip()[:80]
    session.flush()
    return user


def _client():
    settings = current_app.extensions["meldpunt.settings"]
    if not settings.oidc.enabled:
        abort(404)
    registry = current_app.extensions.get("meldpunt.oidc")
    if registry is None:
        from authlib.integrations.flask_client import OAuth

        registry = OAuth(current_app)
        registry.register(
            "idp",
            client_id=settings.oidc.client_id,
            client_secret=settings.oidc.client_secret,
            server_metadata_url=settings.oidc.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile"},
        )
        current_app.extensions["meldpunt.oidc"] = registry
    return registry.idp


def register_routes(bp) -> None:
    """Add "inloggen via uw organisatie" to the auth blueprint (``meldpunt.auth.views`` calls this once)."""
    @bp.get("/inloggen/oidc")
    def oidc_login():
        return _client().authorize_redirect(url_for("auth.oidc_callback", _external=True))

    @bp.get("/inloggen/oidc/terug")
    def oidc_callback():
        from meldpunt.auth.views import finish_login, record_login_event
        from meldpunt.extensions import db

        client = _client()
        try:
            token = client.authorize_access_token()
        except Exception:  # noqa: BLE001 - any protocol error: refuse generically, log no token
            current_app.logger.warning("oidc sign-in failed: invalid response from the identity provider")
            flash(gettext("Inloggen via uw organisatie is niet gelukt. Probeer het opnieuw."), "error")
            return redirect(url_for("auth.login"))
        claims = dict(token.get("userinfo") or {})
        settings = current_app.extensions["meldpunt.settings"]
        try:
            user = sign_in_oidc(db.session, claims=claims, group_claim=settings.oidc.group_claim,
                                role_map=settings.oidc.role_map, department_claim=settings.oidc.department_claim)
        except OidcRefused as exc:
            db.session.rollback()
            record_login_event("auth.login", user=None, result="failed", details={"method": "oidc"})
            db.session.commit()
            return render_template("errors/error.html", title="Geen toegang", text=str(exc), code=403), 403
        return finish_login(user, method="oidc")
