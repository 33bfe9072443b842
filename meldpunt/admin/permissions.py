"""Who may manage an account: the beheerder (metadata only: name, e-mail, role, status)."""

from __future__ import annotations

from typing import Any

from meldpunt.auth.models import Role, User
from meldpunt.policy import Action, register_rule


@register_rule(User)
def can_account(user: Any, action: Action, account: User) -> bool:
    return action == Action.MANAGE_USERS and user.role == Role.BEHEERDER.value
