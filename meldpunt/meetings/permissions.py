"""Need-to-know for the casusoverleg: who may plan, chair, see a meeting and read an agenda item.

Registered with ``meldpunt.policy.register_rule`` (imported by ``meldpunt.meetings.views`` at start):

- a meeting is seen by its chair and its members, and changed only by its chair;
- a proposal is decided by the chair of the meeting it was made for;
- an agenda item is read by the chair, by every internal member and by the partners invited
  to that item, each only after confirming the geheimhoudingsverklaring for the meeting; a
  partner's access to items ends once the minutes are approved (their own actions stay visible,
  see ``meldpunt.meetings.service``).
"""

from __future__ import annotations

from typing import Any

from meldpunt.auth.models import Role
from meldpunt.meetings.models import AgendaItem, Meeting, MeetingAction, MeetingMember, MeetingState, Proposal
from meldpunt.policy import ROLE_ACTIONS, Action, register_rule

V, D, R = Role.VOORZITTER.value, Role.DEELNEMER.value, Role.REGISSEUR.value

ROLE_ACTIONS.update({
    Action.PLAN_MEETINGS: frozenset({V}),
    Action.LIST_MY_MEETINGS: frozenset({V, D}),
    Action.PROPOSE_FOR_MEETING: frozenset({R}),
    Action.MANAGE_MEETING_TYPES: frozenset({Role.BEHEERDER.value}),  # metadata only: names of meeting types
})


def is_chair(user: Any, meeting: Meeting) -> bool:
    return user.role == V and meeting.chair_id == user.id


def membership(user: Any, meeting: Meeting) -> MeetingMember | None:
    if user.role != D:
        return None
    return next((m for m in meeting.members if m.user_id == user.id), None)


def may_see_item(user: Any, item: AgendaItem, *, require_secrecy: bool = True) -> bool:
    """Whether ``user`` may read the content of ``item`` now."""
    meeting = item.meeting
    if is_chair(user, meeting):
        return True
    member = membership(user, meeting)
    if member is None:
        return False
    if require_secrecy and member.secrecy_confirmed_at is None:
        return False
    if not member.is_partner:
        return True
    if meeting.state == MeetingState.MINUTES_APPROVED.value:
        return False  # a partner's access ends with the approved minutes
    if item.is_standing:
        return True
    return any(p.user_id == user.id for p in item.partners)


@register_rule(Meeting)
def _can_meeting(user: Any, action: Action, meeting: Meeting) -> bool:
    if action == Action.CHAIR_MEETING:
        return is_chair(user, meeting)
    if action == Action.VIEW_MEETING:
        return is_chair(user, meeting) or membership(user, meeting) is not None
    return False


@register_rule(Proposal)
def _can_proposal(user: Any, action: Action, proposal: Proposal) -> bool:
    return action == Action.DECIDE_PROPOSAL and is_chair(user, proposal.meeting)


@register_rule(AgendaItem)
def _can_item(user: Any, action: Action, item: AgendaItem) -> bool:
    if action == Action.CHAIR_MEETING:
        return is_chair(user, item.meeting)
    if action == Action.VIEW_AGENDA_ITEM:
        return may_see_item(user, item)
    return False


@register_rule(MeetingAction)
def _can_action(user: Any, action: Action, meeting_action: MeetingAction) -> bool:
    """An action is changed by the chair of the meeting where it was agreed, or by the member who owns it."""
    if action != Action.UPDATE_MEETING_ACTION:
        return False
    if is_chair(user, meeting_action.meeting):
        return True
    return user.role == D and meeting_action.owner_user_id == user.id
