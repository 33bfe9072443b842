"""The handler's workplace: the queue, the signal page and its triage, enrichment and message forms.

Every URL with an id answers 404 for a user who may not handle that signal.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.cases.models import CaseStatus
from meldpunt.extensions import db
from meldpunt.feedback.service import clear_reply_notices, failed_deliveries
from meldpunt.intake.models import APPROACH_LABELS, APPROACHED_LABELS, Attachment, MessageSender
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.intake.service import CERTAINTY_LABELS, read_signal_content
from meldpunt.intake.subjects import subjects_with_links
from meldpunt.policy import Action, can, load_or_404, refuse, require
from meldpunt.signals.models import handler_track
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import term_labels
from meldpunt.triage import enrichment, forwarding, service
from meldpunt.triage import queue as triage_queue
from meldpunt.triage.forms import (
    AssignForm,
    ClassifyForm,
    DecisionForm,
    ForwardForm,
    MessageForm,
    NoteForm,
    RevealReporterForm,
    SubjectForm,
    TransitionForm,
)
from meldpunt.approvals.models import Approval, ApprovalKind, ApprovalState
from meldpunt.approvals.service import decide_approval, may_decide, pending_approvals
from meldpunt.signals.service import ReasonError, StaleSignalError, TriageError, handlers_of_track, transition_signal
from meldpunt.signals.transitions import TransitionError
from meldpunt.triage.queue import QueueFilters, SORT_LABELS, Tab
from meldpunt.signals.transitions import Path, available_transitions, can_start
from meldpunt.vault.service import ShreddedError, cipher_for, current_keyring
from meldpunt.audit.requests import audit_event, client_origin

bp = Blueprint("triage", __name__, url_prefix="/behandelen")
PER_PAGE = 25


def _settings():
    return current_app.extensions["meldpunt.settings"]


def _load_signal(signal_id) -> Signal:
    return load_or_404(Signal, signal_id, Action.HANDLE_SIGNAL)


# ---------------------------------------------------------------------------- queue


@bp.get("/")
@login_required
def queue():
    require(current_user, Action.VIEW_QUEUE)
    try:
        tab = Tab(request.args.get("tab", Tab.NEW.value))
    except ValueError:
        tab = Tab.NEW
    sort = request.args.get("sorteer", "nieuwste")
    sort = sort if sort in SORT_LABELS else "nieuwste"
    status = request.args.get("status") or None
    if status and status not in {s.value for s in SignalStatus}:
        status = None
    filters = QueueFilters(
        status=status,
        phenomenon_code=request.args.get("verschijningsvorm") or None,
        process_code=request.args.get("proces") or None,
        department_code=request.args.get("afdeling") or None,
        new_message=request.args.get("nieuw_bericht") == "1",
    )
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    after, before = request.args.get("na") or None, request.args.get("voor") or None
    result = triage_queue.load_queue(
        db.session, track=handler_track(current_user) or "", user_id=current_user.id, tab=tab, filters=filters,
        sort=sort, page=page, after=after, before=before, per_page=PER_PAGE,
        working_days=_settings().first_feedback_working_days,
        contact_working_days=_settings().feedback.threat_contact_working_days,
    )
    args = {k: v for k, v in request.args.items() if k not in ("pagina", "tab", "na", "voor") and v}
    return render_template(
        "triage/queue.html", result=result, tab=tab, tabs=[Tab.NEW, Tab.MINE, Tab.WAITING, Tab.OVERDUE, Tab.ALL],
        filters=filters, sort=sort, sorts=SORT_LABELS, args=args, statuses=list(SignalStatus), error=result.link_error,
        phenomena=term_labels(db.session, kind=TermKind.PHENOMENON),
        processes=term_labels(db.session, kind=TermKind.PROCESS),
        departments=term_labels(db.session, kind=TermKind.DEPARTMENT),
        channels=term_labels(db.session, kind=TermKind.CHANNEL),
    ), 400 if result.link_error else 200


# ---------------------------------------------------------------------------- signal page


def _page(signal: Signal, *, status: int = 200, error: str | None = None, reporter_identity=None, **forms):
    """The handler's page. The reporter's name and e-mail only in the response to "Toon melder"
    (``reporter_identity``); every other rendering says "Melder met naam" or "Anoniem"."""
    keyring = current_keyring()
    track = handler_track(current_user) or ""
    from meldpunt.cases.service import case_of_signal
    from meldpunt.intake.attachments import read_attachment_names
    from meldpunt.intake.messages import list_messages

    try:
        cipher = cipher_for(db.session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        cipher = None
    assign = forms.get("assign_form") or AssignForm(formdata=None)
    assign.assignee_id.choices = [("", _("Niemand"))] + [
        (str(u.id), u.name) for u in handlers_of_track(db.session, track=signal.track)
    ]
    assign.assignee_id.data = str(signal.assignee_id or "")
    classify = forms.get("classify_form") or _classify_form(signal, formdata=None)
    four_eyes = _settings().security.four_eyes
    case = case_of_signal(db.session, signal=signal)
    in_open_case = case is not None and case.status != CaseStatus.CLOSED.value
    context = dict(
        signal=signal,
        error=error,
        content=read_signal_content(db.session, keyring=keyring, signal=signal),
        subjects=subjects_with_links(db.session, keyring=keyring, signal=signal, track=track),
        attachments=read_attachment_names(db.session, cipher=cipher, signal=signal),
        messages=list_messages(db.session, keyring=keyring, signal=signal),
        history=service.signal_history(db.session, keyring=keyring, signal=signal),
        notes=enrichment.enrichment_notes(db.session, keyring=keyring, signal=signal),
        forwardings=forwarding.forwardings_of(db.session, keyring=keyring, signal=signal),
        # The status buttons offer status-path moves only; forwarding and cases have their own forms.
        transitions=[] if signal.is_shredded or in_open_case else available_transitions(
            signal.status, role=current_user.role, track=signal.track, path=Path.STATUS, four_eyes=four_eyes),
        can_forward=not signal.is_shredded and can_start(
            signal.status, SignalStatus.FORWARDED, role=current_user.role, track=signal.track, path=Path.FORWARD),
        case=case,
        in_open_case=in_open_case,
        can_leave_case=in_open_case and can(current_user, Action.HANDLE_CASE, case)
        and signal.status not in (SignalStatus.ON_AGENDA.value, SignalStatus.DISCUSSED.value),
        transition_form=forms.get("transition_form") or TransitionForm(formdata=None),
        forward_form=forms.get("forward_form") or ForwardForm(formdata=None),
        assign_form=assign,
        classify_form=classify,
        note_form=forms.get("note_form") or NoteForm(formdata=None, prefix="note"),
        subject_form=forms.get("subject_form") or SubjectForm(formdata=None),
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        reporter_identity=reporter_identity,
        reporter_erased_text=service.reporter_erased_text,
        may_reveal_reporter=can(current_user, Action.VIEW_REPORTER_IDENTITY, signal),
        reveal_form=RevealReporterForm(formdata=None),
        four_eyes=four_eyes,
        feedback_url=(url_for("feedback.compose", signal_id=signal.id)
                      if "feedback.compose" in current_app.view_functions else None),
        failed_mail=len(failed_deliveries(db.session, signal=signal)),
        phenomena=term_labels(db.session, kind=TermKind.PHENOMENON),
        processes=term_labels(db.session, kind=TermKind.PROCESS),
        location_types=term_labels(db.session, kind=TermKind.LOCATION_TYPE),
        certainty_labels=CERTAINTY_LABELS,
        threat=_threat_context(signal),
        source=_source(signal, keyring),
        departments=term_labels(db.session, kind=TermKind.DEPARTMENT),
        channels=term_labels(db.session, kind=TermKind.CHANNEL),
        approached_labels=APPROACHED_LABELS,
        approach_labels=APPROACH_LABELS,
    )
    audit_event("signal.read", object_type="signal", object_id=signal.id, details={"as": "handler"})
    db.session.commit()
    return render_template("triage/detail.html", **context), status


def _source(signal: Signal, keyring):
    """Where a registered signal came from (channel, who passed it on, feedback wish), decrypted."""
    from meldpunt.channels.service import read_source

    return read_source(db.session, keyring=keyring, signal=signal)


def _threat_context(signal: Signal) -> dict | None:
    """The urgent block of a threatened reporter's signal: the term for first contact and the checklist."""
    if not signal.feels_unsafe:
        return None
    from meldpunt.threats.service import checklist, contact_due

    return {"due": contact_due(signal, working_days=_settings().feedback.threat_contact_working_days),
            "lines": checklist(db.session, signal=signal)}


def _classify_form(signal: Signal, **kwargs) -> ClassifyForm:
    """The re-classify form with the offered terms, plus any retired code the signal still carries."""
    from meldpunt.taxonomy.service import active_terms

    form = ClassifyForm(**kwargs)
    phenomena = [(t.code, _(t.label)) for t in active_terms(db.session, kind=TermKind.PHENOMENON)]
    processes = [(t.code, _(t.label)) for t in active_terms(db.session, kind=TermKind.PROCESS)]
    labels = term_labels(db.session, kind=TermKind.PHENOMENON)
    for code in signal.phenomenon_codes:
        if code not in dict(phenomena):
            phenomena.append((code, labels.get(code, code)))
    if signal.process_code and signal.process_code not in dict(processes):
        processes.append((signal.process_code, term_labels(db.session, kind=TermKind.PROCESS).get(
            signal.process_code, signal.process_code)))
    form.phenomenon_code.choices = [("", _("Nog niet bepaald"))] + phenomena
    form.other_phenomena.choices = phenomena
    form.process_code.choices = [("", _("Nog niet bepaald"))] + processes
    if kwargs.get("formdata", True) is None:
        form.phenomenon_code.data = signal.phenomenon_code or ""
        form.other_phenomena.data = signal.phenomenon_codes[1:]
        form.process_code.data = signal.process_code or ""
        form.version.data = signal.version_id
    return form


@bp.post("/meldingen/<uuid:signal_id>/indeling")
@login_required
def classify(signal_id):
    """Re-classify (phenomena, process) during triage; the history and the audit trail record the change."""
    from meldpunt.triage.classification import ClassificationError, reclassify_signal

    signal = _load_signal(signal_id)
    form = _classify_form(signal)
    if not form.validate_on_submit():
        return _invalid(signal, "classify_form", form)
    try:
        reclassify_signal(db.session, signal=signal, actor=current_user, phenomenon_code=form.phenomenon_code.data,
                          other_phenomena=form.other_phenomena.data or [], process_code=form.process_code.data,
                          expected_version=form.version.data)
    except ClassificationError as exc:
        return _refused(signal_id, exc, form_name="classify_form", form=form, field=exc.field)
    except TriageError as exc:
        return _refused(signal_id, exc, form_name="classify_form", form=form)
    db.session.commit()
    flash(_("De indeling is opgeslagen."), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id, _anchor="indeling"))


@bp.post("/meldingen/<uuid:signal_id>/veiligheid")
@login_required
def threat_step(signal_id):
    """Tick a step of the checklist of a threatened reporter's signal, with the day it was done."""
    from meldpunt.threats.forms import ThreatStepForm
    from meldpunt.threats.service import ThreatError, record_step

    signal = _load_signal(signal_id)
    form = ThreatStepForm(prefix="veiligheid")
    if not form.validate_on_submit():
        return _page(signal, status=422, error=_("Vul een geldige datum in, bijvoorbeeld 31-01-2026."))
    try:
        record_step(db.session, signal=signal, actor=current_user, step=form.step.data, done_on=form.done_on.data)
    except ThreatError as exc:
        db.session.rollback()
        return _page(_load_signal(signal_id), status=422, error=str(exc))
    db.session.commit()
    flash(_("De stap is opgeslagen."), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id, _anchor="veiligheid"))


@bp.get("/meldingen/<uuid:signal_id>")
@login_required
def signal_detail(signal_id):
    """The handler's page. Opening it clears this handler's "nieuw bericht" on the signal (issue 22 item 2)."""
    signal = _load_signal(signal_id)
    cleared = clear_reply_notices(db.session, signal=signal, user=current_user)
    if cleared:
        audit_event("notice.read", object_type="signal", object_id=signal.id,
                    details={"kind": "reactie_melder", "count": cleared})
    return _page(signal)


@bp.post("/meldingen/<uuid:signal_id>/melder")
@login_required
def reveal_reporter(signal_id):
    """The "Toon melder" action: the page again, this once with the reporter's identity; audited as a read of identity."""
    signal = load_or_404(Signal, signal_id, Action.VIEW_REPORTER_IDENTITY)
    if not RevealReporterForm().validate_on_submit():
        abort(400)
    try:
        identity = service.reveal_reporter_identity(
            db.session, keyring=current_keyring(), signal=signal, actor=current_user, origin=client_origin()
        )
    except TriageError as exc:
        db.session.rollback()
        return _page(_load_signal(signal_id), status=422, error=str(exc))
    return _page(signal, reporter_identity=identity)


def _refused(signal_id, exc: Exception, *, form_name: str, form, field: str | None = None):
    """Roll back and show the page again: 409 for a stale version, 422 for a refused decision."""
    db.session.rollback()
    signal = _load_signal(signal_id)
    if isinstance(exc, StaleSignalError):
        return _page(signal, status=409, error=str(exc))
    if field is not None and field in form:
        form[field].errors = list(form[field].errors) + [str(exc)]
        return _page(signal, status=422, **{form_name: form})
    return _page(signal, status=422, error=str(exc), **{form_name: form})


def _invalid(signal, form_name, form):
    if "version" in form and form.version.errors:
        form.version.errors = []
    return _page(signal, status=422, error=_("Controleer wat u heeft ingevuld."), **{form_name: form})


@bp.post("/meldingen/<uuid:signal_id>/status")
@login_required
def change_status(signal_id):
    signal = _load_signal(signal_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _invalid(signal, "transition_form", form)
    try:
        transition_signal(
            db.session, keyring=current_keyring(), signal=signal, actor=current_user, target=form.target.data,
            path=Path.STATUS, four_eyes=_settings().security.four_eyes, reason=form.reason.data,
            expected_version=form.version.data,
        )
    except (TransitionError, TriageError) as exc:
        # A reason problem shows at the reason field; a refused move (path, role, case) at the top of the page.
        return _refused(signal_id, exc, form_name="transition_form", form=form,
                        field="reason" if isinstance(exc, ReasonError) else None)
    db.session.commit()
    flash(_("De status is gewijzigd."), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id))


@bp.post("/meldingen/<uuid:signal_id>/doorzenden")
@login_required
def forward(signal_id):
    signal = _load_signal(signal_id)
    form = ForwardForm()
    if not form.validate_on_submit():
        return _invalid(signal, "forward_form", form)
    four_eyes = _settings().security.four_eyes
    try:
        forwarding.forward_signal(
            db.session, keyring=current_keyring(), signal=signal, actor=current_user, authority=form.authority.data,
            recipient=form.recipient.data, legal_basis=form.legal_basis.data, reason=form.reason.data,
            four_eyes=four_eyes, expected_version=form.version.data,
        )
    except (TransitionError, TriageError) as exc:
        return _refused(signal_id, exc, form_name="forward_form", form=form)
    db.session.commit()
    flash(_("Het verzoek wacht op akkoord van een andere regisseur.") if four_eyes else _("De melding is doorgezonden."),
          "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id))


@bp.post("/meldingen/<uuid:signal_id>/toewijzen")
@login_required
def assign(signal_id):
    signal = _load_signal(signal_id)
    form = AssignForm()
    form.assignee_id.choices = [("", _("Niemand"))] + [
        (str(u.id), u.name) for u in handlers_of_track(db.session, track=signal.track)
    ]
    if not form.validate_on_submit():
        return _invalid(signal, "assign_form", form)
    try:
        service.assign_signal(db.session, signal=signal, actor=current_user,
                              assignee_id=int(form.assignee_id.data) if form.assignee_id.data else None,
                              expected_version=form.version.data)
    except TriageError as exc:
        return _refused(signal_id, exc, form_name="assign_form", form=form, field="assignee_id")
    db.session.commit()
    flash(_("De behandelaar is gewijzigd."), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id))


@bp.post("/meldingen/<uuid:signal_id>/verrijking")
@login_required
def add_note(signal_id):
    signal = _load_signal(signal_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _invalid(signal, "note_form", form)
    try:
        enrichment.add_enrichment_note(
            db.session, keyring=current_keyring(), signal=signal, actor=current_user, register=form.register.data,
            consulted_on=form.consulted_on.data, source=form.source.data, legal_basis=form.legal_basis.data,
            content=form.content.data,
        )
    except TriageError as exc:
        return _refused(signal_id, exc, form_name="note_form", form=form)
    db.session.commit()
    flash(_("De notitie is opgeslagen."), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id, _anchor="verrijking"))


@bp.post("/meldingen/<uuid:signal_id>/subjecten")
@login_required
def add_subject(signal_id):
    from meldpunt.intake.models import SubjectOrigin
    from meldpunt.intake.subjects import SubjectError
    from meldpunt.intake.subjects import add_subject as add

    signal = _load_signal(signal_id)
    form = SubjectForm()
    if not form.validate_on_submit():
        return _invalid(signal, "subject_form", form)
    keyring = current_keyring()
    try:
        cipher = cipher_for(db.session, keyring=keyring, data_key_id=signal.data_key_id)
        subject = add(db.session, keyring=keyring, signal=signal, cipher=cipher, kind=form.kind.data,
                      name=form.name.data, kvk=form.kvk.data, street=form.street.data, huisnummer=form.huisnummer.data,
                      postcode=form.postcode.data, city=form.city.data, plate=form.plate.data, permit=form.permit.data,
                      added_by=SubjectOrigin.HANDLER)
    except ShreddedError:
        return _refused(signal_id, TriageError("Deze melding is verwijderd."), form_name="subject_form", form=form)
    except SubjectError as exc:
        return _refused(signal_id, exc, form_name="subject_form", form=form, field=exc.field)
    audit_event("signal.add_subject", object_type="signal", object_id=signal.id,
                details={"subject_id": str(subject.id), "kind": subject.kind})
    db.session.commit()
    flash(_("De betrokkene is toegevoegd."), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id, _anchor="subjecten"))


@bp.get("/meldingen/<uuid:signal_id>/betrokkenen/<uuid:subject_id>/meldingen")
@login_required
def subject_links(signal_id, subject_id):
    """All other signals on the handler's track that name an equal identifier as this subject, a page at a time.

    Need-to-know on the signal and on the subject: a subject of another signal answers 404 (audited as a refusal
    when its signal is one the handler may not see)."""
    from meldpunt.intake.models import Subject
    from meldpunt.intake.subjects import linked_signals_page

    signal = _load_signal(signal_id)
    subject = _part_of(signal, Subject, subject_id)
    page = linked_signals_page(db.session, keyring=current_keyring(), subject=subject,
                               track=handler_track(current_user) or "",
                               page=max(request.args.get("pagina", 1, type=int) or 1, 1), per_page=PER_PAGE)
    audit_event("signal.linked_read", object_type="subject", object_id=subject.id,
                details={"signal_id": str(signal.id), "page": page.page, "count": page.total})
    db.session.commit()
    return render_template("triage/subject_links.html", signal=signal, result=page)


@bp.post("/meldingen/<uuid:signal_id>/berichten")
@login_required
def post_message(signal_id):
    from meldpunt.intake.messages import MessageError
    from meldpunt.intake.messages import post_message as post

    signal = _load_signal(signal_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _invalid(signal, "message_form", form)
    try:
        post(db.session, keyring=current_keyring(), signal=signal, sender=MessageSender.HANDLER, author=current_user,
             body=form.body.data)
    except MessageError as exc:
        return _refused(signal_id, exc, form_name="message_form", form=form, field="body")
    db.session.commit()
    flash(_("Uw bericht is verstuurd."), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal_id, _anchor="berichten"))


def _part_of(signal, model, object_id):
    """The attachment or subject ``object_id`` of ``signal`` (already checked). Anything else answers 404;
    one that belongs to a signal the user may not see is audited as a refusal too."""
    part = db.session.get(model, object_id)
    if part is None:
        abort(404)
    if part.signal_id != signal.id:
        if not can(current_user, Action.HANDLE_SIGNAL, part.signal):
            refuse(Action.HANDLE_SIGNAL, part)
        abort(404)
    return part


@bp.get("/meldingen/<uuid:signal_id>/bijlagen/<uuid:attachment_id>")
@login_required
def download_attachment(signal_id, attachment_id):
    from meldpunt.intake.attachments import open_attachment

    signal = _load_signal(signal_id)
    attachment = _part_of(signal, Attachment, attachment_id)
    try:
        filename, _mime, chunks = open_attachment(db.session, keyring=current_keyring(), attachment=attachment)
    except ShreddedError:
        abort(404)
    audit_event("attachment.download", object_type="attachment", object_id=attachment.id,
                details={"signal_id": str(signal.id), "size": attachment.size})
    db.session.commit()
    ascii_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename.encode("ascii", "replace").decode())
    response = Response(chunks, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name or 'bijlage'}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---------------------------------------------------------------------------- four eyes


@bp.get("/akkoord")
@login_required
def approvals():
    require(current_user, Action.VIEW_QUEUE)
    pending = pending_approvals(db.session, actor=current_user)
    audit_event("approval.list", details={"count": len(pending)})
    db.session.commit()
    return render_template("triage/approvals.html", approvals=pending, form=DecisionForm(formdata=None),
                           ApprovalKind=ApprovalKind)


@bp.post("/akkoord/<int:approval_id>")
@login_required
def decide(approval_id):
    require(current_user, Action.VIEW_QUEUE)
    approval = db.session.get(Approval, approval_id)
    if approval is None:
        abort(404)
    signal = db.session.get(Signal, approval.signal_id) if approval.signal_id else None
    if not may_decide(approval, current_user, signal.track if signal else None):
        refuse("decide_approval", approval)
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("akkoord", "afwijzen"):
        abort(400)
    if approval.state != ApprovalState.PENDING.value:
        flash(_("Over dit verzoek is al besloten."), "info")
        return redirect(url_for("triage.approvals"))
    try:
        decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=current_user,
                                approve=form.decision.data == "akkoord")
    except (TriageError, TransitionError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("triage.approvals")), 303
    db.session.commit()
    flash(_("Uw besluit is opgeslagen."), "success")
    return redirect(url_for("triage.approvals"))
