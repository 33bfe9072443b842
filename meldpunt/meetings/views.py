"""Casusoverleg and LIO: the chair plans meetings, members and the agenda; members see their meetings."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.meetings import permissions
from meldpunt.documents.pdf import PdfUnavailable, pdf_available
from meldpunt.meetings import notices as meeting_notices
from meldpunt.meetings import outcomes, packs, service
from meldpunt.meetings.forms import (
    AcceptProposalForm,
    ActionForm,
    ActionUpdateForm,
    AttendanceForm,
    DecisionForm,
    MinutesForm,
    SecrecyForm,
    EditMeetingForm,
    ItemForm,
    MeetingForm,
    MeetingTypeForm,
    MemberForm,
    MoveForm,
    ReturnProposalForm,
    SimpleForm,
    StandingItemForm,
)
from meldpunt.meetings.models import ActionStatus, AgendaItem, Meeting, MeetingAction, MeetingType, Proposal
from meldpunt.policy import Action, can, load_or_404, require
from meldpunt.signals.service import TriageError
from meldpunt.vault.service import current_keyring
from meldpunt.audit.requests import audit_event

bp = Blueprint("meetings", __name__, url_prefix="/overleg")

LOCAL = ZoneInfo("Europe/Amsterdam")


def _starts_at(form) -> datetime:
    """The local date and time typed by the chair, as an aware datetime."""
    return datetime.combine(form.date.data, form.time.data, tzinfo=LOCAL)


def _local(value: datetime) -> datetime:
    return service.as_utc(value).astimezone(LOCAL)


@bp.app_context_processor
def _proposals_waiting():
    def proposals_waiting() -> int:
        if not current_user.is_authenticated or not can(current_user, Action.PLAN_MEETINGS):
            return 0
        return service.proposal_count_for_chair(db.session, chair=current_user)

    return {"proposals_waiting": proposals_waiting}


# ---------------------------------------------------------------------------- lists


@bp.get("/")
@login_required
def index():
    require(current_user, Action.LIST_MY_MEETINGS)
    return _index(MeetingForm(formdata=None))


def _meeting_form_choices(form: MeetingForm) -> MeetingForm:
    form.type_id.choices = [(t.id, t.name) for t in service.active_meeting_types(db.session)]
    return form


def _index(form: MeetingForm, status: int = 200):
    is_chair = can(current_user, Action.PLAN_MEETINGS)
    chaired = service.meetings_of_chair(db.session, chair=current_user) if is_chair else []
    memberships = service.meetings_of_member(db.session, member=current_user)
    # Rendered before the audit commit: committing expires every loaded row (one query per row again).
    html = render_template("meetings/index.html", chaired=chaired, memberships=memberships, is_chair=is_chair,
                           form=_meeting_form_choices(form), local=_local)
    audit_event("meeting.list", details={"chaired": len(chaired), "member": len(memberships)})
    db.session.commit()
    return html, status


@bp.post("/")
@login_required
def create():
    require(current_user, Action.PLAN_MEETINGS)
    form = _meeting_form_choices(MeetingForm())
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        meeting = service.create_meeting(
            db.session, keyring=current_keyring(), actor=current_user, type_id=form.type_id.data,
            starts_at=_starts_at(form), duration_minutes=form.duration_minutes.data, location=form.location.data,
            video_url=form.video_url.data, interval_weeks=form.interval_weeks.data)
    except TriageError as exc:
        db.session.rollback()
        form.location.errors = [str(exc)]
        return _index(form, 422)
    db.session.commit()
    flash(_("Het overleg is gepland. Voeg nu de leden toe."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


# ---------------------------------------------------------------------------- one meeting


def _load(meeting_id, action: Action = Action.CHAIR_MEETING) -> Meeting:
    return load_or_404(Meeting, meeting_id, action)


def _detail(meeting: Meeting, status: int = 200, error: str | None = None, **forms):
    if not can(current_user, Action.CHAIR_MEETING, meeting):
        return _member_detail(meeting)
    local = _local(meeting.starts_at)
    edit = forms.get("edit_form") or EditMeetingForm(
        formdata=None, date=local.date(), time=local.time(), duration_minutes=meeting.duration_minutes,
        location=meeting.location, video_url=meeting.video_url)
    member_form = forms.get("member_form") or MemberForm(formdata=None)
    member_form.user_id.choices = [(u.id, f"{u.name} ({u.email})")
                                   for u in service.candidate_members(db.session, meeting=meeting)]
    keyring = current_keyring()
    items = [(item, service.read_item_title(db.session, keyring=keyring, item=item)) for item in meeting.items]
    item_forms = {}
    partners = [m for m in meeting.members if m.is_partner]
    for item, _title in items:
        f = ItemForm(formdata=None, prefix=f"punt-{item.id.hex[:8]}", minutes_reserved=item.minutes_reserved,
                     pseudonymise=item.pseudonymise, partners=[p.user_id for p in item.partners])
        f.partners.choices = [(m.user_id, f"{m.user.name} ({m.organisation})") for m in partners]
        item_forms[item.id] = f
    minutes = outcomes.read_minutes(db.session, keyring=keyring, meeting=meeting)
    minutes_form = forms.get("minutes_form") or MinutesForm(formdata=None, minutes=minutes)
    actions = outcomes.read_actions(db.session, keyring=keyring,
                                    actions=outcomes.actions_of_meeting(db.session, meeting=meeting))
    carried = outcomes.read_actions(db.session, keyring=keyring,
                                    actions=outcomes.carried_actions(db.session, meeting=meeting))
    audit_event("meeting.read", object_type="meeting", object_id=meeting.id)
    db.session.commit()
    return render_template(
        "meetings/detail.html", progress=meeting_notices.pack_progress(db.session, meeting=meeting),
        minutes_form=minutes_form, has_minutes=minutes is not None, actions=actions,
        carried=carried, action_form=_action_form(meeting, forms.get("action_form") or ActionForm(formdata=None)),
        update_form=ActionUpdateForm(formdata=None), four_eyes=_four_eyes(), meeting=meeting, local=_local, error=error, edit_form=edit, member_form=member_form,
        simple_form=SimpleForm(formdata=None), standing_form=forms.get("standing_form") or StandingItemForm(formdata=None),
        items=items, item_forms=item_forms, total_minutes=sum(i.minutes_reserved for i, _t in items),
    ), status


def _member_detail(meeting: Meeting):
    member = permissions.membership(current_user, meeting)
    may_approve = (meeting.minutes_ct is not None and meeting.state != "notulen_vastgesteld"
                   and outcomes.may_approve_minutes(current_user, meeting, four_eyes=_four_eyes()))
    audit_event("meeting.read", object_type="meeting", object_id=meeting.id)
    db.session.commit()
    return render_template("meetings/member.html", meeting=meeting, member=member, local=_local,
                           may_approve=may_approve)


def _refused(meeting_id, exc, **forms):
    db.session.rollback()
    return _detail(_load(meeting_id), 422, str(exc), **forms)


@bp.get("/<uuid:meeting_id>")
@login_required
def detail(meeting_id):
    return _detail(_load(meeting_id, Action.VIEW_MEETING))


@bp.post("/<uuid:meeting_id>")
@login_required
def update(meeting_id):
    meeting = _load(meeting_id)
    form = EditMeetingForm()
    if not form.validate_on_submit():
        return _detail(meeting, 422, "Controleer wat u heeft ingevuld.", edit_form=form)
    try:
        service.update_meeting(db.session, meeting=meeting, actor=current_user, starts_at=_starts_at(form),
                               duration_minutes=form.duration_minutes.data, location=form.location.data,
                               video_url=form.video_url.data)
    except TriageError as exc:
        return _refused(meeting_id, exc, edit_form=form)
    db.session.commit()
    flash(_("Het overleg is opgeslagen."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.post("/<uuid:meeting_id>/leden")
@login_required
def add_member(meeting_id):
    meeting = _load(meeting_id)
    form = MemberForm()
    form.user_id.choices = [(u.id, u.name) for u in service.candidate_members(db.session, meeting=meeting)]
    if not form.validate_on_submit():
        return _detail(meeting, 422, "Controleer wat u heeft ingevuld.", member_form=form)
    member = db.session.get(User, form.user_id.data)
    try:
        service.add_member(db.session, meeting=meeting, actor=current_user, member=member,
                           organisation=form.organisation.data, is_partner=form.kind.data == "partner")
    except TriageError as exc:
        return _refused(meeting_id, exc, member_form=form)
    db.session.commit()
    flash(_("%(name)s is lid van dit overleg.", name=member.name), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="leden"))


@bp.post("/<uuid:meeting_id>/leden/<int:user_id>/verwijderen")
@login_required
def remove_member(meeting_id, user_id):
    meeting = _load(meeting_id)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        service.remove_member(db.session, meeting=meeting, actor=current_user, user_id=user_id)
    except TriageError as exc:
        return _refused(meeting_id, exc)
    db.session.commit()
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="leden"))


@bp.post("/<uuid:meeting_id>/volgende")
@login_required
def next_meeting(meeting_id):
    meeting = _load(meeting_id)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        nxt = service.next_in_series(db.session, keyring=current_keyring(), meeting=meeting, actor=current_user)
    except TriageError as exc:
        return _refused(meeting_id, exc)
    db.session.commit()
    flash(_("Het volgende overleg van de reeks staat klaar, met dezelfde leden."), "success")
    return redirect(url_for("meetings.detail", meeting_id=nxt.id))


# ---------------------------------------------------------------------------- proposals


@bp.get("/voorstellen")
@login_required
def proposals():
    require(current_user, Action.PLAN_MEETINGS)
    keyring = current_keyring()
    waiting = [service.read_proposal(db.session, keyring=keyring, proposal=p)
               for p in service.proposals_for_chair(db.session, chair=current_user)]
    audit_event("meeting.list_proposals", details={"count": len(waiting)})
    db.session.commit()
    return render_template("meetings/proposals.html", proposals=waiting, local=_local,
                           accept_form=AcceptProposalForm(formdata=None), return_form=ReturnProposalForm(formdata=None))


def _load_proposal(proposal_id) -> Proposal:
    return load_or_404(Proposal, proposal_id, Action.DECIDE_PROPOSAL)


@bp.post("/voorstellen/<uuid:proposal_id>/accepteren")
@login_required
def accept_proposal(proposal_id):
    proposal = _load_proposal(proposal_id)
    form = AcceptProposalForm()
    if not form.validate_on_submit():
        flash(_("Vul de tijd op de agenda in (0 tot 600 minuten)."), "error")
        return redirect(url_for("meetings.proposals"))
    try:
        service.accept_proposal(db.session, keyring=current_keyring(), actor=current_user, proposal=proposal,
                                minutes_reserved=form.minutes_reserved.data)
    except TriageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.proposals"))
    db.session.commit()
    flash(_("Het voorstel staat op de agenda."), "success")
    return redirect(url_for("meetings.detail", meeting_id=proposal.meeting_id, _anchor="agenda"))


@bp.post("/voorstellen/<uuid:proposal_id>/terugsturen")
@login_required
def return_proposal(proposal_id):
    proposal = _load_proposal(proposal_id)
    form = ReturnProposalForm()
    if not form.validate_on_submit():
        flash(_("Vul de reden in om het voorstel terug te sturen."), "error")
        return redirect(url_for("meetings.proposals"))
    try:
        service.return_proposal(db.session, keyring=current_keyring(), actor=current_user, proposal=proposal,
                                reason=form.reason.data)
    except TriageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.proposals"))
    db.session.commit()
    flash(_("Het voorstel is teruggestuurd naar de regisseur."), "success")
    return redirect(url_for("meetings.proposals"))


# ---------------------------------------------------------------------------- agenda builder


@bp.post("/<uuid:meeting_id>/agenda")
@login_required
def add_standing_item(meeting_id):
    meeting = _load(meeting_id)
    form = StandingItemForm()
    if not form.validate_on_submit():
        return _detail(meeting, 422, "Kies een vast agendapunt.", standing_form=form)
    try:
        service.add_standing_item(db.session, meeting=meeting, actor=current_user, kind=form.kind.data)
    except TriageError as exc:
        return _refused(meeting_id, exc, standing_form=form)
    db.session.commit()
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="agenda"))


def _load_item(item_id, action: Action = Action.CHAIR_MEETING) -> AgendaItem:
    return load_or_404(AgendaItem, item_id, action)


@bp.post("/punten/<uuid:item_id>/verplaatsen")
@login_required
def move_item(item_id):
    item = _load_item(item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.move_item(db.session, item=item, actor=current_user, direction=form.direction.data)
    except TriageError as exc:
        return _refused(item.meeting_id, exc)
    db.session.commit()
    return redirect(url_for("meetings.detail", meeting_id=item.meeting_id, _anchor=f"punt-{item.id}"))


@bp.post("/punten/<uuid:item_id>")
@login_required
def update_item(item_id):
    item = _load_item(item_id)
    meeting_id = item.meeting_id
    form = ItemForm(prefix=f"punt-{item.id.hex[:8]}")
    form.partners.choices = [(m.user_id, m.user.name) for m in item.meeting.members if m.is_partner]
    if not form.validate_on_submit():
        return _detail(item.meeting, 422, "Controleer de gegevens van het agendapunt.")
    try:
        service.update_item(db.session, item=item, actor=current_user, minutes_reserved=form.minutes_reserved.data,
                            pseudonymise=bool(form.pseudonymise.data), partner_ids=set(form.partners.data or []))
    except TriageError as exc:
        return _refused(meeting_id, exc)
    db.session.commit()
    flash(_("Het agendapunt is opgeslagen."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor=f"punt-{item.id}"))


@bp.post("/punten/<uuid:item_id>/verwijderen")
@login_required
def remove_item(item_id):
    item = _load_item(item_id)
    meeting_id = item.meeting_id
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        service.remove_item(db.session, keyring=current_keyring(), item=item, actor=current_user)
    except TriageError as exc:
        return _refused(meeting_id, exc)
    db.session.commit()
    flash(_("Het punt is van de agenda gehaald."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="agenda"))


# ---------------------------------------------------------------------------- one item: content, attendance, decision


def _four_eyes() -> bool:
    return bool(current_app.extensions["meldpunt.settings"].security.four_eyes)


def _item_page(item: AgendaItem, status: int = 200, error: str | None = None, **forms):
    meeting = item.meeting
    keyring = current_keyring()
    number = next(n for n, i in enumerate(meeting.items, 1) if i.id == item.id)
    content = packs.item_content(db.session, keyring=keyring, item=item, number=number, viewer=current_user)
    chairing = can(current_user, Action.CHAIR_MEETING, meeting)
    context = {}
    if chairing:
        attendance = forms.get("attendance_form") or AttendanceForm(
            formdata=None, present=sorted(outcomes.attendees(db.session, item=item)))
        attendance.present.choices = [(m.user_id, f"{m.user.name} ({m.organisation})") for m in meeting.members]
        context = dict(
            attendance_form=attendance,
            decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
            action_form=_action_form(meeting, forms.get("action_form") or ActionForm(formdata=None, item_id=str(item.id))),
            has_decision=outcomes.decision_of(db.session, item=item) is not None,
        )
    audit_event("meeting.item_read", object_type="agenda_item", object_id=item.id,
                details={"meeting_id": str(meeting.id)})
    db.session.commit()
    return render_template("meetings/item.html", item=item, meeting=meeting, content=content, chairing=chairing,
                           error=error, local=_local, update_form=ActionUpdateForm(formdata=None), **context), status


def _action_form(meeting: Meeting, form: ActionForm) -> ActionForm:
    form.owner.choices = [(f"lid-{m.user_id}", f"{m.user.name} ({m.organisation})") for m in meeting.members] + [
        ("organisatie", "Een organisatie (vul hieronder in)")]
    return form


@bp.get("/punten/<uuid:item_id>")
@login_required
def item_detail(item_id):
    return _item_page(_load_item(item_id, Action.VIEW_AGENDA_ITEM))


def _item_refused(item_id, exc, **forms):
    db.session.rollback()
    return _item_page(_load_item(item_id), 422, str(exc), **forms)


@bp.post("/punten/<uuid:item_id>/aanwezig")
@login_required
def attendance(item_id):
    item = _load_item(item_id)
    form = AttendanceForm()
    form.present.choices = [(m.user_id, m.user.name) for m in item.meeting.members]
    if not form.validate_on_submit():
        return _item_page(item, 422, "Kies alleen leden van dit overleg.", attendance_form=form)
    try:
        outcomes.set_attendance(db.session, item=item, actor=current_user, user_ids=set(form.present.data or []))
    except TriageError as exc:
        return _item_refused(item_id, exc, attendance_form=form)
    db.session.commit()
    flash(_("De aanwezigheid is opgeslagen."), "success")
    return redirect(url_for("meetings.item_detail", item_id=item_id))


@bp.post("/punten/<uuid:item_id>/besluit")
@login_required
def decide(item_id):
    item = _load_item(item_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _item_page(item, 422, "Controleer het besluit.", decision_form=form)
    try:
        result = outcomes.record_decision(db.session, keyring=current_keyring(), actor=current_user, item=item,
                                          kind=form.kind.data, instrument=form.instrument.data or None,
                                          motivation=form.motivation.data, four_eyes=_four_eyes())
    except TriageError as exc:
        return _item_refused(item_id, exc, decision_form=form)
    db.session.commit()
    message = _("Het besluit is vastgelegd.")
    if result.waits_for_four_eyes:
        message += _(" Vier ogen staat aan: de meldingen staan op ‘besproken’; de regisseur sluit de casus af "
                     "met akkoord van een tweede regisseur.")
    flash(message, "success")
    return redirect(url_for("meetings.item_detail", item_id=item_id))


# ---------------------------------------------------------------------------- actions


@bp.post("/<uuid:meeting_id>/acties")
@login_required
def add_action(meeting_id):
    meeting = _load(meeting_id)
    form = _action_form(meeting, ActionForm())
    item = None
    if form.item_id.data:
        try:
            item = db.session.get(AgendaItem, uuid.UUID(form.item_id.data))
        except ValueError:
            abort(400)
        if item is None or item.meeting_id != meeting.id:
            abort(404)
    if not form.validate_on_submit():
        if item is not None:
            return _item_page(item, 422, "Controleer de actie.", action_form=form)
        return _detail(meeting, 422, "Controleer de actie.", action_form=form)
    owner_user_id = int(form.owner.data[4:]) if form.owner.data.startswith("lid-") else None
    try:
        outcomes.add_action(db.session, keyring=current_keyring(), actor=current_user, meeting=meeting, item=item,
                            owner_user_id=owner_user_id,
                            owner_organisation=form.organisation.data if owner_user_id is None else None,
                            deadline=form.deadline.data, description=form.description.data)
    except TriageError as exc:
        db.session.rollback()
        meeting = _load(meeting_id)
        if item is not None:
            return _item_page(db.session.get(AgendaItem, item.id), 422, str(exc), action_form=form)
        return _detail(meeting, 422, str(exc), action_form=form)
    db.session.commit()
    flash(_("De actie is toegevoegd."), "success")
    if item is not None:
        return redirect(url_for("meetings.item_detail", item_id=item.id, _anchor="acties"))
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="acties"))


@bp.post("/acties/<uuid:action_id>")
@login_required
def update_action(action_id):
    meeting_action = load_or_404(MeetingAction, action_id, Action.UPDATE_MEETING_ACTION)
    form = ActionUpdateForm()
    back = request.form.get("terug") == "overleg"
    target = (url_for("meetings.detail", meeting_id=meeting_action.meeting_id, _anchor="acties") if back
              else url_for("meetings.my_actions"))
    if not form.validate_on_submit():
        flash(_("Kies een status."), "error")
        return redirect(target)
    try:
        outcomes.update_action(db.session, keyring=current_keyring(), actor=current_user, action=meeting_action,
                               status=form.status.data, result_note=form.result_note.data)
    except TriageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(target)
    db.session.commit()
    flash(_("De actie is bijgewerkt."), "success")
    return redirect(target)


@bp.get("/acties")
@login_required
def my_actions():
    require(current_user, Action.LIST_MY_MEETINGS)
    views = outcomes.my_actions(db.session, keyring=current_keyring(), user=current_user)
    audit_event("meeting.my_actions", details={"count": len(views)})
    db.session.commit()
    return render_template("meetings/my_actions.html", actions=views, local=_local,
                           update_form=ActionUpdateForm(formdata=None))


@bp.get("/<uuid:meeting_id>/acties")
@login_required
def series_actions(meeting_id):
    meeting = _load(meeting_id)
    status = request.args.get("status") or None
    if status and status not in {s.value for s in ActionStatus}:
        status = None
    overdue = request.args.get("verlopen") == "1"
    owner = request.args.get("eigenaar", type=int)
    keyring = current_keyring()
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    rows, total = outcomes.series_actions(db.session, series_id=meeting.series_id, status=status,
                                          owner_user_id=owner, overdue_only=overdue, page=page)
    views = outcomes.read_actions(db.session, keyring=keyring, actions=rows)
    pages = max(1, -(-total // outcomes.SERIES_PAGE))
    filters = {k: v for k, v in (("status", status), ("eigenaar", owner), ("verlopen", "1" if overdue else None)) if v}
    html = render_template("meetings/series_actions.html", meeting=meeting, actions=views, status=status,
                           overdue=overdue, owner=owner, statuses=list(ActionStatus), local=_local, total=total,
                           page=page, pages=pages, filters=filters, update_form=ActionUpdateForm(formdata=None))
    audit_event("meeting.series_actions", object_type="meeting", object_id=meeting.id,
                details={"count": len(views), "page": page})
    db.session.commit()
    return html


# ---------------------------------------------------------------------------- minutes


@bp.post("/<uuid:meeting_id>/verslag")
@login_required
def save_minutes(meeting_id):
    meeting = _load(meeting_id)
    form = MinutesForm()
    if not form.validate_on_submit():
        return _detail(meeting, 422, "Schrijf het verslag.", minutes_form=form)
    try:
        outcomes.save_minutes(db.session, keyring=current_keyring(), actor=current_user, meeting=meeting,
                              text=form.minutes.data)
    except TriageError as exc:
        return _refused(meeting_id, exc, minutes_form=form)
    db.session.commit()
    flash(_("Het verslag is opgeslagen."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="verslag"))


@bp.post("/<uuid:meeting_id>/verslag/vaststellen")
@login_required
def approve_minutes(meeting_id):
    meeting = _load(meeting_id, Action.VIEW_MEETING)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        outcomes.approve_minutes(db.session, actor=current_user, meeting=meeting, four_eyes=_four_eyes())
    except TriageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    db.session.commit()
    flash(_("Het verslag is vastgesteld."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


# ---------------------------------------------------------------------------- the member's pack


@bp.post("/<uuid:meeting_id>/geheimhouding")
@login_required
def confirm_secrecy(meeting_id):
    meeting = _load(meeting_id, Action.VIEW_MEETING)
    form = SecrecyForm()
    if not form.validate_on_submit():
        return _pack_page(meeting, form, 422)
    try:
        packs.confirm_secrecy(db.session, viewer=current_user, meeting=meeting)
    except TriageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    db.session.commit()
    return redirect(url_for("meetings.pack", meeting_id=meeting_id))


def _pack_page(meeting: Meeting, secrecy_form=None, status: int = 200):
    if packs.needs_secrecy(current_user, meeting):
        audit_event("meeting.secrecy_asked", object_type="meeting", object_id=meeting.id)
        db.session.commit()
        return render_template("meetings/secrecy.html", meeting=meeting, local=_local,
                               form=secrecy_form or SecrecyForm(formdata=None)), status
    pack = packs.build_pack(db.session, keyring=current_keyring(), meeting=meeting, viewer=current_user)
    audit_event("meeting.pack_view", object_type="meeting", object_id=meeting.id,
                details={"items": [str(c.item.id) for c in pack.items]})
    db.session.commit()
    return render_template("meetings/pack.html", meeting=meeting, pack=pack, local=_local,
                           pdf_available=pdf_available(), update_form=ActionUpdateForm(formdata=None)), status


@bp.get("/<uuid:meeting_id>/stukken")
@login_required
def pack(meeting_id):
    return _pack_page(_load(meeting_id, Action.VIEW_MEETING))


@bp.get("/<uuid:meeting_id>/stukken.pdf")
@login_required
def pack_pdf(meeting_id):
    meeting = _load(meeting_id, Action.VIEW_MEETING)
    if packs.needs_secrecy(current_user, meeting):
        return redirect(url_for("meetings.pack", meeting_id=meeting_id))
    keyring = current_keyring()
    pack = packs.build_pack(db.session, keyring=keyring, meeting=meeting, viewer=current_user)
    try:
        pdf = (meeting_notices.stored_pack(db.session, keyring=keyring, meeting=meeting, user=current_user)
               or packs.render_pack_pdf(pack))
    except PdfUnavailable as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.pack", meeting_id=meeting_id))
    audit_event("meeting.pack_download", object_type="meeting", object_id=meeting.id,
                details={"items": [str(c.item.id) for c in pack.items]})
    db.session.commit()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="agenda-{_local(meeting.starts_at):%Y%m%d}.pdf"'
    return response


# ---------------------------------------------------------------------------- sending the agenda, packs


@bp.post("/<uuid:meeting_id>/versturen")
@login_required
def send_agenda(meeting_id):
    meeting = _load(meeting_id)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        count = meeting_notices.send_agenda(db.session, meeting=meeting, actor=current_user)
    except TriageError as exc:
        return _refused(meeting_id, exc)
    db.session.commit()
    flash(ngettext("De agenda is verstuurd naar %(num)s lid. De stukken worden gemaakt.",
                   "De agenda is verstuurd naar %(num)s leden. De stukken worden gemaakt.", count),
          "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="versturen"))


@bp.post("/<uuid:meeting_id>/stukken/opnieuw")
@login_required
def retry_packs(meeting_id):
    meeting = _load(meeting_id)
    if not SimpleForm().validate_on_submit():
        abort(400)
    try:
        count = meeting_notices.retry_failed_packs(db.session, meeting=meeting, actor=current_user)
    except TriageError as exc:
        return _refused(meeting_id, exc)
    db.session.commit()
    flash(ngettext("%(num)s stuk wordt opnieuw gemaakt.", "%(num)s stukken worden opnieuw gemaakt.", count), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="versturen"))


# ---------------------------------------------------------------------------- the beheerder's list of meeting types


@bp.get("/soorten")
@login_required
def meeting_types():
    require(current_user, Action.MANAGE_MEETING_TYPES)
    return _types_page(MeetingTypeForm(formdata=None))


def _types_page(form, status: int = 200):
    return render_template("meetings/types.html", types=service.all_meeting_types(db.session), form=form,
                           simple_form=SimpleForm(formdata=None)), status


@bp.post("/soorten")
@login_required
def add_meeting_type():
    require(current_user, Action.MANAGE_MEETING_TYPES)
    form = MeetingTypeForm()
    if not form.validate_on_submit():
        return _types_page(form, 422)
    try:
        service.add_meeting_type(db.session, actor=current_user, name=form.name.data)
    except TriageError as exc:
        db.session.rollback()
        form.name.errors = [str(exc)]
        return _types_page(form, 422)
    db.session.commit()
    flash(_("De soort overleg is toegevoegd."), "success")
    return redirect(url_for("meetings.meeting_types"))


@bp.post("/soorten/<int:type_id>/aan-uit")
@login_required
def toggle_meeting_type(type_id):
    require(current_user, Action.MANAGE_MEETING_TYPES)
    if not SimpleForm().validate_on_submit():
        abort(400)
    meeting_type = db.session.get(MeetingType, type_id)
    if meeting_type is None:
        abort(404)
    service.toggle_meeting_type(db.session, actor=current_user, meeting_type=meeting_type)
    db.session.commit()
    return redirect(url_for("meetings.meeting_types"))
