"""dbt sources YAML per partner source, derived from the contracts.

`dbt_project/models/staging/<source>/_<source>__sources.yml` declares `resolved.<dataset>` for
every dataset of the source, with each column's description, `data_type` and tests:
`not_null` for non-nullable columns, `unique` for a single-column natural key, `accepted_values`
for enumerations and the region codes, `relationships` for references between datasets
(contracts.REFERENCES) and to the municipality seed. Pattern, sector-token and cross-column
rules have no dbt test without extra packages; they run as row checks at ingestion and in the GX
suite instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from contracts import CONTRACTS, datasets_of
from contracts.base import DatasetContract
from contracts.columns import ColumnSpec
from contracts.derive.checks import CheckSpec, contract_checks, stored_columns
from contracts.derive.partners import source_description, sources, summary

HEADER = (
    "# GENERATED from contracts/ (one fact, one place): do not edit by hand.\n"
    "# Regenerate with `sammen contracts export`.\n"
)
# Reference lists that dbt holds as seeds: list name -> (seed, column).
REFERENCE_SEEDS: dict[str, tuple[str, str]] = {"municipalities": ("municipalities", "municipality_code")}
# Reference lists small and fixed enough to state as accepted values (the programme catalogue is
# configurable per installation, so it is checked at ingestion, not in the committed YAML).
REFERENCE_VALUES = frozenset({"regions"})


def sources_path(dbt_project: Path, source: str) -> Path:
    return dbt_project / "models" / "staging" / source / f"_{source}__sources.yml"


def sources_document(source: str) -> dict[str, Any]:
    """The sources YAML of one partner source, as data."""
    return {
        "version": 2,
        "sources": [{
            "name": source,
            "description": source_description(source),
            "schema": "resolved",
            "tables": [_table(CONTRACTS[dataset]) for dataset in datasets_of(source)],
        }],
    }


def sources_yaml(source: str) -> str:
    body = yaml.safe_dump(sources_document(source), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def write_sources(dbt_project: Path) -> list[Path]:
    """(Re)write the sources YAML of every partner source; returns the files written."""
    written = []
    for source in sources():
        path = sources_path(dbt_project, source)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sources_yaml(source), encoding="utf-8")
        written.append(path)
    return written


def _table(contract: type[DatasetContract]) -> dict[str, Any]:
    checks = contract_checks(contract)
    return {
        "name": contract.dataset,
        "description": f"{summary(contract)} Contract {contract.qualified_name()}.",
        "columns": [_column(contract, column, checks) for column in stored_columns(contract)],
    }


def _column(contract: type[DatasetContract], column: ColumnSpec, checks: tuple[CheckSpec, ...]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": column.name,
        "description": column.description,
        "data_type": column.duckdb_type.lower(),
    }
    tests = [test for check in checks if check.column == column.name and (test := _test(contract, check))]
    # unique before not_null, as dbt's own examples list them
    tests.sort(key=lambda test: test != "unique")
    if tests:
        entry["data_tests"] = tests
    return entry


def _test(contract: type[DatasetContract], check: CheckSpec) -> str | dict[str, Any] | None:
    if check.rule in ("not_null", "unique"):
        return check.rule
    if check.rule == "enum":
        return {"accepted_values": {"arguments": {"values": check.params["values"]}}}
    if check.rule == "references":
        target = CONTRACTS[check.params["dataset"]]
        to = f"source('{target.source}', '{target.dataset}')"
        return {"relationships": {"arguments": {"to": to, "field": check.params["column"]}}}
    if check.rule == "reference" and check.params["reference"] in REFERENCE_SEEDS:
        seed, field = REFERENCE_SEEDS[check.params["reference"]]
        return {"relationships": {"arguments": {"to": f"ref('{seed}')", "field": field}}}
    if check.rule == "reference" and check.params["reference"] in REFERENCE_VALUES:
        return {"accepted_values": {"arguments": {"values": check.params["values"], "quote": False}}}
    return None
