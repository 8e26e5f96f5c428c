"""A small warehouse for the batch-check tests: resolved tables shaped by the contracts, a
`ledger.files` as docs/architecture.md describes it, and good / bad batches to load into them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import duckdb
import pyarrow as pa

from contracts import CONTRACTS
from contracts.derive.arrow import arrow_schema

HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_CPR_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])(\d{2})(\d{2})(\d{2})-?\d{4}(?![A-Za-z0-9])")


def cpr_like(text: str) -> bool:
    """extracts.md's test, written independently of validation.results: a separate-word
    DDMMYY[-]SSSS whose DDMMYY is a date in 19YY or 20YY."""
    for day, month, year in _CPR_CANDIDATE.findall(text):
        for century in (1900, 2000):
            try:
                dt.date(century + int(year), int(month), int(day))
                return True
            except ValueError:
                pass
    return False


def identifying(text: str) -> bool:
    return bool(HEX64.search(text)) or cpr_like(text)


def person(i: int) -> str:
    return hashlib.sha256(f"person-{i}".encode()).hexdigest()


def create_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """The warehouse as ingestion creates it: ledger tables, raw and resolved per contract."""
    from core.ledger import ensure_schema

    ensure_schema(con)


def insert(con: duckdb.DuckDBPyConnection, dataset: str, rows: list[dict]) -> None:
    table = pa.Table.from_pylist(rows, schema=arrow_schema(CONTRACTS[dataset], with_deleted=False))
    con.register("new_rows", table)
    con.execute(f"insert into resolved.{dataset} by name select * from new_rows")
    con.unregister("new_rows")


def add_file(con: duckdb.DuckDBPyConnection, dataset: str, extract: str, rows_read: int,
             run_id: str) -> None:
    source = CONTRACTS[dataset].source
    file_id = con.execute("select coalesce(max(file_id), 0) + 1 from ledger.files").fetchone()[0]
    con.execute(
        "insert into ledger.files (file_id, file_name, source, dataset, extract_date, modified_at, "
        "received_at, status, rows_read, rows_loaded, rows_quarantined, run_id) values "
        "(?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, 0, ?)",
        [file_id, f"{dataset}__{extract.replace('-', '')}.csv", source, dataset,
         dt.date.fromisoformat(extract), dt.datetime.fromisoformat(extract),
         dt.datetime.fromisoformat(extract), rows_read, rows_read, run_id],
    )


def good_batch(con: duckdb.DuckDBPyConnection) -> None:
    """Plausible data for every check: references resolve, distributions sit mid-band."""
    insert(con, "sessions", [
        {"session_id": f"S{i}", "ngo_id": "NGO1", "activity": "garden_community", "site": "Have",
         "held_on": dt.date(2025, 5, 1 + i), "programme": "people_need_people"} for i in range(3)])
    insert(con, "attendance", [
        {"session_id": f"S{i % 3}", "person_key": person(i), "role": "participant" if i % 5 else "volunteer",
         "arrived_with": "own"} for i in range(25)])
    insert(con, "action_plans", [
        {"plan_id": f"P{i}", "person_key": person(i), "municipality_code": 101,
         "created_on": dt.date(2025, 1, 1), "sectors": "region|municipality", "status": "active"}
        for i in range(3)])
    insert(con, "plan_follow_ups", [
        {"follow_up_id": f"F{i}", "plan_id": f"P{i}", "planned_on": dt.date(2025, 2, 1)} for i in range(3)])
    insert(con, "admissions", [
        {"admission_id": f"A{i}", "person_key": person(i), "region_code": 1084, "department_code": "D1",
         "admitted_at": dt.datetime(2025, 3, 1, 10), "discharged_at": dt.datetime(2025, 3, 11, 10),
         "admission_type": "acute" if i % 3 else "planned", "involuntary": i % 10 == 0,
         "diagnosis_group": "F20-F29"} for i in range(30)])
    insert(con, "enrolments", [
        {"enrolment_id": f"E{i}", "person_key": person(i), "programme": "people_need_people",
         "municipality_code": 101, "enrolled_on": dt.date(2025, 1, 10), "referral_source": "ngo",
         "birth_year": 1980 + i % 10, "sex": "female"} for i in range(25)])
    insert(con, "surveys", [
        {"response_id": f"R{i}", "person_key": person(i), "answered_on": dt.date(2025, 4, 1),
         "instrument": "swemwbs", "score": 18 + i % 10} for i in range(25)])
    for dataset, source_rows in (("admissions", 30), ("sessions", 3), ("enrolments", 25)):
        add_file(con, dataset, "2025-05-01", source_rows, "run-0")
    for dataset, source_rows in (("admissions", 28), ("sessions", 3), ("enrolments", 25)):
        add_file(con, dataset, "2025-06-01", source_rows, "run-1")


def bad_batch(con: duckdb.DuckDBPyConnection) -> None:
    """The good batch broken in the ways batch checks must catch: attendance pointing to unknown
    sessions, a role holding a CPR-like text, an upper-case person_key, survey scores piled at
    the scale's floor, a delivery with a fifth of the previous rows, a source left behind."""
    good_batch(con)
    insert(con, "attendance", [
        {"session_id": "S-UNKNOWN", "person_key": person(100 + i), "role": "participant"} for i in range(4)])
    insert(con, "attendance", [{"session_id": "S0", "person_key": person(200).upper(), "role": "0101901234"}])
    con.execute("update resolved.surveys set score = 7")
    con.execute("update ledger.files set extract_date = date '2025-01-01' where source = 'region' "
                "and run_id = 'run-0'")
    con.execute("update ledger.files set extract_date = date '2025-01-02', modified_at = "
                "timestamp '2025-01-02' where source = 'region' and run_id = 'run-1'")
    add_file(con, "admissions", "2025-01-03", 5, "run-1")


def identifying_strings(folder: Path) -> list[str]:
    """Files under `folder` holding a 64-hex or CPR-like string (their paths, never the match)."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if identifying(text):
                found.append(str(path.relative_to(folder)))
    return found
