"""The demo data built on PostgreSQL gives the same marts as on DuckDB, every mart row by row.

The session's demo home (`sammen synth --persons 400` + `sammen run`, tests/conftest.py) holds the
DuckDB side. Its warehouse is only ever opened read-only: its `resolved.*` tables are copied into a
scratch home, which `transform.build(target="postgres")` ships to a PostgreSQL database of its own
(unique per test run, dropped afterwards) and builds with the same cutoff and settings.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from contracts import CONTRACTS
from core.home import Home
from core.progress import Progress
from core.settings import Settings
from publishing import publish
from transform import build, postgres
from transform.export import parquet_name

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
EXPECTED_MARTS = {
    "cohort", "admission_outcomes", "participation_outcomes", "coherence_outcomes",
    "wellbeing_outcomes", "indicators",
}
DIGITS = 9  # floats (rates, means, medians) may differ in the last bits between engines


def _demo_cutoff(demo: Home) -> dt.date:
    """The cutoff the demo run used: the run's setting, else the one computed from the ledger."""
    from core.ledger import compute_cutoff

    return Settings().cutoff or compute_cutoff(demo)


def _copy_resolved(source: Path, destination: Path) -> int:
    """Copy every `resolved.*` table of `source` (attached read-only) into a new warehouse."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(destination)) as connection:
        connection.execute(f"attach '{source}' as demo (read_only)")
        tables = [name for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'demo' and table_schema = 'resolved'"
        ).fetchall()]
        connection.execute("create schema resolved")
        for table in tables:
            connection.execute(f'create table resolved."{table}" as select * from demo.resolved."{table}"')
        connection.execute("detach demo")
    return len(tables)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return Home.at(tmp_path_factory.mktemp("pg_scratch")).ensure()


@pytest.fixture(scope="module")
def on_postgres(demo_home: Home, scratch: Home) -> Iterator[str]:
    """The full build on PostgreSQL: every model, data test and unit test, docs and Parquet."""
    database = f"sammen_test_h_prod_{uuid.uuid4().hex[:8]}"
    assert _copy_resolved(demo_home.warehouse, scratch.warehouse) == len(CONTRACTS)
    try:
        # `always`: the unit tests run even when this project version passed them before here
        result = build(scratch, Settings(dbt_unit_tests="always"), _demo_cutoff(demo_home), Progress(quiet=True),
                       target="postgres", postgres_database=database)
        assert result.tests > result.unit_tests > 0
        yield database
    finally:
        postgres.drop_database(database)


def test_postgres_target_runs_the_unit_tests_and_writes_docs_and_parquet(on_postgres, scratch):
    # GIVEN the demo built on PostgreSQL (the fixture: `dbt build` fails on any failed unit test)
    # WHEN its outputs are looked at
    with postgres.connect(on_postgres) as connection:
        schemas = {name for (name,) in connection.execute("select schema_name from information_schema.schemata")}
    # THEN the data dictionary and the Parquet marts are there, as on DuckDB
    assert (scratch.docs / "dbt" / "index.html").exists()
    assert "marts" in schemas
    assert {path.name for path in scratch.marts.glob("*.parquet")} >= set(map(parquet_name, EXPECTED_MARTS))
    parquet = pq.read_table(scratch.marts / "cohort.parquet")
    with postgres.connect(on_postgres) as connection:
        rows = connection.execute("select count(*) from marts.cohort").fetchone()[0]
    assert parquet.num_rows == rows > 0


def test_publish_from_postgres_gives_the_same_indicators_as_from_duckdb(demo_home, on_postgres, scratch,
                                                                       monkeypatch):
    # GIVEN the demo's indicators built on PostgreSQL
    monkeypatch.setenv("SAMMEN_PG_DBNAME", on_postgres)
    # WHEN they are published from the PostgreSQL target
    publish(scratch, Settings().with_overrides(cutoff=_demo_cutoff(demo_home)), Progress(quiet=True),
            target="postgres")
    # THEN the published indicators equal those the demo published from DuckDB
    ours = (scratch.published / "indicators.csv").read_text(encoding="utf-8")
    theirs = (demo_home.published / "indicators.csv").read_text(encoding="utf-8")
    assert ours == theirs
    assert (scratch.published / "report.html").exists()


def _plain(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        value = float(value)
    return round(value, DIGITS) if isinstance(value, float) else value


def _sorted(rows: list[tuple]) -> list[tuple]:
    plain = [tuple(_plain(value) for value in row) for row in rows]
    return sorted(plain, key=lambda row: tuple((value is None, str(value)) for value in row))


def _duckdb_marts(warehouse: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = [name for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()]
        marts = {}
        for name in names:
            cursor = connection.execute(f'select * from marts."{name}"')
            marts[name] = ([d[0] for d in cursor.description], _sorted(cursor.fetchall()))
    return marts


def _postgres_marts(database: str) -> dict[str, tuple[list[str], list[tuple]]]:
    with postgres.connect(database) as connection:
        names = [name for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()]
        marts = {}
        for name in names:
            cursor = connection.execute(f'select * from marts."{name}"')
            marts[name] = ([d.name for d in cursor.description], _sorted(cursor.fetchall()))
    return marts


def _difference(left: list[tuple], right: list[tuple]) -> str:
    """How two row lists differ, as counts only (rows hold person keys: never in a message)."""
    only_left, only_right = set(left) - set(right), set(right) - set(left)
    return f"{len(only_left)} rows only on DuckDB, {len(only_right)} only on PostgreSQL"


def test_every_mart_row_of_the_demo_is_the_same_on_duckdb_and_postgres(demo_home, on_postgres):
    # GIVEN the demo home built on DuckDB by `sammen run`, and its resolved tables built on
    # PostgreSQL with the same cutoff
    # WHEN every table of schema marts is read on both targets
    on_duckdb, on_pg = _duckdb_marts(demo_home.warehouse), _postgres_marts(on_postgres)
    # THEN the same marts, indicators included, with the same columns and the same rows
    assert set(on_duckdb) == set(on_pg) and EXPECTED_MARTS <= set(on_duckdb)
    for mart, (columns, rows) in on_duckdb.items():
        pg_columns, pg_rows = on_pg[mart]
        assert pg_columns == columns, mart
        assert len(rows) > 0, mart
        same = pg_rows == rows  # not compared inside assert: pytest would print the rows
        assert same, f"{mart}: {_difference(rows, pg_rows)}"
