"""Reading and seeding the taxonomy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from meldpunt.taxonomy.models import TaxonomyTerm, TermKind
from meldpunt.taxonomy.seed import TAXONOMY


def seed_taxonomy(session: Session) -> int:
    """Insert missing seed terms (idempotent). Returns how many were added."""
    existing = {(t.kind, t.code) for t in session.scalars(select(TaxonomyTerm))}
    added = 0
    for kind, terms in TAXONOMY.items():
        for position, (code, label, help_text) in enumerate(terms):
            if (kind.value, code) not in existing:
                session.add(TaxonomyTerm(kind=kind.value, code=code, label=label, help_text=help_text, position=position))
                added += 1
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
    return {t.code: t.label for t in session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.kind == kind.value))}
