"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from meldpunt.auth.forms import LoginForm, LogoutForm
from meldpunt.auth.models import Role
from meldpunt.auth.service import authenticate
from meldpunt.extensions import db
from meldpunt.web import audit_event

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_ERROR = "Deze combinatie van e-mailadres en wachtwoord klopt niet, of het account is geblokkeerd."


def home_for(user) -> str:
    if user.role in (Role.REGISSEUR, Role.INTEGRITEIT):
        return url_for("triage.queue")
    return url_for("intake.my_signals")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/index.html")


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, email=form.email.data or "", password=form.password.data or "")
        if user is None:
            audit_event("auth.login", object_type="account", result="failed")
            db.session.commit()
            flash(GENERIC_LOGIN_ERROR, "error")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a fresh session at login
        login_user(user, remember=False)
        audit_event("auth.login", object_type="user", object_id=user.id)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")) or home_for(user))
    return render_template("auth/login.html", form=form)


@bp.post("/uitloggen")
@login_required
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.index"))
    audit_event("auth.logout", object_type="user", object_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))
