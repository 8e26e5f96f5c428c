"""Small fixture files for the ingestion tests: a home, CSV text written in any dialect, runs."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import duckdb

from contracts import contract_for
from core.home import Home
from core.settings import Settings
from ingestion import IngestReport, ingest


def key(n: int) -> str:
    """A well-formed person_key (64 lower-case hex), distinct per n."""
    return hashlib.sha256(f"person-{n}".encode()).hexdigest()


# One valid row per dataset (the values only: column names come from the contracts).
VALID: dict[str, dict[str, str]] = {
    "admissions": {"admission_id": "A1", "person_key": key(1), "region_code": "1084", "department_code": "D1",
                   "admitted_at": "2025-03-01 10:00", "discharged_at": "2025-03-05 12:00",
                   "admission_type": "acute", "involuntary": "false", "diagnosis_group": "F20-F29"},
    "outpatient_contacts": {"contact_id": "C1", "person_key": key(1), "region_code": "1084",
                            "contact_on": "2025-03-01", "contact_kind": "phone", "setting": "community_team"},
    "enrolments": {"enrolment_id": "E1", "person_key": key(1), "programme": "people_need_people",
                   "municipality_code": "101", "enrolled_on": "2025-01-10", "ended_on": "",
                   "end_reason": "", "referral_source": "self", "birth_year": "1980", "sex": "female"},
    "service_episodes": {"episode_id": "S1", "person_key": key(1), "municipality_code": "101",
                         "service": "contact_person", "started_on": "2025-01-01", "ended_on": ""},
    "action_plans": {"plan_id": "P1", "person_key": key(1), "municipality_code": "101", "created_on": "2025-01-01",
                     "sectors": "region|municipality", "status": "active", "closed_on": ""},
    "plan_follow_ups": {"follow_up_id": "F1", "plan_id": "P1", "planned_on": "2025-02-01", "held_on": "",
                        "sectors_present": "region"},
    "surveys": {"response_id": "R1", "person_key": key(1), "answered_on": "2025-02-01", "instrument": "ucla3",
                "score": "5"},
    "consent_withdrawals": {"person_key": key(1), "withdrawn_on": "2025-03-01"},
    "sessions": {"session_id": "T1", "ngo_id": "N1", "activity": "peer_group", "site": "Nørrebro",
                 "held_on": "2025-02-01", "programme": ""},
    "attendance": {"session_id": "T1", "person_key": key(1), "role": "participant", "arrived_with": "own"},
}


def new_home(tmp_path: Path) -> Home:
    return Home.at(tmp_path / "home").ensure()


def rows(dataset: str, *changes: dict[str, str]) -> list[dict[str, str]]:
    """Valid rows of `dataset`, one per change (each overriding some values); one row if none."""
    return [VALID[dataset] | change for change in changes or ({},)]


def csv_text(records: list[dict[str, str]], delimiter: str = ",", columns: list[str] | None = None) -> str:
    columns = columns or list(records[0])
    lines = [delimiter.join(columns)]
    lines += [delimiter.join(record.get(column, "") for column in columns) for record in records]
    return "\n".join(lines) + "\n"


def deliver(home: Home, name: str, content: str | bytes, *, encoding: str = "utf-8",
            mtime: float | None = None, manifest: dict | None = None) -> Path:
    """Drop a file into landing/<source>/ (the source from the dataset in its name)."""
    dataset = name.split("__")[0].lower()
    source = contract_for(dataset).source if dataset in _datasets() else "region"
    path = home.landing_for(source) / name
    data = content if isinstance(content, bytes) else content.encode(encoding)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    if manifest is not None:
        path.with_name(name + ".manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return path


def manifest_for(data: bytes, data_rows: int) -> dict:
    return {"rows": data_rows, "sha256": hashlib.sha256(data).hexdigest()}


def _datasets() -> set[str]:
    from contracts import CONTRACTS

    return set(CONTRACTS)


def run(home: Home, threshold: float = 0.05) -> IngestReport:
    return ingest(home, Settings(quarantine_threshold=threshold), batch_checks=False)


def query(home: Home, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def scalar(home: Home, sql: str, params: list | None = None):
    return query(home, sql, params)[0][0]


def later(seconds: float = 1.0) -> float:
    """A modification time `seconds` from now (delivery order ties are broken by mtime)."""
    return time.time() + seconds
