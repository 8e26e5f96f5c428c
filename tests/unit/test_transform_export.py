"""Fast checks of transform's Parquet export and `sammen transform`'s cutoff, on tiny hand-made
warehouses (no dbt run). `sammen query`: tests/unit/test_transform_query.py."""

from __future__ import annotations

import argparse
import datetime as dt

import duckdb
import pyarrow.parquet as pq
import pytest

from sammen.home import Home
from transform import cli
from transform.export import export_marts


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
    written = export_marts(home.warehouse, home.marts)
    # THEN exactly the warehouse's marts are there as Parquet, with their rows
    assert sorted(path.name for path in written) == ["cohort.parquet", "indicators.parquet"]
    assert sorted(path.name for path in home.marts.glob("*.parquet*")) == [
        "cohort.parquet", "indicators.parquet",
    ]
    assert pq.read_table(home.marts / "cohort.parquet").num_rows == 3
    assert (home.marts / "README.txt").exists()


def test_export_replaces_a_mart_file_with_the_current_rows(home):
    # GIVEN an export of 5 rows, then the mart shrinks to 2 (a withdrawn person's rows gone)
    _marts_warehouse(home, {"cohort": 5})
    export_marts(home.warehouse, home.marts)
    _marts_warehouse(home, {"cohort": 2})
    # WHEN exported again THEN the file holds the 2 rows only
    export_marts(home.warehouse, home.marts)
    assert pq.read_table(home.marts / "cohort.parquet").num_rows == 2


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
    # THEN dbt gets ingestion.ledger.compute_cutoff's value: the minimum minus one day
    from ingestion.ledger import compute_cutoff

    assert captured_build == [dt.date(2026, 3, 4)] == [compute_cutoff(home)]


def test_transform_with_cutoff_overrides_the_ledger(home, captured_build):
    _ledger_warehouse(home, {"region": "2026-03-10", "municipality": "2026-03-05", "ngo": "2026-03-08"})
    args = _transform_args(home, "--cutoff", "2025-12-31")
    assert args.func(args) == 0
    assert captured_build == [dt.date(2025, 12, 31)]


def test_transform_without_cutoff_and_a_source_missing_fails_clearly(home, captured_build):
    from ingestion.ledger import CutoffError

    _ledger_warehouse(home, {"region": "2026-03-10", "municipality": "2026-03-05"})
    args = _transform_args(home)
    with pytest.raises(CutoffError, match="ngo"):
        args.func(args)
    assert captured_build == []
