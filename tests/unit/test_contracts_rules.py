"""The cross-column rules of the spec, as worked examples written from extracts.md, through the
three engines that enforce them: the pydantic model (`explain`, row checks), the Great Expectations
batch SQL (`batch_query`, run in DuckDB) and the ODCS quality query (run in DuckDB). GIVEN a row
the spec accepts or refuses WHEN each engine judges it THEN all three say what the spec says."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from helpers.extracts import EXTRACTS

from contracts import CONTRACTS
from contracts.derive.arrow import arrow_schema
from contracts.derive.gx import batch_query
from contracts.derive.odcs import odcs_document

# a value of each spec type, as the spec writes it; a nullable column left empty
SAMPLE = {"key": "a3" * 32, "id": "X1", "date": "2025-01-10", "ts": "2025-03-01 10:00:00", "bool": "false",
          "sectors": "region|ngo", "text": "people_need_people"}
NUMBERS = {"region_code": "1084", "municipality_code": "101", "birth_year": "1980", "score": "20"}
WITH_RULES = ("admissions", "enrolments", "service_episodes", "action_plans", "surveys")


def _base(dataset: str) -> dict[str, str]:
    """A row of the dataset that keeps every rule: required columns filled, nullable ones empty."""
    return {c.name: "" if c.nullable else NUMBERS.get(c.name) or (c.values[0] if c.values else SAMPLE[c.type])
            for c in EXTRACTS[dataset].delivered}


# (dataset, changes, rule, does the row keep the rule?): the spec's words, case by case
EXAMPLES = [
    # admissions.discharged_at: "must be ≥ admitted_at"
    ("admissions", {"discharged_at": "2025-03-01 09:59:00"}, "discharged_at_not_before_admitted_at", False),
    ("admissions", {"discharged_at": "2025-03-01 10:00:00"}, "discharged_at_not_before_admitted_at", True),
    ("admissions", {"discharged_at": ""}, "discharged_at_not_before_admitted_at", True),  # still admitted
    # enrolments.ended_on "≥ enrolled_on"; date ranges are inclusive
    ("enrolments", {"ended_on": "2025-01-09"}, "ended_on_not_before_enrolled_on", False),
    ("enrolments", {"ended_on": "2025-01-10"}, "ended_on_not_before_enrolled_on", True),
    # "the person is 18 or older in the year of enrolment"
    ("enrolments", {"birth_year": "2008"}, "adult_in_year_of_enrolled_on", False),
    ("enrolments", {"birth_year": "2007"}, "adult_in_year_of_enrolled_on", True),
    ("enrolments", {"birth_year": "2008", "enrolled_on": "2026-01-01"}, "adult_in_year_of_enrolled_on", True),
    # service_episodes.ended_on "≥ started_on"
    ("service_episodes", {"ended_on": "2024-12-31"}, "ended_on_not_before_started_on", False),
    ("service_episodes", {"ended_on": "2025-01-10"}, "ended_on_not_before_started_on", True),
    # action_plans.closed_on "≥ created_on"
    ("action_plans", {"closed_on": "2024-12-31"}, "closed_on_not_before_created_on", False),
    ("action_plans", {"closed_on": "2025-01-10"}, "closed_on_not_before_created_on", True),
    # surveys.score: swemwbs 7-35, ucla3 3-9, coherence 1-5
    *[("surveys", {"instrument": instrument, "score": str(score)}, "score_in_range_for_instrument", keeps)
      for instrument, low, high in (("swemwbs", 7, 35), ("ucla3", 3, 9), ("coherence", 1, 5))
      for score, keeps in ((low - 1, False), (low, True), (high, True), (high + 1, False))],
    ("surveys", {"instrument": "ucla3", "score": "20"}, "score_in_range_for_instrument", False),
]


def _typed_table(con: duckdb.DuckDBPyConnection, dataset: str, row: dict[str, str]) -> None:
    """The row as DuckDB holds it after ingestion: a table of the contract's Arrow schema, each
    value cast to its spec type (an empty field is null)."""
    con.register("empty", pa.Table.from_pylist([], schema=arrow_schema(CONTRACTS[dataset], with_deleted=False)))
    con.execute(f"create table {dataset} as select * from empty")
    columns = EXTRACTS[dataset].delivered
    casts = ", ".join(f"cast(? as {c.sql_type})" for c in columns)
    con.execute(f"insert into {dataset} values ({casts})", [row[c.name] or None for c in columns])


def _engines(dataset: str, row: dict[str, str], rule: str) -> tuple[bool, bool, bool]:
    """Does the row keep `rule`, according to pydantic, the GX batch SQL and the ODCS query?"""
    contract = CONTRACTS[dataset]
    by_pydantic = rule not in {v.rule for v in contract.explain(row)}
    con = duckdb.connect()
    _typed_table(con, dataset, row)
    by_batch = con.sql(f'select "_check__{rule}" from ({batch_query(contract, dataset)})').fetchone()[0]
    (query,) = [q["query"] for q in odcs_document(contract)["schema"][0]["quality"] if q["name"] == rule]
    by_odcs = con.sql(query).fetchone()[0] == 0
    return by_pydantic, by_batch, by_odcs


@pytest.mark.parametrize("dataset", WITH_RULES)
def test_the_base_rows_keep_every_rule(dataset):
    assert CONTRACTS[dataset].explain(_base(dataset)) == []
    for rule in CONTRACTS[dataset].rules():
        assert _engines(dataset, _base(dataset), rule.name) == (True, True, True), rule.name


@pytest.mark.parametrize(("dataset", "changes", "rule", "keeps"), EXAMPLES)
def test_pydantic_and_both_sql_checks_judge_the_spec_example_as_the_spec_does(dataset, changes, rule, keeps):
    assert _engines(dataset, _base(dataset) | changes, rule) == (keeps, keeps, keeps)


def test_every_cross_column_rule_has_examples_both_ways():
    rules = {(d, rule.name) for d, contract in CONTRACTS.items() for rule in contract.rules()}
    rules.discard(("consent_withdrawals", "deleted_not_allowed"))  # a row rule: test_contracts_models
    assert {(d, rule) for d, _, rule, keeps in EXAMPLES if keeps} == rules
    assert {(d, rule) for d, _, rule, keeps in EXAMPLES if not keeps} == rules
