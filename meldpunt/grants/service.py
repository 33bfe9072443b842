"""Granting content roles with four eyes (vier ogen).

The beheerder may ask for a content role (``CONTENT_ROLES``) for an account, but the role takes
effect only when another holder of that role approves it in the application, or an operator
approves it on the server (``flask --app meldpunt user approve-grant ID``). Until then:

- a new account exists with the role ``melder`` (every employee's role: filing signals and seeing
  only their own), so it reads nothing it could not read as any colleague;
- an existing account keeps its old role.

Neither the requester nor the account itself can ever decide; the database enforces it too
(``ck_role_grants_four_eyes``). Every step writes an audit entry, and the holders of the role get a
content-free notice (in-app and e-mail) that a request awaits them.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.audit.service import record
from meldpunt.auth.models import ROLE_LABELS, Role, User
from meldpunt.auth.service import AccountError, change_role
from meldpunt.database import utcnow
from meldpunt.grants.models import CONTENT_ROLES, DecidedVia, GrantState, RoleGrant


class GrantError(AccountError):
    """A rule about role grants was broken; the message is Dutch and shown to the user."""


def needs_grant(role: str) -> bool:
    return role in CONTENT_ROLES


def role_label(role: str) -> str:
    return ROLE_LABELS[Role(role)]


def pending_grant_for(session: Session, *, user_id: int) -> RoleGrant | None:
    return session.scalar(select(RoleGrant).where(RoleGrant.user_id == user_id,
                                                  RoleGrant.state == GrantState.PENDING.value))


def pending_grants_by_user(session: Session) -> dict[int, RoleGrant]:
    """Every open request, by account (for the beheerder's account list)."""
    return {g.user_id: g for g in session.scalars(select(RoleGrant).where(RoleGrant.state == GrantState.PENDING.value))}


def may_decide(user: User, grant: RoleGrant) -> bool:
    """Another holder of the requested role: never the requester, never the account itself."""
    return (
        bool(user.is_enabled)
        and user.role == grant.role
        and user.id != grant.requested_by_id
        and user.id != grant.user_id
    )


def approvers(session: Session, *, grant: RoleGrant) -> list[User]:
    """The enabled holders of the role who may decide on ``grant``."""
    holders = session.scalars(select(User).where(User.role == grant.role, User.is_enabled.is_(True)).order_by(User.id))
    return [u for u in holders if may_decide(u, grant)]


def grants_to_decide(session: Session, *, user: User) -> list[RoleGrant]:
    """Open requests ``user`` may decide on, oldest first."""
    rows = session.scalars(select(RoleGrant).where(RoleGrant.state == GrantState.PENDING.value,
                                                   RoleGrant.role == user.role).order_by(RoleGrant.created_at))
    return [g for g in rows if may_decide(user, g)]


def request_role(session: Session, *, actor: User, user: User, role: str, new_account: bool = False,
                 origin: str = "") -> RoleGrant:
    """Ask for content role ``role`` for ``user``; the account keeps its current role until approval.

    A previous open request for the account is withdrawn. Returns the new request (flushed).
    """
    if not needs_grant(role):
        raise GrantError(gettext("Voor deze rol is geen akkoord nodig."))
    if user.role == role:
        raise GrantError(gettext("Deze gebruiker heeft deze rol al."))
    if user.id == actor.id:
        raise GrantError(gettext("U kunt voor uzelf geen rol aanvragen. Vraag een andere beheerder."))
    withdraw_pending(session, actor=actor, user=user, origin=origin)
    grant = RoleGrant(user_id=user.id, role=role, previous_role=user.role, new_account=new_account,
                      requested_by_id=actor.id, state=GrantState.PENDING.value)
    session.add(grant)
    session.flush()
    holders = approvers(session, grant=grant)
    from meldpunt.feedback.service import queue_grant_notice

    for holder in holders:
        queue_grant_notice(session, grant_id=grant.id, recipient_user_id=holder.id)
    record(session, action="grant.request", actor_id=actor.id, actor_label=actor.email, object_type="role_grant",
           object_id=grant.id, origin=origin,
           details={"user_id": user.id, "role": role, "from": user.role, "new_account": new_account,
                    "notified": len(holders)})
    session.flush()
    return grant


def withdraw_pending(session: Session, *, actor: User, user: User, origin: str = "") -> RoleGrant | None:
    """Withdraw the account's open request (the beheerder chose another role). Returns it, or None."""
    grant = pending_grant_for(session, user_id=user.id)
    if grant is None:
        return None
    grant.state = GrantState.WITHDRAWN.value
    grant.decided_at = utcnow()
    session.flush()
    record(session, action="grant.withdraw", actor_id=actor.id, actor_label=actor.email, object_type="role_grant",
           object_id=grant.id, origin=origin, details={"user_id": user.id, "role": grant.role})
    return grant


def decide(session: Session, *, grant: RoleGrant, actor: User, approve: bool, origin: str = "") -> None:
    """A holder of the role approves or rejects in the application."""
    if not may_decide(actor, grant):
        raise GrantError(gettext("U mag over dit verzoek niet besluiten."))
    _decide(session, grant=grant, approve=approve, via=DecidedVia.APP, decided_by=actor, origin=origin)


def decide_on_server(session: Session, *, grant_id: int, approve: bool) -> RoleGrant:
    """An operator on the server decides (``flask user approve-grant`` / ``reject-grant``): the way to
    grant a role nobody holds yet, like the first integriteitscoördinator."""
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise GrantError(gettext("Er is geen verzoek met nummer %(number)s.", number=grant_id))
    _decide(session, grant=grant, approve=approve, via=DecidedVia.SERVER, decided_by=None, origin="")
    return grant


def _decide(session: Session, *, grant: RoleGrant, approve: bool, via: DecidedVia, decided_by: User | None,
            origin: str) -> None:
    state = GrantState.APPROVED if approve else GrantState.REJECTED
    # Compare-and-set: two people deciding at the same moment cannot both win.
    changed = session.execute(
        update(RoleGrant)
        .where(RoleGrant.id == grant.id, RoleGrant.state == GrantState.PENDING.value)
        .values(state=state.value, decided_via=via.value, decided_at=utcnow(),
                decided_by_id=decided_by.id if decided_by is not None else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise GrantError(gettext("Over dit verzoek is al besloten."))
    session.refresh(grant)
    actor_id = decided_by.id if decided_by is not None else None
    actor_label = decided_by.email if decided_by is not None else "cli"
    details = {"user_id": grant.user_id, "role": grant.role, "via": via.value}
    if approve:
        user = session.get(User, grant.user_id)
        old = user.role
        change_role(session, user=user, role=grant.role)  # ends the account's sessions
        record(session, action="user.role", actor_id=actor_id, actor_label=actor_label, object_type="user",
               object_id=user.id, origin=origin, details={"from": old, "to": grant.role, "grant_id": grant.id})
    record(session, action="grant.approve" if approve else "grant.reject", actor_id=actor_id, actor_label=actor_label,
           object_type="role_grant", object_id=grant.id, origin=origin, details=details)
    session.flush()


# ---------------------------------------------------------------------------- need-to-know

from meldpunt.policy import Action, register_rule  # noqa: E402


@register_rule(RoleGrant)
def _can_grant(user: User, action: Action, grant: RoleGrant) -> bool:
    """Only another holder of the requested role may see and decide a request; the beheerder never."""
    return action == Action.DECIDE_ROLE_GRANT and may_decide(user, grant)
