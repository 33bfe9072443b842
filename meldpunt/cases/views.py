"""Cases (casussen): the regisseur bundles signals, adds a risk picture and proposes interventions."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.cases import service
from meldpunt.cases.forms import AddSignalForm, CaseForm, CloseCaseForm, InterventionForm, NewCaseForm, SimpleForm
from meldpunt.cases.models import Case, CaseIntervention, CaseStatus, Intervention
from meldpunt.extensions import db
from meldpunt.intake.models import Subject
from meldpunt.signals.models import Signal
from meldpunt.policy import Action, load_or_404, require
from meldpunt.signals.models import handler_track
from meldpunt.signals.service import TriageError
from meldpunt.intake.subjects import subjects_with_links
from meldpunt.vault.service import current_keyring
from meldpunt.audit.requests import audit_event

bp = Blueprint("cases", __name__, url_prefix="/behandelen/casussen")

LOCAL = ZoneInfo("Europe/Amsterdam")


def _load(case_id) -> Case:
    return load_or_404(Case, case_id, Action.HANDLE_CASE)


@bp.get("/")
@login_required
def index():
    require(current_user, Action.MANAGE_CASES)
    form = NewCaseForm(formdata=None, references=request.args.get("melding", ""))
    return _index(form)


def _index(form, status=200):
    show_closed = request.args.get("afgesloten") == "1"
    cases = service.list_cases(db.session, keyring=current_keyring(), include_closed=show_closed)
    audit_event("case.list", details={"count": len(cases)})
    db.session.commit()
    return render_template("cases/index.html", cases=cases, form=form, show_closed=show_closed), status


@bp.post("/")
@login_required
def create():
    require(current_user, Action.MANAGE_CASES)
    form = NewCaseForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    signals = []
    track = handler_track(current_user) or ""
    for position, ref in enumerate([r.strip() for r in (form.references.data or "").split(",") if r.strip()], 1):
        signal = service.search_open_signals(db.session, track=track, reference=ref)
        if signal is None:
            # The typed text is not echoed in the message (it stays in the field itself).
            form.references.errors = [
                _("Het %(position)se meldingsnummer bestaat niet of u kunt de melding niet zien. "
                  "Gebruik nummers zoals MO-2026-0042, gescheiden door komma's.", position=position)
            ]
            return _index(form, 422)
        signals.append(signal)
    try:
        case = service.create_case(db.session, keyring=current_keyring(), actor=current_user, title=form.title.data,
                                   signals=signals)
    except TriageError as exc:
        db.session.rollback()
        form.references.errors = [str(exc)]
        return _index(form, 422)
    db.session.commit()
    flash(_("Casus %(reference)s is gemaakt.", reference=case.reference), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


#: Sections other packages add to the casus page: ``(case, forms) -> template context``. The casusoverleg adds
#: its proposals (``meldpunt.meetings.case_views``), so this package never imports the meetings package.
CASE_PAGE_SECTIONS: list[Callable[[Case, dict], dict]] = []


def _section_context(case: Case, forms: dict) -> dict:
    context: dict = {}
    for section in CASE_PAGE_SECTIONS:
        context.update(section(case, forms))
    return context


def render_case_page(case: Case, status: int = 200, error: str | None = None, **forms):
    """The casus page, keeping a refused form's errors (``forms``); the sections' own routes use it too."""
    keyring = current_keyring()
    view = service.read_case(db.session, keyring=keyring, case=case)
    track = handler_track(current_user) or ""
    signal_subjects = []
    for link in case.links:
        signal_subjects.append((link.signal, subjects_with_links(db.session, keyring=keyring, signal=link.signal, track=track)))
    chosen = {cs.subject_id for cs in case.subject_links}
    edit = forms.get("case_form") or CaseForm(formdata=None, version=case.version_id, title=view.title,
                                              risk_picture=view.risk_picture, status=case.status)
    audit_event("case.read", object_type="case", object_id=case.id)
    db.session.commit()
    return render_template(
        "cases/detail.html", case=case, view=view, error=error, signal_subjects=signal_subjects, chosen=chosen,
        case_form=edit, add_signal_form=forms.get("add_signal_form") or AddSignalForm(formdata=None),
        intervention_form=forms.get("intervention_form") or InterventionForm(formdata=None),
        close_form=forms.get("close_form") or CloseCaseForm(formdata=None, version=case.version_id),
        simple_form=SimpleForm(formdata=None),
        four_eyes=current_app.extensions["meldpunt.settings"].security.four_eyes,
        is_closed=case.status == CaseStatus.CLOSED.value,
        **_section_context(case, forms),
    ), status


def _refused(case_id, exc, **forms):
    db.session.rollback()
    case = _load(case_id)
    code = 409 if isinstance(exc, service.StaleCaseError) else 422
    return render_case_page(case, code, str(exc), **forms)


@bp.get("/<uuid:case_id>")
@login_required
def detail(case_id):
    return render_case_page(_load(case_id))


@bp.post("/<uuid:case_id>")
@login_required
def update(case_id):
    case = _load(case_id)
    form = CaseForm()
    if not form.validate_on_submit():
        return render_case_page(case, 422, "Controleer wat u heeft ingevuld.", case_form=form)
    try:
        service.update_case(db.session, keyring=current_keyring(), case=case, actor=current_user, title=form.title.data,
                            risk_picture=form.risk_picture.data, status=form.status.data, expected_version=form.version.data)
    except TriageError as exc:
        return _refused(case_id, exc, case_form=form)
    db.session.commit()
    flash(_("De casus is opgeslagen."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/<uuid:case_id>/meldingen")
@login_required
def add_signal(case_id):
    case = _load(case_id)
    form = AddSignalForm()
    if not form.validate_on_submit():
        return render_case_page(case, 422, "Controleer wat u heeft ingevuld.", add_signal_form=form)
    signal = service.search_open_signals(db.session, track=handler_track(current_user) or "", reference=form.reference.data)
    if signal is None:
        form.reference.errors = ["Deze melding bestaat niet of u kunt hem niet zien."]
        return render_case_page(case, 422, None, add_signal_form=form)
    try:
        service.add_signal_to_case(db.session, keyring=current_keyring(), case=case, signal=signal, actor=current_user)
    except TriageError as exc:
        return _refused(case_id, exc, add_signal_form=form)
    db.session.commit()
    flash(_("Melding %(reference)s is gekoppeld.", reference=signal.reference), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/<uuid:case_id>/meldingen/<uuid:signal_id>/ontkoppelen")
@login_required
def remove_signal(case_id, signal_id):
    case = _load(case_id)
    signal = load_or_404(Signal, signal_id, Action.HANDLE_SIGNAL)
    form = SimpleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.remove_signal_from_case(db.session, keyring=current_keyring(), case=case, signal=signal, actor=current_user)
    except TriageError as exc:
        return _refused(case_id, exc)
    db.session.commit()
    flash(_("Melding %(reference)s is uit de casus gehaald.", reference=signal.reference), "success")
    if form.value.data == "melding":  # the button on the signal page: back there
        return redirect(url_for("triage.signal_detail", signal_id=signal_id))
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/<uuid:case_id>/subjecten/<uuid:subject_id>")
@login_required
def toggle_subject(case_id, subject_id):
    case = _load(case_id)
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        abort(404)
    require(current_user, Action.HANDLE_SIGNAL, subject.signal)  # a subject of a signal the user may not see
    form = SimpleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if form.value.data == "verwijderen":
            service.remove_subject_from_case(db.session, case=case, subject_id=subject.id, actor=current_user)
        else:
            service.add_subject_to_case(db.session, case=case, subject=subject, actor=current_user)
    except TriageError as exc:
        return _refused(case_id, exc)
    db.session.commit()
    return redirect(url_for("cases.detail", case_id=case_id, _anchor="subjecten"))


@bp.post("/<uuid:case_id>/interventies")
@login_required
def add_intervention(case_id):
    case = _load(case_id)
    form = InterventionForm()
    if not form.validate_on_submit():
        return render_case_page(case, 422, "Controleer wat u heeft ingevuld.", intervention_form=form)
    try:
        item = service.add_intervention(db.session, keyring=current_keyring(), case=case, actor=current_user,
                                        kind=form.kind.data, note=form.note.data)
    except TriageError as exc:
        return _refused(case_id, exc, intervention_form=form)
    db.session.commit()
    flash(_("Interventie „%(kind)s” is toegevoegd aan casus %(reference)s. Ze staat bij "
            "Voorgestelde interventies; bespreek haar in het casusoverleg. Zolang de casus open is, kunt u haar "
            "weer verwijderen.", kind=_(Intervention(item.kind).label), reference=case.reference), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/<uuid:case_id>/interventies/<uuid:intervention_id>/verwijderen")
@login_required
def remove_intervention(case_id, intervention_id):
    case = _load(case_id)
    intervention = db.session.get(CaseIntervention, intervention_id)
    if intervention is None or intervention.case_id != case.id:
        abort(404)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        service.remove_intervention(db.session, case=case, intervention_id=intervention_id, actor=current_user)
    except TriageError as exc:
        return _refused(case_id, exc)
    db.session.commit()
    flash(_("De interventie is uit casus %(reference)s verwijderd.", reference=case.reference), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/<uuid:case_id>/afsluiten")
@login_required
def close(case_id):
    case = _load(case_id)
    form = CloseCaseForm()
    if not form.validate_on_submit():
        return render_case_page(case, 422, "Controleer wat u heeft ingevuld.", close_form=form)
    four_eyes = current_app.extensions["meldpunt.settings"].security.four_eyes
    try:
        pending = service.close_case(db.session, keyring=current_keyring(), case=case, actor=current_user,
                                     reason=form.reason.data, four_eyes=four_eyes, expected_version=form.version.data)
    except TriageError as exc:
        return _refused(case_id, exc, close_form=form)
    db.session.commit()
    flash(_("Het verzoek wacht op akkoord van een andere regisseur.") if pending else _("De casus is afgesloten."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))
