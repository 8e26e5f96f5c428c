"""Content limits (contracts.limits): a file too wide, with a row or a field too long, is rejected
before the heavy work, with the row and the limit named and a ledger row; the other files load.
The same limit holds on DuckDB's fast path and on Python's fallback for broken files."""

from __future__ import annotations

import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.ingestion import VALID, csv_text, deliver, new_home, query, rows, run

from contracts.limits import FILE_LIMITS
from ingestion.check import REJECTED, check_file

LIMITS = FILE_LIMITS
SESSIONS = list(VALID["sessions"])


def sessions_csv(n: int = 30, **site_by_row: str) -> str:
    """`n` valid sessions rows; `site_by_row` e.g. row5="..." sets that row's site."""
    records = rows("sessions", *[{"session_id": f"T{i}"} for i in range(1, n + 1)])
    for row, site in site_by_row.items():
        records[int(row.removeprefix("row")) - 1]["site"] = site
    return csv_text(records)


def broken(text: str) -> str:
    """The same file plus a last row with one field too many: DuckDB's strict reader refuses it,
    so the file takes Python's fallback (the row itself would only be quarantined)."""
    return text + ",".join(VALID["sessions"].values()).replace("T1", "T999") + ",extra\n"


def verdict_of(tmp_path, text: str | bytes, name: str = "sessions__20250301.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return check_file(path)


def finding(verdict) -> tuple[str, str]:
    assert verdict.exit_code == REJECTED, str(verdict)
    (found,) = verdict.evaluation.findings
    return found.rule, found.message


def test_a_100000_column_csv_is_rejected_from_its_header_and_the_other_files_load(tmp_path):
    # GIVEN a 789 KB CSV with 100,000 columns (the review's file) and a good file beside it
    home = new_home(tmp_path)
    header = ",".join(f"c{i}" for i in range(100_000))
    wide = header + "\n" + "," * 99_999 + "\n"
    assert 700_000 < len(wide) < 900_000
    deliver(home, "sessions__20250301.csv", wide)
    deliver(home, "enrolments__20250301.csv", csv_text(rows("enrolments")))
    # WHEN it is ingested (the time is reported, not asserted)
    started = time.perf_counter()
    report = run(home)
    print(f"ingest of the 100,000-column CSV and a good file: {time.perf_counter() - started:.2f} s")
    # THEN it is rejected for its column count, naming the header row and the limit
    status, reason = query(home, "select status, reason from ledger.files where file_name = ?",
                           ["sessions__20250301.csv"])[0]
    assert status == "rejected"
    assert "header row has more than" in reason and f"at most {LIMITS.max_columns:,}" in reason
    assert "[column_count, conformance]" in reason
    # AND the other file loads
    assert {f.name: f.status for f in report.files}["enrolments__20250301.csv"] == "loaded"


def test_sammen_check_rejects_10000_columns_from_the_header(tmp_path):
    # GIVEN 10,000 short column names (the header fits the row limit; 332 s and 6.5 GB before)
    text = ",".join(f"c{i}" for i in range(10_000)) + "\n" + "," * 9_999 + "\n"
    # WHEN `sammen check` judges it
    started = time.perf_counter()
    rule, message = finding(verdict_of(tmp_path, text))
    print(f"sammen check of 10,000 columns: {time.perf_counter() - started:.2f} s")
    # THEN the header's column count is refused
    assert rule == "column_count"
    assert message == f"the header row has 10,000 columns; at most {LIMITS.max_columns:,} are allowed"


def test_columns_up_to_the_limit_are_accepted_as_drift(tmp_path):
    # GIVEN sessions with extra columns, exactly at the column limit
    extra = [f"x{i}" for i in range(LIMITS.max_columns - len(SESSIONS))]
    text = csv_text(rows("sessions"), columns=SESSIONS + extra)
    # THEN the file is accepted; one more column rejects it
    assert verdict_of(tmp_path, text).exit_code != REJECTED
    rule, _ = finding(verdict_of(tmp_path, csv_text(rows("sessions"), columns=[*SESSIONS, *extra, "one_more"])))
    assert rule == "column_count"


def test_a_header_row_over_the_line_limit_is_rejected(tmp_path):
    # GIVEN a header of few columns, one of them a name longer than a row may be
    text = ",".join([*SESSIONS, "x" * (LIMITS.max_line_bytes + 10)]) + "\n" + "a\n"
    rule, message = finding(verdict_of(tmp_path, text))
    assert rule == "line_length"
    assert message == f"the header row is longer than {LIMITS.max_line_bytes:,} bytes, the limit for a row"


@pytest.mark.parametrize("path", ["fast", "fallback"])
def test_a_data_row_over_the_line_limit_is_rejected_on_both_paths(tmp_path, path):
    # GIVEN row 4 made of fields each within the field limit, together over the row limit
    # (extra columns, quoted line breaks inside the fields)
    width = LIMITS.max_line_bytes // LIMITS.max_field_bytes + 2
    extra = [f"x{i}" for i in range(width)]
    field = '"' + ("y" * 100 + "\n") * (LIMITS.max_field_bytes // 101 - 1) + '"'
    records = rows("sessions", *[{"session_id": f"T{i}"} for i in range(1, 6)])
    records[3] |= dict.fromkeys(extra, field)
    text = csv_text(records, columns=SESSIONS + extra)
    # WHEN checked straight (DuckDB's reader refuses the row: `max_line_size`), or with a broken
    # last row that sends the file to Python's reader at once
    rule, message = finding(verdict_of(tmp_path, broken(text) if path == "fallback" else text))
    # THEN both paths reject data row 4 for its length
    assert rule == "line_length"
    assert message == f"data row 4 is longer than {LIMITS.max_line_bytes:,} bytes, the limit for a row"


@pytest.mark.parametrize("path", ["fast", "fallback"])
def test_the_field_limit_is_the_same_on_both_paths(tmp_path, path):
    def shaped(text: str) -> str:
        return broken(text) if path == "fallback" else text

    # GIVEN a site of exactly the limit in bytes (Danish letters count 2): accepted
    at_limit = "æ" * (LIMITS.max_field_bytes // 2)
    assert verdict_of(tmp_path, shaped(sessions_csv(row3=at_limit))).exit_code != REJECTED
    # WHEN a site is one byte over (one more character, or one æ instead of an a)
    for over in ("a" * (LIMITS.max_field_bytes + 1), "a" + at_limit):
        rule, message = finding(verdict_of(tmp_path, shaped(sessions_csv(row3=over))))
        # THEN the file is rejected at data row 3, whichever path read it
        assert rule == "field_size"
        assert message == (f"data row 3: a field is longer than {LIMITS.max_field_bytes:,} bytes, "
                           "the limit for a field")


def test_a_50_mb_field_is_rejected_and_the_other_files_load(tmp_path):
    # GIVEN a file whose 2nd row holds a 50 MB site (it passed the fast path before) and a good file
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", sessions_csv(row2="a" * 50_000_000))
    deliver(home, "enrolments__20250301.csv", csv_text(rows("enrolments")))
    started = time.perf_counter()
    report = run(home)
    print(f"ingest of the 50 MB field and a good file: {time.perf_counter() - started:.2f} s")
    # THEN it is rejected naming data row 2 (the row is over the row limit too, found first)
    outcomes = {f.name: f for f in report.files}
    rejected = outcomes["sessions__20250301.csv"]
    assert rejected.status == "rejected"
    assert rejected.reason.startswith("data row 2 ")
    assert "[line_length, conformance]" in rejected.reason or "[field_size, conformance]" in rejected.reason
    assert query(home, "select count(*) from raw.sessions")[0][0] == 0
    assert outcomes["enrolments__20250301.csv"].status == "loaded"


def test_parquet_column_count_is_read_from_the_footer(tmp_path):
    # GIVEN a Parquet file with one column over the limit
    columns = {name: [value] for name, value in VALID["sessions"].items()}
    columns |= {f"x{i}": [1] for i in range(LIMITS.max_columns - len(columns) + 1)}
    path = tmp_path / "sessions__20250301.parquet"
    pq.write_table(pa.table(columns), path)
    rule, message = finding(check_file(path))
    assert rule == "column_count"
    assert message == f"the Parquet schema has {LIMITS.max_columns + 1:,} columns; at most {LIMITS.max_columns:,} are allowed"


def test_a_parquet_string_over_the_field_limit_is_rejected(tmp_path):
    records = rows("sessions", *[{"session_id": f"T{i}"} for i in range(1, 4)])
    records[1]["site"] = "a" * (LIMITS.max_field_bytes + 1)
    path = tmp_path / "sessions__20250301.parquet"
    pq.write_table(pa.Table.from_pylist(records), path)
    rule, message = finding(check_file(path))
    assert (rule, message.split(":")[0]) == ("field_size", "data row 2")


def test_a_data_row_with_more_fields_than_the_column_limit_is_rejected(tmp_path):
    # GIVEN a good header, 3 good rows and a 4th row of short fields, more than the column limit (within the row limit)
    text = sessions_csv(3) + ",".join(["x"] * (LIMITS.max_columns + 1)) + "\n"
    # WHEN checked (DuckDB refuses the row's field count; Python's reader counts it)
    rule, message = finding(verdict_of(tmp_path, text))
    # THEN the file is rejected at that row, rather than quarantining a row of hundreds of fields
    assert rule == "column_count"
    assert message == f"data row 4 has {LIMITS.max_columns + 1:,} fields; at most {LIMITS.max_columns:,} are allowed"
