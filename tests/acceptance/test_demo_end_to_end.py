"""GIVEN a fresh home with synthetic extracts, WHEN `sammen run` runs, THEN every stage has produced
its outputs and the run summary tells where they are."""

from __future__ import annotations

import csv

import duckdb
import pytest

from contracts import CONTRACTS

pytestmark = pytest.mark.slow

MARTS = ("cohort", "admission_outcomes", "participation_outcomes", "coherence_outcomes", "wellbeing_outcomes", "indicators")


def test_synth_writes_every_dataset_of_the_contracts(demo_run):
    delivered = {
        path.name.split("__")[0]
        for source in ("region", "municipality", "ngo")
        for path in (demo_run.home.archive / source).iterdir()
        if not path.name.endswith((".manifest.json", ".reason.txt"))
    }
    assert delivered == set(CONTRACTS)


def test_run_loads_every_file_and_rejects_none(demo_home):
    with duckdb.connect(str(demo_home.warehouse), read_only=True) as con:
        statuses = dict(con.sql("select status, count(*) from ledger.files group by all").fetchall())
        assert statuses.get("loaded", 0) >= len(CONTRACTS)
        assert statuses.get("rejected", 0) == 0
        assert not list(demo_home.landing.rglob("*.*")), "landing is emptied into the archive"


def test_run_builds_every_mart_with_rows(demo_home):
    with duckdb.connect(str(demo_home.warehouse), read_only=True) as con:
        for mart in MARTS:
            assert con.sql(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart
        cohort = con.sql("select count(*), count(distinct enrolment_id) from marts.cohort").fetchone()
        assert cohort[0] == cohort[1]


def test_published_indicators_hold_the_foundation_indicators(demo_home):
    with (demo_home.published / "indicators.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = {row["indicator_id"] for row in rows}
    assert {"cohort_size", "stay_rate_pre", "stay_rate_post"} <= ids
    totals = [r for r in rows if r["indicator_id"] == "cohort_size" and r["programme"] == "all" and r["municipality"] == "all"]
    assert totals and all(r["suppressed"] == "false" and int(float(r["value"])) >= 5 for r in totals)


def test_run_prints_a_summary_with_paths_and_timings(demo_run):
    out = demo_run.run.stdout
    assert "cohort_size" in out
    assert str(demo_run.home.published) in out
    for stage in ("ingest", "transform", "publish"):
        assert f"{stage} " in out.split("stage timings:")[1]
    assert "==> ingest" in demo_run.run.stderr, "progress lines go to stderr while it works"
