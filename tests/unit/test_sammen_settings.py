"""Settings and the programme catalogue are pydantic models: types, ranges, and errors that name
the environment variable or the catalogue entry at fault."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.reference import _programmes, programme_codes
from core.settings import ENVIRONMENT, Settings, SettingsError


@pytest.fixture(autouse=True)
def no_sammen_environment(monkeypatch):
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)


def test_the_environment_sets_what_is_not_passed(monkeypatch):
    monkeypatch.setenv("SAMMEN_CUTOFF", "2025-12-31")
    monkeypatch.setenv("SAMMEN_DISCLOSURE_THRESHOLD", "7")
    monkeypatch.setenv("SAMMEN_QUERY_TIMEOUT", "")  # empty: unset
    settings = Settings(disclosure_threshold=9)
    assert settings.cutoff == dt.date(2025, 12, 31)
    assert settings.disclosure_threshold == 9  # passed beats the environment
    assert settings.query_timeout_seconds == 300.0


def test_defaults():
    settings = Settings()
    assert (settings.quarantine_threshold, settings.disclosure_threshold, settings.cutoff) == (0.05, 5, None)
    assert (settings.restricted_retention_days, settings.settle_seconds, settings.query_memory_limit) == (30, 60.0, "2GB")


@pytest.mark.parametrize("variable, value, words", [
    ("SAMMEN_QUARANTINE_THRESHOLD", "five percent", "valid number"),
    ("SAMMEN_QUARANTINE_THRESHOLD", "1.5", "fraction between 0 and 1"),
    ("SAMMEN_DISCLOSURE_THRESHOLD", "3", "may only be raised"),
    ("SAMMEN_CUTOFF", "31/12/2025", "valid date"),
    ("SAMMEN_QUERY_THREADS", "0", "must be positive"),
    ("SAMMEN_QUERY_MEMORY_LIMIT", "lots", "is not a size"),
    ("SAMMEN_GX_SAMPLE_ROWS", "1e5x", "valid integer"),
])
def test_an_invalid_environment_value_names_its_variable(monkeypatch, variable, value, words):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        Settings()
    message = str(raised.value)
    assert message.startswith(f"{variable} (environment): ") and words in message
    assert isinstance(raised.value, ValueError)


def test_an_invalid_argument_names_the_setting_and_overrides_are_validated():
    with pytest.raises(SettingsError, match="^disclosure_threshold: disclosure threshold 4 is below 5"):
        Settings(disclosure_threshold=4)
    with pytest.raises(SettingsError, match="^settle_seconds: "):
        Settings().with_overrides(settle_seconds=-1)
    assert Settings().with_overrides(cutoff=dt.date(2026, 1, 1), settle_seconds=None).settle_seconds == 60.0


def test_settings_are_frozen_and_refuse_unknown_names():
    with pytest.raises(ValueError):
        Settings().cutoff = dt.date(2026, 1, 1)  # type: ignore[misc]
    with pytest.raises(SettingsError, match="no_such_setting"):
        Settings(no_such_setting=1)


@pytest.mark.parametrize("document, words", [
    ("programmes: []\n", "programmes: List should have at least 1 item"),
    ("other: 1\n", "programmes: Field required"),
    ("programmes:\n  - title_en: A\n", "programmes.0.code: Field required"),
    ("programmes:\n  - code: ''\n", "programmes.0.code: String should have at least 1 character"),
    ("programmes:\n  - code: a\n  - code: a\n", "code a appears more than once"),
    ("programmes:\n  - code: a\n    title_da: 7\n", "programmes.0.title_da: Input should be a valid string"),
])
def test_a_malformed_programme_catalogue_says_where(tmp_path, document, words):
    path = tmp_path / "programmes.yaml"
    path.write_text(document)
    with pytest.raises(ValueError, match="programme catalogue needs") as raised:
        _programmes(path)
    assert words in str(raised.value)


def test_a_home_catalogue_keeps_its_own_keys(tmp_path):
    (tmp_path / "programmes.yaml").write_text("programmes:\n  - code: garden\n    title_da: Have\n    leader: X\n")
    assert _programmes(tmp_path / "programmes.yaml") == ({"code": "garden", "title_da": "Have", "leader": "X"},)
    assert programme_codes(tmp_path) == frozenset({"garden"})
