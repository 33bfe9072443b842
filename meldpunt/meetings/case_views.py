"""The casusoverleg on the casus page: the regisseur proposes a casus (or one of its meldingen) for a meeting.

The casus page is ``meldpunt.cases``'; this module adds its "Overleg" section to it
(``cases.views.CASE_PAGE_SECTIONS``) and answers the proposal form, so the cases package never imports
the meetings package.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meldpunt.cases.models import Case
from meldpunt.cases.views import CASE_PAGE_SECTIONS, render_case_page
from meldpunt.extensions import db
from meldpunt.i18n import short_date
from meldpunt.meetings import service as meeting_service
from meldpunt.meetings.forms import ProposalForm
from meldpunt.meetings.models import Meeting
from meldpunt.policy import Action, load_or_404, require
from meldpunt.signals.service import TriageError
from meldpunt.vault.service import current_keyring

bp = Blueprint("case_meetings", __name__, url_prefix="/behandelen/casussen")

LOCAL = ZoneInfo("Europe/Amsterdam")


def _proposal_form(case: Case, form: ProposalForm) -> ProposalForm:
    """The choices: meetings still open to proposals (type and date only), the case or one of its signals."""
    form.meeting_id.choices = [
        (str(m.id), f"{m.type.name}, {short_date(meeting_service.as_utc(m.starts_at), 'datetime')}")
        for m in meeting_service.upcoming_meetings(db.session)
    ]
    form.scope.choices = [("casus", _("De hele casus"))] + [
        (str(link.signal_id), _("Alleen melding %(reference)s", reference=link.signal.reference)) for link in case.links
    ]
    return form


def _meetings_section(case: Case, forms: dict) -> dict:
    """Context for the casus page's "Overleg" section: the proposal form and the proposals made so far."""
    keyring = current_keyring()
    return {
        "proposal_form": _proposal_form(case, forms.get("proposal_form") or ProposalForm(formdata=None)),
        "proposals": [meeting_service.read_proposal(db.session, keyring=keyring, proposal=p)
                      for p in meeting_service.proposals_of_case(db.session, case=case)],
        "local": lambda value: meeting_service.as_utc(value).astimezone(LOCAL),
    }


CASE_PAGE_SECTIONS.append(_meetings_section)


@bp.post("/<uuid:case_id>/agenderen")
@login_required
def propose(case_id):
    """Voorstellen voor het casusoverleg: a proposal for one meeting, with the question (issue 17)."""
    case = load_or_404(Case, case_id, Action.HANDLE_CASE)
    require(current_user, Action.PROPOSE_FOR_MEETING)
    form = _proposal_form(case, ProposalForm())
    if not form.validate_on_submit():
        return render_case_page(case, 422, _("Controleer het voorstel voor het overleg."), proposal_form=form)
    meeting = db.session.get(Meeting, uuid.UUID(form.meeting_id.data))
    signal = None
    if form.scope.data != "casus":
        signal = next(link.signal for link in case.links if str(link.signal_id) == form.scope.data)
    try:
        meeting_service.propose(db.session, keyring=current_keyring(), actor=current_user, meeting=meeting,
                                question=form.question.data, case=None if signal else case, signal=signal)
    except TriageError as exc:
        db.session.rollback()
        return render_case_page(load_or_404(Case, case_id, Action.HANDLE_CASE), 422, str(exc), proposal_form=form)
    db.session.commit()
    when = meeting_service.as_utc(meeting.starts_at).astimezone(LOCAL)
    what = _("Melding %(signal)s uit casus %(case)s", signal=signal.reference, case=case.reference) if signal \
        else _("Casus %(reference)s", reference=case.reference)
    flash(_("%(what)s is voorgesteld voor het overleg van %(date)s. De voorzitter zet het op de agenda of "
            "stuurt het terug met een reden; u ziet dat hieronder bij ‘Overleg’.", what=what, date=f"{when:%d-%m-%Y}"),
          "success")
    return redirect(url_for("cases.detail", case_id=case_id, _anchor="overleg"))
