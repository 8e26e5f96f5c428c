"""Parquet copies of the marts for evaluators: DIR/marts/<mart>.parquet, one file per table.

Each export mirrors schema `marts` exactly: a Parquet file whose table no longer exists (a mart
left out of the build, renamed or dropped) is removed, so nothing stale, and no row of a person who
has since withdrawn, survives in DIR/marts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sammen.database import duckdb_config
from sammen.settings import Settings


def export_marts(warehouse: Path, destination: Path) -> list[Path]:
    """Write every table of schema `marts` as Parquet (atomically: temp file, then rename), then
    remove every other Parquet file of `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    # bounded memory like every sammen connection (sammen.database); COPY streams, no spill needed
    with duckdb.connect(str(warehouse), read_only=True, config=duckdb_config(Settings(), None)) as connection:
        for table in _mart_tables(connection):
            path = destination / f"{table}.parquet"
            partial = path.with_suffix(".parquet.partial")
            connection.execute(
                f"copy (select * from marts.\"{table}\") to '{partial}' (format parquet)"
            )
            partial.replace(path)
            written.append(path)
    _remove_stale(destination, keep=set(written))
    return written


def _mart_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' order by table_name"
        ).fetchall()
    ]


def _remove_stale(destination: Path, keep: set[Path]) -> None:
    """Parquet files (and partial ones of an interrupted export) that this export did not write."""
    for path in [*destination.glob("*.parquet"), *destination.glob("*.parquet.partial")]:
        if path not in keep:
            path.unlink(missing_ok=True)
