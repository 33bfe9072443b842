"""`flask --app meldpunt keys init` and the app's refusal to start without a private keyring,
run as real subprocesses."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from meldpunt.crypto import load_keyring
from tests.support.keys import FLASK, PROJECT_ROOT, run_keys


def _config(tmp_path, keyring_name: str = "keyring.json"):
    path = tmp_path / "config.toml"
    path.write_text(
        "[app]\n"
        f'secret_key = "{"s" * 48}"\n'
        "[database]\n"
        'url = "sqlite:///meldpunt.sqlite"\n'
        "[broker]\n"
        'url = "redis://127.0.0.1:1/0"\n'
        "[crypto]\n"
        f'keyring_file = "{keyring_name}"\n'
    )
    path.chmod(0o600)
    return path


def _start_app(config):
    """Any command that needs the app (here: `routes`) makes create_app validate the keyring."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env["MELDPUNT_CONFIG"] = str(config)
    return subprocess.run([FLASK, "--app", "meldpunt", "routes"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_init_writes_a_0600_keyring_where_the_config_says_even_with_a_lax_umask(tmp_path):
    config = _config(tmp_path, "keys/keyring.json")
    result = run_keys(config, "init", umask=0o000)
    keyring_path = tmp_path / "keys" / "keyring.json"
    assert str(keyring_path) in result.stdout
    assert stat.S_IMODE(keyring_path.stat().st_mode) == 0o600
    keyring = load_keyring(keyring_path)
    assert len(keyring.keks) == 1 and len(keyring.index_keys) == 1
    # key material never reaches the terminal
    for key in json.loads(keyring_path.read_text())["keks"].values():
        assert key not in result.stdout + result.stderr


def test_init_refuses_to_overwrite_an_existing_keyring(tmp_path):
    config = _config(tmp_path)
    run_keys(config, "init")
    before = (tmp_path / "keyring.json").read_bytes()
    again = run_keys(config, "init", check=False)
    assert again.returncode != 0
    assert "refusing to overwrite" in again.stderr and str(tmp_path / "keyring.json") in again.stderr
    assert (tmp_path / "keyring.json").read_bytes() == before
    other = tmp_path / "elsewhere.json"
    other.write_text("not a keyring")
    explicit = run_keys(config, "init", "--path", str(other), check=False)
    assert explicit.returncode != 0 and other.read_text() == "not a keyring"


def test_init_with_path_option_needs_no_config(tmp_path):
    target = tmp_path / "kr.json"
    run_keys(tmp_path / "missing.toml", "init", "--path", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    load_keyring(target)


def test_app_starts_with_the_new_keyring_and_refuses_a_world_readable_one(tmp_path):
    config = _config(tmp_path)
    run_keys(config, "init")
    started = _start_app(config)
    assert started.returncode == 0, started.stderr
    assert "/melden" in started.stdout

    (tmp_path / "keyring.json").chmod(0o644)
    refused = _start_app(config)
    assert refused.returncode == 2
    assert str(tmp_path / "keyring.json") in refused.stderr
    assert "readable by group or others" in refused.stderr and "chmod 600" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_app_refuses_to_start_without_a_keyring_and_says_how_to_make_one(tmp_path):
    refused = _start_app(_config(tmp_path))
    assert refused.returncode == 2
    assert str(tmp_path / "keyring.json") in refused.stderr and "keys init" in refused.stderr
