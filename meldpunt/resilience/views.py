"""/weerbaarheid (the regisseur's register, measures, reports, sessions), /mijn-maatregelen (owners) and
/kennis (knowledge pages for every employee). Thin views: parse, call one service, render or redirect."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.extensions import db
from meldpunt.policy import load_or_404, require
from meldpunt.resilience import service
from meldpunt.resilience.forms import (
    EntryForm, EvidenceForm, ImportForm, KnowledgeForm, MeasureForm, ProgressForm, ReportForm, SeedForm, SessionForm,
)
from meldpunt.resilience.markdown import render_markdown
from meldpunt.resilience.models import (
    CONTROL_LABELS, SOURCE_LABELS, STATUS_LABELS, KnowledgeKind, Measure, ProgressReport,
    RegisterEntry,
)
from meldpunt.resilience.permissions import ResilienceAction, is_keeper
from meldpunt.vault.service import current_keyring
from meldpunt.audit.requests import audit_event, client_origin

bp = Blueprint("resilience", __name__)

KEEP = ResilienceAction.KEEP_REGISTER


def today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _process_choices(form_field, *, empty: str = "Geen") -> None:
    form_field.choices = [("", empty)] + list(service.process_labels(db.session).items())


# ------------------------------------------------------------------------------------------- overview


@bp.get("/weerbaarheid/")
@login_required
def index():
    require(current_user, KEEP)
    day = today()
    overdue = service.overdue_measures(db.session, today=day)
    audit_event("resilience.overview", object_type="measure", details={"overdue": len(overdue)})
    db.session.commit()
    return render_template("resilience/index.html", overdue=overdue, today=day,
                           entries=service.register_entries(db.session),
                           open_count=service.open_measure_count(db.session),
                           next_report=service.next_report_due(db.session, today=day),
                           processes=service.process_labels(db.session), sources=SOURCE_LABELS)


# ------------------------------------------------------------------------------------------- register


@bp.get("/weerbaarheid/register")
@login_required
def register():
    require(current_user, KEEP)
    counts = service.signals_per_quarter(db.session, today=today())
    department_counts = service.signals_per_quarter(db.session, today=today(), by="department")
    audit_event("resilience.register.list", object_type="register_entry")
    db.session.commit()
    from meldpunt.taxonomy.models import TermKind
    from meldpunt.taxonomy.service import term_labels

    return render_template("resilience/register.html", entries=service.register_entries(db.session), counts=counts,
                           department_counts=department_counts,
                           departments=term_labels(db.session, kind=TermKind.DEPARTMENT),
                           seed_form=SeedForm(),
                           processes=service.process_labels(db.session), controls=CONTROL_LABELS)


@bp.post("/weerbaarheid/register/startregels")
@login_required
def register_seed():
    require(current_user, KEEP)
    if not SeedForm().validate_on_submit():
        abort(400)
    added = service.add_starting_lines(db.session, actor=current_user, origin=client_origin())
    db.session.commit()
    flash(_("%(count)s startregels toegevoegd. Pas ze aan voor onze gemeente en kies een eigenaar.", count=added)
          if added else _("Alle startregels staan al in het register."), "success")
    return redirect(url_for("resilience.register"))


def _entry_form(entry: RegisterEntry | None) -> EntryForm:
    form = EntryForm(obj=None)
    if entry is not None and request.method == "GET":
        form = EntryForm(data={"kind": entry.kind, "process_code": entry.process_code or "",
                               "function_name": entry.function_name or "", "risks": entry.risks,
                               "controls": [c.value for c in entry.control_list], "controls_note": entry.controls_note,
                               "owner_email": entry.owner.email if entry.owner else "",
                               "reviewed_on": entry.reviewed_on})
    _process_choices(form.process_code, empty="Kies een werkproces")
    if request.method == "GET" and entry is None and request.args.get("proces"):
        form.process_code.data = request.args["proces"]
    return form


def _save_entry(entry: RegisterEntry | None):
    form = _entry_form(entry)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                saved = service.save_entry(
                    db.session, actor=current_user, entry=entry, kind=form.kind.data,
                    process_code=form.process_code.data, function_name=form.function_name.data,
                    risks=form.risks.data or "", controls=form.controls.data or [],
                    controls_note=form.controls_note.data or "", owner_email=form.owner_email.data,
                    reviewed_on=form.reviewed_on.data, origin=client_origin())
            except service.ResilienceError as exc:
                db.session.rollback()
                form.kind.errors = [str(exc)]
            else:
                db.session.commit()
                flash(_("Het register is bijgewerkt."), "success")
                return redirect(url_for("resilience.register", _anchor=f"regel-{saved.id}"))
        return render_template("resilience/entry_form.html", form=form, entry=entry), 422
    return render_template("resilience/entry_form.html", form=form, entry=entry)


@bp.route("/weerbaarheid/register/nieuw", methods=["GET", "POST"])
@login_required
def entry_new():
    require(current_user, KEEP)
    return _save_entry(None)


@bp.route("/weerbaarheid/register/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry_edit(entry_id: int):
    entry = load_or_404(RegisterEntry, entry_id, KEEP)
    return _save_entry(entry)


# ------------------------------------------------------------------------------------------- measures


def _measure_form() -> MeasureForm:
    form = MeasureForm()
    _process_choices(form.process_code)
    return form


def _import_form() -> ImportForm:
    form = ImportForm(prefix="scan")  # its own ids next to the single-measure form on the same page
    return form


def _measures_page(form=None, import_form=None, status: int = 200):
    status_filter = request.args.get("status") or None
    if status_filter not in (None, *STATUS_LABELS):
        status_filter = None
    rows = service.measures(db.session, status=status_filter)
    audit_event("resilience.measure.list", object_type="measure", details={"count": len(rows)})
    db.session.commit()
    return render_template("resilience/measures.html", measures=rows, form=form or _measure_form(),
                           import_form=import_form or _import_form(), today=today(), statuses=STATUS_LABELS,
                           sources=SOURCE_LABELS, status_filter=status_filter), status


@bp.get("/weerbaarheid/maatregelen")
@login_required
def measures():
    require(current_user, KEEP)
    return _measures_page()


@bp.post("/weerbaarheid/maatregelen")
@login_required
def measure_create():
    require(current_user, KEEP)
    form = _measure_form()
    if not form.validate_on_submit():
        return _measures_page(form=form, status=422)
    try:
        measure = service.create_measure(
            db.session, keyring=current_keyring(), actor=current_user, source=form.source.data,
            number=form.number.data or "", text=form.text.data, source_document=form.source_document.data or "",
            source_reference=form.source_reference.data or "", signal_reference=form.signal_reference.data or "",
            process_code=form.process_code.data or None, owner_email=form.owner_email.data, due_on=form.due_on.data,
            origin=client_origin())
    except service.ResilienceError as exc:
        db.session.rollback()
        form.source.errors = [str(exc)]
        return _measures_page(form=form, status=422)
    db.session.commit()
    flash(_("De maatregel is toegevoegd."), "success")
    return redirect(url_for("resilience.measure_detail", measure_id=measure.id))


@bp.post("/weerbaarheid/maatregelen/importeren")
@login_required
def measure_import():
    require(current_user, KEEP)
    form = _import_form()
    if not form.validate_on_submit():
        return _measures_page(import_form=form, status=422)
    raw = form.lines.data or ""
    upload = form.csv_file.data
    if upload and getattr(upload, "filename", ""):
        try:
            raw = upload.read(2 * 1024 * 1024 + 1).decode("utf-8-sig")
        except UnicodeDecodeError:
            form.csv_file.errors = ["Dit bestand kunnen we niet lezen. Sla het op als CSV (UTF-8)."]
            return _measures_page(import_form=form, status=422)
    try:
        created = service.import_scan(
            db.session, keyring=current_keyring(), actor=current_user, raw=raw, source=form.source.data,
            source_document=form.source_document.data, owner_email=form.owner_email.data, due_on=form.due_on.data,
            origin=client_origin())
    except service.ResilienceError as exc:
        db.session.rollback()
        form.lines.errors = [str(exc)]
        return _measures_page(import_form=form, status=422)
    db.session.commit()
    flash(_("%(count)s maatregelen toegevoegd.", count=len(created)), "success")
    return redirect(url_for("resilience.measures"))


def _measure_page(measure: Measure, form: ProgressForm | None = None, status: int = 200,
                  evidence_form: EvidenceForm | None = None):
    view = service.read_measure(db.session, keyring=current_keyring(), measure=measure, with_notes=True)
    audit_event("resilience.measure.read", object_type="measure", object_id=measure.id)
    db.session.commit()
    if form is None:
        form = ProgressForm(data={"status": measure.status, "due_on": measure.due_on})
    evidence = service.evidence_names(db.session, keyring=current_keyring(), measure=measure)
    return render_template("resilience/measure_detail.html", view=view, m=measure, form=form, today=today(),
                           evidence=evidence, evidence_form=evidence_form or EvidenceForm(),
                           keeper=is_keeper(current_user), signal=service.signal_link(db.session, user=current_user, measure=measure),
                           processes=service.process_labels(db.session), statuses=STATUS_LABELS,
                           sources=SOURCE_LABELS), status


@bp.get("/weerbaarheid/maatregelen/<int:measure_id>")
@login_required
def measure_detail(measure_id: int):
    measure = load_or_404(Measure, measure_id, ResilienceAction.VIEW_MEASURE)
    return _measure_page(measure)


@bp.post("/weerbaarheid/maatregelen/<int:measure_id>/voortgang")
@login_required
def measure_update(measure_id: int):
    measure = load_or_404(Measure, measure_id, ResilienceAction.UPDATE_MEASURE)
    form = ProgressForm()
    if not form.validate_on_submit():
        return _measure_page(measure, form, 422)
    keeper = is_keeper(current_user)
    try:
        service.update_measure(
            db.session, keyring=current_keyring(), actor=current_user, measure=measure, status=form.status.data,
            note=form.note.data or "", reason=form.reason.data or "", due_on=form.due_on.data,
            change_due=keeper and form.due_on.data != measure.due_on, origin=client_origin())
    except service.ResilienceError as exc:
        db.session.rollback()
        form.status.errors = [str(exc)]
        return _measure_page(db.session.get(Measure, measure_id), form, 422)
    db.session.commit()
    flash(_("De voortgang is opgeslagen."), "success")
    return redirect(url_for("resilience.measure_detail", measure_id=measure_id))


@bp.post("/weerbaarheid/maatregelen/<int:measure_id>/bewijs")
@login_required
def evidence_add(measure_id: int):
    from meldpunt.intake.attachments import Upload

    measure = load_or_404(Measure, measure_id, ResilienceAction.UPDATE_MEASURE)
    form = EvidenceForm()
    upload = form.file.data if form.validate_on_submit() else None
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = ["Kies een bestand."]
        return _measure_page(measure, status=422, evidence_form=form)
    settings = current_app.extensions["meldpunt.settings"]
    try:
        service.add_evidence(db.session, keyring=current_keyring(), actor=current_user, measure=measure,
                             upload=Upload(upload.filename, upload.stream), settings=settings.uploads,
                             origin=client_origin())
    except service.ResilienceError as exc:
        db.session.rollback()
        form.file.errors = [str(exc)]
        return _measure_page(db.session.get(Measure, measure_id), status=422, evidence_form=form)
    db.session.commit()
    flash(_("Het bewijsstuk is toegevoegd."), "success")
    return redirect(url_for("resilience.measure_detail", measure_id=measure_id, _anchor="bewijs"))


@bp.get("/weerbaarheid/maatregelen/<int:measure_id>/bewijs/<uuid:evidence_id>")
@login_required
def evidence_download(measure_id: int, evidence_id):
    measure = load_or_404(Measure, measure_id, ResilienceAction.VIEW_MEASURE)
    opened = service.open_evidence(db.session, keyring=current_keyring(), measure=measure, evidence_id=evidence_id,
                                   actor=current_user, origin=client_origin())
    if opened is None:
        abort(404)
    db.session.commit()
    filename, mime, chunks = opened
    from urllib.parse import quote

    return Response(chunks, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff"})


@bp.get("/mijn-maatregelen")
@login_required
def my_measures():
    require(current_user, ResilienceAction.LIST_OWN_MEASURES)
    rows = service.measures(db.session, owner_id=current_user.id)
    return render_template("resilience/mine.html", measures=rows, today=today(), statuses=STATUS_LABELS,
                           sources=SOURCE_LABELS)


# ------------------------------------------------------------------------------------------- reports


@bp.get("/weerbaarheid/rapportages")
@login_required
def reports():
    require(current_user, KEEP)
    day = today()
    preview = service.build_snapshot(db.session, today=day, since=service.latest_report(db.session))
    return render_template("resilience/reports.html", reports=service.reports(db.session), form=ReportForm(),
                           preview=preview, next_report=service.next_report_due(db.session, today=day),
                           statuses=STATUS_LABELS, sources=SOURCE_LABELS)


@bp.post("/weerbaarheid/rapportages")
@login_required
def report_issue():
    require(current_user, KEEP)
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = service.issue_report(db.session, actor=current_user, title=form.title.data, today=today(),
                                      origin=client_origin())
    except service.ResilienceError as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("resilience.reports"))
    db.session.commit()
    flash(_("De rapportage is vastgelegd."), "success")
    return redirect(url_for("resilience.report_detail", report_id=report.id))


def _report_context(report: ProgressReport) -> dict:
    return {"report": report, "data": service.report_data(report), "statuses": STATUS_LABELS,
            "sources": SOURCE_LABELS, "processes": service.process_labels(db.session)}


@bp.get("/weerbaarheid/rapportages/<int:report_id>")
@login_required
def report_detail(report_id: int):
    report = load_or_404(ProgressReport, report_id, KEEP)
    audit_event("resilience.report.read", object_type="progress_report", object_id=report.id)
    db.session.commit()
    return render_template("resilience/report.html", **_report_context(report))


@bp.get("/weerbaarheid/rapportages/<int:report_id>.pdf")
@login_required
def report_pdf(report_id: int):
    from meldpunt.documents.pdf import PdfUnavailable, render_pdf

    report = load_or_404(ProgressReport, report_id, KEEP)
    html = render_template("resilience/report_pdf.html", **_report_context(report))
    try:
        pdf = render_pdf(html)
    except PdfUnavailable:
        flash(_("De PDF kan nu niet worden gemaakt. Gebruik de webpagina of probeer het later opnieuw."), "info")
        return redirect(url_for("resilience.report_detail", report_id=report_id))
    audit_event("resilience.report.pdf", object_type="progress_report", object_id=report.id)
    db.session.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="voortgang-weerbaarheid-{report.as_of.isoformat()}.pdf"'})


# ------------------------------------------------------------------------------------------- knowledge


def _handling_frame() -> dict:
    settings = current_app.extensions["meldpunt.settings"]
    return {"feedback_days": settings.first_feedback_working_days}


@bp.get("/kennis")
@login_required
def knowledge_index():
    require(current_user, ResilienceAction.READ_KNOWLEDGE)
    return render_template("resilience/knowledge_index.html", terms=service.knowledge_terms(db.session),
                           frame=_handling_frame(), keeper=is_keeper(current_user))


def _knowledge_term(kind: str, code: str):
    term = service.knowledge_term(db.session, kind=kind, code=code)
    if term is None or (not term.is_active and not is_keeper(current_user)):
        abort(404)
    return term


@bp.get("/kennis/<kind>/<code>")
@login_required
def knowledge_page(kind: str, code: str):
    require(current_user, ResilienceAction.READ_KNOWLEDGE)
    term = _knowledge_term(kind, code)
    page = service.knowledge_page(db.session, kind=kind, code=code)
    return render_template("resilience/knowledge_page.html", term=term, kind=kind, page=page,
                           lookout=render_markdown(page.lookout_md) if page else None,
                           examples=render_markdown(page.examples_md) if page else None,
                           frame=_handling_frame(), keeper=is_keeper(current_user),
                           kind_label="Werkproces" if kind == KnowledgeKind.PROCESS.value else "Verschijningsvorm")


@bp.route("/kennis/<kind>/<code>/bewerken", methods=["GET", "POST"])
@login_required
def knowledge_edit(kind: str, code: str):
    require(current_user, KEEP)
    term = _knowledge_term(kind, code)
    page = service.knowledge_page(db.session, kind=kind, code=code)
    form = KnowledgeForm(data={"lookout_md": page.lookout_md, "examples_md": page.examples_md} if page else None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.save_knowledge_page(db.session, actor=current_user, kind=kind, code=code,
                                            lookout_md=form.lookout_md.data or "",
                                            examples_md=form.examples_md.data or "", origin=client_origin())
            except service.ResilienceError as exc:
                db.session.rollback()
                form.lookout_md.errors = [str(exc)]
            else:
                db.session.commit()
                flash(_("De kennispagina is opgeslagen."), "success")
                return redirect(url_for("resilience.knowledge_page", kind=kind, code=code))
        return render_template("resilience/knowledge_edit.html", form=form, term=term, kind=kind), 422
    return render_template("resilience/knowledge_edit.html", form=form, term=term, kind=kind)


# ------------------------------------------------------------------------------------------- awareness sessions


@bp.get("/weerbaarheid/sessies")
@login_required
def sessions():
    require(current_user, KEEP)
    return render_template("resilience/sessions.html", sessions=service.awareness_sessions(db.session),
                           form=SessionForm())


@bp.post("/weerbaarheid/sessies")
@login_required
def session_create():
    require(current_user, KEEP)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            service.record_awareness_session(
                db.session, actor=current_user, held_on=form.held_on.data, department=form.department.data,
                participants=form.participants.data, topic=form.topic.data or "", today=today(),
                origin=client_origin())
        except service.ResilienceError as exc:
            db.session.rollback()
            form.department.errors = [str(exc)]
        else:
            db.session.commit()
            flash(_("De sessie is vastgelegd."), "success")
            return redirect(url_for("resilience.sessions"))
    return render_template("resilience/sessions.html", sessions=service.awareness_sessions(db.session),
                           form=form), 422


# ------------------------------------------------------------------------------------------- for other pages


@bp.app_context_processor
def _resilience_helpers():
    def register_entry_for(process_code):
        """The register entry of a signal's process, for the handler page (never for reporters' pages)."""
        return service.entry_for_process(db.session, process_code=process_code)

    def my_open_measures() -> int:
        """Open measures the current user owns (for the menu item "Mijn maatregelen")."""
        if not current_user or not current_user.is_authenticated:
            return 0
        return service.open_measure_count(db.session, owner_id=current_user.id)

    return {"register_entry_for": register_entry_for, "control_labels": CONTROL_LABELS,
            "my_open_measures": my_open_measures}
