"""Four eyes: who may decide a request, the decision itself, and the dispatch to the domain that completes it.

A domain registers its kind once, from its own service module::

    register_kind(ApprovalKind.CLOSE_CASE, complete=complete_case_closing, covers=case_holds_signal,
                  decider_roles={Role.REGISSEUR.value})

- ``complete(session, keyring=, approval=, actor=, approve=)`` runs after the decision (approved or not);
- ``covers(session, approval, signal)`` says whether an approved request of this kind covers a status move of
  ``signal`` (``meldpunt.signals`` asks on the approval path);
- ``decider_roles``: roles that decide every request of the kind; without it, a handler of the signal's track
  decides (``meldpunt.signals.models.handler_track``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from meldpunt.approvals.models import Approval, ApprovalKind, ApprovalState
from meldpunt.audit.service import record
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.signals.events import approval_checking
from meldpunt.signals.models import Signal, handler_track
from meldpunt.signals.service import TriageError


@dataclass(frozen=True)
class KindRules:
    complete: Callable[..., None]
    covers: Callable[[Session, Approval, Signal], bool]
    decider_roles: frozenset[str] | None = None


_KINDS: dict[str, KindRules] = {}


def register_kind(kind: ApprovalKind | str, *, complete: Callable[..., None],
                  covers: Callable[[Session, Approval, Signal], bool], decider_roles: set[str] | None = None) -> None:
    _KINDS[str(kind)] = KindRules(complete, covers, frozenset(decider_roles) if decider_roles else None)


def _rules(approval: Approval) -> KindRules:
    rules = _KINDS.get(approval.kind)
    if rules is None:
        raise TriageError("Dit soort verzoek kent de toepassing niet.")
    return rules


@approval_checking.connect
def _covers_signal(signal: Signal, *, session: Session, approval: Approval | None) -> bool:
    """The signals core asks on the approval path: approved by a second person, and about this signal."""
    if approval is None or approval.state != ApprovalState.APPROVED.value or approval.decided_by_id is None:
        return False
    if approval.decided_by_id == approval.requested_by_id or approval.kind not in _KINDS:
        return False
    return bool(_KINDS[approval.kind].covers(session, approval, signal))


def pending_approvals(session: Session, *, actor: Any) -> list[Approval]:
    """Open requests this user may decide on: those of their signals' track, and kinds their role decides."""
    visible = Approval.signal_id.in_(select(Signal.id).where(Signal.track == handler_track(actor)))
    by_role = [kind for kind, rules in _KINDS.items() if rules.decider_roles and actor.role in rules.decider_roles]
    if by_role:
        visible = visible | Approval.kind.in_(by_role)
    query = select(Approval).where(Approval.state == ApprovalState.PENDING.value, visible).order_by(Approval.created_at)
    return list(session.scalars(query))


def may_decide(approval: Approval, actor: Any, signal_track: str | None) -> bool:
    rules = _KINDS.get(approval.kind)
    if rules is None:
        return False
    if rules.decider_roles is not None:
        return actor.role in rules.decider_roles
    return signal_track is not None and handler_track(actor) == signal_track


def decide_approval(session: Session, *, keyring: Keyring, approval: Approval, actor: Any, approve: bool) -> Approval:
    """A second person (never the requester) approves or rejects; the kind's domain then completes it."""
    if approval.state != ApprovalState.PENDING.value:
        raise TriageError(gettext("Over dit verzoek is al besloten."))
    if approval.requested_by_id == actor.id:
        raise TriageError(gettext("Vier ogen: een andere regisseur moet dit goedkeuren, niet uzelf."))
    signal = session.get(Signal, approval.signal_id) if approval.signal_id else None
    if not may_decide(approval, actor, signal.track if signal else None):
        raise TriageError(gettext("U kunt over dit verzoek niet beslissen."))
    rules = _rules(approval)
    approval.state = (ApprovalState.APPROVED if approve else ApprovalState.REJECTED).value
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    session.flush()
    record(session, action="approval.decide", actor_id=actor.id, actor_label=actor.email,
           object_type="approval", object_id=approval.id,
           details={"kind": approval.kind, "approved": approve})
    rules.complete(session, keyring=keyring, approval=approval, actor=actor, approve=approve)
    session.flush()
    return approval
