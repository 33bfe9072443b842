"""Accounts and roles."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import false as sa_false
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from meldpunt.i18n import N_
from meldpunt.database import Base, utcnow


class Role(enum.StrEnum):
    """The roles (docs/glossary.md). Access is still decided per object by ``meldpunt.policy``."""

    MELDER = "melder"  # reporter: any employee
    REGISSEUR = "regisseur"  # OOV-regisseur / meldpuntcoördinator
    VOORZITTER = "voorzitter"  # chair of casusoverleg / LIO
    DEELNEMER = "deelnemer"  # meeting member
    INTEGRITEIT = "integriteit"  # integriteitscoördinator
    BEHEERDER = "beheerder"  # functioneel beheerder: no signal content
    MANAGEMENT = "management"  # aggregates only

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MELDER: N_("Melder"),
    Role.REGISSEUR: N_("OOV-regisseur"),
    Role.VOORZITTER: N_("Voorzitter overleg"),
    Role.DEELNEMER: N_("Deelnemer overleg"),
    Role.INTEGRITEIT: N_("Integriteitscoördinator"),
    Role.BEHEERDER: N_("Functioneel beheerder"),
    Role.MANAGEMENT: N_("Management"),
}

_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The handler's choice: also a content-free e-mail when a reporter replies (issue 22 item 2).
    reply_mail: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    #: The language chosen with the footer switch (issue 22 item 9): e-mails to this user use it.
    language: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    #: TOTP secret, encrypted under this account's own data key (so key rotation covers it).
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_keys.id", ondelete="SET NULL"))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: Bumped on logout-everywhere, password/TOTP change and disable: old sessions die.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # flask-login
        return bool(self.is_enabled)

    def get_id(self) -> str:  # flask-login: generation-bound id, so bumping it logs out everywhere
        return f"{self.id}:{self.session_generation}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    @property
    def totp_enrolled(self) -> bool:
        return self.totp_secret_ct is not None


class AuthSession(Base):
    """A server-side login session. The browser holds a random 256-bit id; only its SHA-256 digest is stored.

    Logout, password change, TOTP change and disabling the account revoke rows, so a copied
    cookie stops working at once; idle and absolute timeouts are checked on every request.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: "password", "totp", "recovery" or "oidc": how the session was established (metadata for the audit view).
    method: Mapped[str] = mapped_column(String(20), default="password")


class RecoveryCode(Base):
    """A single-use recovery code for the second factor, stored as a SHA-256 digest (80 random bits each)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
