"""Every reason to reject a whole file; rejected files keep their bytes and get a reason beside them."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers.ingestion import (
    VALID,
    csv_text,
    deliver,
    key,
    manifest_for,
    new_home,
    query,
    rows,
    run,
    scalar,
)

CPR = "0101901234"


def many(dataset: str, n: int = 40, **changes_by_row: dict[str, str]) -> str:
    id_column = next(iter(VALID[dataset]))
    records = [{id_column: f"X{i}"} for i in range(1, n + 1)]
    for row, change in changes_by_row.items():
        records[int(row.removeprefix("row")) - 1] |= change
    return csv_text(rows(dataset, *records))


def rejected_reason(home, name: str) -> str:
    status, reason = query(home, "select status, reason from ledger.files where file_name = ?", [name])[0]
    assert status == "rejected"
    return reason


def assert_rejected_intact(home, source: str, name: str, data: bytes, *, restricted: bool = False) -> str:
    target = (home.restricted if restricted else home.rejected) / source / name
    assert target.read_bytes() == data, "the rejected file keeps its original bytes"
    reason_file = target.with_name(name + ".reason.txt")
    assert reason_file.exists()
    assert not (home.landing_for(source) / name).exists()
    assert scalar(home, "select count(*) from raw.sessions") + scalar(home, "select count(*) from raw.enrolments") == 0
    return reason_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["known column", "extra column", "inside text"])
def test_a_cpr_like_value_anywhere_rejects_the_file_and_is_never_repeated(tmp_path, where):
    home = new_home(tmp_path)
    name = "sessions__20250301.csv"
    if where == "known column":
        text = many("sessions", row7={"ngo_id": f"N_{CPR}"})
    elif where == "extra column":
        records = rows("sessions", *[{"session_id": f"T{i}"} for i in range(40)])
        records[12] |= {"note": f"{CPR[:6]}-{CPR[6:]}"}
        text = csv_text(records, columns=[*VALID["sessions"], "note"])
    else:
        text = many("sessions", row7={"site": f"borger {CPR} kom"})
    data = text.encode()
    deliver(home, name, data)
    report = run(home)
    reason = rejected_reason(home, name)
    assert "CPR-like" in reason and "row " in reason
    expected_row = "row 13" if where == "extra column" else "row 7"
    assert expected_row in reason
    assert report.failed_files and report.failed_files[0].name == name
    # a file holding a CPR number is kept apart, owner-only (see test_ingestion_limits_and_cpr)
    reason_text = assert_rejected_intact(home, "ngo", name, data, restricted=True)
    everything = reason + reason_text + str(report) + repr(query(home, "select * from ledger.quarantine"))
    assert CPR not in everything and CPR[:6] not in everything.replace("row 13", "")


def test_a_64_hex_person_key_and_dates_are_not_mistaken_for_cpr(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "attendance__20250301.csv", csv_text(rows("attendance", *[{"person_key": key(i)} for i in range(50)])))
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions", {"site": "Hal 2902011234"})))  # no such date
    report = run(home)
    assert report.count("loaded") == 2, str(report)


def test_missing_required_column(tmp_path):
    home = new_home(tmp_path)
    record = {k: v for k, v in VALID["sessions"].items() if k != "held_on"}
    data = csv_text([record]).encode()
    deliver(home, "sessions__20250301.csv", data)
    run(home)
    assert "held_on" in rejected_reason(home, "sessions__20250301.csv")
    assert_rejected_intact(home, "ngo", "sessions__20250301.csv", data)


def test_undecodable_bytes(tmp_path):
    home = new_home(tmp_path)
    data = csv_text(rows("sessions")).encode("utf-8").replace(b"N\xc3\xb8rrebro", b"N\x81rrebro")
    deliver(home, "sessions__20250301.csv", data)
    run(home)
    assert "neither UTF-8 nor cp1252" in rejected_reason(home, "sessions__20250301.csv")


def test_truncated_inside_a_quoted_field(tmp_path):
    home = new_home(tmp_path)
    data = (csv_text(rows("sessions", *[{"session_id": f"T{i}"} for i in range(30)])) + 'T99,N1,other,"Have').encode()
    deliver(home, "sessions__20250301.csv", data)
    run(home)
    assert "truncated" in rejected_reason(home, "sessions__20250301.csv")


def test_unreadable_parquet(tmp_path):
    home = new_home(tmp_path)
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"session_id": ["T1"]}), path)
    data = path.read_bytes()[:-20]  # the footer is cut off
    deliver(home, "sessions__20250301.parquet", data)
    run(home)
    assert "not a readable Parquet file" in rejected_reason(home, "sessions__20250301.parquet")


def test_parquet_with_a_column_name_that_is_not_utf8(tmp_path):
    # GIVEN a Parquet file whose footer names a column with a byte that is not UTF-8
    # (found by the reader fuzzing: pyarrow raised UnicodeDecodeError, not a rejection)
    home = new_home(tmp_path)
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"xession_id": ["T1"]}), path)
    deliver(home, "sessions__20250301.parquet", path.read_bytes().replace(b"xession_id", b"\x9eession_id"))
    # WHEN ingested THEN it is rejected as unreadable, with the others going on
    run(home)
    assert "not a readable Parquet file" in rejected_reason(home, "sessions__20250301.parquet")


def test_empty_file_blank_first_line_and_binary_file(tmp_path):
    # GIVEN a file of 0 bytes, one starting with a blank line and one with a NUL byte
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", b"")
    deliver(home, "sessions__20250302.csv", b"session_id\x00,ngo_id\n")
    deliver(home, "sessions__20250303.csv", b"\nsession_id,ngo_id\n")
    run(home)
    # THEN the empty one is an empty delivery (issue 14): loaded, with a warning in the ledger
    assert scalar(home, "select status || ': ' || reason from ledger.files where file_name = ?",
                  ["sessions__20250301.csv"]) == "loaded: warning: no data rows (an empty delivery)"
    # AND the others are rejected with what they are
    assert "NUL bytes" in rejected_reason(home, "sessions__20250302.csv")
    assert "no header row" in rejected_reason(home, "sessions__20250303.csv")


@pytest.mark.parametrize("mismatch", ["rows", "sha256"])
def test_manifest_mismatch(tmp_path, mismatch):
    home = new_home(tmp_path)
    data = csv_text(rows("sessions")).encode()
    manifest = manifest_for(data, 1)
    manifest[mismatch] = 2 if mismatch == "rows" else "0" * 64
    deliver(home, "sessions__20250301.csv", data, manifest=manifest)
    run(home)
    assert "manifest" in rejected_reason(home, "sessions__20250301.csv")
    assert (home.rejected / "ngo" / "sessions__20250301.csv.manifest.json").exists()


def test_matching_manifest_is_accepted_and_archived_with_the_file(tmp_path):
    home = new_home(tmp_path)
    data = csv_text(rows("sessions")).encode()
    deliver(home, "sessions__20250301.csv", data, manifest=manifest_for(data, 1))
    report = run(home)
    assert report.count("loaded") == 1
    assert (home.archive / "ngo" / "sessions__20250301.csv.manifest.json").exists()
    assert (home.archive / "ngo" / "sessions__20250301.csv").read_bytes() == data


def test_quarantine_threshold(tmp_path):
    # GIVEN 40 rows of which 2 (5%) are bad: accepted; 3 (7.5%): rejected whole
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", many("sessions", row1={"held_on": "x"}, row2={"held_on": "y"}))
    deliver(home, "enrolments__20250301.csv", many("enrolments", row1={"sex": "x"}, row2={"sex": "y"},
                                                   row3={"birth_year": "2020"}))
    report = run(home)
    assert {f.dataset: f.status for f in report.files} == {"sessions": "loaded", "enrolments": "rejected"}
    reason = rejected_reason(home, "enrolments__20250301.csv")
    assert "3 of 40" in reason
    details = (home.rejected / "municipality" / "enrolments__20250301.csv.reason.txt").read_text()
    assert "row 3, column birth_year,enrolled_on" in details
    assert scalar(home, "select count(*) from raw.enrolments") == 0


def test_threshold_is_configurable(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", many("sessions", row1={"held_on": "x"}, row2={"held_on": "y"}))
    report = run(home, threshold=0.01)
    assert report.count("rejected") == 1


@pytest.mark.parametrize(("name", "words"), [
    ("sessions.csv", "does not follow"),
    ("meetings__20250301.csv", "unknown dataset"),
    ("sessions__20251399.csv", "not a valid extract date"),
    ("sessions__20250301.xlsx", "does not follow"),
])
def test_unknown_file_names_are_rejected(tmp_path, name, words):
    home = new_home(tmp_path)
    (home.landing_for("ngo") / name).write_text("x")
    report = run(home)
    assert report.failed_files[0].name == name
    assert words in report.failed_files[0].reason
    assert (home.rejected / "ngo" / name).exists()


def test_dataset_in_the_wrong_partner_folder(tmp_path):
    home = new_home(tmp_path)
    (home.landing_for("ngo") / "admissions__20250301.csv").write_text(csv_text(rows("admissions")))
    report = run(home)
    assert "delivered by region, not by ngo" in report.failed_files[0].reason


def test_duplicate_key_within_a_file_quarantines_all_its_rows(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", many("sessions", row3={"session_id": "X1"}))
    report = run(home, threshold=0.1)
    assert query(home, "select row_number, rule from ledger.quarantine order by 1") == [
        (1, "duplicate_key"), (3, "duplicate_key")]
    assert report.files[0].rows_loaded == 38


def test_repeated_withdrawal_rows_are_one_withdrawal(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "consent_withdrawals__20250301.csv", csv_text(rows("consent_withdrawals", {}, {})))
    report = run(home)
    assert report.files[0].rows_quarantined == 0
    assert scalar(home, "select count(*) from resolved.consent_withdrawals") == 1


def test_retracting_a_withdrawal_is_quarantined(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "consent_withdrawals__20250301.csv", csv_text(rows("consent_withdrawals", {"deleted": "true"})))
    run(home, threshold=1.0)
    assert query(home, "select column_name, rule from ledger.quarantine") == [("deleted", "deleted_not_allowed")]


def test_a_cpr_like_header_name_rejects_and_a_headerless_file_echoes_no_values(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions"), columns=[*VALID["sessions"], CPR]))
    headerless = csv_text(rows("attendance")).split("\n", 1)[1]  # the data row only
    deliver(home, "attendance__20250301.csv", headerless)
    report = run(home)
    reasons = {f.dataset: f.reason for f in report.failed_files}
    assert "CPR-like" in reasons["sessions"] and CPR not in reasons["sessions"]
    assert "required column(s) missing" in reasons["attendance"]
    assert key(1) not in str(report) + repr(query(home, "select * from ledger.files"))
