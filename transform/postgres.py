"""The PostgreSQL target: the same dbt project on the local server, for portability checks.

DuckDB's postgres extension cannot be installed here, so `resolved.*` travels from DuckDB to
PostgreSQL as Arrow, written as CSV into `COPY ... FROM STDIN` (bulk, no per-row Python).
The connection and the bulk read of a table are `core.postgres`'s (publishing reads the
indicators through them too).
"""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import psycopg
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from psycopg import sql

from contracts.sql import ident
from core.postgres import connect, read_table
from transform.export import parquet_name, swap_in_folder

_PG_TYPES = {
    "VARCHAR": "varchar",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
    "BIGINT": "bigint",
    "INTEGER": "bigint",
}


def export_marts(database: str, destination: Path) -> list[Path]:
    """Every table of schema `marts` in PostgreSQL as DIR/marts/<mart>.parquet (named by
    `transform.export.parquet_name`), swapped in as a whole folder like
    `transform.export.export_marts` does for DuckDB."""
    with connect(database) as connection:
        tables = [name for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_name not like '%%__dbt_%%' order by table_name").fetchall()]

    def write(staging: Path) -> list[str]:
        for table in tables:
            pq.write_table(read_table(database, "marts", table), staging / parquet_name(table))
        return [parquet_name(table) for table in tables]

    return swap_in_folder(destination, write)


def environment(database: str) -> dict[str, str]:
    """The SAMMEN_PG_* variables profiles.yml reads, with the database name of this build."""
    return {"SAMMEN_PG_DBNAME": database}


def ensure_database(database: str) -> None:
    with connect("postgres", autocommit=True) as connection:
        exists = connection.execute(
            "select 1 from pg_database where datname = %s", (database,)
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("create database {}").format(sql.Identifier(database)))


def drop_database(database: str) -> None:
    with connect("postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
        )


def copy_resolved(warehouse: Path, database: str) -> None:
    """Replace schema `resolved` in PostgreSQL with the DuckDB warehouse's resolved tables."""
    ensure_database(database)
    with duckdb.connect(str(warehouse), read_only=True) as source, connect(database) as target:
        target.execute("drop schema if exists resolved cascade")
        target.execute("create schema resolved")
        for table in _tables(source):
            columns = source.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'resolved' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            _create(target, table, columns)
            data = source.execute(f"select * from {ident('resolved', table)}").fetch_arrow_table()
            buffer = io.BytesIO()
            pa_csv.write_csv(data, buffer, pa_csv.WriteOptions(include_header=False))
            statement = sql.SQL("copy resolved.{} from stdin (format csv)").format(
                sql.Identifier(table)
            )
            with target.cursor().copy(statement) as copy:
                copy.write(buffer.getvalue())
        target.commit()


def _tables(source: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in source.execute(
            "select table_name from information_schema.tables where table_schema = 'resolved' "
            "order by table_name"
        ).fetchall()
    ]


def _create(target: psycopg.Connection, table: str, columns: list[tuple[str, str]]) -> None:
    body = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_PG_TYPES[kind.upper()]))
        for name, kind in columns
    )
    target.execute(sql.SQL("create table resolved.{} ({})").format(sql.Identifier(table), body))
