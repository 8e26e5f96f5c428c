"""transform.build on a small random warehouse: a full build (all dbt tests, unit tests included),
docs, the Parquet export, read-only queries, and a nightly build that must equal a full one."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import duckdb
import pyarrow.parquet as pq
import pytest
from helpers.warehouse import MARTS, demo_rows, mart_rows, person_key, read_marts, write_resolved

from core.home import Home
from core.progress import Progress
from core.settings import Settings
from transform import TransformError, build
from transform.export import parquet_name
from transform.query import QueryError, run_query

pytestmark = pytest.mark.slow
NOT_INDICATORS = ("path:models/marts/indicators",)
CUTOFF = dt.date(2025, 9, 30)


# Enrolments from 2022 on: by the cutoff many are settled, so a nightly build can keep them.
ROWS = demo_rows(persons=40, seed=3, start=dt.date(2022, 1, 1), days=1300)
ENROLLED_BY_CUTOFF = sum(1 for row in ROWS["enrolments"] if row["enrolled_on"] <= CUTOFF)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Home, object]:
    home = Home.at(tmp_path_factory.mktemp("transform")).ensure()
    write_resolved(home.warehouse, ROWS)
    result = build(home, Settings(), CUTOFF, Progress(quiet=True), exclude=NOT_INDICATORS)
    return home, result


def test_full_build_runs_models_data_tests_and_unit_tests(built):
    # GIVEN a fresh warehouse WHEN built THEN it is a full build with models and tests run
    home, result = built
    assert not result.nightly
    assert result.models >= 20 and result.tests >= 100
    # AND dbt.log holds the nodes at INFO, not every statement at DEBUG (transform.runner)
    log = (home.warehouse_dir / "dbt_logs" / "dbt.log").read_text()
    assert "[info ]" in log and "[debug]" not in log


def test_every_mart_column_is_described_in_the_published_docs(built):
    home, _ = built
    manifest = json.loads((home.docs / "dbt" / "manifest.json").read_text())
    marts = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["schema"] == "marts" and n["name"] in MARTS}
    assert set(marts) == set(MARTS)
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        for name, node in marts.items():
            columns = [r[0] for r in connection.execute(f"describe marts.{name}").fetchall()]
            undescribed = [c for c in columns if not node["columns"].get(c, {}).get("description")]
            assert undescribed == [], name
    assert (home.docs / "dbt" / "static_index.html").stat().st_size > 10_000


def test_parquet_export_holds_every_mart_row(built):
    home, _ = built
    in_warehouse = read_marts(home.warehouse)
    for mart in MARTS:
        assert pq.read_table(home.marts / parquet_name(mart)).num_rows == len(in_warehouse[mart])
    cohort_size = len(in_warehouse["cohort"])  # compared as a count: no row (or key) in the report
    assert cohort_size == ENROLLED_BY_CUTOFF


def test_query_reads_the_marts_without_schema_prefix(built):
    home, _ = built
    columns, rows = run_query(home, "select count(*) as enrolments from cohort")
    assert columns == ["enrolments"] and rows == [(ENROLLED_BY_CUTOFF,)]


@pytest.mark.parametrize("statement", [
    "delete from cohort",
    "create table marts.scratch as select 1 as x",
    "insert into cohort select * from cohort",
])
def test_query_refuses_writes_with_a_clear_error(built, statement):
    home, _ = built
    with pytest.raises(QueryError, match="read-only"):
        run_query(home, statement)
    assert run_query(home, "select count(*) from cohort")[1] == [(ENROLLED_BY_CUTOFF,)]


def test_query_cli_prints_a_table(built, capsys):
    from transform import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    home, _ = built
    args = parser.parse_args(["query", "--home", str(home.root), "select 'x' as answer"])
    assert args.func(args) == 0
    assert "answer" in capsys.readouterr().out


def test_nightly_build_equals_a_full_build(built, tmp_path):
    # GIVEN the built warehouse, then one more day of extracts: the cutoff moves a day and one
    # person's admission is corrected
    home, _ = built
    rows = demo_rows(persons=40, seed=3, start=dt.date(2022, 1, 1), days=1300)
    corrected = next(r for r in rows["admissions"] if r["person_key"] == person_key(5))
    corrected["discharged_at"] = None
    write_resolved(home.warehouse, rows)
    nightly_cutoff = CUTOFF + dt.timedelta(days=1)
    # WHEN a nightly build runs on top, and a full build on a fresh copy
    nightly = build(home, Settings(), nightly_cutoff, Progress(quiet=True),
                    exclude=(*NOT_INDICATORS, "test_type:unit"), docs=False)
    fresh = Home.at(tmp_path / "fresh").ensure()
    write_resolved(fresh.warehouse, rows)
    full = build(fresh, Settings(), nightly_cutoff, Progress(quiet=True),
                 exclude=(*NOT_INDICATORS, "test_type:unit"), docs=False)
    # THEN the nightly one was incremental and every mart row is the same
    assert nightly.nightly and not full.nightly
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        rebuilt, total = connection.execute(
            "select count(*) filter (where needs_rebuild), count(*) "
            "from intermediate.int_enrolments_flagged_for_rebuild"
        ).fetchone()
    assert 0 < rebuilt < total
    assert read_marts(home.warehouse) == read_marts(fresh.warehouse)


def test_a_nightly_build_leaves_out_unit_tests_and_the_tests_ingestion_already_ran(tmp_path, monkeypatch):
    # GIVEN a machine that has not run this project version's unit tests (its own cache)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # AND a warehouse built in full: dbt ran its unit tests and the staging data tests
    home = Home.at(tmp_path / "nightly").ensure()
    write_resolved(home.warehouse, ROWS)
    build(home, Settings(), CUTOFF, Progress(quiet=True), exclude=NOT_INDICATORS, docs=False)
    full = ran_tests(home)
    assert full["unit"] and full["staging"] and full["other"]
    # WHEN the next night's build runs (the cutoff moved a day, the project is unchanged)
    nightly = build(home, Settings(), CUTOFF + dt.timedelta(days=1), Progress(quiet=True),
                    exclude=NOT_INDICATORS, docs=False)
    # THEN it is incremental, runs the intermediate and mart tests, and neither the unit tests
    # (they test the unchanged project's SQL on fixtures) nor the staging tests
    assert nightly.nightly
    tests = ran_tests(home)
    assert tests["other"] and not tests["unit"] and not tests["staging"]
    # WHEN another warehouse is built in full on this machine, then with SAMMEN_DBT_UNIT_TESTS=always
    other = Home.at(tmp_path / "other").ensure()
    write_resolved(other.warehouse, ROWS)
    once = build(other, Settings(), CUTOFF, Progress(quiet=True), exclude=NOT_INDICATORS, docs=False)
    # THEN the unit tests this project version passed here are left out, and `always` runs them
    assert not ran_tests(other)["unit"] and ran_tests(other)["staging"] and once.unit_tests == 0
    again = build(other, Settings(dbt_unit_tests="always"), CUTOFF, Progress(quiet=True),
                  exclude=NOT_INDICATORS, docs=False, full_refresh=True)
    assert ran_tests(other)["unit"] and again.unit_tests == len(full["unit"])


def ran_tests(home: Home) -> dict[str, list[str]]:
    """The tests of dbt's last invocation (its own run_results.json), by kind."""
    results = json.loads((home.warehouse_dir / "dbt_target" / "duckdb" / "run_results.json").read_text())
    manifest = json.loads((home.warehouse_dir / "dbt_target" / "duckdb" / "manifest.json").read_text())
    kinds: dict[str, list[str]] = {"unit": [], "staging": [], "other": []}
    for result in results["results"]:
        node = result["unique_id"]
        if node.startswith("unit_test."):
            kinds["unit"].append(node)
        elif node.startswith("test."):
            staging = "ingestion_checked" in manifest["nodes"][node]["tags"]
            kinds["staging" if staging else "other"].append(node)
    return kinds


def test_build_without_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(TransformError, match="no warehouse"):
        build(Home.at(tmp_path), Settings(), CUTOFF, Progress(quiet=True))


# outcomes.md "Cohort" and "Well-being outcome" list these columns, in this order.
SPEC_COLUMNS = {
    "cohort": ["enrolment_id", "person_key", "programme", "municipality_code", "enrolled_on",
               "ended_on", "age_band", "sex", "referral_source", "pre_complete", "post_days"],
    "wellbeing_outcomes": ["enrolment_id", "instrument", "baseline", "follow_up", "change"],
}


def test_cohort_and_wellbeing_have_exactly_the_spec_columns(built):
    home, _ = built
    with duckdb.connect(str(home.warehouse), read_only=True) as connection:
        for mart, expected in SPEC_COLUMNS.items():
            columns = [r[0] for r in connection.execute(f"describe marts.{mart}").fetchall()]
            assert columns == expected, mart


def test_cohort_ended_on_after_cutoff_is_null_and_later_enrolments_are_absent(built):
    # GIVEN the demo rows, some enrolments ending or starting after the cutoff
    home, _ = built
    ended_after = {r["enrolment_id"] for r in ROWS["enrolments"]
                   if r["enrolled_on"] <= CUTOFF and r["ended_on"] and r["ended_on"] > CUTOFF}
    assert ended_after
    # WHEN the cohort is read THEN those read as still running, and nothing starts after the cutoff
    cohort = mart_rows(home.warehouse, "cohort")
    assert all(cohort[e]["ended_on"] is None for e in ended_after)
    assert max(row["enrolled_on"] for row in cohort.values()) <= CUTOFF


def test_withdrawn_person_disappears_from_every_mart_and_its_parquet_file(tmp_path):
    # GIVEN a built home, then a run in which one enrolled person withdraws consent: ingestion
    # removes the person from every resolved table and keeps the key on the withdrawal list
    home = Home.at(tmp_path / "withdrawal").ensure()
    rows = demo_rows(persons=12, seed=8, start=dt.date(2024, 1, 1), days=500)
    cutoff = dt.date(2025, 3, 31)
    only_marts = (*NOT_INDICATORS, "test_type:unit")
    write_resolved(home.warehouse, rows)
    build(home, Settings(), cutoff, Progress(quiet=True), exclude=only_marts, docs=False)
    withdrawn = next(r for r in rows["enrolments"] if r["enrolled_on"] <= cutoff)
    key, enrolment_id = withdrawn["person_key"], withdrawn["enrolment_id"]
    held_before = _parquet_holds(home, "cohort", "person_key", key)
    assert held_before
    remaining = {name: [r for r in table if r.get("person_key") != key] for name, table in rows.items()}
    plans = {r["plan_id"] for r in remaining["action_plans"]}
    remaining["plan_follow_ups"] = [r for r in rows["plan_follow_ups"] if r["plan_id"] in plans]
    remaining["consent_withdrawals"] = [{"person_key": key, "withdrawn_on": cutoff}]
    write_resolved(home.warehouse, remaining)
    # WHEN the next (nightly) build runs
    result = build(home, Settings(), cutoff + dt.timedelta(days=1), Progress(quiet=True),
                   exclude=only_marts, docs=False)
    # THEN neither the person nor the enrolment is left in any mart's Parquet file
    assert result.nightly
    # (booleans first: pytest would echo the arguments of a call inside the assert)
    held_after = _parquet_holds(home, "cohort", "person_key", key)
    assert not held_after
    for mart in MARTS:
        held = _parquet_holds(home, mart, "enrolment_id", enrolment_id)
        assert not held, mart
    assert len(read_marts(home.warehouse)["cohort"]) == sum(
        1 for r in remaining["enrolments"] if r["enrolled_on"] <= cutoff + dt.timedelta(days=1))


def _parquet_holds(home: Home, mart: str, column: str, value: str) -> bool:
    """Whether a mart's Parquet file has a row with `value` (a bool: never the value in a message)."""
    return value in pq.read_table(home.marts / parquet_name(mart), columns=[column]).column(0).to_pylist()
