"""/beheer: accounts, roles, taxonomy and the audit trail (metadata only). For the beheerder alone."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_timezone
from flask_login import current_user, login_required

from meldpunt.i18n import N_
from meldpunt.admin import service
from meldpunt.admin.forms import (
    ActionForm,
    AuditFilterForm,
    DepartmentForm,
    RoleForm,
    TermEditForm,
    TermForm,
    UserCreateForm,
)
from meldpunt.admin import audit_labels
from meldpunt.audit.service import search_entries
from meldpunt.auth.models import ROLE_LABELS, User
from meldpunt.auth.service import AccountError
from meldpunt.extensions import db
from meldpunt.policy import Action, load_or_404, require
from meldpunt.taxonomy.models import TaxonomyTerm, TermKind
from meldpunt.audit.requests import audit_event, client_origin

bp = Blueprint("admin", __name__, url_prefix="/beheer")

KIND_LABELS = {
    TermKind.PHENOMENON: N_("Verschijningsvormen"),
    TermKind.PROCESS: N_("Werkprocessen"),
    TermKind.LOCATION_TYPE: N_("Locatietypen"),
    TermKind.CHANNEL: N_("Bronnen en kanalen"),
    TermKind.DEPARTMENT: N_("Afdelingen"),
}


def _user_or_404(user_id: int) -> User:
    return load_or_404(User, user_id, Action.MANAGE_USERS)


def _term_or_404(term_id: int) -> TaxonomyTerm:
    return load_or_404(TaxonomyTerm, term_id, Action.MANAGE_TAXONOMY)


def _kind(raw: str | None) -> TermKind:
    try:
        return TermKind(raw or TermKind.PHENOMENON.value)
    except ValueError:
        abort(404)


@bp.get("/")
@login_required
def index():
    require(current_user, Action.MANAGE_USERS)
    return redirect(url_for("admin.users"))


# ---------------------------------------------------------------------------- accounts


@bp.get("/gebruikers")
@login_required
def users():
    require(current_user, Action.MANAGE_USERS)
    return render_template("admin/users.html", users=service.list_users(db.session), role_labels=ROLE_LABELS,
                           pending=service.pending_requests(db.session))


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@login_required
def user_new():
    require(current_user, Action.MANAGE_USERS)
    form = UserCreateForm()
    form.department.choices = _department_choices()
    if form.validate_on_submit():
        try:
            user, grant = service.admin_create_user(
                db.session, actor=current_user, email=form.email.data or "", name=form.name.data or "",
                role=form.role.data or "", password=form.password.data or None,
                department=form.department.data or None, origin=client_origin(),
            )
        except AccountError as exc:
            db.session.rollback()
            target = form.password if "wachtwoord" in str(exc).lower() else form.email
            target.errors.append(str(exc))
            form.password.data = ""
            return render_template("admin/user_new.html", form=form), 422
        db.session.commit()
        if grant is not None:
            flash(_("Het account is aangemaakt met de rol Melder. De rol %(role)s gaat pas in als "
                    "een andere %(role)s akkoord geeft.", role=_(grant.role_enum.label)), "success")
        else:
            flash(_("Het account is aangemaakt."), "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    form.password.data = ""
    return render_template("admin/user_new.html", form=form), 422 if form.is_submitted() else 200


@bp.get("/gebruikers/<int:user_id>")
@login_required
def user_detail(user_id: int):
    user = _user_or_404(user_id)
    return _user_page(user, RoleForm(role=user.role))


def _department_choices() -> list[tuple[str, str]]:
    from meldpunt.taxonomy.service import active_terms

    return [("", "Geen afdeling")] + [(t.code, t.label) for t in active_terms(db.session, kind=TermKind.DEPARTMENT)]


def _user_page(user: User, role_form: RoleForm, department_form: DepartmentForm | None = None):
    from meldpunt.taxonomy.service import department_code_for, term_labels

    if department_form is None:
        department_form = DepartmentForm(formdata=None)
        department_form.department.data = department_code_for(db.session, text=user.department) or ""
    department_form.department.choices = _department_choices()
    labels = term_labels(db.session, kind=TermKind.DEPARTMENT)
    return render_template("admin/user_detail.html", user=user, role_form=role_form, action_form=ActionForm(),
                           role_labels=ROLE_LABELS, pending=service.pending_request(db.session, user=user),
                           department_form=department_form,
                           department_label=labels.get(user.department or "", user.department))


@bp.post("/gebruikers/<int:user_id>/afdeling")
@login_required
def user_department(user_id: int):
    user = _user_or_404(user_id)
    form = DepartmentForm()
    form.department.choices = _department_choices()
    if form.validate_on_submit():
        try:
            service.admin_set_department(db.session, actor=current_user, user=user, department=form.department.data,
                                         origin=client_origin())
        except AccountError as exc:
            db.session.rollback()
            form.department.errors = [str(exc)]
            return _user_page(user, RoleForm(role=user.role), form), 422
        db.session.commit()
        flash(_("De afdeling is opgeslagen."), "success")
        return redirect(url_for("admin.user_detail", user_id=user_id))
    return _user_page(user, RoleForm(role=user.role), form), 422


@bp.post("/gebruikers/<int:user_id>/rol")
@login_required
def user_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            change = service.admin_change_role(db.session, actor=current_user, user=user, role=form.role.data or "",
                                               origin=client_origin())
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("admin.user_detail", user_id=user_id))
        db.session.commit()
        flash(_role_change_message(change, user), "success")
        return redirect(url_for("admin.user_detail", user_id=user_id))
    return _user_page(user, form), 422


def _role_change_message(change: service.RoleChange, user: User) -> str:
    if change.grant is not None:
        label = _(change.grant.role_enum.label)
        return _("De rol %(role)s is aangevraagd. De gebruiker houdt de rol %(current)s "
                 "tot een andere %(role)s akkoord geeft.", role=label, current=_(user.role_enum.label))
    if change.changed:
        return _("De rol is gewijzigd. De gebruiker moet opnieuw inloggen.")
    if change.withdrawn:
        return _("Het verzoek om een andere rol is ingetrokken. De rol blijft zoals hij was.")
    return _("De gebruiker had deze rol al. Er is niets gewijzigd.")


def _user_action(user_id: int, apply, message: str):
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        apply(user)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.user_detail", user_id=user_id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/gebruikers/<int:user_id>/blokkeren")
@login_required
def user_disable(user_id: int):
    return _user_action(user_id, lambda u: service.admin_set_enabled(
        db.session, actor=current_user, user=u, enabled=False, origin=client_origin()),
        _("Het account is geblokkeerd. De gebruiker is overal uitgelogd."))


@bp.post("/gebruikers/<int:user_id>/deblokkeren")
@login_required
def user_enable(user_id: int):
    return _user_action(user_id, lambda u: service.admin_set_enabled(
        db.session, actor=current_user, user=u, enabled=True, origin=client_origin()), _("Het account is weer actief."))


@bp.post("/gebruikers/<int:user_id>/tweestap-resetten")
@login_required
def user_reset_totp(user_id: int):
    return _user_action(user_id, lambda u: service.admin_reset_totp(
        db.session, actor=current_user, user=u, origin=client_origin()),
        _("De tweestapsverificatie is gewist. De gebruiker stelt bij de volgende keer inloggen een nieuwe app in."))


# ---------------------------------------------------------------------------- taxonomy


@bp.get("/taxonomie")
@login_required
def taxonomy():
    require(current_user, Action.MANAGE_TAXONOMY)
    kind = _kind(request.args.get("soort"))
    return render_template("admin/taxonomy.html", kind=kind, kinds=KIND_LABELS,
                           terms=service.list_terms(db.session, kind=kind), action_form=ActionForm())


@bp.route("/taxonomie/nieuw", methods=["GET", "POST"])
@login_required
def term_new():
    require(current_user, Action.MANAGE_TAXONOMY)
    kind = _kind(request.args.get("soort"))
    form = TermForm()
    if form.validate_on_submit():
        try:
            service.add_term(db.session, actor=current_user, kind=kind, code=form.code.data or "",
                             label=form.label.data or "", help_text=form.help_text.data or "", origin=client_origin())
        except service.TaxonomyError as exc:
            db.session.rollback()
            (form.label if "naam" in str(exc).lower() else form.code).errors.append(str(exc))
            return render_template("admin/term_form.html", form=form, kind=kind, kinds=KIND_LABELS, term=None), 422
        db.session.commit()
        flash(_("Het begrip is toegevoegd."), "success")
        return redirect(url_for("admin.taxonomy", soort=kind.value))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/term_form.html", form=form, kind=kind, kinds=KIND_LABELS, term=None), status


@bp.route("/taxonomie/<int:term_id>", methods=["GET", "POST"])
@login_required
def term_edit(term_id: int):
    term = _term_or_404(term_id)
    kind = TermKind(term.kind)
    form = TermEditForm(obj=term) if request.method == "GET" else TermEditForm()
    if form.validate_on_submit():
        try:
            service.edit_term(db.session, actor=current_user, term=term, label=form.label.data or "",
                              help_text=form.help_text.data or "", origin=client_origin())
        except service.TaxonomyError as exc:
            db.session.rollback()
            form.label.errors.append(str(exc))
            return render_template("admin/term_form.html", form=form, kind=kind, kinds=KIND_LABELS, term=term), 422
        db.session.commit()
        flash(_("Het begrip is gewijzigd."), "success")
        return redirect(url_for("admin.taxonomy", soort=kind.value))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/term_form.html", form=form, kind=kind, kinds=KIND_LABELS, term=term), status


@bp.post("/taxonomie/<int:term_id>/actief")
@login_required
def term_toggle(term_id: int):
    term = _term_or_404(term_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    service.set_term_active(db.session, actor=current_user, term=term, active=not term.is_active,
                            origin=client_origin())
    db.session.commit()
    flash(_("Het begrip is weer actief.") if term.is_active else _("Het begrip is uitgezet. Het staat niet meer in formulieren."),
          "success")
    return redirect(url_for("admin.taxonomy", soort=term.kind))


# ---------------------------------------------------------------------------- audit trail


@bp.get("/audit")
@login_required
def audit():
    require(current_user, Action.VIEW_AUDIT)
    form = AuditFilterForm(request.args)
    form.validate()
    since_day = form.since.day
    until_day = form.until.day if not form.until.errors else None
    local = ZoneInfo(str(get_timezone()))  # the days the beheerder means are Dutch days, not UTC days
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    result = search_entries(
        db.session,
        action=form.action.data or None,
        actor=form.actor.data or None,
        object_type=form.object_type.data or None,
        result=form.result.data or None,
        since=datetime.combine(since_day, time.min, tzinfo=local).astimezone(timezone.utc) if since_day else None,
        until=(datetime.combine(until_day + timedelta(days=1), time.min, tzinfo=local).astimezone(timezone.utc)
               if until_day else None),
        page=page,
    )
    audit_event("audit.view", object_type="audit", details={"page": page, "results": result.total})
    db.session.commit()
    args = {k: v for k, v in request.args.items() if k != "pagina" and v}
    return render_template("admin/audit.html", form=form, result=result, args=args, labels=audit_labels)
