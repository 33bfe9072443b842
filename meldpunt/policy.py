"""Need-to-know authorisation in one place: per object, per action, per role and assignment.

Views call ``require``/``can`` (templates call ``can`` too); they never compare role strings. A refusal on an
object answers 404, so an id the user may not see looks the same as one that
does not exist.

Three layers, checked in this order by ``can``:

1. the account: authenticated and enabled, otherwise nothing;
2. actions without an object: ``ROLE_ACTIONS`` (role -> may do it at all);
3. actions on an object: the rule registered for the object's type with
   ``register_rule`` (assignment, membership, track ...). No rule means no access.

Other domains register their object rules from their own module, without
editing this file::

    from meldpunt.policy import Action, register_rule

    @register_rule(Meeting)
    def _can_meeting(user, action, meeting) -> bool:
        return action == Action.VIEW_MEETING and is_member(user, meeting)

Each domain keeps its rules in its own ``permissions.py`` (signals, cases, taxonomy, admin, meetings,
reports, resilience, retention, grants); ``meldpunt.models`` imports every one of them, so the rules are
in place wherever the models are. The beheerder (``Role.BEHEERDER``) and
management never pass a rule that reads signal content: tests/unit/app/test_policy.py
checks that for every Action on a signal.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, NoReturn

from flask import abort

from meldpunt.auth.models import Role, User


class Action(enum.StrEnum):
    FILE_SIGNAL = "file_signal"  # melden (logged in)
    LIST_OWN_SIGNALS = "list_own_signals"  # mijn meldingen
    VIEW_OWN_SIGNAL = "view_own_signal"  # the reporter's view of one signal
    VIEW_QUEUE = "view_queue"  # werkvoorraad
    HANDLE_SIGNAL = "handle_signal"  # read content, triage, enrich, message the reporter
    VIEW_REPORTER_IDENTITY = "view_reporter_identity"
    MANAGE_USERS = "manage_users"
    MANAGE_TAXONOMY = "manage_taxonomy"
    VIEW_AUDIT = "view_audit"
    VIEW_STATISTICS = "view_statistics"
    # --- triage and cases (issue 5) ---
    MANAGE_CASES = "manage_cases"  # list and create cases
    HANDLE_CASE = "handle_case"  # read and change one case
    # --- role grants (issue 15 item 2) ---
    DECIDE_ROLE_GRANT = "decide_role_grant"  # approve or reject a pending grant of one's own content role
    # --- casusoverleg / LIO (issue 17); rules in meldpunt/meetings/permissions.py ---
    PLAN_MEETINGS = "plan_meetings"  # the chair: list own meetings, plan a new one, the "voorgesteld" list
    LIST_MY_MEETINGS = "list_my_meetings"  # a member: the meetings one belongs to, "mijn acties"
    PROPOSE_FOR_MEETING = "propose_for_meeting"  # the regisseur proposes a casus or melding
    CHAIR_MEETING = "chair_meeting"  # change one meeting: members, agenda, decisions, minutes
    VIEW_MEETING = "view_meeting"  # see one meeting's metadata (type, time, place)
    DECIDE_PROPOSAL = "decide_proposal"  # accept into the agenda or send back
    VIEW_AGENDA_ITEM = "view_agenda_item"  # read one agenda item's content
    UPDATE_MEETING_ACTION = "update_meeting_action"  # status and result of one action (chair or owner)
    MANAGE_MEETING_TYPES = "manage_meeting_types"  # the beheerder keeps the list of meeting types


#: Actions that need no object: which roles may take them.
ROLE_ACTIONS: dict[Action, frozenset[str]] = {
    Action.FILE_SIGNAL: frozenset(r.value for r in Role),
    Action.LIST_OWN_SIGNALS: frozenset(r.value for r in Role),
    Action.VIEW_QUEUE: frozenset({Role.REGISSEUR.value, Role.INTEGRITEIT.value}),
    Action.MANAGE_USERS: frozenset({Role.BEHEERDER.value}),
    Action.MANAGE_TAXONOMY: frozenset({Role.BEHEERDER.value}),
    Action.VIEW_AUDIT: frozenset({Role.BEHEERDER.value}),
    Action.VIEW_STATISTICS: frozenset({Role.REGISSEUR.value, Role.MANAGEMENT.value}),
    Action.MANAGE_CASES: frozenset({Role.REGISSEUR.value}),  # triage and cases (issue 5)
    # role grants (issue 15 item 2): the holders of a content role decide on grants of that role
    Action.DECIDE_ROLE_GRANT: frozenset({Role.REGISSEUR.value, Role.INTEGRITEIT.value, Role.VOORZITTER.value,
                                         Role.DEELNEMER.value, Role.MANAGEMENT.value}),
}

Rule = Callable[[Any, Action, Any], bool]

#: Object type -> rule ``(user, action, obj) -> bool``. Filled by ``register_rule``.
_RULES: dict[type, Rule] = {}


def register_rule(model: type) -> Callable[[Rule], Rule]:
    """Decorator: the need-to-know rule for objects of ``model`` (and its subclasses)."""

    def decorate(rule: Rule) -> Rule:
        _RULES[model] = rule
        return rule

    return decorate


def rule_for(obj: Any) -> Rule | None:
    for klass in type(obj).__mro__:
        if klass in _RULES:
            return _RULES[klass]
    return None


def can(user: User | Any, action: Action, obj: Any = None) -> bool:
    """Whether ``user`` may take ``action`` (on ``obj``). No side effects: nothing is written or committed."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if obj is None:
        return user.role in ROLE_ACTIONS.get(action, frozenset())
    rule = rule_for(obj)
    return bool(rule(user, action, obj)) if rule is not None else False


def require(user: User | Any, action: Action, obj: Any = None) -> None:
    """Abort unless allowed: 404 for an object, or on any URL that carries an id (so a refusal never
    tells whether the id exists); 403 for a page without one.

    The refusal is audited after the response has been sent (``meldpunt.audit.requests.audit_denied``), so a
    forbidden id answers as fast as a missing one and the request's transaction is left alone: ``require``
    neither commits nor rolls back.
    """
    if not can(user, action, obj):
        from flask import has_request_context, request

        from meldpunt.audit.requests import audit_denied

        audit_denied(action, obj)
        url_has_id = has_request_context() and bool(request.view_args)
        abort(404 if obj is not None or url_has_id else 403)


def refuse(action: Action | str, obj: Any) -> NoReturn:
    """Refuse ``action`` on an existing object exactly as if it did not exist: 404, audited after the response.

    For checks that are not a registered rule (a sub-object named under the wrong parent, a
    four-eyes request another track decides on): call it where a missing id calls ``abort(404)``.
    """
    from meldpunt.audit.requests import audit_denied

    audit_denied(action, obj)
    abort(404)


def load_or_404(model: type, obj_id: Any, action: Action) -> Any:
    """The object ``model[obj_id]`` when the current user may take ``action`` on it; 404 otherwise.

    A missing id and a forbidden one answer the same way.
    """
    from flask_login import current_user

    from meldpunt.extensions import db

    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404)
    require(current_user, action, obj)
    return obj


def add_landing_page(app: Any, action: Action | str, endpoint: str) -> None:
    """After login, users who may take ``action`` land on ``endpoint`` (the first match in the order added)."""
    from meldpunt.extensions import LANDING_PAGES

    app.extensions.setdefault(LANDING_PAGES, []).append((lambda user: can(user, action), endpoint))  # type: ignore[arg-type]
