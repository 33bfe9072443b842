"""Need-to-know for retention, legal holds and requests of data subjects (registered with ``meldpunt.policy``).

- The handlers (regisseur; integriteit for the integrity track) see the retention reports, propose and
  decide legal holds on what they may handle (``HANDLE_SIGNAL`` / ``HANDLE_CASE`` on the target), and
  keep a signal longer ("bewaren tot").
- The beheerder records requests of data subjects; a second beheerder decides. The beheerder never
  reads signal content: the inzage export leaves the application only encrypted, for the reporter.
"""

from __future__ import annotations

import enum

from meldpunt.auth.models import Role, User
from meldpunt.policy import ROLE_ACTIONS, Action, can, register_rule
from meldpunt.retention.models import LegalHold, RightsRequest


class RetentionAction(enum.StrEnum):
    VIEW_RETENTION = "view_retention"  # run reports, what expires soon, the list of holds
    DECIDE_HOLD = "decide_legal_hold"
    HANDLE_RIGHTS = "handle_rights_requests"


HANDLERS = frozenset({Role.REGISSEUR.value, Role.INTEGRITEIT.value})
RIGHTS_KEEPERS = frozenset({Role.BEHEERDER.value})

#: Which reference series each handler role sees in the run reports.
SERIES_FOR_ROLE = {Role.REGISSEUR.value: ("MO-",), Role.INTEGRITEIT.value: ("MI-",)}

ROLE_ACTIONS.update({
    RetentionAction.VIEW_RETENTION: HANDLERS,
    RetentionAction.HANDLE_RIGHTS: RIGHTS_KEEPERS,
})


@register_rule(LegalHold)
def _can_hold(user: User, action, hold: LegalHold) -> bool:
    if action not in (RetentionAction.VIEW_RETENTION, RetentionAction.DECIDE_HOLD):
        return False
    if hold.signal_id is not None:
        return can(user, Action.HANDLE_SIGNAL, hold.signal)
    return can(user, Action.HANDLE_CASE, hold.case)


@register_rule(RightsRequest)
def _can_request(user: User, action, request: RightsRequest) -> bool:
    return action == RetentionAction.HANDLE_RIGHTS and user.role in RIGHTS_KEEPERS
