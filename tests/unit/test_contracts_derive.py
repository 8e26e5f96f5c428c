"""Every artefact derived from a contract agrees with it: Arrow schema, dbt sources, GX suite,
ODCS YAML and the partner document. GIVEN the contracts, WHEN each is derived, THEN it holds
exactly the contract's columns, types, nullability, values and rules."""

from __future__ import annotations

from typing import ClassVar

import duckdb
import pyarrow as pa
import pytest
import yaml
from pydantic import Field

from contracts import CONTRACTS, REFERENCES
from contracts.base import KeyedContract
from contracts.columns import Identifier, Int
from contracts.derive.arrow import arrow_schema
from contracts.derive.checks import contract_checks, sectors_pattern, stored_columns
from contracts.derive.dbt import sources_document
from contracts.derive.gx import batch_query, expectation_specs
from contracts.derive.markdown import markdown_document
from contracts.derive.odcs import odcs_document
from contracts.enums import Sex

DATASETS = list(CONTRACTS)
KINDS = {"conformance", "completeness", "plausibility"}


@pytest.mark.parametrize("dataset", DATASETS)
def test_arrow_schema_is_the_contracts_columns(dataset):
    contract = CONTRACTS[dataset]
    schema = arrow_schema(contract)
    assert [(f.name, f.type, f.nullable) for f in schema] == [
        (c.name, c.arrow_type, c.nullable) for c in contract.columns()]
    assert "deleted" not in arrow_schema(contract, with_deleted=False).names
    assert schema.metadata[b"dataset"] == dataset.encode()


def _dbt_table(dataset):
    contract = CONTRACTS[dataset]
    (source,) = sources_document(contract.source)["sources"]
    assert source["schema"] == "resolved"
    return next(table for table in source["tables"] if table["name"] == dataset)


def _tests(column):
    return {test if isinstance(test, str) else next(iter(test)): test for test in column.get("data_tests", [])}


@pytest.mark.parametrize("dataset", DATASETS)
def test_dbt_sources_hold_the_stored_columns_and_their_tests(dataset):
    contract = CONTRACTS[dataset]
    columns = _dbt_table(dataset)["columns"]
    assert [(c["name"], c["data_type"]) for c in columns] == [
        (c.name, c.duckdb_type.lower()) for c in stored_columns(contract)]
    for spec, column in zip(stored_columns(contract), columns, strict=True):
        tests = _tests(column)
        assert ("not_null" in tests) == (not spec.nullable), spec.name
        assert ("unique" in tests) == (contract.natural_key == (spec.name,)), spec.name
        if spec.enum_values and spec.kind.value == "enum":
            assert tests["accepted_values"]["accepted_values"]["arguments"]["values"] == list(spec.enum_values)


def test_dbt_sources_hold_every_reference_between_datasets():
    for dataset, column, target in REFERENCES:
        spec = next(c for c in _dbt_table(dataset)["columns"] if c["name"] == column)
        relationship = _tests(spec)["relationships"]["relationships"]["arguments"]
        assert relationship == {"to": f"source('{CONTRACTS[target].source}', '{target}')", "field": column}


@pytest.mark.parametrize("dataset", DATASETS)
def test_gx_suite_covers_every_column_and_tags_every_expectation(dataset):
    contract = CONTRACTS[dataset]
    specs = expectation_specs(contract)
    existing = [s.column for s in specs if s.expectation == "ExpectColumnToExist"]
    assert existing == [c.name for c in stored_columns(contract)]
    assert {s.check_kind for s in specs} <= KINDS
    assert all(s.meta["check_kind"] in KINDS for s in specs)
    not_null = {s.column for s in specs if s.expectation == "ExpectColumnValuesToNotBeNull"}
    assert not_null == {c.name for c in stored_columns(contract) if not c.nullable}
    in_set = {s.column: s.kwargs["value_set"] for s in specs if s.meta["rule"] == "enum"}
    assert in_set == {c.name: list(c.enum_values) for c in stored_columns(contract) if c.kind.value == "enum"}


def test_gx_identifier_columns_are_marked_so_their_values_are_never_listed():
    specs = expectation_specs(CONTRACTS["surveys"])
    assert all(s.meta["identifier"] for s in specs if s.column in ("person_key", "response_id"))
    assert not any(s.meta["identifier"] for s in specs if s.column == "instrument")


def test_gx_batch_computes_rules_and_references_with_the_contracts_sql():
    contract = CONTRACTS["plan_follow_ups"]
    sql = batch_query(contract, "resolved.plan_follow_ups")
    assert '"_check__plan_id_references_action_plans"' in sql
    assert "resolved.action_plans" in sql
    assert "_check__plan_id" not in batch_query(contract, "t", missing=frozenset({"action_plans"}))
    surveys = CONTRACTS["surveys"]
    assert surveys.rules()[0].sql() in batch_query(surveys, "resolved.surveys")


def test_gx_batch_query_runs_in_duckdb():
    con = duckdb.connect()
    con.execute("create schema resolved")
    for name, contract in CONTRACTS.items():
        con.register("empty", pa.Table.from_pylist([], schema=arrow_schema(contract, with_deleted=False)))
        con.execute(f"create table resolved.{name} as select * from empty")
    for name, contract in CONTRACTS.items():
        assert con.sql(batch_query(contract, f"resolved.{name}")).fetchall() == []


@pytest.mark.parametrize("dataset", DATASETS)
def test_odcs_document_is_the_contract(dataset):
    contract = CONTRACTS[dataset]
    document = odcs_document(contract)
    assert (document["apiVersion"], document["kind"], document["name"]) == ("v3.1.0", "DataContract", dataset)
    (schema,) = document["schema"]
    properties = schema["properties"]
    assert [(p["name"], p["required"], p["physicalType"]) for p in properties] == [
        (c.name, not c.nullable, c.duckdb_type) for c in contract.columns()]
    keys = [p["name"] for p in properties if p.get("primaryKey")]
    assert tuple(keys) == contract.natural_key
    rules = [q for p in properties for q in p.get("quality", [])] + schema["quality"]
    assert {q["name"] for q in rules} == {c.name for c in contract_checks(contract, columns=contract.columns())}
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
def test_markdown_names_every_column_value_and_rule(dataset):
    contract = CONTRACTS[dataset]
    text = markdown_document(contract)
    for column in contract.columns():
        assert f"`{column.name}`" in text
        for value in column.enum_values or ():
            assert f"`{value}`" in text
    for check in contract_checks(contract, columns=contract.columns()):
        assert f"`{check.name}`" in text
    assert f"landing/{contract.source}/" in text


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
