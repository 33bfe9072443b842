"""Login (password, then TOTP for the roles that need it), enrolment, logout and the own account page."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from meldpunt.auth import sessions as auth_sessions
from meldpunt.auth import totp
from meldpunt.auth.throttle import Refusal, account_key, client_key, current_throttle, init_throttle
from meldpunt.auth.forms import (
    CodeForm,
    EnrolForm,
    LoginForm,
    LogoutForm,
    PasswordChangeForm,
    RecoveryCodesForm,
    ReplyMailForm,
)
from meldpunt.auth.oidc import register_routes as register_oidc_routes
from meldpunt.auth.models import Role, User
from meldpunt.auth.service import (
    AccountError,
    WrongPasswordError,
    authenticate,
    password_matches,
    change_password,
    email_digest,
    load_session_user,
    totp_required,
)
from meldpunt.extensions import LANDING_PAGES, db, limiter
from meldpunt.vault.service import current_keyring
from meldpunt.audit.requests import audit_event, client_origin

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: init_throttle(state.app))  # one password limiter per app

GENERIC_LOGIN_ERROR = _l("Deze combinatie van e-mailadres en wachtwoord klopt niet, of het account is geblokkeerd.")
GENERIC_CODE_ERROR = _l("Deze code klopt niet of is al gebruikt. Wacht op de volgende code en probeer het opnieuw.")
#: How long the step between password and code may take.
PENDING_SECONDS = 600
PENDING_KEY = "mfa_pending"
ENROL_SESSION_KEY = "totp_enrol"
#: Failed codes per account per day, on top of the per-minute limit: a 6-digit code (3 valid per try with the
#: clock window) must not be guessable by someone who has the password and simply keeps trying every minute.
CODE_LIMIT_PER_ACCOUNT_DAY = "30 per day"


# ---------------------------------------------------------------------------- helpers


def _settings():
    return current_app.extensions["meldpunt.settings"]


#: Where to go after logging in (only a local path; see ``_safe_next``). Not "next": flask-login
#: treats that session key as its own and wipes it when it checks the session (session protection).
NEXT_KEY = "login_next"


def home_for(user) -> str:
    """The page after login: the first landing page the user may use (each package adds its own with
    ``meldpunt.policy.add_landing_page`` from its ``init_app``, in the app's package order); else Mijn meldingen."""
    for may_use, endpoint in current_app.extensions.get(LANDING_PAGES, ()):
        if may_use(user):
            return url_for(endpoint)
    return url_for("intake.my_signals")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def record_login_event(action: str, *, user: User | None, result: str = "ok", details: dict | None = None) -> None:
    """Audit entry for the login flow (the user is not logged in yet, so ``audit_event`` cannot name them)."""
    from meldpunt.audit.service import record

    record(
        db.session,
        action=action,
        actor_id=user.id if user else None,
        actor_label=user.email if user else "anoniem",
        object_type="user" if user else "account",
        object_id=user.id if user else "",
        result=result,
        origin=client_origin(),
        details=details,
    )


def _pending_key() -> str:
    """Per account in the code and enrolment steps (the pending login's user, or the logged-in user),
    keyed like the password step by an HMAC of the account's e-mail."""
    user = current_user if current_user.is_authenticated else _pending_user()
    if user is None:
        return "client:" + (request.remote_addr or "unknown")
    return "acct:" + email_digest(current_keyring(), user.email)[:32]


def _client_key() -> str:
    return "client:" + (request.remote_addr or "unknown")


def _password_keys(email: str) -> dict[str, str]:
    """The shared password limiter's keys for a check on ``email``'s account from this client."""
    keyring = current_keyring()
    return {"account": account_key(keyring, email), "client": client_key(keyring, request.remote_addr)}


def _too_many(refusal: Refusal):
    """429 in Dutch, saying how long to wait (also as Retry-After)."""
    if refusal.wait_seconds < 60:
        when = _("over %(count)s seconden", count=refusal.wait_seconds) if refusal.wait_seconds != 1 \
            else _("over een seconde")
    else:
        minutes = math.ceil(refusal.wait_seconds / 60)
        when = _("over een minuut") if minutes == 1 else _("over %(count)s minuten", count=minutes)
    text = _("U heeft te vaak een verkeerd wachtwoord ingevuld. Daarom kunt u het nu even niet proberen. "
             "Probeer het %(when)s opnieuw.", when=when)
    db.session.rollback()
    response = make_response(render_template("errors/error.html", title=_("Te veel pogingen"), text=text, code=429), 429)
    response.headers["Retry-After"] = str(refusal.wait_seconds)
    return response


def _failed(_response) -> bool:
    return bool(g.get("auth_failed"))


def _login_account_limit() -> str:
    return _settings().security.login_limit_per_account


def _login_client_limit() -> str:
    return _settings().security.login_limit_per_client


def _start_session(user: User, *, method: str) -> None:
    """A brand-new session (fresh cookie contents, fresh server-side id) for ``user``."""
    next_url = session.get(NEXT_KEY)
    session.clear()
    token = auth_sessions.create_session(db.session, user=user, method=method)
    session[auth_sessions.SESSION_KEY] = token
    login_user(user, remember=False, fresh=True)
    session.permanent = False
    if next_url:
        session[NEXT_KEY] = next_url


def finish_login(user: User, *, method: str):
    from meldpunt.database import utcnow

    user.last_login_at = utcnow()
    _start_session(user, method=method)
    record_login_event("auth.login", user=user, details={"method": method})
    db.session.commit()
    return redirect(_safe_next(session.pop(NEXT_KEY, None)) or home_for(user))


def _now() -> float:
    """The app's clock (``create_app`` sets the wall clock), for the TOTP time step."""
    return current_app.extensions["meldpunt.clock"]()


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, int(pending.get("uid", 0) or 0))
    if user is None or not user.is_enabled or user.session_generation != pending.get("gen"):
        return None
    return user


# ---------------------------------------------------------------------------- request guard (wired in web.py)


def load_user(user_id: str) -> User | None:
    """flask-login's user loader: the generation-bound id AND a live server-side session row.

    The session row is read first, with its account in the same statement, so loading the user
    after it needs no query of its own.
    """
    security = _settings().security
    row, changed = auth_sessions.validate_session(
        db.session,
        token=session.get(auth_sessions.SESSION_KEY),
        idle=timedelta(minutes=security.session_idle_minutes),
        absolute=timedelta(hours=security.session_absolute_hours),
    )
    g.auth_session_changed = changed
    user = load_session_user(db.session, user_id)
    if user is None or row is None or row.user_id != user.id:
        return None
    return user


def session_guard():
    """before_request: validate the session once, persist its touch, and clear a dead session's cookie."""
    if request.endpoint == "static":
        return None
    if "_user_id" not in session:
        return None
    authenticated = current_user.is_authenticated
    if g.get("auth_session_changed"):
        db.session.commit()
    if not authenticated:
        # Revoked, idle or expired: forget everything the cookie carried.
        session.clear()
    return None


# ---------------------------------------------------------------------------- pages


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/index.html")


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")) or home_for(current_user))
    form = LoginForm()
    if request.method == "GET" and _safe_next(request.args.get("next")):
        session[NEXT_KEY] = request.args["next"]
    if form.validate_on_submit():
        keys = _password_keys(form.email.data or "")
        refused = current_throttle().refusal(**keys)
        if refused is not None:
            return _too_many(refused)
        user = authenticate(db.session, email=form.email.data or "", password=form.password.data or "")
        if user is None:
            current_throttle().failed(**keys)
            record_login_event("auth.login", user=None, result="failed",
                    details={"step": "password", "account": email_digest(current_keyring(), form.email.data or "")})
            db.session.commit()
            flash(str(GENERIC_LOGIN_ERROR), "error")
            form.password.data = ""
            return _login_page(form), 200
        current_throttle().succeeded(**keys)
        if totp_required(user, _settings().security.totp_required_roles):
            next_url = session.get(NEXT_KEY)
            session.clear()
            session[PENDING_KEY] = {"uid": user.id, "gen": user.session_generation, "at": time.time()}
            if next_url:
                session[NEXT_KEY] = next_url
            db.session.commit()  # a rehashed password is kept
            if user.totp_enrolled:
                return redirect(url_for("auth.code"))
            return redirect(url_for("auth.enrol"))
        return finish_login(user, method="password")
    status = 422 if form.is_submitted() else 200
    return _login_page(form), status


def _login_page(form):
    return render_template("auth/login.html", form=form, oidc_enabled=_settings().oidc.enabled)


@bp.route("/inloggen/code", methods=["GET", "POST"])
@limiter.limit(_login_account_limit, key_func=_pending_key, methods=["POST"], deduct_when=_failed, scope="code-account")
@limiter.limit(_login_client_limit, key_func=_client_key, methods=["POST"], deduct_when=_failed, scope="code-client")
@limiter.limit(CODE_LIMIT_PER_ACCOUNT_DAY, key_func=_pending_key, methods=["POST"], deduct_when=_failed,
               scope="code-account-day")
def code():
    user = _pending_user()
    if user is None or not user.totp_enrolled:
        flash(_("Log opnieuw in om verder te gaan."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        typed = form.code.data or ""
        keyring = current_keyring()
        if totp.verify_totp(db.session, keyring=keyring, user=user, code=typed, now=_now()):
            return finish_login(user, method="totp")
        if totp.use_recovery_code(db.session, user=user, code=typed):
            left = totp.remaining_recovery_codes(db.session, user=user)
            flash(_("U heeft een herstelcode gebruikt. U heeft er nog %(left)s over.", left=left), "info")
            return finish_login(user, method="recovery")
        g.auth_failed = True
        db.session.rollback()
        record_login_event("auth.login", user=user, result="failed", details={"step": "code"})
        db.session.commit()
        form.code.errors.append(str(GENERIC_CODE_ERROR))
        form.code.data = ""
        return render_template("auth/code.html", form=form), 422
    status = 422 if form.is_submitted() else 200
    return render_template("auth/code.html", form=form), status


@bp.route("/inloggen/instellen", methods=["GET", "POST"])
@limiter.limit(_login_account_limit, key_func=_pending_key, methods=["POST"], deduct_when=_failed, scope="enrol-account")
def enrol():
    """Set up the authenticator app: right after the password (required roles), or from the account page."""
    logged_in = current_user.is_authenticated
    user = current_user._get_current_object() if logged_in else _pending_user()
    if user is None:
        flash(_("Log opnieuw in om verder te gaan."), "info")
        return redirect(url_for("auth.login"))
    if not logged_in and user.totp_enrolled:
        return redirect(url_for("auth.code"))
    form = EnrolForm()
    secret = session.get(ENROL_SESSION_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = totp.new_secret()
        session[ENROL_SESSION_KEY] = secret
    reauth = logged_in and bool(user.password_hash)
    if form.validate_on_submit():
        if reauth:
            keys = _password_keys(user.email)
            refused = current_throttle().refusal(**keys)
            if refused is not None:
                return _too_many(refused)
            if not password_matches(user, form.current_password.data or ""):
                current_throttle().failed(**keys)
                record_login_event("auth.totp_enrol", user=user, result="failed", details={"reason": "reauth"})
                db.session.commit()
                form.current_password.errors.append(_("Uw huidige wachtwoord klopt niet."))
                return _enrol_page(form, user, secret), 422
            current_throttle().succeeded(**keys)
        step = totp.matching_step(secret, form.code.data or "", after_step=None, now=_now())
        if step is None:
            g.auth_failed = True
            record_login_event("auth.totp_enrol", user=user, result="failed")
            db.session.commit()
            form.code.errors.append(_("Deze code klopt niet. Controleer of de tijd op uw telefoon goed staat en probeer het opnieuw."))
            form.code.data = ""
            return _enrol_page(form, user, secret), 422
        keyring = current_keyring()
        totp.store_secret(db.session, keyring=keyring, user=user, secret=secret, confirmed_step=step)
        codes = totp.issue_recovery_codes(db.session, user=user)
        auth_sessions.revoke_all_sessions(db.session, user=user)  # a TOTP change ends every other session
        session.pop(ENROL_SESSION_KEY, None)
        _start_session(user, method="totp")
        record_login_event("auth.totp_enrol", user=user)
        if not logged_in:
            record_login_event("auth.login", user=user, details={"method": "totp"})
        db.session.commit()
        next_url = _safe_next(session.pop(NEXT_KEY, None)) or home_for(user)
        return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    status = 422 if form.is_submitted() else 200
    return _enrol_page(form, user, secret), status


def _enrol_page(form, user: User, secret: str):
    uri = totp.provisioning_uri(secret, account=user.email, issuer=f"Meldpunt {_settings().organisation}")
    return render_template("auth/enrol.html", form=form, qr_svg=totp.qr_svg(uri), secret=totp.grouped(secret),
                           required=user.role in _settings().security.totp_required_roles,
                           reauth=current_user.is_authenticated and bool(user.password_hash))


#: Where the logout button may continue to (a fixed list: no open redirect).
CONTINUE_AFTER_LOGOUT = {"anoniem-melden": "intake.new_anonymous_signal", "ontvangstcode": "intake.receipt"}


@bp.post("/uitloggen")
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.index"))
    if current_user.is_authenticated:
        audit_event("auth.logout", object_type="user", object_id=current_user.id)
    auth_sessions.revoke_session(db.session, token=session.get(auth_sessions.SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("U bent uitgelogd."), "info")
    # "Uitloggen en anoniem melden" / "... melding openen" continue to the anonymous pages.
    then = CONTINUE_AFTER_LOGOUT.get(request.form.get("verder", ""))
    return redirect(url_for(then), 303) if then else redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account():
    user = current_user._get_current_object()
    return render_template(
        "auth/account.html",
        user=user,
        recovery_left=totp.remaining_recovery_codes(db.session, user=user) if user.totp_enrolled else 0,
        logout_form=LogoutForm(),
        recovery_form=RecoveryCodesForm(formdata=None),
        reply_mail_form=ReplyMailForm(formdata=None, reply_mail=user.reply_mail),
        handles_signals=user.role in (Role.REGISSEUR.value, Role.INTEGRITEIT.value),
    )


@bp.post("/account/berichten-mail")
@login_required
def reply_mail():
    """The handler's choice of an e-mail on a reporter's reply (POST, 303 back to the account page)."""
    form = ReplyMailForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.account"), 303)
    user = current_user._get_current_object()
    user.reply_mail = bool(form.reply_mail.data)
    audit_event("account.reply_mail", object_type="user", object_id=user.id, details={"reply_mail": user.reply_mail})
    db.session.commit()
    flash(_("Opgeslagen. U krijgt voortaan ook een e-mail als een melder reageert.") if user.reply_mail
          else _("Opgeslagen. U krijgt geen e-mail meer als een melder reageert."), "success")
    return redirect(url_for("auth.account"), 303)


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password_page():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        keys = _password_keys(user.email)
        refused = current_throttle().refusal(**keys)
        if refused is not None:
            return _too_many(refused)
        try:
            change_password(db.session, user=user, current=form.current.data or "", new=form.new.data or "")
        except WrongPasswordError as exc:
            db.session.rollback()
            current_throttle().failed(**keys)
            audit_event("auth.password_change", object_type="user", object_id=user.id, result="failed",
                        details={"reason": "reauth"})
            db.session.commit()
            form.current.errors.append(str(exc))
            form.current.data = form.new.data = ""
            return render_template("auth/password.html", form=form), 422
        except AccountError as exc:
            db.session.rollback()
            current_throttle().succeeded(**keys)
            form.new.errors.append(str(exc))
            form.current.data = form.new.data = ""
            return render_template("auth/password.html", form=form), 422
        current_throttle().succeeded(**keys)
        _start_session(user, method="password")  # every other session ended with the change
        audit_event("auth.password_change", object_type="user", object_id=user.id)
        db.session.commit()
        flash(_("Uw wachtwoord is gewijzigd. U bent op andere apparaten uitgelogd."), "info")
        return redirect(url_for("auth.account"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status


@bp.post("/account/herstelcodes")
@login_required
def new_recovery_codes():
    form = RecoveryCodesForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit() or not user.totp_enrolled:
        return redirect(url_for("auth.account"))
    if user.password_hash:
        keys = _password_keys(user.email)
        refused = current_throttle().refusal(**keys)
        if refused is not None:
            return _too_many(refused)
        if not password_matches(user, form.current_password.data or ""):
            current_throttle().failed(**keys)
            audit_event("auth.recovery_codes", object_type="user", object_id=user.id, result="failed",
                        details={"reason": "reauth"})
            db.session.commit()
            flash(_("Uw huidige wachtwoord klopt niet. Er zijn geen nieuwe herstelcodes gemaakt."), "error")
            return redirect(url_for("auth.account"))
        current_throttle().succeeded(**keys)
    codes = totp.issue_recovery_codes(db.session, user=user)
    audit_event("auth.recovery_codes", object_type="user", object_id=user.id, details={"count": len(codes)})
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))


# "Inloggen via uw organisatie" (OIDC) belongs to this blueprint; added once, when this module is loaded.
register_oidc_routes(bp)
