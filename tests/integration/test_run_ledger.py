"""`sammen run` records itself in ledger.runs, prints its summary as JSON, and the published
manifest carries its run id."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from core import exit_codes
from core.home import Home

pytestmark = [pytest.mark.slow]
BROKEN = "admissions__20260101.csv"


def _sammen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sammen.cli", *args], capture_output=True, text=True,
                          timeout=900)


def test_run_records_itself_and_publishes_under_its_run_id(tmp_path):
    import synthetic

    # GIVEN a small synthetic home and one broken file from the region
    home = Home.at(tmp_path / "home").ensure()
    synthetic.generate(home, persons=60, seed=3)
    (home.landing_for("region") / BROKEN).write_text("nonsense\n", encoding="utf-8")

    # WHEN the night runs with a JSON summary
    run = _sammen("run", "--home", str(home.root), "--json")

    # THEN it finishes the night but says it failed (2), in JSON, naming the rejected file
    assert run.returncode == exit_codes.FAILURES, run.stderr[-3000:]
    summary = json.loads(run.stdout)
    assert summary["status"] == "failures" and summary["exit_code"] == exit_codes.FAILURES
    assert summary["files_rejected"] == 1 and summary["files_loaded"] > 0
    assert [f["file"] for f in summary["rejected_files"]] == [BROKEN]
    assert f"warning: rejected: region/{BROKEN}" in run.stderr
    # AND ledger.runs holds the run: start, end, cutoff, status and the same counts
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        runs = con.execute("select run_id, started_at < finished_at, cutoff::varchar, status, files_loaded, "
                           "files_rejected, rows_loaded from ledger.runs").fetchall()
        files_of_run = con.execute("select count(*) from ledger.files where run_id = ?",
                                   [summary["run_id"]]).fetchone()[0]
    assert runs == [(summary["run_id"], True, summary["cutoff"], "failures", summary["files_loaded"],
                     1, summary["rows_loaded"])]
    assert files_of_run == summary["files_loaded"] + 1
    # AND the published manifest carries the run's id
    manifest = json.loads((home.published / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == summary["run_id"]
    # AND nothing is optional: the publish wrote the board report, ingestion the GX results
    assert "report.html" in manifest["files"] and (home.published / "report.html").stat().st_size > 0
    assert list((home.docs / "gx" / "results").rglob("*.json"))
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        gx_checks = con.execute("select count(*) from ledger.checks where engine = 'gx' and run_id = ?",
                                [summary["run_id"]]).fetchone()[0]
    assert gx_checks > 0
    # AND `sammen ledger` shows the run
    ledger = _sammen("ledger", "--home", str(home.root))
    assert ledger.returncode == 0
    line = next(row for row in ledger.stdout.splitlines() if summary["run_id"] in row and "failures" in row)
    assert summary["cutoff"] in line
