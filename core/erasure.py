"""Erasure to the bytes: after a consent withdrawal, the warehouse file is rewritten.

Deleting is not erasing in DuckDB: a deleted row stays in its column segment (only marked
deleted) until the row group is rewritten, and a dropped or replaced table (dbt rebuilds, the
resolved tables) leaves its blocks on the free list with the old bytes. So the withdrawn person's
ids would still be in `sammen.duckdb` for anyone who reads the raw file.

How it works:
1. Ingestion erases the person's rows (`ingestion.resolve.erase_withdrawn`) and, in the same
   transaction, records "erasure pending" in `ledger.erasures` (`mark_pending`). Durable: a crash,
   an ingest-only run or a failed transform leaves the row pending.
2. The next successful transform on DuckDB (`transform.build`, after dbt has rebuilt every layer
   without the person and the Parquet export is done) calls `complete_pending`: it copies the
   live contents into a fresh file (`COPY FROM DATABASE`: deleted rows and free blocks are not
   copied), marks the erasure completed in the copy, checks that the copy holds the same
   schemas, tables, views and row counts, fsyncs it and swaps it in with `os.replace` (atomic on
   POSIX). A kill before the swap leaves the old file and the pending row: the next transform
   redoes it; the half-written copy is removed first.

Only the withdrawal list (`raw.`/`resolved.consent_withdrawals`) keeps the person's key.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from contracts import sql
from core.atomic import fsync
from core.database import scalar

FRESH_SUFFIX = ".fresh"  # the copy being written: <warehouse>.fresh (and its .wal)
_FRESH_CATALOG = "sammen_fresh"

ERASURES_DDL = """create table if not exists ledger.erasures (
    requested_at timestamp not null, rows_erased bigint not null, completed_at timestamp)"""


def mark_pending(con: duckdb.DuckDBPyConnection, rows_erased: int) -> None:
    """Record that rows were erased and the file still holds their bytes (the caller's
    transaction makes it durable together with the deletes)."""
    if rows_erased > 0:
        con.execute(ERASURES_DDL)
        con.execute("insert into ledger.erasures values (current_timestamp, ?, null)", [rows_erased])


def is_pending(warehouse: Path) -> bool:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return _pending(con)


def _pending(con: duckdb.DuckDBPyConnection) -> bool:
    exists = scalar(con, "select count(*) from duckdb_tables() where schema_name = 'ledger' "
                         "and table_name = 'erasures'")
    return bool(exists) and bool(
        scalar(con, "select count(*) from ledger.erasures where completed_at is null"))


def fresh_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + FRESH_SUFFIX)


def remove_leftovers(warehouse: Path) -> None:
    """A copy left by a kill during an earlier rewrite (it is never the warehouse)."""
    fresh = fresh_path(warehouse)
    for path in (fresh, fresh.with_name(fresh.name + ".wal")):
        path.unlink(missing_ok=True)


def complete_pending(warehouse: Path, config: Mapping[str, Any] | None = None) -> float | None:
    """Rewrite the warehouse into a fresh file when an erasure is pending; return the seconds
    the rewrite took, or None when nothing was pending. The caller holds the writer lock.
    `config`: the DuckDB configuration of the copy (`core.database.duckdb_config`: its memory
    limit and spill folder; a copy of a national warehouse otherwise takes DuckDB's default,
    80% of the machine's memory)."""
    remove_leftovers(warehouse)
    if not is_pending(warehouse):
        return None
    started = time.perf_counter()
    rewrite(warehouse, config)
    return time.perf_counter() - started


def rewrite(warehouse: Path, config: Mapping[str, Any] | None = None) -> None:
    """Copy the live contents of `warehouse` into a fresh file and swap it in atomically."""
    fresh = fresh_path(warehouse)
    # The source is opened under its own name: dbt's views name their catalog (sammen.staging.x)
    # and are bound again in the copy while the source is attached.
    with duckdb.connect(str(warehouse), config=dict(config or {})) as con:
        con.execute(f"attach {sql.literal(fresh)} as {_FRESH_CATALOG}")  # ATTACH takes no parameter
        con.execute(f"copy from database {sql.ident(_catalog(con))} to {_FRESH_CATALOG}")
        con.execute(f"update {_FRESH_CATALOG}.ledger.erasures set completed_at = current_timestamp "
                    "where completed_at is null")
        _check_same(con, _catalog(con), _FRESH_CATALOG)
        con.execute(f"checkpoint {_FRESH_CATALOG}")
        con.execute(f"detach {_FRESH_CATALOG}")
    # a WAL of either file would be replayed against the wrong file after the swap
    for path in (warehouse, fresh):
        if path.with_name(path.name + ".wal").exists():
            raise RuntimeError(f"{path.name}.wal still exists after checkpoint; rewrite abandoned")
    os.chmod(fresh, warehouse.stat().st_mode & 0o777)
    fsync(fresh)
    os.replace(fresh, warehouse)
    fsync(warehouse.parent)


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    return scalar(con, "select current_database()")


def _inventory(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple]:
    """Every table with its definition and row count, every view with its definition."""
    tables = con.execute("select schema_name, table_name, sql from duckdb_tables() "
                         "where database_name = ? order by all", [catalog]).fetchall()
    counted = [(schema, name, definition, scalar(
        con, f"select count(*) from {sql.ident(catalog, schema, name)}"))
        for schema, name, definition in tables]
    views = con.execute("select schema_name, view_name, sql from duckdb_views() "
                        "where database_name = ? and not internal order by all", [catalog]).fetchall()
    return counted + views


def _check_same(con: duckdb.DuckDBPyConnection, source: str, copy: str) -> None:
    """Nothing already loaded may be lost: the copy must hold what the source holds."""
    if _inventory(con, source) != _inventory(con, copy):
        raise RuntimeError("the rewritten warehouse differs from the original; rewrite abandoned "
                           "(the original is kept and the erasure stays pending)")
