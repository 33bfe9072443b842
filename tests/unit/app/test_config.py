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

ROOT = Path(__file__).resolve().parents[3]


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
    config.chmod(0o600)
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
    copy = tmp_path / "config.toml"
    copy.write_text((ROOT / "config.example.toml").read_text())
    copy.chmod(0o600)  # as its header says: copy, then chmod 600
    settings = load_settings(copy)
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


def test_item_13_anonymous_filing_limits_and_upload_capacity_are_configurable(keyring_file):
    settings = load_settings(overrides=base(
        keyring_file,
        security={"anonymous_filing_limit_per_client": "3 per hour", "anonymous_filing_limit_total": "50/day"},
        uploads={"daily_quota_bytes": 1000, "min_free_bytes": 2000},
    ))
    assert settings.security.anonymous_filing_limit_per_client == "3 per hour"
    assert settings.security.anonymous_filing_limit_total == "50/day"
    assert (settings.uploads.daily_quota_bytes, settings.uploads.min_free_bytes) == (1000, 2000)
    defaults = load_settings(overrides=base(keyring_file))
    assert defaults.security.anonymous_filing_limit_per_client == "5 per hour"
    assert defaults.security.anonymous_filing_limit_total == "200 per hour"
    assert defaults.uploads.min_free_bytes == 1024**3
    with pytest.raises(ConfigError, match=r"\[security\] anonymous_filing_limit_per_client must be a rate"):
        load_settings(overrides=base(keyring_file, security={"anonymous_filing_limit_per_client": "vijf"}))
    with pytest.raises(ConfigError, match=r"\[uploads\] daily_quota_bytes must be a whole number"):
        load_settings(overrides=base(keyring_file, uploads={"daily_quota_bytes": "veel"}))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_item_07_config_file_others_can_read_is_refused(tmp_path, keyring_file, mode):
    """Like the keyring: the config file holds the secret key, so only its owner may read or write it."""
    config = tmp_path / "config.toml"
    config.write_text(f'[app]\nsecret_key = "{"s" * 40}"\n[database]\nurl = "sqlite:///x.sqlite"\n'
                      f'[crypto]\nkeyring_file = "{keyring_file}"\n')
    config.chmod(mode)
    with pytest.raises(ConfigError, match=rf"configuration file {config} is readable or writable by group or others "
                                          rf"\(mode 0{mode:o}\); run chmod 600"):
        load_settings(config)
    config.chmod(0o600)
    assert load_settings(config).secret_key == "s" * 40
    config.chmod(0o400)
    assert load_settings(config).secret_key == "s" * 40


def test_item_07_real_start_with_readable_config_prints_one_line(tmp_path, keyring_file):
    config = tmp_path / "config.toml"
    config.write_text(f'[app]\nsecret_key = "{"s" * 40}"\n[database]\nurl = "sqlite:///x.sqlite"\n'
                      f'[crypto]\nkeyring_file = "{keyring_file}"\n')
    config.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env["MELDPUNT_CONFIG"] = str(config)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "meldpunt", "user", "list"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"meldpunt: configuration error: configuration file {config} is readable or writable by group "
                     f"or others (mode 0644); run chmod 600 {config}"], result.stderr


def test_item_07_bootstrap_writes_a_private_config_file(tmp_path):
    from meldpunt.bootstrap import bootstrap

    old = os.umask(0o000)  # even with a lax umask
    try:
        bootstrap(tmp_path / "instance")
    finally:
        os.umask(old)
    for name in ("config.toml", "keyring.json"):
        assert (tmp_path / "instance" / name).stat().st_mode & 0o777 == 0o600, name
    settings = load_settings(tmp_path / "instance" / "config.toml")
    assert settings.source == (tmp_path / "instance" / "config.toml").resolve()


@pytest.mark.parametrize("value", ["meldpunt.example.nl", "ftp://meldpunt.example.nl", "https://", "https://x/pad",
                                   "https://x/?a=1"])
def test_item_18_base_url_must_be_scheme_and_host(keyring_file, value):
    with pytest.raises(ConfigError, match=r"\[app\] base_url must be the site's public address"):
        load_settings(overrides=base(keyring_file, app={"base_url": value}))
    assert load_settings(overrides=base(keyring_file, app={"base_url": "https://meldpunt.example.nl/"})).base_url \
        == "https://meldpunt.example.nl"
