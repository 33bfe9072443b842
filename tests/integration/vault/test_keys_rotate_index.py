"""`flask --app meldpunt keys rotate-index`: subject digests recomputed under a new index key,
linked look-ups find the same signals, receipt codes keep working because old index keys are
kept, and an interrupted run resumes. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.crypto import index_identifier, load_keyring, write_keyring
from meldpunt.extensions import db
from meldpunt.intake.models import SubjectIdentifier
from meldpunt.signals.models import Signal
from meldpunt.intake.receipts import find_signal_by_receipt, issue_receipt_code
from meldpunt.intake.service import file_signal
from meldpunt.intake.subjects import add_subject, linked_signal_ids
from meldpunt.vault.rotation import count_outdated_digests, reindex_batch
from meldpunt.vault.service import cipher_for, shred_data_key
from tests.support.keys import run_keys, write_config_toml

KVK = "12.34.56.78"


def _signal_with_subjects(session, keyring, *subjects):
    signal = file_signal(session, keyring=keyring, reporter=None, description="Veel contant geld, weinig klanten.")
    cipher = cipher_for(session, keyring=keyring, data_key_id=signal.data_key_id)
    for values in subjects:
        add_subject(session, keyring=keyring, signal=signal, cipher=cipher, kind=None, **values)
    return signal


def _populate(app):
    """a and b share a KvK number, b and c a name (written differently); d shares nothing."""
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        a = _signal_with_subjects(db.session, keyring, {"name": "Kapsalon Knip B.V.", "kvk": KVK})
        b = _signal_with_subjects(db.session, keyring, {"kvk": "12345678"}, {"name": "Jan  de Vries"})
        c = _signal_with_subjects(db.session, keyring, {"name": "jan de vries"})
        d = _signal_with_subjects(db.session, keyring, {"name": "Bakkerij Bol", "postcode": "1234 AB", "huisnummer": "5"})
        code = issue_receipt_code(db.session, keyring=keyring, signal=d)
        db.session.commit()
        ids = {name: s.id for name, s in zip("abcd", (a, b, c, d), strict=True)}
    return ids, code


def _links(app, ids) -> dict[str, set[str]]:
    """For each signal: the signals its subjects link to (by name)."""
    names = {v: k for k, v in ids.items()}
    out = {}
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        for name, signal_id in ids.items():
            links = linked_signal_ids(db.session, keyring=keyring, signal=db.session.get(Signal, signal_id))
            out[name] = {names[other] for others in links.values() for other in others}
    return out


def _digests(app) -> dict[tuple, str]:
    with app.app_context():
        return {(r.subject_id, r.kind): (r.key_id, r.digest) for r in db.session.scalars(select(SubjectIdentifier))}


def test_rotate_index_recomputes_digests_and_keeps_links_and_receipt_codes(app_factory, database_url):
    app = app_factory(database_url)
    ids, code = _populate(app)
    expected_links = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}, "d": set()}
    assert _links(app, ids) == expected_links
    old_key = app.extensions["meldpunt.keyring"].active_index_key_id
    before = _digests(app)
    assert {key_id for key_id, _ in before.values()} == {old_key}

    result = run_keys(write_config_toml(app), "rotate-index", "--batch-size", "2")
    keyring = load_keyring(app.extensions["meldpunt.settings"].keyring_file)
    new_key = keyring.active_index_key_id
    assert new_key != old_key and set(keyring.index_keys) == {old_key, new_key}  # the old key is kept
    assert f"new active index key {new_key}" in result.stdout

    fresh = app_factory(database_url)
    after = _digests(fresh)
    assert after.keys() == before.keys()
    for where, (key_id, digest) in after.items():
        assert key_id == new_key and digest != before[where][1]
    with fresh.app_context():
        kvk_digest = index_identifier(keyring, "kvk", KVK)
        matches = db.session.scalars(select(SubjectIdentifier.signal_id).where(
            SubjectIdentifier.kind == "kvk", SubjectIdentifier.digest == kvk_digest[1])).all()
        assert set(matches) == {ids["a"], ids["b"]}
    assert _links(fresh, ids) == expected_links

    # The receipt code was digested under the old key and cannot be recomputed: the old key must stay.
    config = write_config_toml(fresh)
    refused = run_keys(config, "drop-index-key", old_key, check=False)
    assert refused.returncode != 0 and "1 digests or receipt codes still use" in refused.stderr
    with fresh.app_context():
        found = find_signal_by_receipt(db.session, keyring=fresh.extensions["meldpunt.keyring"], entered=code)
        assert found is not None and found.id == ids["d"]
        assert found.receipt_digest.startswith(f"{new_key}:")  # moved to the active key on use
        db.session.commit()
    # Once every code has been used (or its signal shredded) the old key may go.
    run_keys(config, "drop-index-key", old_key)
    assert set(load_keyring(app.extensions["meldpunt.settings"].keyring_file).index_keys) == {new_key}
    newest = app_factory(database_url)
    with newest.app_context():
        assert find_signal_by_receipt(db.session, keyring=newest.extensions["meldpunt.keyring"], entered=code).id == ids["d"]
    assert _links(newest, ids) == expected_links


def test_interrupted_rotate_index_resumes_and_links_hold_half_way(app_factory, database_url):
    app = app_factory(database_url)
    ids, code = _populate(app)
    keyring_path = app.extensions["meldpunt.settings"].keyring_file
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"].with_new_index_key()
        write_keyring(keyring_path, keyring)
        app.extensions["meldpunt.keyring"] = keyring
        assert reindex_batch(db.session, keyring=keyring, batch_size=2) == 2
        db.session.commit()
        remaining = count_outdated_digests(db.session, keyring=keyring)
    assert remaining == 3  # 5 subjects, 2 done
    assert {key_id for key_id, _ in _digests(app).values()} == set(keyring.index_keys)
    assert _links(app_factory(database_url), ids) == {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}, "d": set()}

    result = run_keys(write_config_toml(app), "rotate-index")
    assert "resuming" in result.stdout
    after = load_keyring(keyring_path)
    assert after.active_index_key_id == keyring.active_index_key_id and len(after.index_keys) == 2  # no third key
    assert {key_id for key_id, _ in _digests(app).values()} == {keyring.active_index_key_id}


def test_rotate_index_drops_digests_of_a_signal_whose_key_is_gone(app_factory):
    app = app_factory()
    ids, _code = _populate(app)
    with app.app_context():
        signal = db.session.get(Signal, ids["c"])
        shred_data_key(db.session, data_key_id=signal.data_key_id)  # bare key deletion leaves digests behind
        db.session.commit()
    run_keys(write_config_toml(app), "rotate-index")
    fresh = app_factory()
    with fresh.app_context():
        assert db.session.scalars(select(SubjectIdentifier).where(SubjectIdentifier.signal_id == ids["c"])).all() == []
    assert _links(fresh, ids)["b"] == {"a"}
