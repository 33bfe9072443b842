"""Issue 19: the retention job. Expired meldingen are crypto-shredded in batches; held and kept ones
stay; a crash halfway and a rerun give the same end state; two workers shred each signal once;
the dry run changes nothing. On SQLite and PostgreSQL (two workers: PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.audit.service import verify_chain
from meldpunt.cases.models import Case, CaseSignal
from meldpunt.database import utcnow
from meldpunt.extensions import db
from meldpunt.intake.models import Attachment, SubjectIdentifier
from meldpunt.signals.models import Signal
from meldpunt.retention import service as retention
from meldpunt.retention.models import RetentionRun
from meldpunt.triage.models import EnrichmentNote
from meldpunt.vault.models import DataKey
from tests.conftest import login, make_users
from tests.support.keys import make_signal

NO_TOTP = {"security": {"totp_required_roles": []}}


@pytest.fixture
def ret_app(app_factory, database_url):
    return app_factory(database_url, **NO_TOTP)


def close_long_ago(session, signal_id, *, status: str = "afgesloten", days: int = 3 * 366) -> Signal:
    """Test set-up: the signal was closed ``days`` ago (the status path itself is tested elsewhere)."""
    signal = session.get(Signal, signal_id)
    signal.status = status
    signal.closed_at = utcnow() - timedelta(days=days)
    return signal


def terms(app):
    return app.extensions["meldpunt.settings"].retention


def uploads(app):
    return app.extensions["meldpunt.settings"].uploads.folder


def run(app, **kwargs):
    with app.app_context():
        return retention.run_retention(db.session, terms=terms(app), actor_label="test", uploads_folder=uploads(app),
                                       **kwargs)


def storage_names(signal_id) -> list[str]:
    return list(db.session.scalars(select(Attachment.storage_name).where(Attachment.signal_id == signal_id)))


def test_expired_signal_unreadable_after_job(ret_app):
    app = ret_app
    users = make_users(app)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        doomed = make_signal(db.session, keyring=keyring, reporter=users["melder"], handler=users["regisseur"], n=1)
        recent = make_signal(db.session, keyring=keyring, reporter=users["melder"], n=2)
        still_open = make_signal(db.session, keyring=keyring, reporter=users["melder"], n=3)
        not_admissible = make_signal(db.session, keyring=keyring, n=4)
        close_long_ago(db.session, doomed.signal_id)
        close_long_ago(db.session, recent.signal_id, days=300)  # afgesloten: 2 years
        close_long_ago(db.session, not_admissible.signal_id, status="niet_ontvankelijk", days=370)  # 1 year
        db.session.commit()
        files = storage_names(doomed.signal_id)
        counts_before = dict(db.session.execute(select(Signal.status, func.count()).group_by(Signal.status)).all())
        digest_rows = db.session.execute(select(SubjectIdentifier.kind, SubjectIdentifier.digest)
                                         .where(SubjectIdentifier.signal_id == doomed.signal_id)).all()
        data_key_id = db.session.get(Signal, doomed.signal_id).data_key_id
    assert files and all((uploads(app) / name).exists() for name in files) and digest_rows

    outcome = run(app)

    with app.app_context():
        doomed_ref = db.session.get(Signal, doomed.signal_id).reference
        assert sorted(outcome.shredded) == sorted([doomed_ref, db.session.get(Signal, not_admissible.signal_id).reference])
        signal = db.session.get(Signal, doomed.signal_id)
        assert signal.shredded_at is not None and signal.data_key_id is None
        assert db.session.get(DataKey, data_key_id) is None
        # Notes removed, digests removed: the old digests no longer match anything.
        assert db.session.scalar(select(func.count()).select_from(EnrichmentNote)
                                 .where(EnrichmentNote.signal_id == doomed.signal_id)) == 0
        for kind, digest in digest_rows:
            assert db.session.scalar(select(func.count()).select_from(SubjectIdentifier).where(
                SubjectIdentifier.kind == kind, SubjectIdentifier.digest == digest)) == 0
        # The metadata the reports count stays: the same number of signals per status.
        counts_after = dict(db.session.execute(select(Signal.status, func.count()).group_by(Signal.status)).all())
        assert counts_after == counts_before
        # The others are untouched.
        for kept in (recent, still_open):
            assert db.session.get(Signal, kept.signal_id).data_key_id is not None
        # One audit entry per shredded signal, and a run report.
        shreds = db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "signal.shred")).all()
        assert sorted(shreds) == sorted([str(doomed.signal_id), str(not_admissible.signal_id)])
        report = db.session.get(RetentionRun, outcome.run_id)
        assert report.finished_at is not None and report.shredded == 2
        assert sorted(retention.run_references(report)) == sorted(outcome.shredded)
        assert verify_chain(db.session) == []
    assert not any((uploads(app) / name).exists() for name in files)

    # Its pages say "Verwijderd", for the handler and the reporter; the regisseur sees the run report.
    regisseur = app.test_client()
    login(regisseur, users["regisseur"].email)
    page = regisseur.get(f"/behandelen/meldingen/{doomed.signal_id}").get_data(as_text=True)
    assert "Verwijderd" in page and doomed.description not in page
    report_page = regisseur.get("/bewaartermijnen/")
    assert report_page.status_code == 200 and doomed_ref in report_page.get_data(as_text=True)
    melder = app.test_client()
    login(melder, users["melder"].email)
    mine = melder.get(f"/mijn-meldingen/{doomed.signal_id}").get_data(as_text=True)
    assert "Verwijderd" in mine and doomed.description not in mine
    # A second run finds nothing more to do.
    assert run(app).shredded == []


def test_held_signal_untouched(ret_app):
    from meldpunt.vault.service import create_data_key

    app = ret_app
    users = make_users(app)
    second = make_users(app, suffix="2")
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        held = make_signal(db.session, keyring=keyring, n=1)
        in_held_case = make_signal(db.session, keyring=keyring, n=2)
        kept = make_signal(db.session, keyring=keyring, n=3)
        proposed_only = make_signal(db.session, keyring=keyring, n=4)
        hold_ended = make_signal(db.session, keyring=keyring, n=5)
        for content in (held, kept, proposed_only, hold_ended):
            close_long_ago(db.session, content.signal_id)
        case_key, _cipher = create_data_key(db.session, keyring=keyring)
        db.session.flush()
        case = Case(reference="C-2020-0001", ref_year=2020, ref_seq=1, status="afgesloten", data_key_id=case_key.id,
                    closed_at=utcnow() - timedelta(days=6 * 366))
        db.session.add(case)
        db.session.flush()
        db.session.add(CaseSignal(case_id=case.id, signal_id=in_held_case.signal_id))
        close_long_ago(db.session, in_held_case.signal_id, days=6 * 366)
        today = retention.local_date(utcnow())
        a, b = users["regisseur"], second["regisseur"]
        for target, approve in ((db.session.get(Signal, held.signal_id), True), (case, True),
                                (db.session.get(Signal, proposed_only.signal_id), False),
                                (db.session.get(Signal, hold_ended.signal_id), True)):
            hold = retention.propose_hold(db.session, keyring=keyring, actor=a, target=target, reason="Lopend onderzoek",
                                          ends_on=today + timedelta(days=90), today=today)
            if approve:
                retention.decide_hold(db.session, hold=hold, actor=b, approve=True)
            if target.id == hold_ended.signal_id:
                hold.ends_on = today - timedelta(days=1)  # the hold's end date has passed
        retention.extend_retention(db.session, keyring=keyring, actor=a, signal=db.session.get(Signal, kept.signal_id),
                                   keep_until=today + timedelta(days=60), reason="Nog in gesprek met de politie",
                                   today=today)
        db.session.commit()
        case_id = case.id
        files = {c.signal_id: storage_names(c.signal_id) for c in (held, in_held_case, kept)}

    outcome = run(app)

    with app.app_context():
        refs = {db.session.get(Signal, c.signal_id).reference: c.signal_id
                for c in (held, in_held_case, kept, proposed_only, hold_ended)}
        assert {refs[r] for r in outcome.shredded} == {proposed_only.signal_id, hold_ended.signal_id}
        for content in (held, in_held_case, kept):
            assert db.session.get(Signal, content.signal_id).data_key_id is not None
            assert all((uploads(app) / name).exists() for name in files[content.signal_id])
        assert db.session.get(Case, case_id).data_key_id is not None  # the held casus keeps its key
        assert outcome.cases == []


def test_crash_mid_batch_rerun_same_end_state(ret_app, monkeypatch):
    app = ret_app
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        ids = []
        for n in range(7):
            content = make_signal(db.session, keyring=keyring, n=n)
            close_long_ago(db.session, content.signal_id)
            ids.append(content.signal_id)
        db.session.commit()
        files = {i: storage_names(i) for i in ids}

    real = retention.record_many
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch: its keys, digests and files are gone, nothing committed yet
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(retention, "record_many", crashing)
    with pytest.raises(RuntimeError):
        run(app, batch_size=3)
    with app.app_context():
        db.session.rollback()
        done = {i for i in ids if db.session.get(Signal, i).shredded_at is not None}
        assert len(done) == 3  # the first batch committed, the second rolled back
        crashed = db.session.scalar(select(RetentionRun).order_by(RetentionRun.id.desc()))
        assert crashed.finished_at is None and crashed.shredded == 3
        half_done = [i for i in ids if i not in done and not any((uploads(app) / n).exists() for n in files[i])]
        assert len(half_done) == 3  # their files went before the crash; their keys did not

    monkeypatch.setattr(retention, "record_many", real)
    rerun = run(app, batch_size=3)
    assert len(rerun.shredded) == 4

    with app.app_context():
        for i in ids:
            signal = db.session.get(Signal, i)
            assert signal.shredded_at is not None and signal.data_key_id is None
            assert not any((uploads(app) / name).exists() for name in files[i])
        per_signal = dict(db.session.execute(select(AuditEntry.object_id, func.count())
                                             .where(AuditEntry.action == "signal.shred")
                                             .group_by(AuditEntry.object_id)).all())
        assert per_signal == {str(i): 1 for i in ids}
        assert db.session.scalar(select(func.count()).select_from(DataKey)) == 0
        assert verify_chain(db.session) == []


def test_two_workers_shred_each_once(app_factory, pg_database):
    app = app_factory(pg_database, **NO_TOTP)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        ids = []
        for n in range(24):
            content = make_signal(db.session, keyring=keyring, n=n, attachments=0)
            close_long_ago(db.session, content.signal_id)
            ids.append(content.signal_id)
        db.session.commit()

    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            outcomes.append(run(app, batch_size=2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    first, second = (set(o.shredded) for o in outcomes)
    assert not first & second and len(first | second) == 24
    with app.app_context():
        per_signal = dict(db.session.execute(select(AuditEntry.object_id, func.count())
                                             .where(AuditEntry.action == "signal.shred")
                                             .group_by(AuditEntry.object_id)).all())
        assert per_signal == {str(i): 1 for i in ids}
        assert verify_chain(db.session) == []


def _snapshot(app) -> tuple[str, dict[str, str]]:
    with app.app_context():
        rows = []
        for table in db.metadata.sorted_tables:
            rows.append((table.name, sorted(repr(tuple(r)) for r in db.session.execute(select(table)).all())))
        db.session.rollback()
    folder = uploads(app)
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}
    return json.dumps(rows), files


def test_dry_run_changes_nothing(ret_app):
    app = ret_app
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        refs = []
        for n in range(3):
            content = make_signal(db.session, keyring=keyring, n=n)
            refs.append(close_long_ago(db.session, content.signal_id).reference)
        make_signal(db.session, keyring=keyring, n=9)
        db.session.commit()
    before = _snapshot(app)
    assert before[1]  # there are attachment files to compare

    result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert all(ref in result.output for ref in refs) and "3 melding(en) would be shredded" in result.output

    assert _snapshot(app) == before


def test_retention_run_and_status_commands(ret_app):
    app = ret_app
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        gone = close_long_ago(db.session, make_signal(db.session, keyring=keyring, n=1).signal_id).reference
        soon = close_long_ago(db.session, make_signal(db.session, keyring=keyring, n=2).signal_id,
                              days=2 * 365 - 10).reference
        db.session.commit()
    status = app.test_cli_runner().invoke(args=["retention", "status"])
    assert status.exit_code == 0 and soon in status.output and gone not in status.output.split("\n")[0]
    assert "1 have expired" in status.output
    done = app.test_cli_runner().invoke(args=["retention", "run", "--batch-size", "1"])
    assert done.exit_code == 0, done.output
    assert gone in done.output and soon not in done.output and "shredded 1 melding(en)" in done.output


def test_retention_beat_task_is_scheduled_daily(ret_app):
    celery = ret_app.extensions["celery"]
    entry = celery.conf.beat_schedule["retention-daily"]
    assert entry["task"] == "workers.retention.run_retention"
    assert "workers.retention" in celery.conf.imports
    with ret_app.app_context():
        keyring = ret_app.extensions["meldpunt.keyring"]
        target = make_signal(db.session, keyring=keyring, n=1)
        close_long_ago(db.session, target.signal_id)
        db.session.commit()
    import workers.retention  # noqa: F401 - registers the task with the app's Celery

    task = celery.tasks["workers.retention.run_retention"]
    assert task() == 1  # no arguments: nothing about the content goes through the broker
    with ret_app.app_context():
        assert db.session.get(Signal, target.signal_id).shredded_at is not None
        assert db.session.scalar(select(RetentionRun.actor_label)) == "retentie-taak"


def test_keys_status_shows_date_of_oldest_kek_in_use(app_factory):
    from tests.support.keys import run_keys, write_config_toml

    app = app_factory()
    config = write_config_toml(app)
    first = app.extensions["meldpunt.keyring"].active_kek_id
    created = first.split("-", 1)[1][:10]  # kek-YYYY-MM-DD-xxxxxx
    run_keys(config, "rotate")
    result = run_keys(config, "status")
    assert f"oldest KEK still in use: {first}, created {created}" in result.stdout
    run_keys(config, "drop-kek", first)
    after = run_keys(config, "status").stdout
    assert first not in after and "oldest KEK still in use: kek-" in after


def test_expired_casus_is_shredded_with_its_signals_and_minutes_redacted(ret_app):
    from datetime import datetime, timezone

    from meldpunt.auth.models import User
    from meldpunt.cases.service import create_case
    from meldpunt.meetings.models import AgendaItem, Decision, Meeting, MeetingSeries, MeetingType, Proposal

    app = ret_app
    users = make_users(app)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        content = make_signal(db.session, keyring=keyring, n=1)
        signal = db.session.get(Signal, content.signal_id)
        signal.status = "verrijking"
        regisseur = db.session.get(User, users["regisseur"].id)
        case = create_case(db.session, keyring=keyring, actor=regisseur, title="Kapsalons", signals=[signal])
        db.session.flush()
        case.status, case.closed_at = "afgesloten", utcnow() - timedelta(days=6 * 366)
        signal.status, signal.closed_at = "afgesloten", case.closed_at
        chair = users["voorzitter"]
        type_id = db.session.scalar(select(MeetingType.id).limit(1))
        series = MeetingSeries(id=uuid.uuid4(), type_id=type_id, chair_id=chair.id)
        meeting = Meeting(id=uuid.uuid4(), series_id=series.id, type_id=type_id, chair_id=chair.id,
                          starts_at=datetime(2020, 1, 7, 9, 0, tzinfo=timezone.utc))
        db.session.add_all([series, meeting])
        db.session.flush()
        proposal = Proposal(id=uuid.uuid4(), meeting_id=meeting.id, case_id=case.id,
                            proposed_by_id=regisseur.id, state="geaccepteerd", decided_at=utcnow())
        item = AgendaItem(id=uuid.uuid4(), meeting_id=meeting.id, position=1, kind="casus",
                          proposal_id=proposal.id)
        db.session.add_all([proposal, item])
        db.session.flush()
        decision = Decision(id=uuid.uuid4(), item_id=item.id, kind="monitoren", decided_by_id=chair.id,
                            motivation_ct=b"ciphertext of the motivation")
        db.session.add(decision)
        db.session.commit()
        case_id, case_ref, decision_id = case.id, case.reference, decision.id

    outcome = run(app)

    assert outcome.cases == [case_ref] and len(outcome.shredded) == 1
    with app.app_context():
        assert db.session.get(Case, case_id).data_key_id is None
        assert db.session.get(Decision, decision_id).motivation_ct is None
        assert db.session.scalar(select(AuditEntry.object_id).where(AuditEntry.action == "case.shred")) == str(case_id)
        assert db.session.scalar(select(RetentionRun.cases_shredded)) == 1
    regisseur = app.test_client()
    login(regisseur, users["regisseur"].email)
    page = regisseur.get(f"/behandelen/casussen/{case_id}")
    assert page.status_code == 200 and "Kapsalons" not in page.get_data(as_text=True)
