"""Who sees which report, registered with ``meldpunt.policy`` from this domain.

- Dashboard: the regisseur and management (everything), the integriteitscoördinator (the integrity
  track only, see ``dashboard_track``). Aggregates only: nobody reads content here.
- Council report: per track. The regisseur drafts the regular track's report and writes the RAG
  explanations, the integriteitscoördinator the integrity track's; management (another person than
  the author) approves both and reads both; the regisseur never sees the integrity report and the
  integriteitscoördinator never the regular one (a guessed id answers 404).
- Ondermijningsbeeld: the regisseur.
- "Wat doen we met uw meldingen": every employee; the regisseur writes examples, a second person
  (management or another regisseur) approves them.
- The beheerder sees none of it.
"""

from __future__ import annotations

import enum
from typing import Any

from meldpunt.auth.models import Role
from meldpunt.policy import ROLE_ACTIONS, register_rule
from meldpunt.reports.models import CouncilReport, ResultExample

R, M, INT = Role.REGISSEUR.value, Role.MANAGEMENT.value, Role.INTEGRITEIT.value


class ReportAction(enum.StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_COUNCIL_REPORTS = "view_council_reports"
    DRAFT_COUNCIL_REPORT = "draft_council_report"
    APPROVE_COUNCIL_REPORT = "approve_council_report"
    VIEW_UNDERMINING = "view_undermining_picture"
    VIEW_RESULTS = "view_results"
    WRITE_EXAMPLE = "write_result_example"
    APPROVE_EXAMPLE = "approve_result_example"


ROLE_ACTIONS.update({
    ReportAction.VIEW_DASHBOARD: frozenset({R, M, INT}),
    ReportAction.VIEW_COUNCIL_REPORTS: frozenset({R, M, INT}),
    ReportAction.DRAFT_COUNCIL_REPORT: frozenset({R, INT}),
    ReportAction.APPROVE_COUNCIL_REPORT: frozenset({M}),
    ReportAction.VIEW_UNDERMINING: frozenset({R}),
    ReportAction.VIEW_RESULTS: frozenset(r.value for r in Role),
    ReportAction.WRITE_EXAMPLE: frozenset({R}),
    ReportAction.APPROVE_EXAMPLE: frozenset({R, M}),
})


def dashboard_track(user: Any) -> str | None:
    """The track the user's figures are limited to (None: all tracks)."""
    return "integriteit" if user.role == INT else None


#: The council report track each drafting role writes and reads (management reads and approves both).
COUNCIL_TRACKS = {R: "regulier", INT: "integriteit"}


def council_track(user: Any) -> str | None:
    """The one track of council reports the user sees (None: management, both tracks)."""
    return COUNCIL_TRACKS.get(user.role)


@register_rule(CouncilReport)
def _can_report(user: Any, action: Any, report: CouncilReport) -> bool:
    if action == ReportAction.VIEW_COUNCIL_REPORTS:
        return user.role == M or COUNCIL_TRACKS.get(user.role) == report.track
    if action == ReportAction.DRAFT_COUNCIL_REPORT:
        return COUNCIL_TRACKS.get(user.role) == report.track and not report.is_approved
    if action == ReportAction.APPROVE_COUNCIL_REPORT:
        return user.role == M and not report.is_approved and report.author_id != user.id
    return False


@register_rule(ResultExample)
def _can_example(user: Any, action: Any, example: ResultExample) -> bool:
    if action == ReportAction.APPROVE_EXAMPLE:
        return user.role in (R, M) and example.author_id != user.id and example.approved_by_id is None
    if action == ReportAction.WRITE_EXAMPLE:
        return user.role == R and example.approved_by_id is None
    return False
