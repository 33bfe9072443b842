"""/rechten: holders of a content role approve or reject requests to give that role to someone else."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.extensions import db
from meldpunt.grants import service
from meldpunt.grants.forms import GrantDecisionForm
from meldpunt.grants.models import RoleGrant
from meldpunt.policy import Action, load_or_404, require
from meldpunt.audit.requests import audit_event, client_origin

bp = Blueprint("grants", __name__, url_prefix="/rechten")


@bp.get("/")
@login_required
def index():
    require(current_user, Action.DECIDE_ROLE_GRANT)
    grants = service.grants_to_decide(db.session, user=current_user)
    audit_event("grant.list", object_type="role_grant", details={"count": len(grants)})
    db.session.commit()
    return render_template("grants/index.html", grants=grants)


@bp.post("/<int:grant_id>")
@login_required
def decide(grant_id: int):
    grant = load_or_404(RoleGrant, grant_id, Action.DECIDE_ROLE_GRANT)
    form = GrantDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = form.decision.data == "akkoord"
    try:
        service.decide(db.session, grant=grant, actor=current_user, approve=approve, origin=client_origin())
    except service.GrantError as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("grants.index"))
    db.session.commit()
    if approve:
        flash(_("%(name)s heeft nu de rol %(role)s. Deze persoon moet opnieuw inloggen.", name=grant.user.name,
                role=_(grant.role_enum.label)),
              "success")
    else:
        flash(_("Het verzoek is afgewezen. De rol van deze persoon blijft zoals hij was."), "success")
    return redirect(url_for("grants.index"))


@bp.app_context_processor
def _grant_requests_waiting():
    def grant_requests_waiting() -> int:
        """Open requests the current user may decide (0 for every role outside the content roles)."""
        if not current_user or not current_user.is_authenticated or not service.needs_grant(current_user.role):
            return 0
        return len(service.grants_to_decide(db.session, user=current_user))

    return {"grant_requests_waiting": grant_requests_waiting}
