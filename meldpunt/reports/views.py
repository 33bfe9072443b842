"""/rapportages (dashboard, raadsrapportage), /ondermijningsbeeld and /wat-doen-we-met-uw-meldingen.

Thin views: parse, call the service, audit, render. Every page shows aggregates only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.extensions import db
from meldpunt.i18n import N_
from meldpunt.signals.models import SignalStatus
from meldpunt.policy import load_or_404, require
from meldpunt.reports import charts, figures, service
from meldpunt.reports.figures import Filters, Period
from meldpunt.reports.forms import ApproveForm, ExampleForm, NewReportForm, ThemesForm
from meldpunt.reports.models import THEMES, CouncilReport, Rag, ResultExample
from meldpunt.reports.permissions import ReportAction, council_track, dashboard_track
from meldpunt.audit.requests import audit_event

bp = Blueprint("reports", __name__)


def today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _settings():
    return current_app.extensions["meldpunt.settings"]


def _k() -> int:
    return _settings().report_min_count


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, description=_("De datum bij ‘%(name)s’ klopt niet. Gebruik jjjj-mm-dd.", name=name))


def _period_from_args() -> Period:
    day = today()
    start = _date_arg("van", date(day.year, 1, 1))
    end_inclusive = _date_arg("tot", day)
    if end_inclusive < start:
        abort(400, description="De einddatum ligt voor de begindatum.")
    if (end_inclusive - start).days > 3 * 366:
        abort(400, description="Kies een periode van hoogstens drie jaar.")
    return Period(start, end_inclusive + timedelta(days=1))


# ------------------------------------------------------------------------------ dashboard


@bp.get("/rapportages/")
@login_required
def dashboard():
    require(current_user, ReportAction.VIEW_DASHBOARD)
    period = _period_from_args()
    forced = dashboard_track(current_user)
    args = request.args
    filters = Filters(track=forced or (args.get("spoor") or None), phenomenon=args.get("verschijningsvorm") or None,
                      process=args.get("proces") or None, department=args.get("afdeling") or None,
                      channel=args.get("kanaal") or None)
    board = figures.dashboard(db.session, period=period, filters=filters, today=today(),
                              working_days=_settings().first_feedback_working_days)
    names = service.labels(db.session)
    audit_event("reports.dashboard.view", object_type="dashboard",
                details={"from": period.start.isoformat(), "to": period.end.isoformat(), "track": filters.track or ""})
    db.session.commit()
    return render_template("reports/dashboard.html", board=board, charts=_dashboard_charts(board, names),
                           names=names, period=period, filters=filters, forced_track=forced,
                           last_day=period.end - timedelta(days=1), dimensions=figures.DIMENSIONS,
                           lead_labels={k: v[0] for k, v in figures.LEAD_TIMES.items()},
                           decision_labels=_decision_labels(), instrument_labels=_instrument_labels(),
                           status_labels={s.value: s.label for s in SignalStatus},
                           case_labels={"open": N_("Open"), "monitoren": N_("Monitoren"), "afgesloten": N_("Afgesloten")})


def _decision_labels() -> dict[str, str]:
    from meldpunt.meetings.models import DECISION_LABELS

    return {kind.value: label for kind, label in DECISION_LABELS.items()}


def _instrument_labels() -> dict[str, str]:
    from meldpunt.meetings.models import INSTRUMENT_LABELS

    return {kind.value: label for kind, label in INSTRUMENT_LABELS.items()}


def _month(key: str) -> str:
    """``2026-01`` -> ``januari 2026`` / ``January 2026`` (the page's language)."""
    year, month = key.split("-")
    return format_date(date(int(year), int(month), 1), "LLLL y")


def _dashboard_charts(board: figures.Dashboard, names) -> list[charts.Chart]:
    """The charts in the page's language: titles, bar labels and summaries (issue 22 item 9)."""
    out = [charts.bar_chart("per-maand", _("Meldingen per maand"), [(_month(m), n) for m, n in board.per_month])]
    for key, (label, _column) in figures.DIMENSIONS.items():
        if key == "track" and board.filters.track:
            continue
        counts = board.by.get(key, {})
        items = sorted(((_(service.label_for(names.get(key, {}), code)), n) for code, n in counts.items()),
                       key=lambda item: (-item[1], item[0]))
        out.append(charts.bar_chart(f"per-{key}", _("Meldingen per %(dimension)s", dimension=_(label).lower()), items))
    return out


# ------------------------------------------------------------------------------ council report


def _visible_reports() -> list[CouncilReport]:
    """The council reports of the user's track (management: both tracks)."""
    statement = db.select(CouncilReport).order_by(CouncilReport.period_start.desc(), CouncilReport.track,
                                                  CouncilReport.version.desc())
    track = council_track(current_user)
    if track:
        statement = statement.where(CouncilReport.track == track)
    return list(db.session.scalars(statement))


def _index(form, *, status: int = 200):
    return render_template("reports/council_index.html", reports=_visible_reports(), form=form,
                           may_draft=council_track(current_user) is not None,
                           track=council_track(current_user)), status


@bp.get("/rapportages/raad")
@login_required
def council_index():
    require(current_user, ReportAction.VIEW_COUNCIL_REPORTS)
    audit_event("reports.council.list", object_type="council_report")
    db.session.commit()
    return _index(NewReportForm())


@bp.post("/rapportages/raad")
@login_required
def council_create():
    require(current_user, ReportAction.DRAFT_COUNCIL_REPORT)
    form = NewReportForm()
    if not form.validate_on_submit():
        return _index(form, status=400)
    period = Period(form.start.data, form.end.data + timedelta(days=1))
    try:
        report = service.create_draft(db.session, author_id=current_user.id, period=period,
                                      track=council_track(current_user))
    except service.ReportError as error:
        db.session.rollback()
        form.start.errors.append(str(error))
        return _index(form, status=400)
    audit_event("reports.council.create", object_type="council_report", object_id=report.id,
                details={"track": report.track})
    db.session.commit()
    flash(_("Concept gemaakt. Geef bij elk thema een kleur en een toelichting."), "success")
    return redirect(url_for("reports.council_detail", council_report_id=report.id))


def _detail(report: CouncilReport, *, themes_form=None, status: int = 200):
    data = service.report_data(db.session, report=report, k=_k())
    versions = list(db.session.scalars(db.select(CouncilReport).where(
        CouncilReport.period_start == report.period_start, CouncilReport.period_end == report.period_end,
        CouncilReport.track == report.track).order_by(CouncilReport.version)))
    if themes_form is None:
        themes_form = ThemesForm()
        current = {t.theme: t for t in report.themes}
        for key in THEMES:
            if key in current:
                themes_form[f"rag_{key}"].data = current[key].rag
                themes_form[f"explanation_{key}"].data = current[key].explanation
    drafts = council_track(current_user) == report.track
    may_edit = drafts and not report.is_approved
    may_approve = (current_user.role == "management" and not report.is_approved
                   and report.author_id != current_user.id)
    return render_template("reports/council_detail.html", report=report, data=data, themes_form=themes_form,
                           approve_form=ApproveForm(), may_edit=may_edit, may_approve=may_approve,
                           may_correct=drafts and report.is_approved
                           and report.version == versions[-1].version,
                           versions=versions, themes=THEMES, rags=Rag), status


@bp.get("/rapportages/raad/<int:council_report_id>")
@login_required
def council_detail(council_report_id: int):
    report = load_or_404(CouncilReport, council_report_id, ReportAction.VIEW_COUNCIL_REPORTS)
    audit_event("reports.council.view", object_type="council_report", object_id=report.id)
    db.session.commit()
    return _detail(report)


@bp.post("/rapportages/raad/<int:council_report_id>/themas")
@login_required
def council_themes(council_report_id: int):
    report = load_or_404(CouncilReport, council_report_id, ReportAction.VIEW_COUNCIL_REPORTS)
    if report.is_approved:
        audit_event("reports.council.change_refused", object_type="council_report", object_id=report.id,
                    result="refused")
        db.session.commit()
        abort(409, description="Deze rapportage is vastgesteld en verandert niet meer.")
    require(current_user, ReportAction.DRAFT_COUNCIL_REPORT, report)
    form = ThemesForm()
    if not form.validate_on_submit():
        return _detail(report, themes_form=form, status=400)
    values = {key: (form[f"rag_{key}"].data, form[f"explanation_{key}"].data or "") for key in THEMES}
    try:
        service.save_themes(db.session, report=report, values=values)
    except service.ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _detail(report, themes_form=form, status=400)
    audit_event("reports.council.themes", object_type="council_report", object_id=report.id)
    db.session.commit()
    flash(_("Kleuren en toelichtingen bewaard."), "success")
    return redirect(url_for("reports.council_detail", council_report_id=report.id))


@bp.post("/rapportages/raad/<int:council_report_id>/vaststellen")
@login_required
def council_approve(council_report_id: int):
    report = load_or_404(CouncilReport, council_report_id, ReportAction.VIEW_COUNCIL_REPORTS)
    if report.is_approved:
        audit_event("reports.council.change_refused", object_type="council_report", object_id=report.id,
                    result="refused")
        db.session.commit()
        abort(409, description="Deze rapportage is al vastgesteld.")
    require(current_user, ReportAction.APPROVE_COUNCIL_REPORT)
    if not ApproveForm().validate_on_submit():
        abort(400)
    try:
        service.approve(db.session, report=report, approver_id=current_user.id, k=_k())
    except service.ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("reports.council_detail", council_report_id=council_report_id))
    audit_event("reports.council.approve", object_type="council_report", object_id=report.id,
                details={"version": report.version})
    db.session.commit()
    flash(_("De rapportage is vastgesteld. Ze verandert niet meer."), "success")
    return redirect(url_for("reports.council_detail", council_report_id=report.id))


@bp.post("/rapportages/raad/<int:council_report_id>/correctie")
@login_required
def council_correct(council_report_id: int):
    report = load_or_404(CouncilReport, council_report_id, ReportAction.VIEW_COUNCIL_REPORTS)
    require(current_user, ReportAction.DRAFT_COUNCIL_REPORT)
    if not ApproveForm().validate_on_submit():
        abort(400)
    try:
        new = service.correct(db.session, report=report, author_id=current_user.id)
    except service.ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("reports.council_detail", council_report_id=council_report_id))
    audit_event("reports.council.correct", object_type="council_report", object_id=new.id,
                details={"supersedes": report.id})
    db.session.commit()
    flash(_("Versie %(new)s gemaakt als concept. Versie %(old)s blijft zoals ze is.", new=new.version, old=report.version), "success")
    return redirect(url_for("reports.council_detail", council_report_id=new.id))


def _approved_or_404(council_report_id: int) -> CouncilReport:
    report = load_or_404(CouncilReport, council_report_id, ReportAction.VIEW_COUNCIL_REPORTS)
    if not report.is_approved:
        abort(404)
    return report


@bp.get("/rapportages/raad/<int:council_report_id>.pdf")
@login_required
def council_pdf(council_report_id: int):
    from meldpunt.documents.pdf import PdfUnavailable, render_pdf

    report = _approved_or_404(council_report_id)
    data = service.report_data(db.session, report=report, k=_k())
    html = render_template("reports/council_pdf.html", report=report, data=data)
    try:
        pdf = render_pdf(html)
    except PdfUnavailable as error:
        flash(str(error), "error")
        return redirect(url_for("reports.council_detail", council_report_id=report.id))
    audit_event("reports.council.pdf", object_type="council_report", object_id=report.id)
    db.session.commit()
    name = f"raadsrapportage-{report.period_start.isoformat()}-v{report.version}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/rapportages/raad/<int:council_report_id>.csv")
@login_required
def council_csv(council_report_id: int):
    report = _approved_or_404(council_report_id)
    data = service.report_data(db.session, report=report, k=_k())
    audit_event("reports.council.csv", object_type="council_report", object_id=report.id)
    db.session.commit()
    name = f"raadsrapportage-{report.period_start.isoformat()}-v{report.version}.csv"
    return Response("\ufeff" + service.report_csv(data), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ------------------------------------------------------------------------------ ondermijningsbeeld


def _undermining_period() -> Period:
    day = today()
    return _period_from_args() if request.args.get("van") or request.args.get("tot") else Period(
        date(day.year - 1, day.month, 1), date(day.year, day.month, 1))


@bp.get("/ondermijningsbeeld")
@login_required
def undermining():
    require(current_user, ReportAction.VIEW_UNDERMINING)
    period = _undermining_period()
    data = service.undermining_picture(db.session, period=period, k=_k())
    audit_event("reports.undermining.view", object_type="undermining_picture")
    db.session.commit()
    return render_template("reports/undermining.html", data=data, period=period,
                           last_day=period.end - timedelta(days=1))


@bp.get("/ondermijningsbeeld.pdf")
@login_required
def undermining_pdf():
    from meldpunt.documents.pdf import PdfUnavailable, render_pdf

    require(current_user, ReportAction.VIEW_UNDERMINING)
    period = _undermining_period()
    data = service.undermining_picture(db.session, period=period, k=_k())
    try:
        pdf = render_pdf(render_template("reports/undermining_pdf.html", data=data))
    except PdfUnavailable as error:
        flash(str(error), "error")
        return redirect(url_for("reports.undermining"))
    audit_event("reports.undermining.pdf", object_type="undermining_picture")
    db.session.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="ondermijningsbeeld-{period.start.isoformat()}.pdf"'})


# ------------------------------------------------------------------------------ what we do with your signals


@bp.get("/wat-doen-we-met-uw-meldingen")
@login_required
def results():
    require(current_user, ReportAction.VIEW_RESULTS)
    data = service.quarterly_results(db.session, today=today(), k=_k())
    may_write = current_user.role == "regisseur"
    may_approve = current_user.role in ("regisseur", "management")
    pending = [e for e in service.pending_examples(db.session) if e.author_id != current_user.id] if may_approve else []
    own_pending = [e for e in service.pending_examples(db.session) if e.author_id == current_user.id]
    form = ExampleForm()
    form.quarter.choices = [(q, q) for q in _recent_quarters()]
    audit_event("reports.results.view", object_type="results")
    db.session.commit()
    return render_template("reports/results.html", results=data, form=form, may_write=may_write,
                           pending=pending, own_pending=own_pending, approve_form=ApproveForm())


def _recent_quarters() -> list[str]:
    day = today()
    year, quarter = day.year, (day.month - 1) // 3 + 1
    out = []
    for _quarter in range(4):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        out.append(f"{year}-K{quarter}")
    return out


@bp.post("/wat-doen-we-met-uw-meldingen/voorbeelden")
@login_required
def example_create():
    require(current_user, ReportAction.WRITE_EXAMPLE)
    form = ExampleForm()
    form.quarter.choices = [(q, q) for q in _recent_quarters()]
    if not form.validate_on_submit():
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("reports.results"))
    example = service.add_example(db.session, author_id=current_user.id, quarter=form.quarter.data,
                                  text=form.text.data)
    audit_event("reports.example.create", object_type="result_example", object_id=example.id)
    db.session.commit()
    flash(_("Voorbeeld bewaard. Het is zichtbaar zodra een ander het heeft goedgekeurd."), "success")
    return redirect(url_for("reports.results"))


@bp.post("/wat-doen-we-met-uw-meldingen/voorbeelden/<int:example_id>/goedkeuren")
@login_required
def example_approve(example_id: int):
    example = load_or_404(ResultExample, example_id, ReportAction.APPROVE_EXAMPLE)
    if not ApproveForm().validate_on_submit():
        abort(400)
    service.approve_example(db.session, example=example, approver_id=current_user.id)
    audit_event("reports.example.approve", object_type="result_example", object_id=example.id)
    db.session.commit()
    flash(_("Voorbeeld goedgekeurd. Iedereen ziet het nu."), "success")
    return redirect(url_for("reports.results"))

