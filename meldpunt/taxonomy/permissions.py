"""Who may change the taxonomy (verschijningsvormen, werkprocessen, ...): the beheerder."""

from __future__ import annotations

from typing import Any

from meldpunt.auth.models import Role
from meldpunt.policy import Action, register_rule
from meldpunt.taxonomy.models import TaxonomyTerm


@register_rule(TaxonomyTerm)
def can_term(user: Any, action: Action, term: TaxonomyTerm) -> bool:
    return action == Action.MANAGE_TAXONOMY and user.role == Role.BEHEERDER.value
