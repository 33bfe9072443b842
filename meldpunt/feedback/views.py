"""Feedback pages: the in-app inbox (/berichten), the regisseur's compose page and the waiting list."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.extensions import db
from meldpunt.feedback.forms import FeedbackForm, MarkReadForm, RetryForm
from meldpunt.feedback.models import Notice
from meldpunt.feedback.service import (
    FEEDBACK_TEMPLATES,
    FeedbackError,
    failed_deliveries,
    feedback_history,
    find_inbox_notice,
    inbox as load_inbox,
    mark_read,
    retry_failed_delivery,
    send_feedback,
    signals_awaiting_feedback,
    unread_count,
)
from meldpunt.signals.models import Signal
from meldpunt.policy import Action, can, load_or_404, refuse, require
from meldpunt.signals.models import handler_track
from meldpunt.vault.service import current_keyring
from meldpunt.audit.requests import audit_event, client_origin

bp = Blueprint("feedback", __name__)


@bp.app_context_processor
def _unread_notices():
    def unread_notices() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        return unread_count(db.session, user=current_user)

    return {"unread_notices": unread_notices}


def _target(item) -> str:
    if item.grant_id is not None:
        return url_for("grants.index")
    if item.measure_id is not None:
        return url_for("resilience.measure_detail", measure_id=item.measure_id)
    if item.meeting_id is not None:
        return url_for("meetings.detail", meeting_id=item.meeting_id)
    if item.action_id is not None:
        return url_for("meetings.my_actions")
    endpoint = "triage.signal_detail" if item.for_handler else "intake.my_signal"
    return url_for(endpoint, signal_id=item.signal_id)


@bp.get("/berichten")
@login_required
def inbox():
    items = load_inbox(db.session, user=current_user)
    return render_template("feedback/inbox.html", items=items, target=_target, form=MarkReadForm())


@bp.post("/berichten/<int:notice_id>/gelezen")
@login_required
def read_one(notice_id: int):
    notice = find_inbox_notice(db.session, user=current_user, notice_id=notice_id)
    if notice is None:
        other = db.session.get(Notice, notice_id)  # a missing and a forbidden id both take these two look-ups
        if other is not None:
            refuse("read_notice", other)  # someone else's notice: answered like a missing one, audited
        abort(404)
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    if (notice.grant_id is not None or notice.measure_id is not None or notice.meeting_id is not None
            or notice.action_id is not None):
        target = _target(notice)
    else:
        target = url_for("triage.signal_detail" if notice.recipient_user_id else "intake.my_signal",
                         signal_id=notice.signal_id)
    mark_read(db.session, user=current_user, notice_id=notice_id, origin=client_origin())
    db.session.commit()
    return redirect(target)


@bp.post("/berichten/alles-gelezen")
@login_required
def read_all():
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    mark_read(db.session, user=current_user, origin=client_origin())
    db.session.commit()
    flash(_("Alle berichten staan op gelezen."), "success")
    return redirect(url_for("feedback.inbox"))


@bp.route("/behandelen/meldingen/<uuid:signal_id>/terugkoppeling", methods=["GET", "POST"])
@login_required
def compose(signal_id):
    signal = load_or_404(Signal, signal_id, Action.HANDLE_SIGNAL)
    keyring = current_keyring()
    form = FeedbackForm()
    preview_text = None
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        elif form.insert.data:
            code = form.template.data or ""
            if code in FEEDBACK_TEMPLATES:
                form.text.data = FEEDBACK_TEMPLATES[code][1]
        elif form.preview.data:
            preview_text = (form.text.data or "").strip()
            if not preview_text:
                form.text.errors.append(_("Schrijf eerst een tekst om een voorbeeld te zien."))
                status = 422
        elif form.send.data:
            try:
                notice = send_feedback(
                    db.session, keyring=keyring, signal=signal, actor=current_user,
                    text=form.text.data or "", template_code=form.template.data or None,
                )
            except FeedbackError as exc:
                form.text.errors.append(str(exc))
                status = 422
            else:
                db.session.commit()
                del notice
                flash(_("De terugkoppeling is verstuurd. De melder ziet hem bij de melding."), "success")
                return redirect(url_for("feedback.compose", signal_id=signal.id))
    history = feedback_history(db.session, keyring=keyring, signal=signal)
    failed = failed_deliveries(db.session, signal=signal)
    audit_event("feedback.read", object_type="signal", object_id=signal.id, details={"items": len(history)})
    db.session.commit()
    return render_template(
        "feedback/compose.html", signal=signal, form=form, preview_text=preview_text,
        feedback_items=history, templates=FEEDBACK_TEMPLATES, failed=failed,
    ), status


@bp.post("/behandelen/meldingen/<uuid:signal_id>/terugkoppeling/<int:notice_id>/opnieuw")
@login_required
def retry_delivery(signal_id, notice_id: int):
    """"Opnieuw proberen" for an e-mail to the reporter that failed: it is sent once more."""
    signal = load_or_404(Signal, signal_id, Action.HANDLE_SIGNAL)
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        abort(404)
    if notice.signal_id != signal.id or notice.recipient_user_id is not None:
        # Checked before the form: a notice addressed to someone, or about a signal this user may not
        # handle, is refused like a missing one (audited); a reporter notice of another signal is just not here.
        if notice.recipient_user_id is not None or notice.signal is None \
                or not can(current_user, Action.HANDLE_SIGNAL, notice.signal):
            refuse(Action.HANDLE_SIGNAL, notice)
        abort(404)
    if not RetryForm().validate_on_submit():
        abort(400)
    try:
        retried = retry_failed_delivery(db.session, signal=signal, notice_id=notice_id, actor=current_user)
    except FeedbackError:
        abort(404)
    db.session.commit()  # the after-commit hook publishes the notice to the worker
    if retried:
        flash(_("De e-mail wordt opnieuw verstuurd."), "success")
    else:
        flash(_("Deze e-mail wacht niet (meer) op een nieuwe poging."), "info")
    return redirect(url_for("feedback.compose", signal_id=signal.id, _anchor="niet-bezorgd"))


@bp.get("/behandelen/wacht-op-terugkoppeling")
@login_required
def awaiting():
    require(current_user, Action.VIEW_QUEUE)
    settings = current_app.extensions["meldpunt.settings"]
    items = signals_awaiting_feedback(
        db.session, track=handler_track(current_user) or "", working_days=settings.first_feedback_working_days
    )
    return render_template("feedback/awaiting.html", items=items, working_days=settings.first_feedback_working_days)
