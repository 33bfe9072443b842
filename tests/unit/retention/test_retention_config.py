"""Issue 19: the [retention] settings (terms per outcome) and their checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from meldpunt.config import ConfigError, RetentionSettings, load_settings
from tests.unit.app.test_config import base, keyring_file  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[3]


def test_retention_terms_default_and_override(keyring_file):  # noqa: F811
    assert load_settings(overrides=base(keyring_file)).retention == RetentionSettings()
    terms = load_settings(overrides=base(keyring_file, retention={"case_years": 7, "batch_size": "250"})).retention
    assert (terms.case_years, terms.batch_size, terms.closed_years) == (7, 250, 2)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("closed_years", 0, "[retention] closed_years must be at least 1"),
    ("case_years", "vijf", "[retention] case_years must be a whole number"),
    ("run_hour", 24, "[retention] run_hour must be between 0 and 23"),
    ("forever", 1, "[retention] forever is unknown"),
])
def test_retention_setting_errors_name_the_setting(keyring_file, key, value, message):  # noqa: F811
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(overrides=base(keyring_file, retention={key: value}))


def test_config_example_documents_every_retention_setting():
    with open(ROOT / "config.example.toml", "rb") as fh:
        example = tomllib.load(fh)["retention"]
    assert set(example) == set(RetentionSettings.__dataclass_fields__)
    assert RetentionSettings(**example) == RetentionSettings()
