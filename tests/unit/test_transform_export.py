"""Fast checks of transform's Parquet export and `sammen transform`'s cutoff, on tiny hand-made
warehouses (no dbt run). `sammen query`: tests/unit/test_transform_query.py."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from core.home import Home
from publishing.outputs import DECLARED
from transform import cli
from transform.export import export_marts, mart_models


def _marts_warehouse(home: Home, tables: dict[str, int]) -> None:
    """A warehouse whose schema marts holds `tables` (name -> number of rows)."""
    with duckdb.connect(str(home.warehouse)) as connection:
        connection.execute("create schema if not exists marts")
        for name, rows in tables.items():
            connection.execute(f"create or replace table marts.{name} as select range as n from range({rows})")


def _ledger_warehouse(home: Home, latest: dict[str, str]) -> None:
    """A warehouse whose ledger holds one loaded file per source with the given extract date."""
    with duckdb.connect(str(home.warehouse)) as connection:
        connection.execute("create schema ledger")
        connection.execute("create table ledger.files (source varchar, extract_date date, status varchar)")
        for source, extract_date in latest.items():
            connection.execute("insert into ledger.files values (?, ?, 'loaded')", [source, extract_date])
        connection.execute("insert into ledger.files values ('ngo', '2030-01-01', 'rejected')")


def test_export_writes_every_mart_and_removes_stale_parquet_files(home):
    # GIVEN an earlier export that left a mart no longer in the warehouse and a partial file
    home.marts.mkdir(parents=True, exist_ok=True)
    (home.marts / "dropped_mart.parquet").write_bytes(b"old")
    (home.marts / "cohort.parquet.partial").write_bytes(b"interrupted")
    (home.marts / "README.txt").write_text("not ours")
    _marts_warehouse(home, {"cohort": 3, "indicators": 2})
    # WHEN the marts are exported
    written = export_marts(home.warehouse, home.marts, ["cohort", "indicators"])
    # THEN exactly the warehouse's marts are there as Parquet, with their rows
    expected = ["cohort.parquet", "indicators_before_disclosure_control.parquet"]
    assert sorted(path.name for path in written) == expected
    assert sorted(path.name for path in home.marts.glob("*.parquet*")) == expected
    assert pq.read_table(home.marts / "cohort.parquet").num_rows == 3
    assert (home.marts / "README.txt").exists()


def test_export_replaces_a_mart_file_with_the_current_rows(home):
    # GIVEN an export of 5 rows, then the mart shrinks to 2 (a withdrawn person's rows gone)
    _marts_warehouse(home, {"cohort": 5})
    export_marts(home.warehouse, home.marts, ["cohort"])
    _marts_warehouse(home, {"cohort": 2})
    # WHEN exported again THEN the file holds the 2 rows only
    export_marts(home.warehouse, home.marts, ["cohort"])
    assert pq.read_table(home.marts / "cohort.parquet").num_rows == 2


def test_export_writes_the_projects_marts_never_a_dbt_backup(home, tmp_path):
    # GIVEN a warehouse whose schema marts also holds what a killed full refresh leaves
    # (`cohort__dbt_backup`: the previous build's rows) and a manifest naming the marts models
    _marts_warehouse(home, {"cohort": 3, "cohort__dbt_backup": 4, "cohort__dbt_tmp": 1})
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": {
        "model.sammen.cohort": _node("cohort", "marts", "incremental"),
        "model.sammen.stg_x": _node("stg_x", "staging", "view"),
        "model.sammen.indicators": _node("indicators", "marts", "table"),
        "test.sammen.unique_cohort": {**_node("unique_cohort", "marts", "test"), "resource_type": "test"},
    }}))
    # WHEN the marts of the project are exported
    marts = mart_models(manifest)
    written = export_marts(home.warehouse, home.marts, marts)
    # THEN only the models built as tables in marts (and present) are written
    assert marts == ["cohort", "indicators"]
    assert [path.name for path in written] == ["cohort.parquet"]
    assert sorted(path.name for path in home.marts.iterdir()) == ["cohort.parquet"]


def _node(name: str, schema: str, materialized: str) -> dict:
    return {"name": name, "alias": name, "schema": schema, "resource_type": "model",
            "config": {"materialized": materialized}}


def test_a_kill_during_the_export_never_leaves_old_and_new_files_mixed(home):
    # GIVEN a first export of 30 marts (version 1), then the marts rebuilt (version 2)
    names = [f"mart_{number:02d}" for number in range(30)]
    _versioned_marts(home, names, version=1)
    export_marts(home.warehouse, home.marts, names)
    _versioned_marts(home, names, version=2)
    before = sorted(path.name for path in home.root.iterdir())
    # WHEN a second export (another process) is killed as soon as its first new file is complete
    started = time.time_ns()
    process = subprocess.Popen([sys.executable, "-c", (
        "import sys, pathlib; from transform.export import export_marts; "
        "export_marts(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:])"),
        str(home.warehouse), str(home.marts), *names])
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and not _written_since(home, started):
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # THEN the killed export wrote some file, and marts/ holds one version only, complete
    assert process.returncode == -signal.SIGKILL
    assert _written_since(home, started)
    assert _versions(home) in ({1}, {2})
    assert sorted(path.stem for path in home.marts.glob("*.parquet")) == names
    # WHEN the next export runs THEN it completes and no leftover of the killed one remains
    export_marts(home.warehouse, home.marts, names)
    assert _versions(home) == {2}
    assert sorted(path.name for path in home.root.iterdir()) == before
    assert not list(home.marts.glob("*.partial"))


def _versioned_marts(home: Home, names: list[str], version: int) -> None:
    with duckdb.connect(str(home.warehouse)) as connection:
        connection.execute("create schema if not exists marts")
        for name in names:
            connection.execute(f"create or replace table marts.{name} as "
                               f"select {version} as version, range as n from range(200000)")


def _written_since(home: Home, started_ns: int) -> bool:
    """Whether any finished Parquet file (in marts/ or beside it) is newer than `started_ns`."""
    files = [path for path in home.root.rglob("*.parquet") if path.is_file()]
    return any(_mtime(path) > started_ns for path in files)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:  # renamed or removed between listing and stat
        return 0


def _versions(home: Home) -> set[int]:
    return {pq.read_table(path, columns=["version"]).column(0)[0].as_py()
            for path in home.marts.glob("*.parquet")}


def _transform_args(home: Home, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    return parser.parse_args(["transform", "--home", str(home.root), "--quiet", *extra])


@pytest.fixture
def captured_build(monkeypatch) -> list[dt.date]:
    """Replace transform.build by a recorder of the cutoff it is given."""
    import transform
    from transform.build import BuildResult

    cutoffs: list[dt.date] = []

    def fake_build(home, settings, cutoff, progress, **options):  # noqa: ANN001, ANN202
        cutoffs.append(cutoff)
        return BuildResult(options.get("target", "duckdb"), cutoff, False, 0.0, 0, 0)

    monkeypatch.setattr(transform, "build", fake_build)
    monkeypatch.delenv("SAMMEN_CUTOFF", raising=False)
    return cutoffs


def test_transform_without_cutoff_uses_the_ledgers_computed_cutoff(home, captured_build):
    # GIVEN accepted files from all three sources, latest extract dates 03-10, 03-05, 03-08
    # (a rejected later ngo file does not count)
    _ledger_warehouse(home, {"region": "2026-03-10", "municipality": "2026-03-05", "ngo": "2026-03-08"})
    # WHEN `sammen transform` runs without --cutoff
    args = _transform_args(home)
    assert args.func(args) == 0
    # THEN dbt gets core.ledger.compute_cutoff's value: the minimum minus one day
    from core.ledger import compute_cutoff

    assert captured_build == [dt.date(2026, 3, 4)] == [compute_cutoff(home)]


def test_transform_with_cutoff_overrides_the_ledger(home, captured_build):
    _ledger_warehouse(home, {"region": "2026-03-10", "municipality": "2026-03-05", "ngo": "2026-03-08"})
    args = _transform_args(home, "--cutoff", "2025-12-31")
    assert args.func(args) == 0
    assert captured_build == [dt.date(2025, 12, 31)]


def test_transform_without_cutoff_and_a_source_missing_fails_clearly(home, captured_build):
    from core.ledger import CutoffError

    _ledger_warehouse(home, {"region": "2026-03-10", "municipality": "2026-03-05"})
    args = _transform_args(home)
    with pytest.raises(CutoffError, match="ngo"):
        args.func(args)
    assert captured_build == []


def test_the_swapped_in_folder_keeps_the_access_rights_of_marts(home):
    # GIVEN marts/ restricted to its owner
    home.marts.chmod(0o700)
    _marts_warehouse(home, {"cohort": 1})
    # WHEN the export swaps in a new folder THEN it has the same rights
    export_marts(home.warehouse, home.marts, ["cohort"])
    assert home.marts.stat().st_mode & 0o777 == 0o700


def test_the_indicators_before_disclosure_control_never_share_a_published_files_name(home):
    # GIVEN marts.indicators (cells before disclosure control) WHEN exported
    _marts_warehouse(home, {"indicators": 2})
    (written,) = export_marts(home.warehouse, home.marts, ["indicators"])
    # THEN its file says so, and no file of DIR/marts is named like a published output
    assert written.name == "indicators_before_disclosure_control.parquet"
    assert pq.read_table(written).num_rows == 2
    published = set(DECLARED)
    assert not {path.name for path in home.marts.iterdir()} & published


def test_the_builds_settings_bound_the_export_and_the_marts_db(home, monkeypatch):
    # GIVEN a warehouse with a mart, and a build's settings that differ from the environment's
    from helpers.warehouse import record_connections

    from core.settings import Settings
    from transform import export, martsdb

    _marts_warehouse(home, {"cohort": 3})
    settings = Settings(duckdb_memory_limit="123MiB", duckdb_threads=1)
    opened = record_connections(monkeypatch)
    # WHEN the marts are exported and copied into the marts-only database with them
    export.export_marts(home.warehouse, home.marts, ["cohort"], settings)
    martsdb.write_marts_db(home, ["cohort"], settings)
    # THEN both connections ran with the build's memory limit and threads, not the environment's
    assert [(c.get("memory_limit"), c.get("threads")) for c in opened] == [("123MiB", 1)] * 2
    assert (home.marts / "cohort.parquet").exists() and home.marts_db.exists()
