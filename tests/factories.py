"""Test data, built one way: signals through the intake service, bare rows through factory_boy.

A signal with content is always filed through ``meldpunt.intake.service.file_signal``, so its
description, subjects and attachments are encrypted under a data key of its own and it gets its
history row, audit entry and confirmation notice exactly as a real filing does:

- ``filed(...)`` inside an app context: returns the ``Signal`` (committed unless ``commit=False``).
- ``filed_in(app, ...)`` opens the app context itself and returns ``Filed(id, reference)``.
- ``filed_through_form(client, ...)`` posts the real filing form (``/melden``) as a logged-in reporter.

Rows without content are factory_boy factories bound to the app's ``db.session``:

- ``SignalRowFactory``: a signal row with metadata only (no data key, nothing to decrypt), for rules
  and counts over metadata (``.build()`` needs no database; ``insert_signals`` of the report tests).
- ``CaseLinkFactory``: a bare case link, for a signal that must sit in a case without the status move
  that linking through ``meldpunt.cases.service`` makes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import factory
from factory.alchemy import SQLAlchemyModelFactory
from flask import current_app

from meldpunt.auth.models import User
from meldpunt.cases.models import CaseSignal
from meldpunt.extensions import db
from meldpunt.signals.models import Signal, SignalStatus, Track
from meldpunt.intake.service import ReportInput, file_signal
from meldpunt.vault.service import cipher_for, current_keyring

DESCRIPTION = "Inhoud van de melding"


# ------------------------------------------------------------------------------- bare rows (factory_boy)


class SignalRowFactory(SQLAlchemyModelFactory):
    """A signal row with metadata only: no data key and no content (``description_ct`` stays empty)."""

    class Meta:
        model = Signal
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - factory_boy calls it per create
        sqlalchemy_session_persistence = "flush"

    id = factory.LazyFunction(uuid.uuid4)
    ref_series = "MO"
    ref_year = 2026
    ref_seq = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda row: f"{row.ref_series}-{row.ref_year}-{row.ref_seq:05d}")
    track = Track.REGULAR.value
    reporter_id = None
    is_anonymous = factory.LazyAttribute(lambda row: row.reporter_id is None)


class CaseLinkFactory(SQLAlchemyModelFactory):
    """A case link row, added to the session as it is (no flush, no status move, no audit entry)."""

    class Meta:
        model = CaseSignal
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - factory_boy calls it per create
        sqlalchemy_session_persistence = None


# ------------------------------------------------------------------------------- filing (the intake service)


class Filed(NamedTuple):
    """What a test keeps of a signal filed in an app context that has ended."""

    id: uuid.UUID
    reference: str


def filed(
    *,
    reporter: User | None = None,
    description: str = DESCRIPTION,
    keyring=None,
    now=None,
    uploads: Sequence[Any] = (),
    status: SignalStatus | str | None = None,
    columns: Mapping[str, Any] | None = None,
    handler_subjects: Sequence[Mapping[str, Any]] = (),
    in_case_by: User | None = None,
    case_title: str = "Casus Havenweg",
    commit: bool = True,
    **report: Any,
) -> Signal:
    """File a signal through the intake service (inside an app context, on ``db.session``).

    ``reporter``: an account (detached ones, as ``make_users`` gives them, are loaded again) or None
    for an anonymous filing. ``report`` takes the fields of ``ReportInput`` (``about_colleague``,
    ``feels_unsafe``, ``subjects``, ``contact``, codes ...). After filing, and before the commit:
    ``status`` and ``columns`` are written straight to the row (no transition, no history: a signal
    "already" in that state); ``handler_subjects`` are added as a handler would (origin handler);
    ``in_case_by`` makes a case through the cases service and links the signal with a bare row.
    """
    from meldpunt.intake.subjects import add_subject

    session = db.session
    keyring = keyring or current_keyring()
    account = session.get(User, reporter.id) if reporter is not None else None
    signal = file_signal(
        session, keyring=keyring, reporter=account, description=description, now=now,
        report=ReportInput(description=description, **report), uploads=uploads,
        upload_settings=current_app.extensions["meldpunt.settings"].uploads if uploads else None,
    )
    if handler_subjects:
        cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
        for subject in handler_subjects:
            add_subject(session, keyring=keyring, signal=signal, cipher=cipher, **subject)
    if status is not None:
        signal.status = SignalStatus(status).value
    for name, value in (columns or {}).items():
        setattr(signal, name, value)
    if in_case_by is not None:
        from meldpunt.cases.service import create_case

        case = create_case(session, keyring=keyring, actor=session.get(User, in_case_by.id), title=case_title)
        CaseLinkFactory(case_id=case.id, signal_id=signal.id)
    if commit:
        session.commit()
    return signal


def filed_in(app, **kwargs: Any) -> Filed:
    """``filed(**kwargs)`` in an app context of its own, committed; returns its id and reference."""
    with app.app_context():
        signal = filed(**kwargs)
        return Filed(signal.id, signal.reference)


def filed_through_form(client, description: str, *, about_colleague: bool = False, files=None, **data: Any):
    """Post the filing form (``/melden``, with its CSRF token) as the logged-in ``client``; asserts the 303."""
    from tests.support.forms import post_form

    fields = {"description": description, "identity": "naam", **data}
    if about_colleague:
        fields["about_colleague"] = "y"
    response = post_form(client, "/melden", fields, files=files)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response
