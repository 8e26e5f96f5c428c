"""dbt unit tests run once per project version on a machine (SAMMEN_DBT_UNIT_TESTS=once, the
default) or in every full build (`always`); the verdict's key is the project, the vars, the
target and the versions (transform.build.UnitTestVerdicts)."""

from __future__ import annotations

import pytest

from core.settings import Settings
from transform.build import UnitTestVerdicts


def test_the_setting_is_once_or_always_and_names_its_variable(monkeypatch):
    assert Settings().dbt_unit_tests == "once"
    monkeypatch.setenv("SAMMEN_DBT_UNIT_TESTS", "always")
    assert Settings().dbt_unit_tests == "always"
    monkeypatch.setenv("SAMMEN_DBT_UNIT_TESTS", "sometimes")
    with pytest.raises(ValueError, match="SAMMEN_DBT_UNIT_TESTS"):
        Settings()


def test_a_verdict_is_kept_per_target_and_vars_but_not_per_cutoff(tmp_path, monkeypatch):
    # GIVEN an empty cache WHEN a build's unit tests passed on DuckDB
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    variables = {"cutoff": "2025-09-30", "region_coverage_start": None}
    assert not UnitTestVerdicts("duckdb", variables).passed()
    UnitTestVerdicts("duckdb", variables).remember()
    # THEN a later cutoff finds it, another target or other vars do not
    assert UnitTestVerdicts("duckdb", variables | {"cutoff": "2026-01-31"}).passed()
    assert not UnitTestVerdicts("postgres", variables).passed()
    assert not UnitTestVerdicts("duckdb", variables | {"region_coverage_start": "2020-01-01"}).passed()
    # AND a build that left models out (and so their unit tests) vouches for no other build
    UnitTestVerdicts("duckdb", variables, ("path:models/marts/indicators",)).remember()
    assert UnitTestVerdicts("duckdb", variables, ("path:models/marts/indicators",)).passed()
    assert not UnitTestVerdicts("duckdb", variables, ("path:models/marts/enrolments",)).passed()
    # AND the cache holds a key, nothing of the data
    entries = list((tmp_path / "sammen" / "dbt-unit-tests").iterdir())
    assert len(entries) == 2 and all(len(e.name) == 64 and e.read_text() == "passed\n" for e in entries)
