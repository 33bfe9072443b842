"""Who may see a casus: the regisseur (cases hold regular-track meldingen only), registered with ``meldpunt.policy``."""

from __future__ import annotations

from typing import Any

from meldpunt.auth.models import Role
from meldpunt.cases.models import Case
from meldpunt.policy import Action, register_rule


@register_rule(Case)
def can_case(user: Any, action: Action, case: Case) -> bool:
    return action == Action.HANDLE_CASE and user.role == Role.REGISSEUR.value
