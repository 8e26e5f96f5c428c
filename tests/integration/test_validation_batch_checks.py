"""Great Expectations batch checks really run against the data: a good batch passes, a bad one
fails the checks it should, and nothing identifying reaches Data Docs or ledger.checks."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from helpers.validation import (
    bad_batch,
    create_warehouse,
    good_batch,
    identifying,
    identifying_strings,
)

from core.home import Home

pytestmark = pytest.mark.slow  # importing GX alone takes several seconds
TODAY = dt.date(2025, 6, 15)
KINDS = {"conformance", "completeness", "plausibility"}


def _run(tmp_path_factory, batch):
    from validation import run_batch_checks

    home = Home.at(tmp_path_factory.mktemp("home")).ensure()
    con = duckdb.connect(str(home.warehouse))
    create_warehouse(con)
    batch(con)
    results = run_batch_checks(home, con, "run-1", today=TODAY)
    return home, con, results


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    home, con, results = _run(tmp_path_factory, good_batch)
    yield home, con, results
    con.close()


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    home, con, results = _run(tmp_path_factory, bad_batch)
    yield home, con, results
    con.close()


def _by_name(results):
    return {(result.dataset, result.check_name): result for result in results}


def test_good_batch_passes_every_check(good):
    # GIVEN plausible resolved data and deliveries WHEN the batch checks run
    _, _, results = good
    # THEN every check ran without error and passed
    assert results
    assert [r for r in results if r.error] == []
    assert [(r.dataset, r.check_name) for r in results if not r.success] == []


def test_good_batch_covers_every_kind_of_batch_check(good):
    _, _, results = good
    names = _by_name(results)
    assert ("attendance", "session_id_references_sessions") in names
    assert ("plan_follow_ups", "plan_id_references_action_plans") in names
    assert ("admissions", "rows_vs_previous_delivery") in names
    assert (None, "region_lag_behind_freshest_source") in names
    assert ("surveys", "mean_swemwbs_score") in names
    assert ("admissions", "acute_share") in names
    assert {r.check_kind for r in results} == KINDS


def test_bad_batch_fails_the_relevant_checks(bad):
    # GIVEN attendance pointing to unknown sessions, scores at the floor, a drop in rows,
    # a stale source, a malformed person_key and an unknown role
    _, _, results = bad
    names = _by_name(results)
    # THEN exactly those checks fail, with counts where the check counts rows
    reference = names[("attendance", "session_id_references_sessions")]
    assert (reference.success, reference.unexpected_count, reference.check_kind) == (False, 4, "conformance")
    assert names[("surveys", "mean_swemwbs_score")].success is False
    assert names[("surveys", "mean_swemwbs_score")].observed == "7"
    assert names[("admissions", "rows_vs_previous_delivery")].success is False
    assert names[("admissions", "rows_vs_previous_delivery")].check_kind == "completeness"
    assert names[(None, "region_lag_behind_freshest_source")].success is False
    assert names[("attendance", "person_key_pattern")].unexpected_count == 1
    assert names[("attendance", "role_enum")].success is False
    # AND checks untouched by the damage still pass
    assert names[("plan_follow_ups", "plan_id_references_action_plans")].success is True
    assert names[(None, "ngo_lag_behind_freshest_source")].success is True
    assert [r for r in results if r.error] == []


def test_results_are_recorded_in_ledger_checks(bad):
    _, con, results = bad
    rows = con.execute(
        "select count(*), count(*) filter (where not success), count(distinct check_kind), "
        "max(failed) filter (where check_name = 'session_id_references_sessions') "
        "from ledger.checks where run_id = 'run-1' and engine = 'gx'").fetchone()
    assert rows == (len(results), sum(not r.success for r in results), 3, 4)


def test_rerunning_a_run_replaces_its_rows(tmp_path_factory):
    from validation import run_batch_checks

    home = Home.at(tmp_path_factory.mktemp("rerun")).ensure()
    con = duckdb.connect(str(home.warehouse))
    create_warehouse(con)
    good_batch(con)
    first = run_batch_checks(home, con, "run-1", today=TODAY)
    run_batch_checks(home, con, "run-1", today=TODAY)
    assert con.execute("select count(*) from ledger.checks where run_id = 'run-1'").fetchone()[0] == len(first)
    con.close()


def test_data_docs_are_written(bad):
    home, _, _ = bad
    gx_dir = home.docs / "gx"
    assert (gx_dir / "index.html").exists()
    assert (gx_dir / "site" / "index.html").exists()
    assert list((gx_dir / "site" / "validations").rglob("*.html"))
    assert "CDN" in (gx_dir / "index.html").read_text(encoding="utf-8")


def test_no_identifier_reaches_data_docs_or_the_ledger(bad):
    # GIVEN a bad batch whose failing values include an upper-case person_key and a CPR-like text
    home, con, _ = bad
    # THEN no file under docs/gx holds a 64-hex or CPR-like string
    assert identifying_strings(home.docs / "gx") == []
    # AND neither does any text in ledger.checks
    for row in con.execute("select * from ledger.checks").fetchall():
        for value in row:
            assert not (isinstance(value, str) and identifying(value))


def test_failing_value_lists_are_capped(bad):
    import json

    home, _, _ = bad
    for path in (home.docs / "gx" / "results").rglob("*.json"):
        for item in json.loads(path.read_text(encoding="utf-8"))["results"]:
            assert len(item["result"].get("partial_unexpected_list", [])) <= 5


def test_a_change_set_is_compared_with_change_sets_not_with_full_extracts(tmp_path):
    # GIVEN a full admissions extract of 1,000 rows and a later change set of 30 rows (named
    # `__delta`), then a second change set of only 2 rows
    from core.ledger import ensure_schema
    from validation.batches import delivery_batches
    from validation.thresholds import Thresholds

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    files = [
        ("admissions__20260101.parquet", "2026-01-01", 1000, "r1"),
        ("admissions__20260108__delta.csv", "2026-01-08", 30, "r2"),
        ("admissions__20260115__delta.csv", "2026-01-15", 2, "r3"),
    ]
    for file_id, (name, day, rows, run) in enumerate(files, start=1):
        con.execute(
            "insert into ledger.files (file_id, file_name, source, dataset, extract_date, modified_at, "
            "received_at, status, rows_read, rows_loaded, rows_quarantined, run_id) values "
            "(?, ?, 'region', 'admissions', ?::date, ?::timestamp, ?::timestamp, 'loaded', ?, ?, 0, ?)",
            [file_id, name, day, day, day, rows, rows, run],
        )

    def ratios(run_id: str) -> list[float]:
        batches = delivery_batches(con, run_id, Thresholds())
        return [row[2] for batch in batches for row in con.execute(batch.sql).fetchall()]

    # WHEN the first change set is judged THEN it has no earlier change set to be compared with
    assert ratios("r2") == []
    # WHEN the second change set is judged THEN it is compared with the first one (2 / 30)
    assert ratios("r3") == [pytest.approx(2 / 30)]


def test_data_docs_keep_a_history_of_runs(tmp_path_factory):
    # GIVEN one home whose warehouse is checked in two runs
    from validation import run_batch_checks

    home = Home.at(tmp_path_factory.mktemp("history")).ensure()
    con = duckdb.connect(str(home.warehouse))
    create_warehouse(con)
    good_batch(con)
    # WHEN the batch checks run twice
    run_batch_checks(home, con, "run-1", today=TODAY)
    run_batch_checks(home, con, "run-2", today=TODAY)
    con.close()
    # THEN GX's Data Docs and sammen's own page list both runs, not only the last
    gx_dir = home.docs / "gx"
    site = (gx_dir / "site" / "index.html").read_text(encoding="utf-8")
    page = (gx_dir / "index.html").read_text(encoding="utf-8")
    assert "run-1" in site and "run-2" in site
    assert "Run run-1" in page and "Run run-2" in page


def test_a_stale_source_is_explained_in_words(tmp_path_factory):
    # GIVEN a good batch checked a year after its latest extracts
    from validation import run_batch_checks

    home = Home.at(tmp_path_factory.mktemp("stale")).ensure()
    con = duckdb.connect(str(home.warehouse))
    create_warehouse(con)
    good_batch(con)
    later = TODAY + dt.timedelta(days=365)
    # WHEN the batch checks run
    results = run_batch_checks(home, con, "run-1", today=later)
    latest = con.execute("select max(extract_date) from ledger.files where source = 'region' "
                         "and status = 'loaded'").fetchone()[0]
    con.close()
    # THEN the freshness check of region says what is missing and since when, naming its datasets
    [stale] = [r for r in results if r.check_name == "region_extract_age_days"]
    age = (later - latest).days
    assert stale.success is False
    assert stale.explained() == (f"region: no extract newer than {age} days (admissions, outpatient_contacts; "
                                 "limit 120 days before the run date)")
