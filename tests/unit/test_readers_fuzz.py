"""Fuzzing the readers: any CSV bytes, any Parquet file, any values of any contract get a clean
answer (a table or a FileRejected; a verdict from `sammen check`), never a crash and never an echo
of a CPR number. About 3,000 cases, about a minute of CPU: marked `fuzz`, which `make test` and CI
run (pyproject.toml deselects no marker); `pytest -m "not fuzz"` skips them while developing.

Sizes per test are set by FUZZ_EXAMPLES below; the existing property tests
(test_ingestion_properties.py, test_ingestion_cpr.py) cover the load itself and the CPR detector.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.ingestion import VALID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import CONTRACTS, contract_for
from ingestion.check import ACCEPTED, QUARANTINED, REJECTED, check_file
from ingestion.reader import FileRejected, read_source

pytestmark = pytest.mark.fuzz

# cases per test: CSV reader, Parquet reader, `sammen check` (about 6, 10 and 220 ms CPU each)
FUZZ_EXAMPLES = {"csv": 2000, "parquet": 800, "check": 200}
CPRS = ("0101901234", "311299-1234", "290200 1234")  # CPR-like values (the last one is not)
FILE_RULES = {"readable", "decodable", "truncated", "header", "cpr"}
DATASETS = sorted(CONTRACTS)


def fuzz_settings(kind: str) -> settings:
    return settings(max_examples=FUZZ_EXAMPLES[kind], deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sammen-fuzz-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def _assert_no_cpr_echo(text: str) -> None:
    for number in CPRS[:2]:
        assert number not in text, "a CPR-like value was echoed"


# ---------------------------------------------------------------------------------------- CSV

# bytes that break CSV: quotes, delimiters, line ends, BOMs, NUL, cp1252-only and undefined bytes,
# UTF-8 lead bytes without continuation, CPR-like digits, very long fields
PIECES = st.sampled_from([
    b'"', b",", b";", b"\n", b"\r\n", b"\r", b"\xef\xbb\xbf", b"\x00", b"\x81", b"\xe6", b"\xc3", b"\xff",
    b" ", b"\t", b'""', b"\xe6\xf8\xe5", "æøå".encode(), b"x" * 300, *(c.encode() for c in CPRS),
])


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A header from a contract (or not), in any case and delimiter, then fuzzed lines."""
    dataset = draw(st.sampled_from(DATASETS))
    names = [spec.name for spec in contract_for(dataset).columns()]
    names = draw(st.permutations(names)) if draw(st.booleans()) else names
    names = [draw(st.sampled_from([name, name.upper(), f" {name} ", CPRS[0], ""])) for name in names]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = delimiter.join(names).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])))
    good = delimiter.join(VALID[dataset].get(n.strip().lower(), "") for n in names).encode()
    lines = draw(st.lists(st.one_of(PIECES, st.just(good), st.binary(max_size=12)), max_size=30))
    return header + b"\n" + b"".join(lines)


@fuzz_settings("csv")
@given(data=st.one_of(csv_bytes(), st.binary(max_size=200)))
def test_the_csv_reader_reads_or_rejects_any_bytes(con, scratch, data):
    # GIVEN any bytes under a CSV name
    path = scratch / "fuzz__20250301.csv"
    path.write_bytes(data)
    # WHEN the sure path reads them (the one every refused file ends on)
    try:
        source = read_source(con, path, "csv", scratch)
    except FileRejected as rejection:
        # THEN a rejection says which file rule it broke, without a value
        assert rejection.rule in FILE_RULES
        _assert_no_cpr_echo(rejection.message)
        return
    # THEN or every row is there, numbered from 1 in file order
    numbers = [n for (n,) in con.execute(f"select {source.row_number} from {source.from_sql} order by 1").fetchall()]
    assert numbers == list(range(1, len(numbers) + 1))


# ------------------------------------------------------------------------------------ Parquet

ARROW_VALUES = {
    pa.string(): st.one_of(st.text(max_size=12), st.sampled_from(CPRS), st.none()),
    pa.int64(): st.one_of(st.integers(-(2**63), 2**63 - 1), st.none()),
    pa.float64(): st.one_of(st.floats(allow_nan=True), st.none()),
    pa.bool_(): st.one_of(st.booleans(), st.none()),
    pa.date32(): st.one_of(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), st.none()),
    pa.timestamp("us"): st.one_of(st.datetimes(dt.datetime(1, 1, 1)), st.none()),
    pa.binary(): st.one_of(st.binary(max_size=12), st.none()),
}


@st.composite
def parquet_bytes(draw: st.DrawFn) -> bytes:
    """A contract's columns (some dropped, renamed, retyped) or odd names, random values, and
    sometimes truncated or with flipped bytes."""
    dataset = draw(st.sampled_from(DATASETS))
    names = [spec.name for spec in contract_for(dataset).columns()]
    names = draw(st.lists(st.sampled_from([*names, "extra", "EXTRA", CPRS[0], ""]), max_size=8))
    rows = draw(st.integers(0, 6))
    columns = {}
    for i, name in enumerate(names):
        kind = draw(st.sampled_from(list(ARROW_VALUES)))
        columns[f"{i}"] = (name, pa.array(draw(st.lists(ARROW_VALUES[kind], min_size=rows, max_size=rows)), kind))
    table = pa.table({key: array for key, (_, array) in columns.items()}).rename_columns(
        [name for name, _ in columns.values()]) if columns else pa.table({})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    cut = draw(st.sampled_from([None, "truncate", "flip"]))
    if cut == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif cut == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    return data


@fuzz_settings("parquet")
@given(data=parquet_bytes())
def test_the_parquet_reader_reads_or_rejects_any_file(con, scratch, data):
    # GIVEN a Parquet file of any columns, types and values, maybe damaged
    path = scratch / "fuzz__20250301.parquet"
    path.write_bytes(data)
    # WHEN it is read
    try:
        source = read_source(con, path, "parquet", scratch)
    except FileRejected as rejection:
        # THEN a rejection names its rule and echoes no value
        assert rejection.rule in FILE_RULES
        _assert_no_cpr_echo(rejection.message)
        return
    # THEN or its rows are all there (a damaged file that DuckDB still reads whole counts too)
    assert source.row_count(con) >= 0


# --------------------------------------------------------------------- `sammen check`'s verdict

VALUE = st.one_of(
    st.sampled_from(["", " ", "NULL", "-1", "0", "1e9", "9" * 30, "2025-02-30", "31-12-2025", "ja", "true",
                     "2025-01-01 25:00", "é", "\u202e", '"', "a,b", "a;b", *CPRS]),
    st.text(max_size=10),
)


@st.composite
def contract_file(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """A file of a dataset: its columns with valid values, some replaced by odd ones, as CSV or
    Parquet."""
    dataset = draw(st.sampled_from(DATASETS))
    names = [spec.name for spec in contract_for(dataset).columns()]
    valid = {name: VALID[dataset].get(name, "") for name in names}  # `deleted` is optional
    records = [
        {name: draw(st.one_of(st.just(valid[name]), VALUE)) if draw(st.booleans()) else valid[name]
         for name in names}
        for _ in range(draw(st.integers(1, 8)))
    ]
    if draw(st.booleans()):
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(records), buffer)
        return dataset, "parquet", buffer.getvalue()
    delimiter = draw(st.sampled_from([",", ";"]))
    quote = '"'

    def field(value: str) -> str:
        needs = any(c in value for c in (delimiter, quote, "\n", "\r"))
        return quote + value.replace(quote, quote * 2) + quote if needs else value

    lines = [delimiter.join(names)] + [delimiter.join(field(r[n]) for n in names) for r in records]
    return dataset, "csv", ("\n".join(lines) + "\n").encode("utf-8")


@fuzz_settings("check")
@given(case=contract_file())
def test_sammen_check_gives_a_clean_verdict_for_any_values(scratch, case):
    dataset, fmt, data = case
    # GIVEN a file of a dataset with odd values in any column
    path = scratch / f"{dataset}__20250301.{fmt}"
    path.write_bytes(data)
    # WHEN a partner checks it
    verdict = check_file(path)
    # THEN the verdict is accepted, quarantined or rejected, consistent, and echoes no CPR value
    assert verdict.exit_code in (ACCEPTED, QUARANTINED, REJECTED)
    evaluation = verdict.evaluation
    assert 0 <= evaluation.rows_quarantined <= evaluation.rows_read
    if verdict.exit_code == REJECTED:
        assert evaluation.findings
    _assert_no_cpr_echo(str(verdict))
    path.unlink()
