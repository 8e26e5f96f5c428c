"""The real scheduler: files dropped into landing run ingest -> transform -> publish by themselves.

Airflow's scheduler, DAG processor, triggerer and API server run as processes (LocalExecutor, the
local PostgreSQL as metadata database). Synthetic extracts for 150 persons are dropped into the
partners' landing folders, plus one file that must be rejected (a CPR-like value). Nobody triggers
anything: the LandingTrigger watchers start the ingest DAGs, the Asset events start transform and
publish. The test fails after a bounded time and always stops every process it started.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from helpers import orchestration as af

from sammen.home import SOURCES, Home

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow]

DEADLINE_SECONDS = 6 * 60
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
BAD_FILE = "sessions__20260302__broken.csv"


def _synthetic_extracts(root: Path) -> Path:
    """A tiny synthetic delivery generated outside the home, to be dropped in later."""
    import synthetic

    staging = Home.at(root).ensure()
    synthetic.generate(staging, persons=150, seed=11)
    return staging.landing


def _drop(delivery: Path, home: Home) -> int:
    count = 0
    for source in SOURCES:
        for path in sorted((delivery / source).glob("*")):
            shutil.copy2(path, home.landing_for(source) / path.name)
            count += 1
    (home.landing_for("ngo") / BAD_FILE).write_text(
        "session_id,ngo_id,activity,site,held_on,programme\n"
        "S1,N1,peer_group,x 010190-1234,2026-03-01,\n",
        encoding="utf-8",
    )
    return count + 1


def _wait_for(predicate, processes: af.Processes, deadline: float, what: str) -> None:
    while time.monotonic() < deadline:
        if predicate():
            return
        if dead := processes.dead():
            pytest.fail(f"airflow {dead} exited while waiting for {what}\n{processes.tail()}")
        time.sleep(3)
    pytest.fail(f"timed out waiting for {what}\n{processes.tail()}")


def _runs(db: str, dag_prefix: str) -> list[tuple[str, str]]:
    return af.query(
        db, "select dag_id, state from dag_run where dag_id like %s", (dag_prefix + "%",)
    )


def test_dropped_files_are_published_without_anyone_clicking(tmp_path, metadata_db):
    # GIVEN a running Airflow watching an empty sammen home
    started = time.monotonic()
    deadline = started + DEADLINE_SECONDS
    home = Home.at(tmp_path / "home").ensure()
    delivery = _synthetic_extracts(tmp_path / "delivery")
    env = af.environment(tmp_path / "airflow", home.root, metadata_db, api_port=af.free_port())
    af.run_cli(["pools", "set", "sammen_warehouse", "1", "DuckDB warehouse writers"], env)
    with af.airflow_components(env, tmp_path / "logs", COMPONENTS) as processes:
        _wait_for(
            lambda: (
                len(af.query(metadata_db, "select 1 from trigger where triggerer_id is not null"))
                >= len(SOURCES)
            ),
            processes,
            deadline,
            "the landing watchers to be registered",
        )

        # WHEN partners drop their files (one of them broken)
        dropped = _drop(delivery, home)

        # THEN the chain runs by itself and publishes
        _wait_for(
            lambda: ("sammen_publish", "success") in _runs(metadata_db, "sammen_publish"),
            processes,
            deadline,
            f"sammen_publish to succeed after dropping {dropped} files",
        )
        _wait_for(
            lambda: all(
                state in ("success", "failed") for _, state in _runs(metadata_db, "sammen_ingest")
            ),
            processes,
            deadline,
            "the ingest runs to finish",
        )
        elapsed = time.monotonic() - started

    assert (home.published / "indicators.csv").exists()
    left = [path.name for source in SOURCES for path in home.landing_for(source).glob("*.csv")]
    assert not left, (
        "every landing file should have been moved to archive/ or rejected/ by ingestion"
    )
    # the broken file failed its own verdict task (nothing else failed) and is kept, not deleted
    failed = af.query(
        metadata_db,
        "select dag_id, task_id, rendered_map_index from task_instance where state = 'failed'",
    )
    assert [(task, index) for _, task, index in failed] == [("verdict", f"ngo/{BAD_FILE}")]
    assert failed[0][0].startswith("sammen_ingest_")
    # it holds a CPR number: kept apart in rejected/restricted/ (owner-only, purged after the retention)
    assert (home.restricted / "ngo" / BAD_FILE).exists()
    assert ("sammen_ingest_region", "success") in _runs(metadata_db, "sammen_ingest_region")
    print(f"landing -> published in {elapsed:.0f} s")
