"""The PostgreSQL target's connection and bulk reads: shared by transform (which builds the
marts there, `transform.postgres`) and publishing (which reads `marts.indicators` from there
with `--target postgres`).

Connection settings come from SAMMEN_PG_* (defaults 127.0.0.1:5432, user postgres, db sammen).
"""

from __future__ import annotations

import io
import os
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql

DEFAULT_DATABASE = "sammen"


# PostgreSQL column types of the marts → Arrow types, so the Parquet marts of this target have the
# types the DuckDB target's have (numeric: a double, as DuckDB computes rates and medians).
_ARROW_TYPES = {
    "character varying": pa.string(), "text": pa.string(), "date": pa.date32(),
    "timestamp without time zone": pa.timestamp("us"), "boolean": pa.bool_(), "bigint": pa.int64(),
    "integer": pa.int32(), "smallint": pa.int16(), "numeric": pa.float64(),
    "double precision": pa.float64(), "real": pa.float32(),
}


def database_name() -> str:
    """The database `sammen transform/publish --target postgres` use: SAMMEN_PG_DBNAME, else sammen."""
    return os.environ.get("SAMMEN_PG_DBNAME", DEFAULT_DATABASE)


def read_table(database: str, schema: str, table: str) -> pa.Table:
    """One table as Arrow, in bulk: `COPY ... TO STDOUT` as CSV, parsed by Arrow with the
    column types the catalogue gives (no row goes through Python one at a time)."""
    with connect(database) as connection:
        columns = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, table),
        ).fetchall()
        statement = sql.SQL("copy (select * from {}.{}) to stdout (format csv, header false)").format(
            sql.Identifier(schema), sql.Identifier(table))
        buffer = io.BytesIO()
        with connection.cursor().copy(statement) as copy:
            for block in copy:
                buffer.write(block)
    names = [name for name, _ in columns]
    types = {name: _ARROW_TYPES.get(kind, pa.string()) for name, kind in columns}
    if not buffer.getvalue():
        return pa.table({name: pa.array([], type=types[name]) for name in names})
    buffer.seek(0)
    return pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                              true_values=["t"], false_values=["f"]),
    )


def connect(database: str, **kwargs: Any) -> psycopg.Connection:
    return psycopg.connect(
        host=os.environ.get("SAMMEN_PG_HOST", "127.0.0.1"),
        port=int(os.environ.get("SAMMEN_PG_PORT", "5432")),
        user=os.environ.get("SAMMEN_PG_USER", "postgres"),
        password=os.environ.get("SAMMEN_PG_PASSWORD") or None,
        dbname=database,
        **kwargs,
    )
