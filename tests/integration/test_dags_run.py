"""`airflow dags test` runs the region ingest DAG for real against a temporary AIRFLOW_HOME.

Airflow 3 runs only serialized DAGs in `dags test`, so the DAGs are reserialized first. The run
uses the real ingestion on a tiny synthetic home and must announce the datasets it loaded.
"""

from __future__ import annotations

import duckdb
import pytest
from helpers import orchestration as af

from sammen.home import Home

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow]


def test_ingest_dag_runs_with_airflow_dags_test(tmp_path, metadata_db):
    import synthetic

    # GIVEN a synthetic delivery in the region's landing folder
    home = Home.at(tmp_path / "home").ensure()
    synthetic.generate(home, persons=150, seed=5)
    delivered = sorted(p.name for p in home.landing_for("region").iterdir() if p.suffix != ".json")
    assert delivered
    env = af.environment(tmp_path / "airflow", home.root, metadata_db)
    af.run_cli(["pools", "set", "sammen_warehouse", "1", "DuckDB warehouse writers"], env)
    af.run_cli(["dags", "reserialize"], env)

    # WHEN the region's ingest DAG runs through `airflow dags test`
    result = af.run_cli(["dags", "test", "sammen_ingest_region"], env, timeout=300)

    # THEN every region file is in the ledger as loaded, and each loaded dataset emitted an event
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        ledger = con.execute(
            "select file_name, status, dataset from ledger.files where source = 'region'"
        ).fetchall()
        loaded_datasets = {
            dataset
            for (dataset,) in con.execute(
                "select distinct dataset from ledger.files where status = 'loaded'"
            ).fetchall()
        }
    assert sorted(name for name, _, _ in ledger) == delivered
    assert {status for _, status, _ in ledger} == {"loaded"}
    events = af.query(
        metadata_db,
        "select a.name from asset_event e join asset a on a.id = e.asset_id "
        "where e.source_dag_id = 'sammen_ingest_region'",
    )
    # (all sources' datasets when ingestion is not narrowed to the region; never one not loaded)
    assert {name for (name,) in events} == {f"sammen_resolved_{ds}" for ds in loaded_datasets}
    states = af.query(
        metadata_db, "select state from dag_run where dag_id = 'sammen_ingest_region'"
    )
    assert states == [("success",)]
    # AND sammen's progress is in the task log (`dags test` runs the task in-process and writes
    # its log to the console) at level info, never at error
    progress = _progress_records(result.stdout + result.stderr)
    assert any("loaded" in text for level, text in progress if level == "info"), (result.stdout + result.stderr)[-3000:]
    assert not [text for level, text in progress if level in ("error", "critical")]


def _progress_records(output: str) -> list[tuple[str, str]]:
    """(level, line) of every line that logger sammen.progress wrote, as Airflow rendered it:
    `... [info     ] message [sammen.progress] ...` (console) or JSON with "logger"."""
    import json
    import re

    records = []
    for line in output.splitlines():
        if "sammen.progress" not in line:
            continue
        try:
            record = json.loads(line)
            records.append((str(record.get("level", "")).lower(), str(record.get("event", ""))))
            continue
        except ValueError:
            pass
        level = re.search(r"\[\s*(debug|info|warning|error|critical)\s*\]", line, re.IGNORECASE)
        records.append((level.group(1).lower() if level else "", line))
    return records
