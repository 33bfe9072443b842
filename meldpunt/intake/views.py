"""The reporter's pages: melden and mijn meldingen."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from meldpunt.extensions import db
from meldpunt.intake.forms import SignalForm
from meldpunt.intake.models import Signal
from meldpunt.intake.service import IntakeError, file_signal, read_signal_content, signals_of_reporter
from meldpunt.policy import Action, require
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import active_terms
from meldpunt.vault.service import current_keyring

bp = Blueprint("intake", __name__)


def _fill_choices(form: SignalForm) -> None:
    form.phenomenon_code.choices = [("", "Weet ik niet")] + [
        (t.code, t.label) for t in active_terms(db.session, kind=TermKind.PHENOMENON)
    ]
    form.process_code.choices = [("", "Weet ik niet")] + [
        (t.code, t.label) for t in active_terms(db.session, kind=TermKind.PROCESS)
    ]


@bp.route("/melden", methods=["GET", "POST"])
@login_required
def new_signal():
    require(current_user, Action.FILE_SIGNAL)
    form = SignalForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            signal = file_signal(
                db.session,
                keyring=current_keyring(),
                reporter=current_user,
                description=form.description.data or "",
                phenomenon_code=form.phenomenon_code.data,
                process_code=form.process_code.data,
                about_colleague=form.about_colleague.data,
            )
        except IntakeError as exc:
            form.description.errors.append(str(exc))
            return render_template("intake/new.html", form=form), 422
        db.session.commit()
        return redirect(url_for("intake.confirmation", reference=signal.reference))
    status = 422 if form.is_submitted() else 200
    return render_template("intake/new.html", form=form), status


@bp.get("/melden/bevestiging/<reference>")
@login_required
def confirmation(reference: str):
    signal = db.session.scalar(db.select(Signal).where(Signal.reference == reference))
    if signal is None:
        abort(404)
    require(current_user, Action.VIEW_OWN_SIGNAL, signal)
    return render_template("intake/confirmation.html", signal=signal)


@bp.get("/mijn-meldingen")
@login_required
def my_signals():
    require(current_user, Action.LIST_OWN_SIGNALS)
    return render_template("intake/mine.html", signals=signals_of_reporter(db.session, reporter=current_user))


@bp.get("/mijn-meldingen/<uuid:signal_id>")
@login_required
def my_signal(signal_id):
    signal = db.session.get(Signal, signal_id)
    if signal is None:
        abort(404)
    require(current_user, Action.VIEW_OWN_SIGNAL, signal)
    content = read_signal_content(db.session, keyring=current_keyring(), signal=signal)
    from meldpunt.web import audit_event

    audit_event("signal.read", object_type="signal", object_id=signal.id, details={"as": "reporter"})
    db.session.commit()
    return render_template("intake/detail.html", signal=signal, content=content)
