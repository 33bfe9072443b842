"""The beheerder's changes: accounts and taxonomy terms. Each writes an audit entry (metadata only)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flask_babel import gettext
from meldpunt.audit.service import record
from meldpunt.auth.models import Role, User
from meldpunt.auth.service import AccountError, change_role, create_user, set_enabled
from meldpunt.auth.sessions import revoke_all_sessions
from meldpunt.auth.service import clear_totp
from meldpunt.grants.models import RoleGrant
from meldpunt.grants.service import (
    approvers,
    needs_grant,
    pending_grant_for,
    pending_grants_by_user,
    request_role,
    withdraw_pending,
)
from meldpunt.taxonomy.models import TaxonomyTerm, TermKind

_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,59}$")


class TaxonomyError(ValueError):
    """A taxonomy rule was broken; the message is Dutch and shown next to the field."""


def _audit(session: Session, actor: User, action: str, object_type: str, object_id, details: dict | None = None,
           origin: str = "") -> None:
    record(session, action=action, actor_id=actor.id, actor_label=actor.email, object_type=object_type,
           object_id=object_id, origin=origin, details=details)


@dataclass(frozen=True)
class PendingRequest:
    """An open request for a content role, for the beheerder's pages (who may still decide on it)."""

    grant: RoleGrant
    approver_count: int


@dataclass(frozen=True)
class RoleChange:
    """What a role change did: asked for approval, withdrew an open request, or changed the role at once."""

    grant: RoleGrant | None = None
    withdrawn: bool = False
    changed: bool = False


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.is_enabled.desc(), User.name)))


def pending_requests(session: Session) -> dict[int, RoleGrant]:
    """Open role requests by account id (for the account list)."""
    return pending_grants_by_user(session)


def pending_request(session: Session, *, user: User) -> PendingRequest | None:
    grant = pending_grant_for(session, user_id=user.id)
    if grant is None:
        return None
    return PendingRequest(grant=grant, approver_count=len(approvers(session, grant=grant)))


def admin_create_user(session: Session, *, actor: User, email: str, name: str, role: str, password: str | None,
                      department: str | None = None, origin: str = "") -> tuple[User, RoleGrant | None]:
    """Create an account. With a content role it starts as melder and the role is requested (four eyes)."""
    start_role = Role.MELDER.value if needs_grant(role) else role
    user = create_user(session, email=email, name=name, role=start_role, password=password, department=department)
    _audit(session, actor, "user.create", "user", user.id, {"role": user.role}, origin)
    grant = None
    if needs_grant(role):
        grant = request_role(session, actor=actor, user=user, role=role, new_account=True, origin=origin)
    return user, grant


def admin_change_role(session: Session, *, actor: User, user: User, role: str, origin: str = "") -> RoleChange:
    """Lowering rights (or choosing melder/beheerder) takes effect at once; a content role is requested and
    waits for another holder of that role. Either way an open request for the account is withdrawn."""
    if user.id == actor.id:
        raise AccountError(gettext("U kunt uw eigen rol niet wijzigen. Vraag een andere beheerder."))
    try:
        role = Role(role).value
    except ValueError:
        raise AccountError(gettext("Kies een bestaande rol.")) from None
    if needs_grant(role) and role != user.role:
        return RoleChange(grant=request_role(session, actor=actor, user=user, role=role, origin=origin))
    withdrawn = withdraw_pending(session, actor=actor, user=user, origin=origin) is not None
    if role == user.role:
        return RoleChange(withdrawn=withdrawn)
    old = user.role
    change_role(session, user=user, role=role)
    _audit(session, actor, "user.role", "user", user.id, {"from": old, "to": user.role}, origin)
    return RoleChange(withdrawn=withdrawn, changed=True)


def admin_set_department(session: Session, *, actor: User, user: User, department: str | None, origin: str = "") -> None:
    """The account's department (a department term's code; empty = none). The melden form starts from it."""
    department = (department or "").strip() or None
    if department is not None and session.scalar(select(TaxonomyTerm.id).where(
            TaxonomyTerm.kind == TermKind.DEPARTMENT.value, TaxonomyTerm.code == department)) is None:
        raise AccountError(gettext("Kies een afdeling uit de lijst."))
    old = user.department
    user.department = department
    _audit(session, actor, "user.department", "user", user.id, {"from": old, "to": department}, origin)
    session.flush()


def admin_set_enabled(session: Session, *, actor: User, user: User, enabled: bool, origin: str = "") -> None:
    if user.id == actor.id and not enabled:
        raise AccountError(gettext("U kunt uw eigen account niet blokkeren."))
    if not enabled and user.role == Role.BEHEERDER.value and _enabled_admins(session) <= 1:
        raise AccountError(gettext("Dit is de laatste beheerder. Maak eerst een andere beheerder aan."))
    set_enabled(session, user=user, enabled=enabled)
    _audit(session, actor, "user.enable" if enabled else "user.disable", "user", user.id, None, origin)


def admin_reset_totp(session: Session, *, actor: User, user: User, origin: str = "") -> None:
    """The user lost the phone and the recovery codes: they set up a new app at the next login."""
    clear_totp(session, user=user)
    revoke_all_sessions(session, user=user)
    _audit(session, actor, "user.totp_reset", "user", user.id, None, origin)


def _enabled_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.BEHEERDER.value, User.is_enabled.is_(True))) or 0


def list_terms(session: Session, *, kind: TermKind) -> list[TaxonomyTerm]:
    return list(session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.kind == kind.value)
                                .order_by(TaxonomyTerm.is_active.desc(), TaxonomyTerm.position, TaxonomyTerm.label)))


def add_term(session: Session, *, actor: User, kind: TermKind, code: str, label: str, help_text: str = "",
             origin: str = "") -> TaxonomyTerm:
    code = code.strip().lower()
    if not _CODE_RE.match(code):
        raise TaxonomyError(gettext("Gebruik voor de code 2 tot 60 kleine letters, cijfers, - of _."))
    if not label.strip():
        raise TaxonomyError(gettext("Vul een naam in."))
    exists = session.scalar(select(func.count()).select_from(TaxonomyTerm).where(
        TaxonomyTerm.kind == kind.value, TaxonomyTerm.code == code))
    if exists:
        raise TaxonomyError(gettext("Deze code bestaat al in deze lijst."))
    position = (session.scalar(select(func.max(TaxonomyTerm.position)).where(TaxonomyTerm.kind == kind.value)) or 0) + 1
    term = TaxonomyTerm(kind=kind.value, code=code, label=label.strip()[:200], help_text=help_text.strip(),
                        position=position, is_active=True)
    session.add(term)
    session.flush()
    _audit(session, actor, "taxonomy.add", "taxonomy_term", term.id, {"kind": kind.value}, origin)
    return term


def edit_term(session: Session, *, actor: User, term: TaxonomyTerm, label: str, help_text: str = "",
              origin: str = "") -> None:
    """Change the label or help text; the code stays (signals refer to it)."""
    if not label.strip():
        raise TaxonomyError(gettext("Vul een naam in."))
    term.label = label.strip()[:200]
    term.help_text = help_text.strip()
    session.flush()
    _audit(session, actor, "taxonomy.edit", "taxonomy_term", term.id, {"kind": term.kind}, origin)


def set_term_active(session: Session, *, actor: User, term: TaxonomyTerm, active: bool, origin: str = "") -> None:
    """Deactivated terms disappear from forms; existing signals keep their code and label."""
    term.is_active = active
    session.flush()
    _audit(session, actor, "taxonomy.activate" if active else "taxonomy.deactivate", "taxonomy_term", term.id,
           {"kind": term.kind}, origin)
