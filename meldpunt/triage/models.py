"""Triage data in its own tables: enrichment notes, forwardings to a competent authority, reclassifications.

The queue's conditions and indexes on ``signals`` are in ``meldpunt.signals.models``; four-eyes requests in
``meldpunt.approvals``.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, sql_in_list as _in, utcnow
from meldpunt.i18n import N_


class Register(enum.StrEnum):
    """Registers the regisseur consults while enriching (verrijken)."""

    PERMITS = "vergunningen"
    BIBOB = "bibob"
    BRP = "brp"
    KVK = "kvk"
    LAND_REGISTRY = "kadaster"
    ENFORCEMENT = "handhaving"
    SOCIAL = "sociaal_domein"
    OPEN_SOURCES = "open_bronnen"
    POLICE = "politie"
    OTHER = "overig"

    @property
    def label(self) -> str:
        return REGISTER_LABELS[self]


REGISTER_LABELS = {
    Register.PERMITS: N_("Vergunningen"),
    Register.BIBOB: N_("Bibob-dossiers"),
    Register.BRP: N_("BRP (basisregistratie personen)"),
    Register.KVK: N_("KvK (handelsregister)"),
    Register.LAND_REGISTRY: N_("Kadaster"),
    Register.ENFORCEMENT: N_("Toezicht en handhaving"),
    Register.SOCIAL: N_("Sociaal domein"),
    Register.OPEN_SOURCES: N_("Open bronnen"),
    Register.POLICE: N_("Politie / RIEC (gedeeld)"),
    Register.OTHER: N_("Overig"),
}


class EnrichmentNote(Base):
    """What one register says about a signal. Source, legal basis and content are encrypted (signal key)."""

    __tablename__ = "enrichment_notes"
    __table_args__ = (CheckConstraint(f"register IN ({_in(Register)})", name="register_valid"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    register: Mapped[str] = mapped_column(String(30))
    consulted_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # which file / which query
    legal_basis_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # doelbinding / grondslag
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    author = relationship("User")


class Authority(enum.StrEnum):
    """Bevoegd gezag a signal can be forwarded to."""

    POLICE = "politie"
    RIEC = "riec"
    PUBLIC_PROSECUTOR = "openbaar_ministerie"
    TAX = "belastingdienst"
    OTHER_MUNICIPALITY = "andere_gemeente"
    PROVINCE = "provincie"
    WATER_BOARD = "waterschap"
    BIBOB_TIP = "bibob_tip"  # art. 26 Wet Bibob
    INSPECTION = "inspectie"
    OTHER = "overig"

    @property
    def label(self) -> str:
        return AUTHORITY_LABELS[self]


AUTHORITY_LABELS = {
    Authority.POLICE: N_("Politie"),
    Authority.RIEC: N_("RIEC"),
    Authority.PUBLIC_PROSECUTOR: N_("Openbaar Ministerie"),
    Authority.TAX: N_("Belastingdienst"),
    Authority.OTHER_MUNICIPALITY: N_("Andere gemeente"),
    Authority.PROVINCE: N_("Provincie"),
    Authority.WATER_BOARD: N_("Waterschap"),
    Authority.BIBOB_TIP: N_("Bibob-tip aan het Landelijk Bureau Bibob (art. 26 Wet Bibob)"),
    Authority.INSPECTION: N_("Inspectie (bijvoorbeeld NLA of ILT)"),
    Authority.OTHER: N_("Andere instantie"),
}


class ForwardingState(enum.StrEnum):
    PENDING = "wacht_op_akkoord"  # four-eyes: waiting for a second regisseur
    DONE = "doorgezonden"
    REJECTED = "afgewezen"


class Forwarding(Base):
    """Doorzenden naar bevoegd gezag: to whom, when, why and on what legal basis."""

    __tablename__ = "forwardings"
    __table_args__ = (
        CheckConstraint(f"authority IN ({_in(Authority)})", name="authority_valid"),
        CheckConstraint(f"state IN ({_in(ForwardingState)})", name="state_valid"),
        CheckConstraint("(state = 'doorgezonden') = (forwarded_at IS NOT NULL)", name="forwarded_has_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    authority: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default=ForwardingState.PENDING.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recipient_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # which office / which gemeente
    legal_basis_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    requested_by = relationship("User")


class ClassificationField(enum.StrEnum):
    PHENOMENON = "verschijningsvorm"  # the primary phenomenon
    PHENOMENA = "verschijningsvormen"  # every phenomenon the signal names
    PROCESS = "werkproces"


class ClassificationChange(Base):
    """A handler re-classified a signal during triage: which field, from which code(s) to which.

    Codes only (taxonomy metadata, plaintext like ``signals.phenomenon_code``); shown in the signal's history.
    """

    __tablename__ = "classification_changes"
    __table_args__ = (CheckConstraint(f"field IN ({_in(ClassificationField)})", name="field_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str] = mapped_column(String(800), default="")
    new_value: Mapped[str] = mapped_column(String(800), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor = relationship("User")
