"""The handler's workplace: the queue and the signal page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from meldpunt.extensions import db
from meldpunt.intake.models import Signal
from meldpunt.intake.service import read_signal_content
from meldpunt.policy import Action, handler_track, require
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import term_labels
from meldpunt.triage.service import queue as load_queue
from meldpunt.vault.service import current_keyring
from meldpunt.web import audit_event

bp = Blueprint("triage", __name__, url_prefix="/behandelen")


@bp.get("/")
@login_required
def queue():
    require(current_user, Action.VIEW_QUEUE)
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    result = load_queue(db.session, track=handler_track(current_user) or "", page=page)
    labels = term_labels(db.session, kind=TermKind.PHENOMENON)
    return render_template("triage/queue.html", result=result, phenomena=labels)


@bp.get("/meldingen/<uuid:signal_id>")
@login_required
def signal_detail(signal_id):
    signal = db.session.get(Signal, signal_id)
    if signal is None:
        abort(404)
    require(current_user, Action.HANDLE_SIGNAL, signal)
    content = read_signal_content(db.session, keyring=current_keyring(), signal=signal)
    audit_event("signal.read", object_type="signal", object_id=signal.id, details={"as": "handler"})
    db.session.commit()
    return render_template("triage/detail.html", signal=signal, content=content)
