"""What `sammen query` writes: a text table, CSV, Parquet or JSON, to the terminal or `--out FILE`.

The query connection has no file access (transform.query), so the result is written here, from
Python, out of the Arrow table the query returned (its size already within the memory limit).

Decisions (the issue is silent):
- CSV (RFC 4180, as pyarrow writes it): a header row, `,`-separated, names and text quoted, NULL
  as an empty field, dates and timestamps ISO 8601 (`2025-03-01`, `2025-03-01 10:00:00`),
  booleans `true`/`false`.
- JSON: one array of records (`[{"column": value, ...}, ...]`, one record per line), dates and
  timestamps as ISO 8601 strings, NULL as `null`, decimals as numbers.
- Parquet: the result's own Arrow types (zstd); written to a file only (`--out`), never to a
  terminal.
- `--out FILE` is written atomically (a `.partial-<pid>` sibling swapped in: an existing file is
  replaced whole or not at all) and owner-only (the CLI's umask): results of the marts are
  person-level (pseudonymised keys, dates). It is refused inside the home (`DIR`): everything
  there is sammen's own (the warehouse, the query database, and `published/`, which boards read
  and which holds aggregates only), so a person-level result can neither overwrite one of them nor
  land among the published files.
- Without `--format`, `--out`'s suffix (`.csv`, `.parquet`, `.json`) chooses it; otherwise a table.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from core.atomic import write_atomically
from core.home import Home

FORMATS = ("table", "csv", "parquet", "json")


class OutputError(ValueError):
    pass


def choose_format(requested: str | None, out: Path | None) -> str:
    """The format asked for, else the one `--out`'s suffix names, else a table."""
    if requested:
        return requested
    suffix = out.suffix.lstrip(".").lower() if out else ""
    return suffix if suffix in FORMATS else "table"


def check_destination(home: Home, out: Path | None, kind: str) -> None:
    """Refuse what cannot be written: Parquet to a terminal, a file inside the home."""
    if out is None:
        if kind == "parquet":
            raise OutputError("Parquet is binary: give --out FILE.parquet")
        return
    if out.resolve().is_relative_to(home.root.resolve()):
        raise OutputError(
            f"--out {out} lies inside the home {home.root}, which holds sammen's own files "
            "(the warehouse, the query database, the published aggregates): write elsewhere"
        )


def write_result(table: pa.Table, kind: str, out: Path | None) -> None:
    """Write `table` as `kind` to `out` (atomically) or to standard output."""
    if out is None:
        sys.stdout.buffer.write(render(table, kind))
        sys.stdout.buffer.flush()
    elif kind == "parquet":
        write_atomically(out, lambda partial: pq.write_table(table, partial, compression="zstd"))
    else:
        write_atomically(out, lambda partial: partial.write_bytes(render(table, kind)))


def render(table: pa.Table, kind: str) -> bytes:
    """The result as the bytes of a text table, CSV or JSON."""
    if kind == "csv":
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer)
        return buffer.getvalue()
    if kind == "json":
        records = (json.dumps(record, default=_json_value, ensure_ascii=False)
                   for record in table.to_pylist())
        return ("[" + ",\n".join(records) + "]\n").encode("utf-8")
    if kind == "table":
        return (format_table(table.column_names, _rows(table)) + "\n").encode("utf-8")
    raise OutputError(f"unknown format {kind!r}: one of {', '.join(FORMATS)}")


def format_table(columns: list[str], rows: list[tuple]) -> str:
    """A plain aligned text table (NULL shown as empty)."""
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)]
    lines = ["  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _rows(table: pa.Table) -> list[tuple]:
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def _json_value(value: object) -> object:
    """JSON for what `json` cannot write itself: dates as ISO 8601, decimals as numbers."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    raise TypeError(f"a value of type {type(value).__name__} has no JSON form")
