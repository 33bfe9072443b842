"""/behandelen/registreren: the handler registers a signal that came in another way than the form."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.i18n import N_
from meldpunt.channels.forms import MmaTipForm, RegisterForm
from meldpunt.channels.service import NOT_REGISTERED_HERE, Registration, import_mma_tip, register_signal
from meldpunt.extensions import db
from meldpunt.intake.attachments import Upload
from meldpunt.intake.forms import choices
from meldpunt.intake.service import IntakeError
from meldpunt.policy import Action, require
from meldpunt.signals.models import handler_track
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import active_terms
from meldpunt.vault.service import current_keyring

bp = Blueprint("channels", __name__, url_prefix="/behandelen")


def _prepare(form: RegisterForm | MmaTipForm) -> None:
    if isinstance(form, RegisterForm):
        form.channel.choices = choices({"": N_("Kies"), **{
            t.code: t.label for t in active_terms(db.session, kind=TermKind.CHANNEL) if t.code not in NOT_REGISTERED_HERE}})
    form.phenomenon_code.choices = choices({"": N_("Weet ik niet"), **{t.code: t.label for t in active_terms(
        db.session, kind=TermKind.PHENOMENON)}})
    form.process_code.choices = choices({"": N_("Weet ik niet"), **{t.code: t.label for t in active_terms(
        db.session, kind=TermKind.PROCESS)}})


def _files(name: str) -> list[Upload]:
    return [Upload(filename=f.filename, stream=f.stream) for f in request.files.getlist(name) if f and f.filename]


@bp.route("/registreren", methods=["GET", "POST"])
@login_required
def register():
    """The regisseur (regular track) or integriteitscoördinator (integrity track) registers a signal."""
    require(current_user, Action.VIEW_QUEUE)
    form = RegisterForm()
    _prepare(form)
    if not form.validate_on_submit():
        return render_template("channels/register.html", form=form), 422 if form.is_submitted() else 200
    originals = _files("original")
    registration = Registration(
        channel=form.channel.data or "", received_on=form.received_on.data, description=form.description.data or "",
        organisation=form.organisation.data or "geen", organisation_name=form.organisation_name.data,
        contact_person=form.contact_person.data, feedback=form.feedback.data or "geen",
        feedback_contact=form.feedback_contact.data, phenomenon_code=form.phenomenon_code.data or None,
        process_code=form.process_code.data or None, feels_unsafe=bool(form.feels_unsafe.data),
    )
    try:
        signal = register_signal(
            db.session, keyring=current_keyring(), actor=current_user, track=handler_track(current_user) or "",
            registration=registration, original=originals[0] if originals else None, uploads=_files("attachments"),
            upload_settings=current_app.extensions["meldpunt.settings"].uploads,
        )
    except IntakeError as exc:
        db.session.rollback()
        target = form[exc.field] if exc.field in form else form.description
        target.errors = [*target.errors, str(exc)]
        return render_template("channels/register.html", form=form, files_lost=bool(originals)), 422
    db.session.commit()
    flash(_("Melding %(reference)s is geregistreerd.", reference=signal.reference), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal.id))


@bp.route("/mma-tip", methods=["GET", "POST"])
@login_required
def mma_tip():
    """Enter a Meld Misdaad Anoniem tip: anonymous, no receipt code, no feedback."""
    require(current_user, Action.VIEW_QUEUE)
    form = MmaTipForm()
    _prepare(form)
    if not form.validate_on_submit():
        return render_template("channels/mma_tip.html", form=form), 422 if form.is_submitted() else 200
    originals = _files("original")
    try:
        signal = import_mma_tip(
            db.session, keyring=current_keyring(), actor=current_user, track=handler_track(current_user) or "",
            raw_text=form.raw_text.data or "", received_on=form.received_on.data,
            original=originals[0] if originals else None, phenomenon_code=form.phenomenon_code.data or None,
            process_code=form.process_code.data or None,
            upload_settings=current_app.extensions["meldpunt.settings"].uploads,
        )
    except IntakeError as exc:
        db.session.rollback()
        target = form[exc.field] if exc.field in form else form.raw_text
        target.errors = [*target.errors, str(exc)]
        return render_template("channels/mma_tip.html", form=form, files_lost=bool(originals)), 422
    db.session.commit()
    flash(_("De tip is ingevoerd als melding %(reference)s.", reference=signal.reference), "success")
    return redirect(url_for("triage.signal_detail", signal_id=signal.id))
