"""Casusoverleg and LIO: the chair plans meetings, members and the agenda; members see their meetings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.meetings import permissions  # noqa: F401  (registers the need-to-know rules)
from meldpunt.meetings import service
from meldpunt.meetings.forms import (
    AcceptProposalForm,
    EditMeetingForm,
    ItemForm,
    MeetingForm,
    MemberForm,
    MoveForm,
    ReturnProposalForm,
    SimpleForm,
    StandingItemForm,
)
from meldpunt.meetings.models import AgendaItem, Meeting, Proposal
from meldpunt.policy import Action, can, load_or_404, require
from meldpunt.triage.service import TriageError
from meldpunt.vault.service import current_keyring
from meldpunt.web import audit_event

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
    audit_event("meeting.list", details={"chaired": len(chaired), "member": len(memberships)})
    db.session.commit()
    return render_template("meetings/index.html", chaired=chaired, memberships=memberships, is_chair=is_chair,
                           form=_meeting_form_choices(form), local=_local), status


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
    flash("Het overleg is gepland. Voeg nu de leden toe.", "success")
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
    audit_event("meeting.read", object_type="meeting", object_id=meeting.id)
    db.session.commit()
    return render_template(
        "meetings/detail.html", meeting=meeting, local=_local, error=error, edit_form=edit, member_form=member_form,
        simple_form=SimpleForm(formdata=None), standing_form=forms.get("standing_form") or StandingItemForm(formdata=None),
        items=items, item_forms=item_forms, total_minutes=sum(i.minutes_reserved for i, _t in items),
    ), status


def _member_detail(meeting: Meeting):
    member = permissions.membership(current_user, meeting)
    audit_event("meeting.read", object_type="meeting", object_id=meeting.id)
    db.session.commit()
    return render_template("meetings/member.html", meeting=meeting, member=member, local=_local)


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
    flash("Het overleg is opgeslagen.", "success")
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
    flash(f"{member.name} is lid van dit overleg.", "success")
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
    flash("Het volgende overleg van de reeks staat klaar, met dezelfde leden.", "success")
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
        flash("Vul de tijd op de agenda in (0 tot 600 minuten).", "error")
        return redirect(url_for("meetings.proposals"))
    try:
        service.accept_proposal(db.session, keyring=current_keyring(), actor=current_user, proposal=proposal,
                                minutes_reserved=form.minutes_reserved.data)
    except TriageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.proposals"))
    db.session.commit()
    flash("Het voorstel staat op de agenda.", "success")
    return redirect(url_for("meetings.detail", meeting_id=proposal.meeting_id, _anchor="agenda"))


@bp.post("/voorstellen/<uuid:proposal_id>/terugsturen")
@login_required
def return_proposal(proposal_id):
    proposal = _load_proposal(proposal_id)
    form = ReturnProposalForm()
    if not form.validate_on_submit():
        flash("Vul de reden in om het voorstel terug te sturen.", "error")
        return redirect(url_for("meetings.proposals"))
    try:
        service.return_proposal(db.session, keyring=current_keyring(), actor=current_user, proposal=proposal,
                                reason=form.reason.data)
    except TriageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("meetings.proposals"))
    db.session.commit()
    flash("Het voorstel is teruggestuurd naar de regisseur.", "success")
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
    flash("Het agendapunt is opgeslagen.", "success")
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
    flash("Het punt is van de agenda gehaald.", "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="agenda"))
