"""A pending grant of a content role (rechtentoekenning), decided by another holder of that role."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.auth.models import Role
from meldpunt.database import Base, utcnow

#: Roles that read signal, case or meeting content, or aggregates beyond the beheerder's own metadata.
#: Granting one (new account or role change) needs a second person; every other role (melder,
#: beheerder) is set directly. Demotion to a role outside this set is always direct.
CONTENT_ROLES: frozenset[str] = frozenset({
    Role.REGISSEUR.value,  # regular track, reporter identities, cases
    Role.INTEGRITEIT.value,  # integrity track (reports about colleagues)
    Role.VOORZITTER.value,  # meetings: agenda, cases, decisions
    Role.DEELNEMER.value,  # meetings: the cases on the agenda
    Role.MANAGEMENT.value,  # statistics about signals (aggregates)
})


class GrantState(enum.StrEnum):
    PENDING = "pending"  # waiting for a decision; the account keeps its old role
    APPROVED = "approved"  # the role took effect
    REJECTED = "rejected"  # refused by a holder of the role (or on the server)
    WITHDRAWN = "withdrawn"  # replaced by another role change before anyone decided


class DecidedVia(enum.StrEnum):
    APP = "app"  # by a holder of the role, in the application
    SERVER = "server"  # by an operator on the server (flask user approve-grant / reject-grant)


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in sorted(str(x) for x in values))


class RoleGrant(Base):
    """Vier-ogenprincipe for content roles: the beheerder asks, another holder of the role decides."""

    __tablename__ = "role_grants"
    __table_args__ = (
        CheckConstraint(f"role IN ({_in(CONTENT_ROLES)})", name="role_is_content_role"),
        CheckConstraint(f"state IN ({_in(GrantState)})", name="state_valid"),
        CheckConstraint(f"decided_via IS NULL OR decided_via IN ({_in(DecidedVia)})", name="via_valid"),
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_iff_not_pending"),
        CheckConstraint("state NOT IN ('approved', 'rejected') OR decided_via IS NOT NULL", name="decision_has_via"),
        CheckConstraint("decided_via IS NULL OR decided_via <> 'app' OR decided_by_id IS NOT NULL",
                        name="app_decision_names_decider"),
        CheckConstraint("decided_by_id IS NULL OR (decided_by_id <> requested_by_id AND decided_by_id <> user_id)",
                        name="four_eyes"),
        # At most one open request per account: a new role change withdraws the previous one.
        Index("ix_role_grants_one_pending_per_user", "user_id", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
        Index("ix_role_grants_state_role", "state", "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    #: The account's role when asked (for a new account: the role it has until approval).
    previous_role: Mapped[str] = mapped_column(String(20))
    #: True when the account was created with this request.
    new_account: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default=GrantState.PENDING.value)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_via: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User", foreign_keys=[user_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def previous_role_enum(self) -> Role:
        return Role(self.previous_role)
