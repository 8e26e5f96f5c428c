"""Parquet copies of the marts for evaluators: DIR/marts/<mart>.parquet, one file per table."""

from __future__ import annotations

from pathlib import Path

import duckdb


def export_marts(warehouse: Path, destination: Path) -> list[Path]:
    """Write every table of schema `marts` as Parquet (atomically: temp file, then rename)."""
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]
        for table in tables:
            path = destination / f"{table}.parquet"
            partial = path.with_suffix(".parquet.partial")
            connection.execute(
                f"copy (select * from marts.\"{table}\") to '{partial}' (format parquet)"
            )
            partial.replace(path)
            written.append(path)
    return written
