"""Need-to-know for weerbaarheid, registered with ``meldpunt.policy`` from this domain (no edit of policy.py).

- The OOV-regisseur keeps the register, the measures, the reports, the knowledge pages and the record of
  awareness sessions (``KEEP_REGISTER``).
- The owner of a measure (any role) sees that measure and adds progress to it (``UPDATE_MEASURE``);
  "Mijn verbetermaatregelen" lists them (``LIST_OWN_MEASURES``, every role).
- Every employee reads the knowledge pages (``READ_KNOWLEDGE``).
- The beheerder manages accounts and the taxonomy but never weerbaarheid content: no rule below lets
  the beheerder through, so an object URL answers 404 and a page without an id 403.
"""

from __future__ import annotations

import enum

from meldpunt.auth.models import Role, User
from meldpunt.policy import ROLE_ACTIONS, register_rule
from meldpunt.resilience.models import AwarenessSession, KnowledgePage, Measure, ProgressReport, RegisterEntry


class ResilienceAction(enum.StrEnum):
    KEEP_REGISTER = "keep_resilience_register"  # register, measures, reports, knowledge, sessions
    LIST_OWN_MEASURES = "list_own_measures"  # mijn verbetermaatregelen
    VIEW_MEASURE = "view_measure"
    UPDATE_MEASURE = "update_measure"  # progress note, status
    READ_KNOWLEDGE = "read_knowledge"  # kennispagina's voor medewerkers


KEEPERS = frozenset({Role.REGISSEUR.value})

ROLE_ACTIONS.update({
    ResilienceAction.KEEP_REGISTER: KEEPERS,
    ResilienceAction.LIST_OWN_MEASURES: frozenset(r.value for r in Role),
    ResilienceAction.READ_KNOWLEDGE: frozenset(r.value for r in Role),
})


def is_keeper(user: User) -> bool:
    return user.role in KEEPERS


@register_rule(RegisterEntry)
def _can_entry(user: User, action, entry: RegisterEntry) -> bool:
    return action == ResilienceAction.KEEP_REGISTER and is_keeper(user)


@register_rule(Measure)
def _can_measure(user: User, action, measure: Measure) -> bool:
    if action == ResilienceAction.KEEP_REGISTER:
        return is_keeper(user)
    if action in (ResilienceAction.VIEW_MEASURE, ResilienceAction.UPDATE_MEASURE):
        return is_keeper(user) or (measure.owner_id is not None and measure.owner_id == user.id)
    return False


@register_rule(ProgressReport)
def _can_report(user: User, action, report: ProgressReport) -> bool:
    return action == ResilienceAction.KEEP_REGISTER and is_keeper(user)


@register_rule(KnowledgePage)
def _can_page(user: User, action, page: KnowledgePage) -> bool:
    if action == ResilienceAction.READ_KNOWLEDGE:
        return True
    return action == ResilienceAction.KEEP_REGISTER and is_keeper(user)


@register_rule(AwarenessSession)
def _can_session(user: User, action, session: AwarenessSession) -> bool:
    return action == ResilienceAction.KEEP_REGISTER and is_keeper(user)
