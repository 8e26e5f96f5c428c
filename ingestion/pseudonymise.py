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

HMAC runs in bulk in DuckDB: HMAC(K, m) = SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)), with
DuckDB's sha256 over BLOBs (tests compare it with Python's `hmac`).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import duckdb

from ingestion import cpr
from ingestion.reader import SOURCE_TABLE, FileRejected, read_source
from sammen.database import scalar

_BLOCK = 64
_SHOWN = 10


class PseudonymiseError(ValueError):
    pass


def read_key(key_file: Path) -> bytes:
    key = Path(key_file).read_bytes().strip()
    if not key:
        raise PseudonymiseError(f"key file {key_file} is empty")
    return key


def hmac_pads(key: bytes) -> tuple[str, str]:
    """(inner, outer) padded keys as hex, for the SQL HMAC."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


def hmac_sql(message: str) -> str:
    """SQL HMAC-SHA256 of the VARCHAR `message`, parameters: inner pad hex, outer pad hex."""
    inner = f"unhex(sha256(unhex($inner) || encode({message})))"
    return f"sha256(unhex($outer) || {inner})"


def pseudonymise(key_file: Path, cpr_column: str, source: Path, target: Path) -> int:
    """Write `target` with person_key instead of `cpr_column`; return the number of rows."""
    inner, outer = hmac_pads(read_key(key_file))
    fmt = "parquet" if source.suffix.lower() == ".parquet" else "csv"
    con = duckdb.connect()
    try:
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
        valid = f"(regexp_full_match({value}, '\\d{{6}}-?\\d{{4}}') and {cpr.sql_valid_ddmmyy(digits)})"
        bad = scalar(con,
            f"select list({table.row_number} order by {table.row_number}) from {SOURCE_TABLE} "
            f"where {value} is not null and not {valid}"
        )
        if bad:
            raise PseudonymiseError(f"column {cpr_column}: not a CPR number (DDMMYY-SSSS or DDMMYYSSSS) in rows {_rows(bad)}")
        columns = [
            f"case when {value} is null then null else {hmac_sql(digits)} end as person_key"
            if name == wanted else f"{ident} as \"{name}\""
            for name, ident in table.columns.items()
        ]
        query = f"select {', '.join(columns)} from {SOURCE_TABLE} order by {table.row_number}"
        options = "format parquet" if target.suffix.lower() == ".parquet" else "format csv, header true, delimiter ','"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy ({query}) to '{_sql_path(target)}' ({options})", {"inner": inner, "outer": outer})
        return scalar(con, f"select count(*) from {SOURCE_TABLE}")
    finally:
        con.close()


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:_SHOWN]))
    return shown + (f" and {len(numbers) - _SHOWN} more" if len(numbers) > _SHOWN else "")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
