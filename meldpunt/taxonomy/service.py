"""Reading and seeding the taxonomy.

The filing form reads three term lists on every request. They change rarely (the beheerder edits
them), so ``active_terms`` and ``term_labels`` keep them per process, per database:

- a commit that adds, changes or deletes a ``TaxonomyTerm`` clears the cache of its process at once
  (the beheerder sees the change on the next page);
- other processes (gunicorn workers, other instances) read the terms again after ``CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import event, select
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


#: How long another process may show a list from before an edit (the editing process clears at once).
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Term:
    """A term as the forms and pages need it (a plain value: safe to keep between requests)."""

    code: str
    label: str
    help_text: str
    is_active: bool


_cache: dict[tuple[str, str], tuple[float, tuple[Term, ...]]] = {}
_cache_lock = threading.Lock()
_CHANGED = "meldpunt.taxonomy.changed"


def _terms(session: Session, kind: TermKind) -> tuple[Term, ...]:
    """Every term of ``kind`` (active and not) in form order, from this process's cache."""
    key = (session.get_bind().url.render_as_string(hide_password=True), kind.value)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    terms = tuple(
        Term(t.code, t.label, t.help_text or "", bool(t.is_active))
        for t in session.execute(
            select(TaxonomyTerm.code, TaxonomyTerm.label, TaxonomyTerm.help_text, TaxonomyTerm.is_active)
            .where(TaxonomyTerm.kind == kind.value)
            .order_by(TaxonomyTerm.position, TaxonomyTerm.label)
        )
    )
    with _cache_lock:
        _cache[key] = (now, terms)
    return terms


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def active_terms(session: Session, *, kind: TermKind) -> list[Term]:
    return [t for t in _terms(session, kind) if t.is_active]


def term_labels(session: Session, *, kind: TermKind) -> dict[str, str]:
    """Every term of ``kind``, active or not: a code on an older signal always has its label."""
    return {t.code: t.label for t in _terms(session, kind)}


def is_known_code(session: Session, *, kind: TermKind, code: str, active_only: bool = True) -> bool:
    """True when ``code`` is a term of ``kind`` (and, by default, still offered)."""
    return any(t.code == code and (t.is_active or not active_only) for t in _terms(session, kind))


def department_code_for(session: Session, *, text: str | None) -> str | None:
    """The department code an account's ``department`` names: its code, or its label in any case."""
    value = (text or "").strip()
    if not value:
        return None
    for term in _terms(session, TermKind.DEPARTMENT):
        if value == term.code or value.casefold() == term.label.casefold():
            return term.code
    return None


def _note_changes(session: Session, _flush_context, _instances) -> None:
    if any(isinstance(obj, TaxonomyTerm) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _clear_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        clear_cache()


def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def install() -> None:
    """Register the session events that clear the cache when terms change (once per process)."""
    for name, fn in (("before_flush", _note_changes), ("after_commit", _clear_after_commit),
                     ("after_rollback", _forget_changes)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


install()
