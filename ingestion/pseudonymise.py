"""`sammen pseudonymise`: for partners, CPR numbers → person_key before anything leaves the house.

person_key = HMAC-SHA256 of the CPR number under the partnership's shared key, 64 lower-case hex
(extracts.md). Decisions where the spec is silent:
- the message is the CPR number's 10 digits without the hyphen (`010190-1234` and `0101901234`
  give the same key), ASCII;
- the key is the key file's bytes with surrounding whitespace (a trailing newline) removed; it
  is read from a file only, never from the command line, and never printed;
- every non-empty CPR value must be a CPR number (`DDMMYY-SSSS` or `DDMMYYSSSS`, a valid date):
  otherwise nothing is written and the error names the rows, never the values; an empty value
  gives an empty person_key (attendance has attendees without one);
- the output keeps every other column as delivered; `person_key` takes the CPR column's place.
  CSV in → CSV out (UTF-8, comma); Parquet in → Parquet out (by the output's extension).

The HMAC is `core.linkage` (Python's `hmac`, in bulk as a DuckDB function), the same one as
`sammen synth`'s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from contracts import sql
from core import linkage
from core.database import scalar
from core.identifiers import sql_is_cpr_number
from ingestion.reader import SOURCE_TABLE, FileRejected, read_source

_SHOWN = 10


class PseudonymiseError(ValueError):
    pass


def read_key(key_file: Path) -> bytes:
    key = Path(key_file).read_bytes().strip()
    if not key:
        raise PseudonymiseError(f"key file {key_file} is empty")
    return key


def pseudonymise(key_file: Path, cpr_column: str, source: Path, target: Path) -> int:
    """Write `target` with person_key instead of `cpr_column`; return the number of rows."""
    key = read_key(key_file)
    fmt = "parquet" if source.suffix.lower() == ".parquet" else "csv"
    con = duckdb.connect()
    try:
        person_key = linkage.register(con, key)
        with tempfile.TemporaryDirectory(prefix="sammen-pseudo-") as scratch:
            try:
                table = read_source(con, source, fmt, Path(scratch))
            except FileRejected as error:
                raise PseudonymiseError(f"{source.name}: {error.message}") from None
        wanted = cpr_column.strip().lower()
        if wanted not in table.columns:
            raise PseudonymiseError(f"{source.name} has no column {cpr_column!r}")
        if "person_key" in table.columns:
            raise PseudonymiseError(f"{source.name} already has a person_key column")
        if table.field_count_known:
            bad = scalar(con, f"select list(_row_number order by _row_number) from {SOURCE_TABLE} where not _fields_ok")
            if bad:
                raise PseudonymiseError(f"rows with the wrong number of fields: {_rows(bad)}")
        value = f"nullif(trim(cast({table.columns[wanted]} as varchar)), '')"
        digits = f"replace({value}, '-', '')"
        valid = sql_is_cpr_number(value)
        bad = scalar(con,
            f"select list({table.row_number} order by {table.row_number}) from {SOURCE_TABLE} "
            f"where {value} is not null and not {valid}"
        )
        if bad:
            raise PseudonymiseError(f"column {cpr_column}: not a CPR number (DDMMYY-SSSS or DDMMYYSSSS) in rows {_rows(bad)}")
        columns = [
            f"case when {value} is null then null else {person_key}({digits}) end as person_key"
            if name == wanted else f"{column} as {sql.ident(name)}"
            for name, column in table.columns.items()
        ]
        query = f"select {', '.join(columns)} from {SOURCE_TABLE} order by {table.row_number}"
        options = "format parquet" if target.suffix.lower() == ".parquet" else "format csv, header true, delimiter ','"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy ({query}) to ? ({options})", [str(target)])
        return scalar(con, f"select count(*) from {SOURCE_TABLE}")
    finally:
        con.close()


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:_SHOWN]))
    return shown + (f" and {len(numbers) - _SHOWN} more" if len(numbers) > _SHOWN else "")
