"""/bewaartermijnen (run reports, what expires soon, legal holds), the hold and "bewaren tot" forms on the
handler's pages, and /avg-verzoeken (requests of data subjects). Thin views: parse, call one service."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.cases.models import Case
from meldpunt.database import utcnow
from meldpunt.extensions import db
from meldpunt.signals.models import Signal
from meldpunt.policy import Action, can, load_or_404, require
from meldpunt.retention import rights
from meldpunt.retention import service
from meldpunt.retention.forms import DecideForm, ExtendForm, HoldForm, LiftForm, RequestDecisionForm, RequestForm
from meldpunt.retention.models import (
    HOLD_STATE_LABELS, REQUEST_KIND_LABELS, REQUEST_STATE_LABELS, HoldState, LegalHold, RequestState, RightsRequest,
)
from meldpunt.retention.permissions import SERIES_FOR_ROLE, RetentionAction
from meldpunt.vault.service import current_keyring
from meldpunt.audit.requests import audit_event, client_origin

bp = Blueprint("retention", __name__)

VIEW = RetentionAction.VIEW_RETENTION
RIGHTS = RetentionAction.HANDLE_RIGHTS


def today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _terms():
    return current_app.extensions["meldpunt.settings"].retention


# ------------------------------------------------------------------------------------------- overview


@bp.get("/bewaartermijnen/")
@login_required
def index():
    require(current_user, VIEW)
    series = SERIES_FOR_ROLE.get(current_user.role, ())
    runs = [(run, [ref for ref in service.run_references(run) if ref.startswith(series)])
            for run in service.recent_runs(db.session)]
    soon = [s for s in service.expiring_soon(db.session, now=utcnow(), terms=_terms())
            if can(current_user, Action.HANDLE_SIGNAL, s)]
    expiries = {s.id: service.expiry_of(db.session, signal=s, terms=_terms(), today=today()) for s in soon}
    audit_event("retention.runs.view", object_type="retention_run", details={"runs": len(runs)})
    db.session.commit()
    return render_template("retention/index.html", runs=runs, soon=soon, expiries=expiries, terms=_terms())


# ------------------------------------------------------------------------------------------- legal hold


@bp.get("/bewaartermijnen/bewaarplicht")
@login_required
def holds():
    require(current_user, VIEW)
    keyring = current_keyring()
    visible = [h for h in service.holds(db.session) if can(current_user, VIEW, h)]
    rows = [(h, service.hold_reason(db.session, keyring=keyring, hold=h),
             service.hold_reason(db.session, keyring=keyring, hold=h, field="lift_reason") if h.lift_pending else "")
            for h in visible]
    audit_event("retention.hold.list", object_type="legal_hold", details={"holds": len(rows)})
    db.session.commit()
    return render_template("retention/holds.html", rows=rows, labels=HOLD_STATE_LABELS, today=today(),
                           decide_form=DecideForm(), lift_form=LiftForm())


def _target_page(target) -> str:
    if isinstance(target, Signal):
        return url_for("triage.signal_detail", signal_id=target.id)
    return url_for("cases.detail", case_id=target.id)


def _propose(target, *, back: str):
    form = HoldForm(prefix="hold")
    if form.validate_on_submit():
        try:
            service.propose_hold(db.session, keyring=current_keyring(), actor=current_user, target=target,
                                 reason=form.reason.data, ends_on=form.ends_on.data, today=today(),
                                 origin=client_origin())
        except service.RetentionError as exc:
            db.session.rollback()
            form.reason.errors = list(form.reason.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("De bewaarplicht is voorgesteld. Een andere behandelaar moet haar goedkeuren."), "success")
            return redirect(back)
    return render_template("retention/hold_form.html", form=form, target=target, back=back,
                           action=request.path), 422


@bp.post("/behandelen/meldingen/<uuid:signal_id>/bewaarplicht")
@login_required
def propose_signal_hold(signal_id):
    signal = load_or_404(Signal, signal_id, Action.HANDLE_SIGNAL)
    return _propose(signal, back=_target_page(signal))


@bp.post("/behandelen/casussen/<uuid:case_id>/bewaarplicht")
@login_required
def propose_case_hold(case_id):
    case = load_or_404(Case, case_id, Action.HANDLE_CASE)
    return _propose(case, back=_target_page(case))


@bp.post("/bewaartermijnen/bewaarplicht/<uuid:hold_id>/besluit")
@login_required
def decide_hold(hold_id):
    hold = load_or_404(LegalHold, hold_id, RetentionAction.DECIDE_HOLD)
    decision = request.form.get("decision")
    if not DecideForm().validate_on_submit() or decision not in ("akkoord", "afwijzen"):
        abort(400)
    try:
        service.decide_hold(db.session, hold=hold, actor=current_user, approve=decision == "akkoord",
                            origin=client_origin())
    except service.RetentionError as exc:
        db.session.rollback()
        return _holds_error(str(exc))
    db.session.commit()
    flash(_("De bewaarplicht geldt nu.") if decision == "akkoord" else _("De bewaarplicht is afgewezen."), "success")
    return redirect(url_for("retention.holds"))


@bp.post("/bewaartermijnen/bewaarplicht/<uuid:hold_id>/opheffen")
@login_required
def lift_hold(hold_id):
    """Ask to lift a hold ("opheffen aangevraagd"); it stays in force until a second handler agrees."""
    hold = load_or_404(LegalHold, hold_id, RetentionAction.DECIDE_HOLD)
    form = LiftForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _holds_error("Geef een reden op om de bewaarplicht op te heffen.")
    try:
        service.request_lift(db.session, keyring=current_keyring(), hold=hold, actor=current_user,
                             reason=form.lift_reason.data, origin=client_origin())
    except service.RetentionError as exc:
        db.session.rollback()
        return _holds_error(str(exc))
    db.session.commit()
    flash(_("Opheffen is aangevraagd. Een andere behandelaar moet beslissen. Tot dan blijft de bewaarplicht gelden."),
          "success")
    return redirect(url_for("retention.holds"), code=303)


@bp.post("/bewaartermijnen/bewaarplicht/<uuid:hold_id>/opheffen/besluit")
@login_required
def decide_lift(hold_id):
    hold = load_or_404(LegalHold, hold_id, RetentionAction.DECIDE_HOLD)
    decision = request.form.get("decision")
    if not DecideForm().validate_on_submit() or decision not in ("akkoord", "afwijzen"):
        abort(400)
    try:
        service.decide_lift(db.session, hold=hold, actor=current_user, approve=decision == "akkoord",
                            origin=client_origin())
    except service.RetentionError as exc:
        db.session.rollback()
        return _holds_error(str(exc))
    db.session.commit()
    flash(_("De bewaarplicht is opgeheven.") if decision == "akkoord"
          else _("Het opheffen is afgewezen. De bewaarplicht blijft gelden."), "success")
    return redirect(url_for("retention.holds"), code=303)


def _holds_error(message: str):
    keyring = current_keyring()
    rows = [(h, service.hold_reason(db.session, keyring=keyring, hold=h),
             service.hold_reason(db.session, keyring=keyring, hold=h, field="lift_reason") if h.lift_pending else "")
            for h in service.holds(db.session) if can(current_user, VIEW, h)]
    db.session.rollback()
    return render_template("retention/holds.html", rows=rows, labels=HOLD_STATE_LABELS, today=today(),
                           decide_form=DecideForm(formdata=None), lift_form=LiftForm(formdata=None),
                           error=message), 422


# ------------------------------------------------------------------------------------------- bewaren tot


@bp.post("/behandelen/meldingen/<uuid:signal_id>/bewaren-tot")
@login_required
def extend(signal_id):
    signal = load_or_404(Signal, signal_id, Action.HANDLE_SIGNAL)
    form = ExtendForm(prefix="keep")
    back = _target_page(signal)
    if form.validate_on_submit():
        try:
            service.extend_retention(db.session, keyring=current_keyring(), actor=current_user, signal=signal,
                                     keep_until=form.keep_until.data, reason=form.reason.data, today=today(),
                                     origin=client_origin())
        except service.RetentionError as exc:
            db.session.rollback()
            form.keep_until.errors = list(form.keep_until.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("De melding wordt langer bewaard."), "success")
            return redirect(back)
    return render_template("retention/extend_form.html", form=form, target=signal, back=back,
                           action=request.path), 422


# ------------------------------------------------------------------------------------------- rights


@bp.get("/avg-verzoeken/")
@login_required
def requests():
    require(current_user, RIGHTS)
    listed = rights.list_requests(db.session)
    audit_event("rights.list", object_type="rights_request", details={"requests": len(listed)})
    db.session.commit()
    return render_template("retention/requests.html", requests=listed, form=RequestForm(formdata=None),
                           kinds=REQUEST_KIND_LABELS, states=REQUEST_STATE_LABELS)


@bp.post("/avg-verzoeken/")
@login_required
def record_request():
    require(current_user, RIGHTS)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            made = rights.record_request(
                db.session, keyring=current_keyring(), actor=current_user, kind=form.kind.data,
                reporter_email=form.reporter_email.data, details=form.details.data,
                new_name=form.new_name.data, new_email=form.new_email.data, origin=client_origin())
        except rights.RightsError as exc:
            db.session.rollback()
            form[exc.field].errors = list(form[exc.field].errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("Het verzoek is vastgelegd. Een tweede beheerder moet het beoordelen."), "success")
            return redirect(url_for("retention.request_detail", request_id=made.id))
    return render_template("retention/requests.html", requests=rights.list_requests(db.session), form=form,
                           kinds=REQUEST_KIND_LABELS, states=REQUEST_STATE_LABELS), 422


def _request_page(item: RightsRequest, *, status: int = 200, error: str | None = None, export_key: str | None = None,
                  form: RequestDecisionForm | None = None):
    summary = rights.read_request(db.session, keyring=current_keyring(), item=item)
    return render_template("retention/request_detail.html", item=item, summary=summary, kinds=REQUEST_KIND_LABELS,
                           states=REQUEST_STATE_LABELS, form=form or RequestDecisionForm(formdata=None),
                           may_decide=item.state == RequestState.RECORDED.value
                           and item.recorded_by_id != current_user.id,
                           error=error, export_key=export_key), status


@bp.get("/avg-verzoeken/<uuid:request_id>")
@login_required
def request_detail(request_id):
    item = load_or_404(RightsRequest, request_id, RIGHTS)
    audit_event("rights.view", object_type="rights_request", object_id=item.id)
    db.session.commit()
    return _request_page(item)


@bp.post("/avg-verzoeken/<uuid:request_id>/besluit")
@login_required
def decide_request(request_id):
    item = load_or_404(RightsRequest, request_id, RIGHTS)
    form = RequestDecisionForm()
    decision = request.form.get("decision")
    if not form.validate_on_submit() or decision not in ("akkoord", "afwijzen"):
        return _request_page(item, status=422, error="Kies akkoord of afwijzen.", form=form)
    try:
        export_key = rights.decide_request(
            db.session, keyring=current_keyring(), item=item, actor=current_user, approve=decision == "akkoord",
            note=form.decision_note.data or "", settings=current_app.extensions["meldpunt.settings"],
            origin=client_origin())
    except rights.RightsError as exc:
        db.session.rollback()
        return _request_page(db.session.get(RightsRequest, request_id), status=422, error=str(exc), form=form)
    db.session.commit()
    # The export key is shown in this one response only; it is stored nowhere.
    return _request_page(item, export_key=export_key)


@bp.get("/avg-verzoeken/<uuid:request_id>/export")
@login_required
def download_export(request_id):
    item = load_or_404(RightsRequest, request_id, RIGHTS)
    if item.state != RequestState.APPROVED.value or item.export_ct is None:
        abort(404)  # nothing leaves before the second person approved
    audit_event("rights.download", object_type="rights_request", object_id=item.id)
    db.session.commit()
    name = f"inzage-{str(item.id)[:8]}.zip"
    return Response(item.export_ct, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# ------------------------------------------------------------------------------------------- for other pages


@bp.app_context_processor
def _retention_helpers():
    def retention_panel_for(signal: Signal) -> dict | None:
        """What the handler's signal page shows: expiry, "bewaren tot", holds (never for reporters' pages)."""
        if signal is None or signal.is_shredded:
            return None
        day = today()
        expiry = service.expiry_of(db.session, signal=signal, terms=_terms(), today=day)
        warn = (expiry.expires_on is not None and not expiry.held_until
                and (expiry.expires_on - day).days <= _terms().warning_days)
        return {"expiry": expiry, "warn": warn, "holds": service.holds_on(db.session, signal=signal),
                "hold_labels": HOLD_STATE_LABELS, "extend_form": ExtendForm(formdata=None, prefix="keep"),
                "hold_form": HoldForm(formdata=None, prefix="hold"), "active": HoldState.ACTIVE.value}

    def case_retention_for(case: Case) -> dict | None:
        """Legal holds on a casus and the form to propose one (the casus page)."""
        if case is None or case.data_key_id is None:
            return None
        return {"holds": service.holds_on(db.session, case=case), "hold_form": HoldForm(formdata=None, prefix="hold"),
                "hold_labels": HOLD_STATE_LABELS}

    return {"retention_panel_for": retention_panel_for, "case_retention_for": case_retention_for}
