"""Configuration validation: missing secrets and bad values stop the app with one line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from meldpunt import create_app
from meldpunt.config import ConfigError, load_settings
from meldpunt.crypto import generate_keyring, write_keyring

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def keyring_file(tmp_path):
    path = tmp_path / "keyring.json"
    write_keyring(path, generate_keyring())
    return path


def base(keyring_file, **changes):
    config = {
        "app": {"secret_key": "s" * 40},
        "database": {"url": "sqlite:///x.sqlite"},
        "crypto": {"keyring_file": str(keyring_file)},
    }
    for section, values in changes.items():
        config[section] = {**config.get(section, {}), **values}
    return config


def test_missing_secret_key_names_it(keyring_file, monkeypatch):
    monkeypatch.delenv("MELDPUNT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"\[app\] secret_key is missing"):
        create_app(base(keyring_file, app={"secret_key": ""}))


def test_short_secret_key_refused(keyring_file):
    with pytest.raises(ConfigError, match="secret_key is too short"):
        load_settings(overrides=base(keyring_file, app={"secret_key": "short"}))


def test_bad_database_url_names_setting(keyring_file):
    with pytest.raises(ConfigError, match=r"\[database\] url"):
        load_settings(overrides=base(keyring_file, database={"url": "not a url"}))
    with pytest.raises(ConfigError, match=r"\[database\] url must be sqlite or postgresql"):
        load_settings(overrides=base(keyring_file, database={"url": "mysql://x/y"}))


def test_missing_keyring_file(tmp_path, keyring_file):
    with pytest.raises(ConfigError, match="keyring_file.*does not exist"):
        load_settings(overrides=base(keyring_file, crypto={"keyring_file": str(tmp_path / "none.json")}))


def test_world_readable_keyring_refused(keyring_file):
    os.chmod(keyring_file, 0o644)
    with pytest.raises(ConfigError, match="readable by group or others"):
        load_settings(overrides=base(keyring_file))


def test_env_overrides_secret(keyring_file, monkeypatch):
    monkeypatch.setenv("MELDPUNT_SECRET_KEY", "e" * 40)
    settings = load_settings(overrides=base(keyring_file, app={"secret_key": ""}))
    assert settings.secret_key == "e" * 40


def test_real_start_without_secret_prints_one_line(tmp_path, keyring_file):
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///x.sqlite"\n[crypto]\nkeyring_file = "{keyring_file}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env["MELDPUNT_CONFIG"] = str(config)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "meldpunt", "user", "list"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "[app] secret_key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_example_config_is_valid(tmp_path, keyring_file, monkeypatch):
    """config.example.toml documents every setting and loads once its secrets are supplied."""
    monkeypatch.setenv("MELDPUNT_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("MELDPUNT_KEYRING_FILE", str(keyring_file))
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.database_url.startswith("sqlite")


def test_trusted_proxies_from_environment(keyring_file, monkeypatch):
    monkeypatch.setenv("MELDPUNT_TRUSTED_PROXIES", "1")
    assert load_settings(overrides=base(keyring_file)).security.trusted_proxies == 1
    monkeypatch.setenv("MELDPUNT_TRUSTED_PROXIES", "een")
    with pytest.raises(ConfigError, match=r"\[security\] trusted_proxies must be a whole number"):
        load_settings(overrides=base(keyring_file))


def test_item_17_checkpoint_file_next_to_the_keyring_and_syslog_address_checked(keyring_file, tmp_path, monkeypatch):
    monkeypatch.delenv("MELDPUNT_AUDIT_CHECKPOINT_FILE", raising=False)
    monkeypatch.delenv("MELDPUNT_AUDIT_SYSLOG_ADDRESS", raising=False)
    settings = load_settings(overrides=base(keyring_file))
    assert settings.audit.checkpoint_file == keyring_file.parent / "audit-checkpoints.log"
    assert settings.audit.syslog_address == ""
    settings = load_settings(overrides=base(keyring_file, audit={"checkpoint_file": str(tmp_path / "elders.log"),
                                                                 "syslog_address": "logs.example.local:514"}))
    assert settings.audit.checkpoint_file == tmp_path / "elders.log"
    assert settings.audit.syslog_address == "logs.example.local:514"
    assert load_settings(overrides=base(keyring_file, audit={"syslog_address": "/dev/log"})).audit.syslog_address == "/dev/log"
    with pytest.raises(ConfigError, match=r"\[audit\] syslog_address must be a socket path"):
        load_settings(overrides=base(keyring_file, audit={"syslog_address": "logserver"}))
