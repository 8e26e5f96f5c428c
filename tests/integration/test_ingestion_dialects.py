"""Every dialect extracts.md allows is read, and read the same way (GIVEN a file WHEN ingested THEN
the stored values are the contract's)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.ingestion import VALID, csv_text, deliver, key, new_home, query, rows, run, scalar


def sessions_csv(delimiter: str = ",", site: str = "Nørrebro Fælled, Århus Å") -> str:
    return csv_text(rows("sessions", {"site": site}), delimiter)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")],
    ids=["utf-8", "utf-8-bom", "cp1252"],
)
def test_danish_letters_survive_every_encoding(tmp_path, encoding, bom):
    home = new_home(tmp_path)
    site = "Æblehaven Øster Åby"
    deliver(home, "sessions__20250301.csv", bom + sessions_csv(site=site).encode(encoding))
    report = run(home)
    assert report.count("loaded") == 1, str(report)
    assert scalar(home, "select site from resolved.sessions") == site
    dialect = scalar(home, "select dialect from ledger.files")
    assert {"utf-8": "utf-8", "cp1252": "cp1252"}[encoding] in dialect
    assert ("utf-8-sig" in dialect) == bool(bom)


def test_semicolon_delimiter_and_decimal_comma_text_need_no_quotes(tmp_path):
    # GIVEN a ;-delimited file whose free text holds commas (as Danish decimal commas would)
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", sessions_csv(";", site="Have 2,5 km, Nørrebro"))
    run(home)
    assert scalar(home, "select site from resolved.sessions") == "Have 2,5 km, Nørrebro"
    assert "';'" in scalar(home, "select dialect from ledger.files")


def test_whole_numbers_only_decimal_comma_in_an_int_column_is_quarantined(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "surveys__20250301.csv", csv_text(rows("surveys", {"response_id": "R1", "score": "5,0"},
                                                           *[{"response_id": f"R{i}"} for i in range(2, 30)]), ";"))
    run(home)
    assert query(home, "select row_number, column_name, rule from ledger.quarantine") == [(1, "score", "type")]


@pytest.mark.parametrize(("written", "stored"), [
    ("true", True), ("TRUE", True), ("1", True), ("ja", True), ("Ja", True),
    ("false", False), ("0", False), ("nej", False), ("NEJ", False),
])
def test_boolean_spellings(tmp_path, written, stored):
    home = new_home(tmp_path)
    deliver(home, "admissions__20250301.csv", csv_text(rows("admissions", {"involuntary": written})))
    run(home)
    assert scalar(home, "select involuntary from resolved.admissions") is stored


def test_headers_case_insensitive_trimmed_and_shuffled_values_normalised(tmp_path):
    home = new_home(tmp_path)
    record = VALID["admissions"] | {"admission_type": "ACUTE", "diagnosis_group": "f20-f29",
                                    "admitted_at": "2025-03-01T10:00:30"}
    columns = list(reversed(record))
    text = ",".join(f" {c.upper()} " for c in columns) + "\n" + ",".join(f" {record[c]} " for c in columns) + "\n"
    deliver(home, "admissions__20250301.csv", text)
    run(home)
    row = query(home, "select admission_type, diagnosis_group, admitted_at, region_code from resolved.admissions")
    assert row == [("acute", "F20-F29", dt.datetime(2025, 3, 1, 10, 0, 30), 1084)]


def test_blank_lines_crlf_quoted_newlines_and_a_row_of_only_delimiters(tmp_path):
    # GIVEN CRLF line ends, a blank line, a quoted field holding a newline, a line of only delimiters
    home = new_home(tmp_path)
    header = ",".join(VALID["sessions"])
    first = ",".join(VALID["sessions"].values()).replace("Nørrebro", '"Have\r\nvest"')
    second = ",".join((VALID["sessions"] | {"session_id": "T2"}).values())
    only_delimiters = "," * (len(VALID["sessions"]) - 1)
    rows_ = [first] + [",".join((VALID["sessions"] | {"session_id": f"T{i}"}).values()) for i in range(3, 30)]
    text = "\r\n".join([header, *rows_[:1], "", second, only_delimiters, *rows_[1:]]) + "\r\n"
    deliver(home, "sessions__20250301.csv", text)
    report = run(home)
    # THEN the blank line is no row; the delimiter-only line is row 3, all nulls, quarantined
    assert report.files[0].rows_read == 30
    assert {r[0] for r in query(home, "select row_number from ledger.quarantine")} == {3}
    assert {r[0] for r in query(home, "select rule from ledger.quarantine")} == {"not_null"}
    assert scalar(home, "select site from resolved.sessions where session_id = 'T1'") == "Have\r\nvest"


def test_wrong_field_counts_are_quarantined_with_their_data_row_number(tmp_path):
    home = new_home(tmp_path)
    good = [",".join((VALID["sessions"] | {"session_id": f"T{i}"}).values()) for i in range(1, 40)]
    good[24] += ",extra"  # data row 25 has one field too many
    good[30] = "T31,N1"  # data row 31 too few
    deliver(home, "sessions__20250301.csv", "\n".join([",".join(VALID["sessions"]), *good]) + "\n")
    report = run(home, threshold=0.1)
    assert report.files[0].rows_loaded == 37
    assert query(home, "select row_number, rule from ledger.quarantine order by 1") == [
        (25, "field_count"), (31, "field_count")]
    assert scalar(home, "select max(_row_number) from raw.sessions") == 39


def test_missing_nullable_column_reads_as_null_and_extra_columns_are_drift(tmp_path):
    home = new_home(tmp_path)
    record = {k: v for k, v in VALID["sessions"].items() if k != "programme"} | {"Weather": "sunny"}
    deliver(home, "sessions__20250301.csv", csv_text([record]))
    report = run(home)
    assert report.count("loaded") == 1
    assert scalar(home, "select programme from resolved.sessions") is None
    assert "weather" in scalar(home, "select drift from ledger.files")
    assert "weather" in report.files[0].reason


def _parquet(path, columns: dict[str, pa.Array]) -> bytes:
    pq.write_table(pa.table(columns), path)
    return path.read_bytes()


def test_parquet_native_types_and_time_zone_conversion(tmp_path):
    # GIVEN Parquet with int32, bool, a tz-aware timestamp in ms, and strings
    home = new_home(tmp_path)
    utc = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)  # 10:00 Danish summer time
    data = _parquet(tmp_path / "a.parquet", {
        "admission_id": pa.array(["A1"]), "person_key": pa.array([key(1)]),
        "Region_Code": pa.array([1084], pa.int32()), "department_code": pa.array(["D1"]),
        "admitted_at": pa.array([utc], pa.timestamp("ms", tz="UTC")),
        "discharged_at": pa.array(["2025-07-02 09:00"]), "admission_type": pa.array(["Planned"]),
        "involuntary": pa.array([True]), "diagnosis_group": pa.array([None], pa.string()),
    })
    deliver(home, "admissions__20250701__x.parquet", data)
    report = run(home)
    assert report.count("loaded") == 1, str(report)
    assert query(home, "select region_code, admitted_at, discharged_at, admission_type, involuntary "
                       "from resolved.admissions") == [
        (1084, dt.datetime(2025, 7, 1, 10, 0), dt.datetime(2025, 7, 2, 9, 0), "planned", True)]


def test_parquet_float_in_an_int_column_and_timestamp_in_a_date_column_quarantine_the_row(tmp_path):
    home = new_home(tmp_path)
    n = 3
    data = _parquet(tmp_path / "s.parquet", {
        "response_id": pa.array([f"R{i}" for i in range(n)]), "person_key": pa.array([key(i) for i in range(n)]),
        "answered_on": pa.array([dt.datetime(2025, 1, 1)] * n, pa.timestamp("us")),
        "instrument": pa.array(["ucla3"] * n), "score": pa.array([5.0] * n, pa.float64()),
    })
    deliver(home, "surveys__20250301.parquet", data)
    report = run(home, threshold=1.0)
    assert report.files[0].rows_quarantined == n
    assert set(query(home, "select column_name, rule from ledger.quarantine")) == {
        ("answered_on", "type"), ("score", "type")}
