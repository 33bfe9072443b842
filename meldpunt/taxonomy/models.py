"""Taxonomy terms (verschijningsvorm, kwetsbaar proces, locatietype, kanaal, afdeling)."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from meldpunt.database import Base


class TermKind(enum.StrEnum):
    PHENOMENON = "phenomenon"  # verschijningsvorm
    PROCESS = "process"  # kwetsbaar proces
    LOCATION_TYPE = "location_type"  # locatietype
    CHANNEL = "channel"  # bron / kanaal
    DEPARTMENT = "department"  # afdeling


_KINDS = ", ".join(f"'{k.value}'" for k in TermKind)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_terms"
    __table_args__ = (
        UniqueConstraint("kind", "code"),
        CheckConstraint(f"kind IN ({_KINDS})", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    help_text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
