"""Triage services against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.auth.models import User
from meldpunt.extensions import db
from meldpunt.feedback.models import Notice
from meldpunt.signals.models import Signal, SignalStatus, StatusChange, Track
from meldpunt.triage import enrichment, queue
from meldpunt.triage import forwarding as triage_forwarding, service
from meldpunt.approvals.models import Approval, ApprovalState
from meldpunt.triage.models import Forwarding, ForwardingState
from meldpunt.approvals.service import decide_approval
from meldpunt.signals.service import StaleSignalError, TriageError, transition_signal
from meldpunt.signals.transitions import TransitionError
from meldpunt.triage.queue import Tab, overdue_cutoff
from meldpunt.signals.transitions import Path, TRANSITIONS
from meldpunt.vault.service import cipher_for, current_keyring, unseal
from tests import factories
from tests.conftest import make_users

GELDSTROOM = "Verdachte geldstroom"


def _counts(signal_id):
    return (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.object_id == str(signal_id))),
        db.session.scalar(select(func.count()).select_from(Notice).where(Notice.signal_id == signal_id)),
        db.session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.signal_id == signal_id)),
    )


@pytest.fixture
def ctx(app_any_db):
    users = make_users(app_any_db)
    with app_any_db.app_context():
        yield app_any_db, users


def test_every_table_transition_on_the_database_writes_one_audit_one_notice(ctx):
    app, users = ctx
    for (source, target), transition in TRANSITIONS.items():
        role = sorted(transition.roles)[0]
        track = Track.INTEGRITY if role == "integriteit" else Track.REGULAR
        signal = factories.filed(reporter=users["melder"], description=GELDSTROOM, about_colleague=track == Track.INTEGRITY, status=source)
        actor = db.session.get(User, users[role.value].id)
        before = _counts(signal.id)
        change = transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=actor,
                                           target=target, path=transition.main_path, four_eyes=False,
                                           reason="Omdat het moet", expected_version=signal.version_id)
        db.session.commit()
        after = _counts(signal.id)
        assert after[0] - before[0] == 1, (source, target)
        assert after[1] - before[1] == (1 if transition.notice else 0), (source, target)
        assert after[2] - before[2] == 1
        assert signal.status == target.value
        cipher = cipher_for(db.session, keyring=current_keyring(), data_key_id=signal.data_key_id)
        assert unseal(cipher, change, "reason") == "Omdat het moet"
        assert b"Omdat" not in change.reason_ct


def test_refused_moves_change_nothing(ctx):
    app, users = ctx
    signal = factories.filed(reporter=users["melder"], description=GELDSTROOM)
    version = signal.version_id
    before = _counts(signal.id)
    for role in ("melder", "deelnemer", "beheerder", "management", "voorzitter", "integriteit"):
        actor = db.session.get(User, users[role].id)
        with pytest.raises(TransitionError):
            transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=actor,
                                      target=SignalStatus.IN_PROGRESS, path=Path.STATUS, four_eyes=False)
    regisseur = db.session.get(User, users["regisseur"].id)
    with pytest.raises(TransitionError):  # not in the table
        transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                                  target=SignalStatus.DISCUSSED, path=Path.STATUS, four_eyes=False)
    with pytest.raises(TransitionError):  # reason missing
        transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                                  target=SignalStatus.NOT_ADMISSIBLE, path=Path.STATUS, four_eyes=False, reason="  ")
    db.session.rollback()
    db.session.refresh(signal)
    assert signal.status == SignalStatus.RECEIVED.value and signal.version_id == version
    assert _counts(signal.id) == before


def test_stale_version_is_refused_and_changes_nothing(ctx):
    app, users = ctx
    signal = factories.filed(reporter=users["melder"], description=GELDSTROOM)
    stale = signal.version_id
    regisseur = db.session.get(User, users["regisseur"].id)
    transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                              target=SignalStatus.IN_PROGRESS, path=Path.STATUS, four_eyes=False, expected_version=stale)
    db.session.commit()
    before = _counts(signal.id)
    with pytest.raises(StaleSignalError) as info:
        transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                                  target=SignalStatus.ENRICHMENT, path=Path.STATUS, four_eyes=False, expected_version=stale)
    assert "Iemand anders heeft deze melding net gewijzigd" in str(info.value)
    db.session.rollback()
    assert _counts(signal.id) == before
    assert db.session.get(Signal, signal.id).status == SignalStatus.IN_PROGRESS.value


def test_transfer_to_integrity_moves_track(ctx):
    app, users = ctx
    signal = factories.filed(reporter=users["melder"], description=GELDSTROOM)
    regisseur = db.session.get(User, users["regisseur"].id)
    transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                              target=SignalStatus.TO_INTEGRITY, path=Path.STATUS, four_eyes=False, reason="Gaat over een collega")
    db.session.commit()
    assert signal.track == Track.INTEGRITY.value
    integriteit = db.session.get(User, users["integriteit"].id)
    transition_signal(db.session, keyring=current_keyring(), signal=signal, actor=integriteit,
                              target=SignalStatus.IN_PROGRESS, path=Path.STATUS, four_eyes=False)
    db.session.commit()
    assert signal.status == SignalStatus.IN_PROGRESS.value


def test_overdue_cutoff_counts_working_days():
    # Term 5 working days. Today Monday 2026-03-16: created Friday 2026-03-06 is due Fri 03-13 -> overdue;
    # created Monday 2026-03-09 is due Mon 03-16 -> not yet.
    cutoff = overdue_cutoff(date(2026, 3, 16), working_days=5)
    assert cutoff == datetime(2026, 3, 9, tzinfo=timezone.utc)


def test_queue_tabs_and_counts(ctx):
    app, users = ctx
    regisseur = db.session.get(User, users["regisseur"].id)
    old = factories.filed(reporter=users["melder"], description=GELDSTROOM)
    old.created_at = datetime(2020, 1, 1, tzinfo=timezone.utc)
    mine = factories.filed(reporter=users["melder"], description=GELDSTROOM)
    transition_signal(db.session, keyring=current_keyring(), signal=mine, actor=regisseur,
                              target=SignalStatus.IN_PROGRESS, path=Path.STATUS, four_eyes=False)
    service.assign_signal(db.session, signal=mine, actor=regisseur, assignee_id=regisseur.id)
    factories.filed(reporter=users["melder"], description=GELDSTROOM, about_colleague=True)  # other track: never counted for the regisseur
    db.session.commit()
    page = queue.load_queue(db.session, track="regulier", user_id=regisseur.id, tab=Tab.ALL)
    assert page.counts == {Tab.ALL: 2, Tab.NEW: 1, Tab.MINE: 1, Tab.WAITING: 1, Tab.OVERDUE: 1}
    overdue = queue.load_queue(db.session, track="regulier", user_id=regisseur.id, tab=Tab.OVERDUE)
    assert [s.id for s in overdue.signals] == [old.id] and overdue.is_overdue(overdue.signals[0])
    assert [s.id for s in queue.load_queue(db.session, track="regulier", user_id=regisseur.id, tab=Tab.MINE).signals] == [mine.id]
    filtered = queue.load_queue(db.session, track="regulier", user_id=regisseur.id, tab=Tab.ALL,
                                  filters=queue.QueueFilters(status="in_behandeling"))
    assert filtered.total == 1


def test_forwarding_with_four_eyes(ctx):
    app, users = ctx
    signal = factories.filed(reporter=users["melder"], description=GELDSTROOM)
    make_users(app, suffix="2")
    regisseur = db.session.get(User, users["regisseur"].id)
    other = db.session.scalar(select(User).where(User.email == "regisseur2@test.example"))
    forwarding = triage_forwarding.forward_signal(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                                        authority="politie", recipient="Team Noord", legal_basis="art. 160 Sv",
                                        reason="Strafbaar feit", four_eyes=True)
    db.session.commit()
    assert signal.status == SignalStatus.RECEIVED.value
    approval = db.session.scalar(select(Approval))
    with pytest.raises(TriageError):
        decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=regisseur, approve=True)
    db.session.rollback()
    decide_approval(db.session, keyring=current_keyring(), approval=approval, actor=other, approve=True)
    db.session.commit()
    assert approval.state == ApprovalState.APPROVED.value
    assert signal.status == SignalStatus.FORWARDED.value
    forwarding = db.session.get(Forwarding, forwarding.id)
    assert forwarding.state == ForwardingState.DONE.value and forwarding.forwarded_at is not None
    view = triage_forwarding.forwardings_of(db.session, keyring=current_keyring(), signal=signal)[0]
    assert (view.recipient, view.legal_basis, view.reason) == ("Team Noord", "art. 160 Sv", "Strafbaar feit")


def test_enrichment_note_is_encrypted(ctx):
    app, users = ctx
    signal = factories.filed(reporter=users["melder"], description=GELDSTROOM)
    regisseur = db.session.get(User, users["regisseur"].id)
    note = enrichment.add_enrichment_note(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                                       register="kvk", consulted_on=date(2026, 1, 5), source="Handelsregister",
                                       legal_basis="Taak OOV", content="Bestuurder wisselt vaak")
    db.session.commit()
    assert b"Bestuurder" not in note.content_ct
    views = enrichment.enrichment_notes(db.session, keyring=current_keyring(), signal=signal)
    assert views[0].content == "Bestuurder wisselt vaak" and views[0].register.value == "kvk"
    with pytest.raises(TriageError):
        enrichment.add_enrichment_note(db.session, keyring=current_keyring(), signal=signal, actor=regisseur,
                                    register="kvk", consulted_on=date(2026, 1, 5), source="x", legal_basis="",
                                    content="y")
