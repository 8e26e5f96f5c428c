"""Every artefact derived from a contract agrees with it: Arrow schema, dbt sources, GX suite,
ODCS YAML and the partner document. GIVEN the contracts, WHEN each is derived, THEN it holds
exactly the contract's columns, types, nullability, values and rules."""

from __future__ import annotations

import re
from typing import ClassVar

import duckdb
import pyarrow as pa
import pytest
import yaml
from helpers.extracts import EXTRACTS, MUNICIPALITY_COUNT, PROGRAMMES, SECTORS, SOME_MUNICIPALITIES
from pydantic import Field

from contracts import CONTRACTS, REFERENCES
from contracts.base import KeyedContract
from contracts.columns import Identifier, Int
from contracts.derive.arrow import arrow_schema
from contracts.derive.checks import sectors_pattern
from contracts.derive.dbt import sources_document
from contracts.derive.gx import batch_query, expectation_specs
from contracts.derive.markdown import markdown_document
from contracts.derive.odcs import odcs_document
from contracts.enums import Sex

DATASETS = list(CONTRACTS)
KINDS = {"conformance", "completeness", "plausibility"}
# spec: `key` = 64-hex person_key (lower case: sha256 hex); `id` = 1-40 characters [A-Za-z0-9_.:-]
SPEC_EXAMPLES = {
    "key": (["a3" * 32, "0" * 64], ["A3" * 32, "a3" * 31, "g" * 64, "0101901234"]),
    "id": (["A1", "x" * 40, "dept_3.b:c-1"], ["", "x" * 41, "A 1", "æ1", "a/b"]),
    # `|`-separated subset of the six sectors (as stored: trimmed, lower case); no empty token
    "sectors": (["region", "region|ngo", "|".join(SECTORS)], ["", "region||ngo", "region|", "|ngo", "library"]),
}


def test_the_contracts_are_the_spec_datasets():
    assert set(CONTRACTS) == set(EXTRACTS)
    for name, contract in CONTRACTS.items():
        spec = EXTRACTS[name]
        assert (contract.source, contract.natural_key) == (spec.source, (spec.key,) if spec.key else ())


@pytest.mark.parametrize("dataset", DATASETS)
def test_arrow_schema_loads_into_duckdb_as_the_spec_types(dataset):
    # GIVEN the spec's table WHEN the contract's Arrow schema is derived and handed to DuckDB
    spec = EXTRACTS[dataset]
    schema = arrow_schema(CONTRACTS[dataset])
    con = duckdb.connect()
    con.register("empty", pa.Table.from_pylist([], schema=schema))
    # THEN DuckDB reads the spec's columns, in order, with the SQL type of each spec type
    assert con.sql("describe empty").fetchall() == [
        (c.name, c.sql_type, "YES", None, None, None) for c in spec.columns]
    assert [f.nullable for f in schema] == [c.nullable for c in spec.columns]
    assert arrow_schema(CONTRACTS[dataset], with_deleted=False).names == [c.name for c in spec.delivered]
    assert schema.metadata[b"dataset"] == dataset.encode()


def _dbt_table(dataset):
    contract = CONTRACTS[dataset]
    (source,) = sources_document(contract.source)["sources"]
    assert source["schema"] == "resolved"
    return next(table for table in source["tables"] if table["name"] == dataset)


def _tests(column):
    return {test if isinstance(test, str) else next(iter(test)): test for test in column.get("data_tests", [])}


@pytest.mark.parametrize("dataset", DATASETS)
def test_dbt_sources_hold_the_spec_columns_and_their_tests(dataset):
    spec = EXTRACTS[dataset]
    columns = _dbt_table(dataset)["columns"]
    assert [(c["name"], c["data_type"]) for c in columns] == [(c.name, c.sql_type.lower()) for c in spec.delivered]
    tests = {column["name"]: _tests(column) for column in columns}
    assert {name for name, found in tests.items() if "not_null" in found} == {
        c.name for c in spec.delivered if not c.nullable}
    assert {name for name, found in tests.items() if "unique" in found} == ({spec.key} if spec.key else set())
    assert {name: found["accepted_values"]["accepted_values"]["arguments"]["values"]
            for name, found in tests.items() if "accepted_values" in found} == spec.listed_values()


def test_dbt_sources_hold_every_reference_between_datasets():
    # spec ("Order of resolution"): follow-ups point to plans, attendance to sessions
    assert set(REFERENCES) == {("plan_follow_ups", "plan_id", "action_plans"),
                               ("attendance", "session_id", "sessions")}
    for dataset, column, target in REFERENCES:
        spec = next(c for c in _dbt_table(dataset)["columns"] if c["name"] == column)
        relationship = _tests(spec)["relationships"]["relationships"]["arguments"]
        assert relationship == {"to": f"source('{EXTRACTS[target].source}', '{target}')", "field": column}


@pytest.mark.parametrize("dataset", DATASETS)
def test_gx_suite_covers_the_spec_columns_and_tags_every_expectation(dataset):
    spec = EXTRACTS[dataset]
    specs = expectation_specs(CONTRACTS[dataset])
    existing = [s.column for s in specs if s.expectation == "ExpectColumnToExist"]
    assert existing == [c.name for c in spec.delivered]
    assert {s.check_kind for s in specs} <= KINDS
    assert all(s.meta["check_kind"] in KINDS for s in specs)
    not_null = {s.column for s in specs if s.expectation == "ExpectColumnValuesToNotBeNull"}
    assert not_null == {c.name for c in spec.delivered if not c.nullable}
    in_set = {s.column: s.kwargs["value_set"] for s in specs if s.meta["rule"] == "enum"}
    assert in_set == {c.name: list(c.values) for c in spec.delivered if c.type == "enum"}


def test_gx_identifier_columns_are_marked_so_their_values_are_never_listed():
    specs = expectation_specs(CONTRACTS["surveys"])
    assert all(s.meta["identifier"] for s in specs if s.column in ("person_key", "response_id"))
    assert not any(s.meta["identifier"] for s in specs if s.column == "instrument")


def test_gx_batch_checks_references_only_when_the_target_is_there():
    contract = CONTRACTS["plan_follow_ups"]
    sql = batch_query(contract, "resolved.plan_follow_ups")
    assert '"_check__plan_id_references_action_plans"' in sql
    assert "resolved.action_plans" in sql
    assert "_check__plan_id" not in batch_query(contract, "t", missing=frozenset({"action_plans"}))


def test_gx_batch_query_runs_in_duckdb():
    con = duckdb.connect()
    con.execute("create schema resolved")
    for name, contract in CONTRACTS.items():
        con.register("empty", pa.Table.from_pylist([], schema=arrow_schema(contract, with_deleted=False)))
        con.execute(f"create table resolved.{name} as select * from empty")
    for name, contract in CONTRACTS.items():
        assert con.sql(batch_query(contract, f"resolved.{name}")).fetchall() == []


@pytest.mark.parametrize("dataset", DATASETS)
def test_odcs_document_states_the_spec_table(dataset):
    spec = EXTRACTS[dataset]
    document = odcs_document(CONTRACTS[dataset])
    assert (document["apiVersion"], document["kind"], document["name"]) == ("v3.1.0", "DataContract", dataset)
    (schema,) = document["schema"]
    properties = schema["properties"]
    assert [(p["name"], p["required"], p["physicalType"]) for p in properties] == [
        (c.name, not c.nullable, c.sql_type) for c in spec.columns]
    assert [p["name"] for p in properties if p.get("primaryKey")] == ([spec.key] if spec.key else [])
    arguments = {p["name"]: q["arguments"] for p in properties for q in p.get("quality", [])
                 if q.get("metric") == "invalidValues"}
    listed = {name: found["validValues"] for name, found in arguments.items() if "validValues" in found}
    # the reference lists: the default programme catalogue and the 98 municipalities
    if "programme" in listed:
        assert sorted(listed.pop("programme")) == sorted(PROGRAMMES)
    if "municipality_code" in listed:
        municipalities = listed.pop("municipality_code")
        assert len(set(municipalities)) == MUNICIPALITY_COUNT
        assert set(SOME_MUNICIPALITIES) <= set(municipalities)
    assert listed == spec.listed_values()
    # a pattern for each key, id and sectors column, that holds the spec's examples and refuses others
    patterns = {name: re.compile(found["pattern"]) for name, found in arguments.items() if "pattern" in found}
    assert set(patterns) == {c.name for c in spec.columns if c.type in SPEC_EXAMPLES}
    for name, pattern in patterns.items():
        good, bad = SPEC_EXAMPLES[spec.column(name).type]
        assert all(pattern.search(value) for value in good), name
        assert not any(pattern.search(value) for value in bad), name
    rules = [q for p in properties for q in p.get("quality", [])] + schema["quality"]
    for rule in rules:
        (kind,) = [p["value"] for p in rule["customProperties"] if p["property"] == "checkKind"]
        assert kind in KINDS


def test_odcs_states_enumerations_and_cross_column_rules():
    document = odcs_document(CONTRACTS["admissions"])
    properties = {p["name"]: p for p in document["schema"][0]["properties"]}
    (enum_rule,) = [q for q in properties["diagnosis_group"]["quality"] if q["metric"] == "invalidValues"]
    assert "F20-F29" in enum_rule["arguments"]["validValues"]
    (rule,) = document["schema"][0]["quality"]
    assert rule["name"] == "discharged_at_not_before_admitted_at"
    assert rule["type"] == "sql" and rule["mustBe"] == 0


@pytest.mark.parametrize("dataset", DATASETS)
def test_markdown_names_every_spec_column_and_value(dataset):
    spec = EXTRACTS[dataset]
    text = markdown_document(CONTRACTS[dataset])
    for column in spec.columns:
        assert f"`{column.name}`" in text
        for value in column.values:
            assert f"`{value}`" in text
    assert f"landing/{spec.source}/" in text


def test_sectors_pattern_accepts_token_lists_only():
    import re

    pattern = re.compile(sectors_pattern(("region", "ngo")))
    assert pattern.match("region|ngo") and pattern.match("ngo")
    assert not pattern.match("region||ngo") and not pattern.match("region|") and not pattern.match("x")


class _ChangedV1(KeyedContract):
    """A contract that changes: derived artefacts must follow it."""

    dataset: ClassVar[str] = "changed"
    source: ClassVar[str] = "region"
    natural_key: ClassVar[tuple[str, ...]] = ("thing_id",)

    thing_id: Identifier = Field(description="id")
    count: Int = Field(description="a count")
    sex: Sex | None = Field(None, description="sex")


def test_derivations_follow_a_changed_contract():
    # GIVEN a contract the derivations have never seen WHEN derived THEN they hold its columns
    assert arrow_schema(_ChangedV1).names == ["thing_id", "count", "sex", "deleted"]
    assert [s.column for s in expectation_specs(_ChangedV1) if s.expectation == "ExpectColumnToExist"] == [
        "thing_id", "count", "sex"]
    assert [p["name"] for p in odcs_document(_ChangedV1)["schema"][0]["properties"]] == [
        "thing_id", "count", "sex", "deleted"]
    assert "`female`" in markdown_document(_ChangedV1)
    assert yaml.safe_load(yaml.safe_dump(odcs_document(_ChangedV1)))["name"] == "changed"
