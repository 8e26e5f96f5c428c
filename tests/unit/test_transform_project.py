"""Fast checks of the dbt project's wiring and of transform's helpers (no dbt run)."""

from __future__ import annotations

import datetime as dt
import json

import yaml

from contracts import CONTRACTS
from contracts.reference import municipality_codes
from core.settings import DBT_PROJECT_DIR, REPO_ROOT
from transform.build import _State, project_fingerprint
from transform.runner import dbt_message_without_values


def _sources() -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for path in (DBT_PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                found.setdefault(source["name"], {})[table["name"]] = [c["name"] for c in table["columns"]]
    return found


def test_dbt_sources_hold_exactly_the_contract_columns_without_deleted():
    # GIVEN the contracts WHEN the sources YAML is read THEN each dataset has its columns in order
    sources = _sources()
    for name, contract in CONTRACTS.items():
        expected = [c.name for c in contract.columns() if c.name != "deleted"]
        assert sources[contract.source][name] == expected, name


def test_every_source_dataset_has_one_staging_model():
    for name, contract in CONTRACTS.items():
        model = DBT_PROJECT_DIR / "models" / "staging" / contract.source / f"stg_{contract.source}__{name}.sql"
        assert model.exists(), model.name
        assert f"source('{contract.source}', '{name}')" in model.read_text()


def test_municipality_seed_is_the_contracts_reference_file_not_a_copy():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    seed_dirs = [(DBT_PROJECT_DIR / p).resolve() for p in project["seed-paths"]]
    assert seed_dirs == [(REPO_ROOT / "contracts" / "reference").resolve()]
    assert not list(DBT_PROJECT_DIR.rglob("municipalities.csv"))
    assert len(municipality_codes()) == 98


def test_marts_config_enforces_contracts_for_every_marts_subfolder():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    marts = project["models"]["sammen"]["marts"]
    assert marts["+schema"] == "marts" and marts["+contract"] == {"enforced": True}


def test_project_fingerprint_changes_with_any_project_file(tmp_path):
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "a.sql"
    model.write_text("select 1")
    before = project_fingerprint(tmp_path)
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "run_results.json").write_text("{}")
    assert project_fingerprint(tmp_path) == before  # dbt's own output does not count
    (tmp_path / ".user.yml").write_text("id: 5f1c0b7e\n")
    assert project_fingerprint(tmp_path) == before  # nor the random id dbt writes on its first run
    model.write_text("select 2")
    assert project_fingerprint(tmp_path) != before


def test_state_allows_a_nightly_build_only_forward_with_same_project_and_vars(tmp_path):
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps({
        "cutoff": "2025-09-30", "vars": {}, "project": project_fingerprint(DBT_PROJECT_DIR)
    }))
    state = _State(state_file)
    assert state.allows_nightly({"cutoff": "2025-10-01"}, dt.date(2025, 10, 1))
    assert not state.allows_nightly({"cutoff": "2025-09-29"}, dt.date(2025, 9, 29))
    assert not state.allows_nightly(
        {"cutoff": "2025-10-01", "region_coverage_start": "2024-01-01"}, dt.date(2025, 10, 1)
    )
    assert not _State(tmp_path / "missing.json").allows_nightly({}, dt.date(2025, 10, 1))


def test_database_error_messages_lose_quoted_values_compilation_errors_keep_names():
    assert "0101901234" not in dbt_message_without_values("Runtime Error\nConversion Error: '0101901234' to INT")
    assert "'columns'" in dbt_message_without_values("Compilation Error in model x\n its 'columns' are missing")


def test_only_staging_models_read_sources_so_the_cutoff_applies_everywhere():
    # GIVEN every model of the project WHEN their SQL is read
    # THEN source() appears in staging only: every other model sees the rows cut at the cutoff
    # (outcomes.md: no event dated after the cutoff is used anywhere)
    models = DBT_PROJECT_DIR / "models"
    readers = [p.relative_to(models) for p in models.rglob("*.sql") if "source(" in p.read_text()]
    assert readers and all(path.parts[0] == "staging" for path in readers), readers


def test_dbt_log_level_is_info_unless_dbts_own_variable_says_otherwise(monkeypatch):
    import pytest

    from transform.runner import TransformError, log_level_file

    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    assert log_level_file() == "info"
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert log_level_file() == "debug"
    # a wrong value is named with the choices (dbt's own refusal arrives with the values blanked)
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "verbose")
    with pytest.raises(TransformError, match=r"DBT_LOG_LEVEL_FILE must be one of debug, info, warn, error, none, not 'verbose'"):
        log_level_file()
