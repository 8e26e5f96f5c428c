"""Reading a delivered file into DuckDB as it was written: every field as delivered.

Rows are numbered as in the file (`_row_number`, 1 = the first data row; blank lines are not
rows), either straight from DuckDB's reader or in the temporary table `_src`. Values are not yet
parsed: CSV fields are text, Parquet columns keep their native types (`checks` decides what each
may hold).

CSV dialect, detected per file (extracts.md, "Delivery"):
- encoding: a UTF-8 BOM → UTF-8 with BOM; valid UTF-8 → UTF-8; else cp1252, transcoded to UTF-8
  in Python (DuckDB has no cp1252 reader here). Bytes cp1252 leaves undefined reject the file,
  and so does a NUL byte (binary, not text). Fast path: the file is read as UTF-8 straight away
  and DuckDB's reader, which refuses invalid UTF-8, is the check; only a refused file is
  scanned by `detect_encoding` (NUL bytes, which DuckDB accepts, are found while hashing).
- delimiter: `,` or `;`, whichever splits the header line into more fields.
- header names trimmed and matched case-insensitively; column order free.
- decimal comma: with `;` a comma is ordinary text, so `Have, Nørrebro` needs no quotes. The
  contracts have no fractional numbers: `int` columns take whole numbers only, and `12,0` is
  quarantined like `12.0` (decision: a whole number is written without a fraction).
- fast path: DuckDB's strict, parallel CSV reader. A file it refuses (a row with the wrong number
  of fields, broken quoting, a line over its size limit) is read again by Python's csv module,
  which numbers every row and keeps rows with the wrong field count for quarantine; only such
  broken files pay for the slower path.
- a line of only whitespace counts as blank (decision: it holds no field).

Content limits (`contracts.limits.FILE_LIMITS`: columns, field bytes, row bytes) are checked
before the heavy work and alike on every path: the header from a bounded prefix of the raw bytes
before DuckDB's reader is set up (`check_header`), a Parquet file's column count and metadata
from its footer; rows by DuckDB's `max_line_size` on the fast path and by bounded line reads on
the fallback; fields by one bulk length test (`checks`) on the fast path and by
`csv.field_size_limit` plus a byte count on the fallback. A file beyond a limit is rejected.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from contracts import sql
from contracts.limits import FILE_LIMITS
from core.database import scalar
from core.identifiers import DATE_DIGITS, is_cpr_like
from ingestion import cpr

SOURCE_TABLE = "_src"
BOM = codecs.BOM_UTF8
_CHUNK = 1 << 24
# DuckDB's CSV buffer: 64 MiB instead of its default, measured (docs/benchmarks.md) to save about
# a sixth of the checks' pass over a 10-million-row file, with the row order kept
CSV_BUFFER_SIZE = 1 << 26
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_DIGIT_RUN = re.compile(f"[0-9]{{{DATE_DIGITS}}}")  # a CPR number's DDMMYY
# characters: a field within the byte limit never has more; `_within_limits` counts the bytes
csv.field_size_limit(FILE_LIMITS.max_field_bytes)


class FileRejected(Exception):
    """The whole file is rejected; `rule` and `check_kind` tag it like any other check."""

    def __init__(self, rule: str, check_kind: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.check_kind = check_kind
        self.message = message


@dataclass
class SourceTable:
    """A file ready to be read by SQL: `from_sql` yields its rows in file order, columns `c<i>`."""

    columns: dict[str, str]  # normalised header name → column (`c<i>`) in `from_sql`
    types: dict[str, str]  # normalised header name → DuckDB type of that column
    from_sql: str  # a table function call, or the table `_src`
    dialect: str
    field_count_known: bool = False  # has `_fields_ok`, `_nfields`, `_extra` (slow CSV path)
    header_width: int = 0
    extra_columns: list[str] = field(default_factory=list)  # raw overflow columns to scan for CPR
    text_path: Path | None = None  # CSV: the UTF-8 text DuckDB reads (transcoded when cp1252)
    delimiter: str = ","
    numbered: bool = False  # `_src` has a `_row_number` column (the flagged rows of the fast path)

    def identifiers(self) -> list[str]:
        return list(self.columns.values()) + self.extra_columns

    def unknown_identifiers(self, known: set[str]) -> list[str]:
        return [ident for name, ident in self.columns.items() if name not in known] + self.extra_columns

    def materialize(self, con: duckdb.DuckDBPyConnection) -> None:
        """Make `_src` (every field as delivered, in file order) exist, e.g. to explain rows."""
        if self.from_sql != SOURCE_TABLE:
            # a plain CREATE TABLE AS from the reader keeps the file's row order (DuckDB's
            # preserve_insertion_order), so `rowid + 1` is the data row number from here on
            con.execute(f"create or replace temp table {SOURCE_TABLE} as select * from {self.from_sql}")
            self.from_sql = SOURCE_TABLE

    @property
    def materialized(self) -> bool:
        return self.from_sql == SOURCE_TABLE

    def rows_sql(self) -> str:
        """The rows in file order: from `_src` with `_row_number` (1 = first data row) when it
        is materialised; else straight from the reader, without a number: the checks' CREATE
        TABLE AS keeps the file's order (DuckDB's preserve_insertion_order), so its `rowid + 1`
        numbers the rows afterwards. Numbering on the fly (`row_number() over ()`) would
        serialise the whole statement; reading into `_src` first costs a pass."""
        if not self.materialized:
            return f"select * from {self.from_sql}"
        if self.field_count_known or self.numbered:
            return f"select * from {SOURCE_TABLE}"  # the Python reader numbered its rows
        return f"select rowid + 1 as _row_number, * from {SOURCE_TABLE}"

    @property
    def row_number(self) -> str:
        """SQL for a `_src` row's data row number."""
        return "_row_number" if self.field_count_known or self.numbered else "(rowid + 1)"

    def row_count(self, con: duckdb.DuckDBPyConnection) -> int:
        return scalar(con, f"select count(*) from {self.from_sql}")


def open_source(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str, scratch: Path, encoding: str | None = None
) -> SourceTable:
    """How to read the file (nothing is read in bulk yet); FileRejected when it cannot be.

    `encoding` None (the fast path): the CSV is taken as UTF-8 (with BOM when it starts with
    one) and DuckDB's reader verifies that while it reads (it refuses invalid UTF-8), saving a
    pass over a big file; a refusal sends the caller to `read_source`, which detects the
    encoding properly. A header that is no UTF-8 is detected at once."""
    con.execute(f"drop table if exists {SOURCE_TABLE}")
    if fmt == "parquet":
        return _open_parquet(con, path)
    verified = encoding is not None
    check_header(path)
    if encoding is None:
        with path.open("rb") as handle:
            encoding = "utf-8-sig" if handle.read(len(BOM)) == BOM else "utf-8"
    text_path = path if encoding != "cp1252" else _transcode(path, scratch)
    try:
        delimiter, names = _header(text_path)
    except UnicodeDecodeError:
        if verified:
            raise
        return open_source(con, path, fmt, scratch, detect_encoding(path))
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
    from_sql = f"""read_csv({sql.variable(con, text_path, "path")},
            header = true, delim = {sql.literal(delimiter)}, quote = '"', escape = '"',
            strict_mode = true, null_padding = false, auto_detect = false, buffer_size = {CSV_BUFFER_SIZE},
            max_line_size = {FILE_LIMITS.max_line_bytes}, columns = {{{columns}}})"""
    return SourceTable({name: f"c{i}" for i, name in enumerate(names)}, dict.fromkeys(names, "VARCHAR"),
                       from_sql, f"csv, {encoding}, delimiter {delimiter!r}", header_width=len(names),
                       text_path=text_path, delimiter=delimiter)


def read_source(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str, scratch: Path, sniffer: EncodingSniffer | None = None
) -> SourceTable:
    """Open the file with its encoding detected and materialise `_src` (Python's csv module for
    CSV DuckDB refuses). The slow, sure path: `sammen pseudonymise`, and files the fast path
    could not read."""
    encoding = None
    if fmt != "parquet":
        encoding = sniffer.result() if sniffer is not None else detect_encoding(path)
    source = open_source(con, path, fmt, scratch, encoding)
    try:
        source.materialize(con)
    except duckdb.Error:
        source = fallback(con, source)
    return source


def fallback(con: duckdb.DuckDBPyConnection, source: SourceTable) -> SourceTable:
    """After DuckDB refused the file: Parquet is unreadable; CSV is read by Python into `_src`."""
    con.execute(f"drop table if exists {SOURCE_TABLE}")
    if source.text_path is None:
        raise FileRejected("readable", "conformance", "not a readable Parquet file (corrupt or truncated)")
    _python_csv(con, source.text_path, source.delimiter, source.header_width)
    return SourceTable(source.columns, source.types, SOURCE_TABLE, source.dialect, True,
                       source.header_width, ["_extra"], source.text_path, source.delimiter)


class EncodingSniffer:
    """Fed the file's bytes chunk by chunk (alongside the sha256): which encoding is it?"""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._first = True
        self.bom = False
        self.utf8 = True
        self.nul = False

    def feed(self, chunk: bytes) -> None:
        if self._first:
            self.bom, self._first = chunk.startswith(BOM), False
        if b"\x00" in chunk:
            self.nul = True
        if self.utf8:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.utf8 = False

    def result(self) -> str:
        """utf-8-sig, utf-8 or cp1252; FileRejected for binary text or a BOM before bad UTF-8."""
        if self.utf8:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = False
        if self.nul:
            raise FileRejected("readable", "conformance", "this is not a CSV file: it holds NUL bytes (binary content)")
        if self.utf8:
            return "utf-8-sig" if self.bom else "utf-8"
        if self.bom:
            raise FileRejected("decodable", "conformance", "the file starts with a UTF-8 BOM but is not valid UTF-8")
        return "cp1252"


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or cp1252 (see the module docstring)."""
    sniffer = EncodingSniffer()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sniffer.feed(chunk)
    return sniffer.result()


def _transcode(path: Path, scratch: Path) -> Path:
    """cp1252 → UTF-8 into the scratch folder; undefined cp1252 bytes reject the file."""
    target = scratch / (path.name + ".utf8")
    decoder = codecs.getincrementaldecoder("cp1252")(errors="strict")
    offset = 0
    with path.open("rb") as source, target.open("wb") as sink:
        while chunk := source.read(_CHUNK):
            try:
                sink.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError as error:
                raise FileRejected(
                    "decodable",
                    "conformance",
                    f"this is not a CSV file: the text is neither UTF-8 nor cp1252 (undecodable byte at offset {offset + error.start})",
                ) from None
            offset += len(chunk)
    return target


def check_header(path: Path) -> None:
    """The header row within the limits (columns, bytes), from a bounded prefix of the raw bytes:
    cheap whatever the file holds, and before DuckDB's reader, which would be set up with one
    column per header field (100,000 columns held the writer lock for 15 minutes). Bytes are
    read as latin-1 to count fields: delimiters and quotes are ASCII in UTF-8 and cp1252 alike."""
    limits = FILE_LIMITS
    with path.open("rb") as handle:
        prefix = handle.read(limits.max_line_bytes + 3)
    line, newline, _ = prefix.removeprefix(BOM).partition(b"\n")
    line = line.removesuffix(b"\r")
    within = len(line) <= limits.max_line_bytes
    text = line.decode("latin-1")
    fields = max(len(_split(text, ",")), len(_split(text, ";")))
    if fields > limits.max_columns:
        # a prefix cut short may end inside a field: only the fields before it are sure
        counted = f"{fields:,}" if newline or within else f"more than {fields - 1:,}"
        raise FileRejected("column_count", "conformance",
                           f"the header row has {counted} columns; at most {limits.max_columns:,} are allowed")
    if not within:
        raise FileRejected("line_length", "conformance",
                           f"the header row is longer than {limits.max_line_bytes:,} bytes, the limit for a row")


def _header(text_path: Path) -> tuple[str, list[str]]:
    """Delimiter and normalised column names from the header line (bounded: `check_header`)."""
    with text_path.open(encoding="utf-8-sig", newline="") as handle:
        line = handle.readline(FILE_LIMITS.max_line_bytes + 3)
    if not line.strip():
        raise FileRejected("header", "completeness", "the file has no header row (it is empty or starts with a blank line)")
    delimiter = max((",", ";"), key=lambda d: (len(_split(line, d)), d == ","))
    raw = _split(line, delimiter)
    names = [_column_name(name, i) for i, name in enumerate(raw)]
    if any(is_cpr_like(name) for name in raw):
        position = next(i for i, name in enumerate(raw) if is_cpr_like(name)) + 1
        raise FileRejected("cpr", "conformance", f"header, column {position}: a CPR-like value; the file is never loaded")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FileRejected("header", "conformance", f"column {name} appears twice in the header")
        seen.add(name)
    return delimiter, names


def _column_name(raw: str, index: int) -> str:
    """Trimmed, lower-case; a name that is no identifier (a data row sent without its header,
    say) is shown as `column_<n>`, so no delivered value ever reaches a report as a column name.
    Decision: so is a name holding six or more digits in a row (`a0101901234`): no contract column
    is named so, and such digits may be part of a CPR number even when a letter touches them."""
    name = str(raw).strip().lower()
    return name if _IDENTIFIER.fullmatch(name) and not _DIGIT_RUN.search(name) else f"column_{index + 1}"


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    except csv.Error:
        return line.rstrip("\r\n").split(delimiter)


class _BoundedLines:
    """The file's lines for Python's csv reader, each read with a bound (a line over the row
    limit is never held whole), counting the bytes of the row being read: csv pulls lines one by
    one and returns a row as soon as it is complete, so after each row `row_bytes()` is its size
    as written (quoted line breaks included, the line break ending it excluded), the same
    measure as DuckDB's `max_line_size`. Text mode with `newline=''` keeps csv's view of line
    ends (`\n`, `\r\n`, a lone `\r`); the bound counts characters, never fewer than bytes."""

    def __init__(self, handle: TextIO, limit: int) -> None:
        self._handle, self._limit = handle, limit
        self._pending = self._ending = 0

    def __iter__(self) -> Iterator[str]:
        while line := self._handle.readline(self._limit + 3):
            ending = len(line) - len(line.rstrip("\r\n"))
            if len(line) - ending > self._limit:
                raise _RowTooLong
            # UTF-8 bytes; isascii() is a flag CPython keeps, so most lines cost no encoding
            self._pending += len(line) if line.isascii() else len(line.encode("utf-8"))
            self._ending = ending
            yield line

    def row_bytes(self) -> int:
        size, self._pending = self._pending - self._ending, 0
        return size


class _RowTooLong(Exception):
    """A row (or one of its lines) is longer than the limit."""


def _within_limits(row: list[str], size: int, number: int) -> None:
    """A data row's size, field count and field sizes (bytes) within `FILE_LIMITS`."""
    limits = FILE_LIMITS
    if size > limits.max_line_bytes:
        raise FileRejected("line_length", "conformance",
                           f"data row {number} is longer than {limits.max_line_bytes:,} bytes, the limit for a row")
    if len(row) > limits.max_columns:
        raise FileRejected("column_count", "conformance",
                           f"data row {number} has {len(row):,} fields; at most {limits.max_columns:,} are allowed")
    # only a row bigger than the field limit can hold a field over it; characters are never
    # more than bytes, so csv's own limit (characters) catches most, this counts bytes
    if size > limits.max_field_bytes and any(len(f.encode()) > limits.max_field_bytes for f in row):
        raise field_size_rejection(number)


def field_size_rejection(number: int) -> FileRejected:
    """Data row `number` holds a field over the limit (both paths say it alike)."""
    return FileRejected("field_size", "conformance",
                        f"data row {number}: a field is longer than {FILE_LIMITS.max_field_bytes:,} bytes, "
                        "the limit for a field")


def _python_csv(con: duckdb.DuckDBPyConnection, path: Path, delimiter: str, width: int) -> None:
    """Slow path for structurally broken files: every row numbered, wrong field counts kept."""
    values: list[list[str | None]] = [[] for _ in range(width)]
    extra: list[str | None] = []
    fields_ok: list[bool] = []
    nfields: list[int] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = _BoundedLines(handle, FILE_LIMITS.max_line_bytes)
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        try:
            next(reader, None)  # the header
            lines.row_bytes()
            for row in reader:
                size = lines.row_bytes()
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line is not a row
                _within_limits(row, size, len(fields_ok) + 1)
                fields_ok.append(len(row) == width)
                nfields.append(len(row))
                for i in range(width):
                    values[i].append(row[i] if i < len(row) else None)
                extra.append(chr(31).join(row[width:]) if len(row) > width else None)
        except _RowTooLong:
            raise FileRejected("line_length", "conformance",
                               f"data row {len(fields_ok) + 1} is longer than {FILE_LIMITS.max_line_bytes:,} bytes, "
                               "the limit for a row") from None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise field_size_rejection(len(fields_ok) + 1) from None
            rule, message = _csv_error(str(error), len(fields_ok) + 1)
            raise FileRejected(rule, "conformance" if rule == "readable" else "completeness", message) from None
    arrays = {"_row_number": pa.array(range(1, len(fields_ok) + 1), pa.int64()),
              "_fields_ok": pa.array(fields_ok, pa.bool_()), "_nfields": pa.array(nfields, pa.int32())}
    arrays |= {f"c{i}": pa.array(column, pa.string()) for i, column in enumerate(values)}
    arrays["_extra"] = pa.array(extra, pa.string())
    arrow_rows = pa.table(arrays)
    con.register("_arrow_src", arrow_rows)
    try:
        con.execute(f"create temp table {SOURCE_TABLE} as select * from _arrow_src")
    finally:
        con.unregister("_arrow_src")


def _csv_error(error: str, row: int) -> tuple[str, str]:
    if "unexpected end of data" in error or "EOF" in error:
        return "truncated", f"data row {row}: the file ends inside a quoted field (truncated?)"
    return "readable", f"data row {row}: malformed CSV quoting ({error.split(':')[0]})"


# ---------------------------------------------------------------- Parquet


def check_parquet_footer(path: Path) -> None:
    """The column count and the metadata from the footer alone, before DuckDB plans a read:
    at most `max_columns` leaf columns; no CPR-like word in the key-value metadata or in the
    Arrow schema (its metadata, field names, field metadata)."""
    try:
        with pq.ParquetFile(path) as parquet:
            columns = parquet.metadata.num_columns
            if columns > FILE_LIMITS.max_columns:
                raise FileRejected("column_count", "conformance",
                                   f"the Parquet schema has {columns:,} columns; "
                                   f"at most {FILE_LIMITS.max_columns:,} are allowed")
            found = cpr.in_key_values(parquet.metadata.metadata)
            where = f"the Parquet key-value metadata ({found})" if found else cpr.in_arrow_schema(parquet.schema_arrow)
    except (pa.ArrowException, OSError, UnicodeDecodeError):  # a column name that is not UTF-8: corrupt
        raise FileRejected("readable", "conformance", "not a readable Parquet file (corrupt or truncated)") from None
    if where:
        raise FileRejected("cpr", "conformance", f"CPR number in {where}; the file is never loaded")


def _open_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> SourceTable:
    check_parquet_footer(path)
    call = f"read_parquet({sql.variable(con, path, 'path')})"
    try:
        described = con.execute(f"describe select * from {call}").fetchall()
    except duckdb.Error:
        raise FileRejected("readable", "conformance", "not a readable Parquet file (corrupt or truncated)") from None
    columns: dict[str, str] = {}
    types: dict[str, str] = {}
    renamed = []
    for i, (name, duck_type, *_) in enumerate(described):
        normalised = _column_name(name, i)
        if is_cpr_like(str(name)):
            raise FileRejected("cpr", "conformance", "a column name is CPR-like; the file is never loaded")
        if normalised in columns:
            raise FileRejected("header", "conformance", f"column {normalised} appears twice")
        columns[normalised], types[normalised] = f"c{i}", str(duck_type)
        renamed.append(f"{sql.ident(name)} as c{i}")
    from_sql = f"(select {', '.join(renamed) or '1 as c0'} from {call})"
    return SourceTable(columns, types, from_sql, "parquet")
