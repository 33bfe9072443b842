"""Reading and seeding the taxonomy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from meldpunt.taxonomy.models import TaxonomyTerm, TermKind
from meldpunt.taxonomy.seed import RETIRED, TAXONOMY


def seed_taxonomy(session: Session) -> int:
    """Insert missing seed terms and switch off retired ones (idempotent). Returns how many were added."""
    existing = {(t.kind, t.code): t for t in session.scalars(select(TaxonomyTerm))}
    added = 0
    for kind, terms in TAXONOMY.items():
        for position, (code, label, help_text) in enumerate(terms):
            if (kind.value, code) not in existing:
                session.add(TaxonomyTerm(kind=kind.value, code=code, label=label, help_text=help_text, position=position))
                added += 1
    for (kind, code), _text in RETIRED.items():
        term = existing.get((kind.value, code))
        if term is not None and term.is_active:
            term.is_active = False
    session.flush()
    return added


def active_terms(session: Session, *, kind: TermKind) -> list[TaxonomyTerm]:
    return list(
        session.scalars(
            select(TaxonomyTerm)
            .where(TaxonomyTerm.kind == kind.value, TaxonomyTerm.is_active.is_(True))
            .order_by(TaxonomyTerm.position, TaxonomyTerm.label)
        )
    )


def term_labels(session: Session, *, kind: TermKind) -> dict[str, str]:
    """Every term of ``kind``, active or not: a code on an older signal always has its label."""
    return {t.code: t.label for t in session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.kind == kind.value))}


def is_known_code(session: Session, *, kind: TermKind, code: str, active_only: bool = True) -> bool:
    """True when ``code`` is a term of ``kind`` (and, by default, still offered)."""
    query = select(TaxonomyTerm.id).where(TaxonomyTerm.kind == kind.value, TaxonomyTerm.code == code)
    if active_only:
        query = query.where(TaxonomyTerm.is_active.is_(True))
    return session.scalar(query.limit(1)) is not None


def department_code_for(session: Session, *, text: str | None) -> str | None:
    """The department code an account's ``department`` names: its code, or its label in any case."""
    value = (text or "").strip()
    if not value:
        return None
    for term in session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.kind == TermKind.DEPARTMENT.value)):
        if value == term.code or value.casefold() == term.label.casefold():
            return term.code
    return None
