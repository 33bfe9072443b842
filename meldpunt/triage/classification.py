"""Re-classifying a signal during triage: primary phenomenon, further phenomena and work process.

Each changed field writes a ``ClassificationChange`` row (shown in the signal's history) and an
audit entry; the codes are taxonomy metadata, stored in plaintext like the signal's own codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from flask_babel import gettext
from meldpunt.i18n import N_
from meldpunt.audit.service import record
from meldpunt.auth.models import User
from meldpunt.signals.models import Signal
from meldpunt.intake.service import set_phenomena
from meldpunt.taxonomy.models import TermKind
from meldpunt.taxonomy.service import is_known_code, term_labels
from meldpunt.triage.models import ClassificationChange, ClassificationField

#: At most this many phenomena on one signal (the primary one included).
PHENOMENA_MAX = 6


class ClassificationError(ValueError):
    """A code that is not (or no longer) offered; the message is Dutch."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def clean_phenomena(session: Session, *, primary: str | None, others: Sequence[str] = (),
                    field: str = "phenomenon_codes", allowed_old: Sequence[str] = ()) -> list[str]:
    """The signal's phenomenon codes, primary first, without repeats; every code must be offered
    (or already on the signal: ``allowed_old``, so a retired code can stay)."""
    codes: list[str] = []
    for code in [primary or "", *others]:
        code = (code or "").strip()
        if code and code not in codes:
            if code not in allowed_old and not is_known_code(session, kind=TermKind.PHENOMENON, code=code):
                raise ClassificationError(gettext("Kies een verschijningsvorm uit de lijst."), field=field)
            codes.append(code)
    if len(codes) > PHENOMENA_MAX:
        raise ClassificationError(gettext("Kies hoogstens %(maximum)s verschijningsvormen.", maximum=PHENOMENA_MAX), field=field)
    return codes


def reclassify_signal(
    session: Session,
    *,
    signal: Signal,
    actor: User,
    phenomenon_code: str | None,
    other_phenomena: Sequence[str] = (),
    process_code: str | None,
    expected_version: int | None = None,
) -> list[ClassificationChange]:
    """Set the signal's phenomena and process; one history row and audit entry per changed field.

    ``expected_version``: the version the form was based on (``StaleSignalError`` when it moved on)."""
    from meldpunt.signals.service import StaleSignalError, check_version

    check_version(signal, expected_version)
    old_codes = signal.phenomenon_codes
    old_primary, old_process = signal.phenomenon_code, signal.process_code
    codes = clean_phenomena(session, primary=phenomenon_code, others=other_phenomena, allowed_old=old_codes,
                            field="other_phenomena")
    if not codes and other_phenomena:
        raise ClassificationError(gettext("Kies eerst de belangrijkste verschijningsvorm."), field="phenomenon_code")
    process_code = (process_code or "").strip() or None
    if process_code and process_code != old_process and not is_known_code(session, kind=TermKind.PROCESS, code=process_code):
        raise ClassificationError(gettext("Kies een werkproces uit de lijst."), field="process_code")
    changes = []
    new_primary = codes[0] if codes else None
    if new_primary != old_primary:
        changes.append((ClassificationField.PHENOMENON, old_primary or "", new_primary or ""))
    if set(codes) != set(old_codes):
        changes.append((ClassificationField.PHENOMENA, ",".join(old_codes), ",".join(codes)))
    if process_code != old_process:
        changes.append((ClassificationField.PROCESS, old_process or "", process_code or ""))
    set_phenomena(signal, codes)
    signal.process_code = process_code
    rows = []
    for field_name, old, new in changes:
        row = ClassificationChange(signal_id=signal.id, field=field_name.value, old_value=old, new_value=new,
                                   actor_id=actor.id)
        session.add(row)
        rows.append(row)
        record(session, action="signal.reclassify", actor_label=actor.email, object_type="signal",
               object_id=signal.id, details={"field": field_name.value, "from": old, "to": new})
    try:
        session.flush()
    except StaleDataError:
        raise StaleSignalError() from None
    return rows


@dataclass(frozen=True)
class ClassificationItem:
    created_at: datetime
    actor: str
    text: str


FIELD_LABELS = {
    ClassificationField.PHENOMENON: N_("Verschijningsvorm"),
    ClassificationField.PHENOMENA: N_("Verschijningsvormen"),
    ClassificationField.PROCESS: N_("Werkproces"),
}


def classification_history(session: Session, *, signal: Signal) -> list[ClassificationItem]:
    """The signal's re-classifications in plain Dutch, oldest first ("Werkproces: Subsidies → Inkoop")."""
    rows = session.scalars(
        select(ClassificationChange).options(joinedload(ClassificationChange.actor))
        .where(ClassificationChange.signal_id == signal.id)
        .order_by(ClassificationChange.created_at, ClassificationChange.id)
    ).all()
    if not rows:
        return []
    kinds = {
        ClassificationField.PROCESS: term_labels(session, kind=TermKind.PROCESS),
    }
    phenomena = term_labels(session, kind=TermKind.PHENOMENON)

    def names(field_name: ClassificationField, value: str) -> str:
        labels = kinds.get(field_name, phenomena)
        parts = [labels.get(code, code) for code in value.split(",") if code]
        return ", ".join(parts) or "geen"

    items = []
    for row in rows:
        field_name = ClassificationField(row.field)
        items.append(ClassificationItem(
            row.created_at, row.actor.name if row.actor else "Systeem",
            f"{FIELD_LABELS[field_name]}: {names(field_name, row.old_value)} → {names(field_name, row.new_value)}",
        ))
    return items
