"""Forwarding (doorzenden) to a competent authority, with four eyes when ``[security] four_eyes`` is on.

The request is a ``Forwarding`` row (recipient, legal basis and reason sealed); with four eyes an
``Approval`` waits for a second regisseur (registered here as the approvals kind ``signaal_doorzenden``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.vault.keys import Keyring
from meldpunt.database import utcnow
from meldpunt.i18n import N_
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.approvals.models import Approval, ApprovalKind
from meldpunt.approvals.service import register_kind
from meldpunt.triage.enrichment import checked_text
from meldpunt.triage.models import Authority, Forwarding, ForwardingState
from meldpunt.signals.service import (
    REASON_MAX,
    TriageError,
    check_version,
    flush_checked,
    signal_cipher,
    transition_signal,
)
from meldpunt.signals.transitions import Path, check_start, requires_approval
from meldpunt.vault.service import ShreddedError, cipher_for, seal, unseal

def forward_signal(
    session: Session,
    *,
    keyring: Keyring,
    signal: Signal,
    actor: User,
    authority: Authority | str,
    recipient: str | None,
    legal_basis: str,
    reason: str,
    four_eyes: bool,
    expected_version: int | None = None,
) -> Forwarding:
    """Doorzenden naar bevoegd gezag. With four eyes a second regisseur must approve before it happens."""
    check_version(signal, expected_version)
    try:
        authority = Authority(authority)
    except ValueError:
        raise TriageError(gettext("Kies naar wie u de melding doorzendt.")) from None
    transition = check_start(signal.status, SignalStatus.FORWARDED, role=actor.role, track=signal.track,
                             path=Path.FORWARD)
    recipient = checked_text(recipient, N_("de ontvanger"), required=False, maximum=300)
    legal_basis = checked_text(legal_basis, N_("de grondslag"), maximum=1000)
    reason = checked_text(reason, N_("de reden"), maximum=REASON_MAX)
    open_request = session.scalar(
        select(Forwarding.id).where(Forwarding.signal_id == signal.id, Forwarding.state == ForwardingState.PENDING.value)
    )
    if open_request is not None:
        raise TriageError(gettext("Voor deze melding wacht al een verzoek om door te zenden op akkoord."))
    cipher = signal_cipher(session, keyring, signal)
    forwarding = Forwarding(id=uuid.uuid4(), signal_id=signal.id, authority=authority.value, requested_by_id=actor.id,
                            state=ForwardingState.PENDING.value)
    seal(cipher, forwarding, "recipient", recipient)
    seal(cipher, forwarding, "legal_basis", legal_basis)
    seal(cipher, forwarding, "reason", reason)
    session.add(forwarding)
    session.flush()
    if requires_approval(transition, four_eyes=four_eyes):
        approval = Approval(kind=ApprovalKind.FORWARD_SIGNAL.value, signal_id=signal.id, forwarding_id=forwarding.id,
                            requested_by_id=actor.id)
        session.add(approval)
        session.flush()
        record(session, action="approval.request", actor_id=actor.id, actor_label=actor.email,
               object_type="signal", object_id=signal.id,
               details={"approval_id": approval.id, "kind": approval.kind, "authority": authority.value})
        flush_checked(session)
        return forwarding
    _complete_forwarding(session, keyring=keyring, signal=signal, forwarding=forwarding, actor=actor, reason=reason,
                         four_eyes=four_eyes)
    return forwarding


def _complete_forwarding(session, *, keyring, signal, forwarding, actor, reason, four_eyes, approval=None) -> None:
    """The move to "doorgezonden": on the forward path, or on the approval path once a colleague approved."""
    now = utcnow()
    details = {"forwarding_id": str(forwarding.id), "authority": forwarding.authority}
    transition_signal(session, keyring=keyring, signal=signal, actor=actor, target=SignalStatus.FORWARDED,
                      path=Path.APPROVAL if approval is not None else Path.FORWARD, four_eyes=four_eyes,
                      approval=approval, reason=reason, audit_details=details, now=now)
    forwarding.state = ForwardingState.DONE.value
    forwarding.forwarded_at = now
    session.flush()


@dataclass(frozen=True)
class ForwardingView:
    id: uuid.UUID
    authority: Authority
    state: ForwardingState
    requested_by: str
    created_at: datetime
    forwarded_at: datetime | None
    recipient: str | None
    legal_basis: str | None
    reason: str | None


def forwardings_of(session: Session, *, keyring: Keyring, signal: Signal) -> list[ForwardingView]:
    rows = session.scalars(select(Forwarding).where(Forwarding.signal_id == signal.id).order_by(Forwarding.created_at)).all()
    try:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    except ShreddedError:
        cipher = None

    def _open(row, column):
        return unseal(cipher, row, column) if cipher else "Verwijderd"

    return [
        ForwardingView(f.id, Authority(f.authority), ForwardingState(f.state),
                       f.requested_by.name if f.requested_by else "—", f.created_at, f.forwarded_at,
                       _open(f, "recipient"), _open(f, "legal_basis"), _open(f, "reason"))
        for f in rows
    ]


def _complete_forwarding_request(session: Session, *, keyring: Keyring, approval: Approval, actor: User,
                                 approve: bool) -> None:
    """A colleague decided on a request to forward: forward now, or mark the request refused."""
    forwarding = approval.forwarding
    if not approve:
        forwarding.state = ForwardingState.REJECTED.value
        return
    signal = session.get(Signal, forwarding.signal_id)
    reason = unseal(signal_cipher(session, keyring, signal), forwarding, "reason")
    _complete_forwarding(session, keyring=keyring, signal=signal, forwarding=forwarding,
                         actor=actor, reason=reason, four_eyes=True, approval=approval)


register_kind(ApprovalKind.FORWARD_SIGNAL, complete=_complete_forwarding_request,
              covers=lambda _session, approval, signal: approval.signal_id == signal.id)
