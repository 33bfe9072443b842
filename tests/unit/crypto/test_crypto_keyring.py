"""Keyring file handling and KEK rotation (meldpunt.crypto.keyring)."""

from __future__ import annotations

import base64
import json
import os
import re
import stat

import pytest

from meldpunt.crypto import (
    KeyNotFoundError,
    Keyring,
    KeyringError,
    dumps_keyring,
    generate_dek,
    generate_keyring,
    load_keyring,
    load_keyring_from_env_value,
    rewrap_dek,
    unwrap_dek,
    wrap_dek,
    write_keyring,
)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generate_keyring_shape():
    kr = generate_keyring()
    assert len(kr.keks) == 1 and len(kr.index_keys) == 1
    kek_id, kek = kr.active_kek()
    idx_id, idx = kr.active_index_key()
    assert len(kek) == 32 and len(idx) == 32 and kek != idx
    assert re.fullmatch(r"kek-\d{4}-\d{2}-\d{2}-[0-9a-f]{6}", kek_id)
    assert re.fullmatch(r"idx-\d{4}-\d{2}-\d{2}-[0-9a-f]{6}", idx_id)
    assert kr.kek(kek_id) == kek and kr.index_key(idx_id) == idx
    assert generate_keyring().active_kek()[1] != kek


def test_repr_hides_keys():
    kr = generate_keyring()
    text = repr(kr)
    assert kr.active_kek()[1].hex() not in text
    assert base64.b64encode(kr.active_kek()[1]).decode() not in text


def test_write_load_round_trip_and_mode(tmp_path):
    kr = generate_keyring().with_new_kek().with_new_index_key()
    path = tmp_path / "keys.json"
    write_keyring(path, kr)
    assert mode(path) == 0o600
    assert load_keyring(path) == kr
    assert load_keyring(str(path)) == kr
    # overwrite keeps 0600 and leaves no temp files behind
    kr2 = kr.with_new_kek()
    write_keyring(path, kr2)
    assert mode(path) == 0o600
    assert load_keyring(path) == kr2
    assert sorted(os.listdir(tmp_path)) == ["keys.json"]


def test_write_is_0600_even_with_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        write_keyring(tmp_path / "keys.json", generate_keyring())
    finally:
        os.umask(old)
    assert mode(tmp_path / "keys.json") == 0o600


def test_dumps_format():
    kr = generate_keyring()
    doc = json.loads(dumps_keyring(kr))
    assert doc["format"] == 1
    assert doc["active_kek"] == kr.active_kek_id
    assert doc["active_index_key"] == kr.active_index_key_id
    assert base64.b64decode(doc["keks"][kr.active_kek_id]) == kr.active_kek()[1]


@pytest.mark.parametrize("bad_mode", [0o644, 0o640, 0o604, 0o660, 0o601, 0o610])
def test_load_refuses_group_or_other_permissions(tmp_path, bad_mode):
    path = tmp_path / "keys.json"
    write_keyring(path, generate_keyring())
    os.chmod(path, bad_mode)
    with pytest.raises(KeyringError) as exc:
        load_keyring(path)
    msg = str(exc.value)
    assert str(path) in msg
    assert f"mode {bad_mode:04o}" in msg
    assert "chmod 600" in msg
    assert "\n" not in msg


def test_load_accepts_0400(tmp_path):
    path = tmp_path / "keys.json"
    kr = generate_keyring()
    write_keyring(path, kr)
    os.chmod(path, 0o400)
    assert load_keyring(path) == kr


def test_load_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(KeyringError, match=re.escape(f"keyring {path} not found")):
        load_keyring(path)


def test_load_directory(tmp_path):
    d = tmp_path / "dir"
    d.mkdir(mode=0o700)
    with pytest.raises(KeyringError, match="not a regular file"):
        load_keyring(d)


def _write_raw(path, text: str) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _doc(kr: Keyring) -> dict:
    return json.loads(dumps_keyring(kr))


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: "not json", "not valid JSON"),
        (lambda d: "[]", "JSON object"),
        (lambda d: {**d, "format": 2}, "unsupported keyring format"),
        (lambda d: {k: v for k, v in d.items() if k != "keks"}, "missing field 'keks'"),
        (lambda d: {**d, "keks": {}}, "non-empty"),
        (lambda d: {**d, "active_kek": "kek-missing"}, "active KEK 'kek-missing'"),
        (lambda d: {**d, "active_index_key": "idx-missing"}, "active index key 'idx-missing'"),
        (lambda d: {**d, "keks": {d["active_kek"]: "!!notbase64!!"}}, "not valid base64"),
        (
            lambda d: {**d, "keks": {d["active_kek"]: base64.b64encode(b"x" * 16).decode()}},
            "wrong length",
        ),
        (
            lambda d: {**d, "index_keys": {d["active_index_key"]: base64.b64encode(b"x" * 31).decode()}},
            "wrong length",
        ),
    ],
)
def test_load_refuses_malformed(tmp_path, mutate, expected):
    path = tmp_path / "keys.json"
    result = mutate(_doc(generate_keyring()))
    _write_raw(path, result if isinstance(result, str) else json.dumps(result))
    with pytest.raises(KeyringError) as exc:
        load_keyring(path)
    assert expected in str(exc.value)
    assert str(path) in str(exc.value)


def test_error_messages_never_contain_key_material(tmp_path):
    kr = generate_keyring()
    doc = _doc(kr)
    secret = doc["keks"][kr.active_kek_id]
    doc["keks"][kr.active_kek_id] = secret[:-4]  # wrong length
    path = tmp_path / "keys.json"
    _write_raw(path, json.dumps(doc))
    with pytest.raises(KeyringError) as exc:
        load_keyring(path)
    assert secret[:-4] not in str(exc.value)


def test_load_from_env_value_json_and_base64():
    kr = generate_keyring()
    text = dumps_keyring(kr)
    assert load_keyring_from_env_value(text) == kr
    assert load_keyring_from_env_value(base64.b64encode(text.encode()).decode()) == kr
    with pytest.raises(KeyringError, match="environment"):
        load_keyring_from_env_value("")
    with pytest.raises(KeyringError, match="neither JSON nor base64"):
        load_keyring_from_env_value("%%%")


def test_keyring_validates_on_construction():
    with pytest.raises(KeyringError):
        Keyring(keks={"a": b"x" * 32}, active_kek_id="b", index_keys={"i": b"y" * 32}, active_index_key_id="i")
    with pytest.raises(KeyringError):
        Keyring(keks={"a": b"x" * 16}, active_kek_id="a", index_keys={"i": b"y" * 32}, active_index_key_id="i")


def test_lookup_errors():
    kr = generate_keyring()
    with pytest.raises(KeyNotFoundError):
        kr.kek("kek-nope")
    with pytest.raises(KeyNotFoundError):
        kr.index_key("idx-nope")


def test_rotation_flow(tmp_path):
    path = tmp_path / "keys.json"
    k1 = generate_keyring()
    write_keyring(path, k1)
    dek = generate_dek()
    old_id, old_blob = wrap_dek(load_keyring(path), dek, key_ref="signal-1")

    k2 = load_keyring(path).with_new_kek()
    assert k2.active_kek_id != old_id and old_id in k2.keks
    assert k1.active_kek_id == old_id  # original untouched (copy semantics)
    write_keyring(path, k2)

    new_id, new_blob = rewrap_dek(load_keyring(path), old_id, old_blob, key_ref="signal-1")
    assert new_id == k2.active_kek_id

    with pytest.raises(KeyringError, match="active"):
        k2.without_kek(k2.active_kek_id)
    k3 = k2.without_kek(old_id)
    write_keyring(path, k3)
    k3 = load_keyring(path)
    assert old_id not in k3.keks
    assert unwrap_dek(k3, new_id, new_blob, key_ref="signal-1") == dek
    with pytest.raises(KeyNotFoundError):
        unwrap_dek(k3, old_id, old_blob, key_ref="signal-1")


def test_new_kek_ids_unique():
    kr = generate_keyring()
    for _ in range(30):
        kr = kr.with_new_kek()
    assert len(kr.keks) == 31
    assert len({kr.kek(k) for k in kr.keks}) == 31


def test_index_key_rotation():
    kr = generate_keyring()
    old = kr.active_index_key_id
    kr2 = kr.with_new_index_key()
    assert kr2.active_index_key_id != old and old in kr2.index_keys
    assert kr2.active_kek_id == kr.active_kek_id
    with pytest.raises(KeyringError):
        kr2.without_index_key(kr2.active_index_key_id)
    kr3 = kr2.without_index_key(old)
    assert list(kr3.index_keys) == [kr2.active_index_key_id]
    with pytest.raises(KeyNotFoundError):
        kr3.without_index_key(old)
