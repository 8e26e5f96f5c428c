"""Small `resolved.*` warehouses for transform tests, built from Python rows.

The DDL comes from the contracts (one fact, one place): every dataset's columns without `deleted`,
typed as the contract says. `demo_rows` makes a small random but plausible set of extracts for
whole-pipeline checks (the two targets, nightly builds) without waiting for ingestion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from contracts import CONTRACTS

MARTS = (
    "cohort",
    "admission_outcomes",
    "admission_stays",
    "participation_outcomes",
    "coherence_outcomes",
    "wellbeing_outcomes",
)


def resolved_schema(dataset: str) -> pa.Schema:
    """The Arrow schema of `resolved.<dataset>`: the contract's columns without `deleted`."""
    columns = [c for c in CONTRACTS[dataset].columns() if c.name != "deleted"]
    return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in columns])


def resolved_ddl(dataset: str) -> str:
    columns = [c for c in CONTRACTS[dataset].columns() if c.name != "deleted"]
    body = ", ".join(
        f"{c.name} {c.duckdb_type}{'' if c.nullable else ' NOT NULL'}" for c in columns
    )
    return f"CREATE OR REPLACE TABLE resolved.{dataset} ({body})"


def person_key(label: str | int) -> str:
    """A well-formed synthetic person_key (64 lower-case hex) for a test label."""
    return hashlib.sha256(f"test-person-{label}".encode()).hexdigest()


def write_resolved(path: Path, rows: Mapping[str, Iterable[Mapping[str, object]]]) -> None:
    """(Re)create every `resolved.<dataset>` table in the DuckDB file; datasets not given are empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS resolved")
        for dataset in CONTRACTS:
            schema = resolved_schema(dataset)
            given = [dict(row) for row in rows.get(dataset, ())]
            table = pa.Table.from_pylist(
                [{name: row.get(name) for name in schema.names} for row in given], schema=schema
            )
            connection.execute(resolved_ddl(dataset))
            connection.register("incoming", table)
            connection.execute(f"INSERT INTO resolved.{dataset} SELECT * FROM incoming")
            connection.unregister("incoming")


def read_marts(path: Path, marts: Iterable[str] = MARTS) -> dict[str, list[tuple]]:
    """Every row of each mart, sorted, for comparisons."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            mart: sorted(
                connection.execute(f"SELECT * FROM marts.{mart}").fetchall(), key=_sort_key
            )
            for mart in marts
        }


def mart_rows(path: Path, mart: str, key: str = "enrolment_id") -> dict[object, dict[str, object]]:
    """One mart as {key value: row as dict} (wellbeing: key (enrolment_id, instrument))."""
    with duckdb.connect(str(path), read_only=True) as connection:
        cursor = connection.execute(f"SELECT * FROM marts.{mart}")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if mart == "wellbeing_outcomes":
        return {(row["enrolment_id"], row["instrument"]): row for row in rows}
    return {row[key]: row for row in rows}


def _sort_key(row: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in row)


def demo_rows(
    persons: int = 60, seed: int = 7, start: dt.date = dt.date(2024, 1, 1), days: int = 700
) -> dict[str, list[dict[str, object]]]:
    """Plausible random extracts for `persons` persons over `days` days from `start`."""
    rng = random.Random(seed)
    out: dict[str, list[dict[str, object]]] = {name: [] for name in CONTRACTS}
    sessions = _demo_sessions(rng, start, days)
    out["sessions"] = sessions
    for number in range(persons):
        _demo_person(rng, number, start, days, sessions, out)
    return out


def _day(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(days))


def _demo_sessions(rng: random.Random, start: dt.date, days: int) -> list[dict[str, object]]:
    programmes = ["people_need_people", "road_to_everyday_life", "open_meeting_place", None]
    return [
        {
            "session_id": f"S{number}",
            "ngo_id": f"N{number % 3}",
            "activity": rng.choice(["garden_community", "peer_group", "open_meeting_place"]),
            "site": rng.choice(["Haven", "Sønderbro Værksted", "Åen"]),
            "held_on": start + dt.timedelta(days=number * 3 + rng.randrange(3)),
            "programme": rng.choice(programmes),
        }
        for number in range(days // 3)
    ]


def _demo_person(rng, number, start, days, sessions, out) -> None:  # noqa: ANN001 - test data
    key = person_key(number)
    enrolled = _day(rng, start + dt.timedelta(days=200), days - 200)
    out["enrolments"].append({
        "enrolment_id": f"E{number}", "person_key": key,
        "programme": rng.choice(["people_need_people", "united_in_psychiatry", "social_referral"]),
        "municipality_code": rng.choice([101, 147, 751]), "enrolled_on": enrolled,
        "ended_on": enrolled + dt.timedelta(days=rng.randrange(30, 500)) if rng.random() < 0.4 else None,
        "end_reason": None, "referral_source": rng.choice(["inpatient_ward", "self", "ngo"]),
        "birth_year": rng.randrange(1940, 2005), "sex": rng.choice(["female", "male", "unknown"]),
    })
    admitted = dt.datetime.combine(_day(rng, start, days), dt.time(rng.randrange(24)))
    for stay in range(rng.randrange(0, 5)):
        length = dt.timedelta(hours=rng.randrange(2, 24 * 20))
        out["admissions"].append({
            "admission_id": f"A{number}_{stay}", "person_key": key, "region_code": 1084,
            "department_code": "D1", "admitted_at": admitted,
            "discharged_at": None if rng.random() < 0.1 else admitted + length,
            "admission_type": rng.choice(["acute", "planned"]), "involuntary": rng.random() < 0.2,
            "diagnosis_group": "F20-F29",
        })
        admitted += length + dt.timedelta(hours=rng.choice([2, 4, 5, 24 * rng.randrange(1, 60)]))
    for contact in range(rng.randrange(0, 6)):
        out["outpatient_contacts"].append({
            "contact_id": f"C{number}_{contact}", "person_key": key, "region_code": 1084,
            "contact_on": _day(rng, start, days), "contact_kind": "in_person",
            "setting": rng.choice(["community_team", "outpatient_clinic", "emergency_room"]),
        })
    for episode in range(rng.randrange(0, 3)):
        begun = _day(rng, start, days)
        out["service_episodes"].append({
            "episode_id": f"V{number}_{episode}", "person_key": key, "municipality_code": 101,
            "service": "contact_person", "started_on": begun,
            "ended_on": begun + dt.timedelta(days=rng.randrange(1, 90)) if rng.random() < 0.7 else None,
        })
    if rng.random() < 0.6:
        created = enrolled + dt.timedelta(days=rng.randrange(-60, 200))
        out["action_plans"].append({
            "plan_id": f"P{number}", "person_key": key, "municipality_code": 101,
            "created_on": created, "sectors": rng.choice(["region|municipality", "ngo", "region|ngo|housing"]),
            "status": rng.choice(["active", "completed", "cancelled"]), "closed_on": None,
        })
        for follow_up in range(rng.randrange(0, 4)):
            planned = created + dt.timedelta(days=30 * (follow_up + 1))
            out["plan_follow_ups"].append({
                "follow_up_id": f"F{number}_{follow_up}", "plan_id": f"P{number}",
                "planned_on": planned,
                "held_on": planned + dt.timedelta(days=rng.randrange(-3, 12)) if rng.random() < 0.8 else None,
                "sectors_present": "region",
            })
    for response in range(rng.randrange(0, 4)):
        instrument = rng.choice(["swemwbs", "ucla3", "coherence"])
        low, high = {"swemwbs": (7, 35), "ucla3": (3, 9), "coherence": (1, 5)}[instrument]
        out["surveys"].append({
            "response_id": f"R{number}_{response}", "person_key": key,
            "answered_on": enrolled + dt.timedelta(days=rng.choice([-10, 0, 5, 150, 180, 200])),
            "instrument": instrument, "score": rng.randrange(low, high + 1),
        })
    for session in rng.sample(sessions, k=min(len(sessions), rng.randrange(0, 12))):
        out["attendance"].append({
            "session_id": session["session_id"], "person_key": key,
            "role": rng.choice(["participant", "participant", "volunteer"]),
            "arrived_with": rng.choice(["own", "staff", None]),
        })


def record_connections(monkeypatch) -> list[dict]:
    """Note the configuration of every DuckDB connection opened from now on (the real connection
    is opened); returns the list the configurations are appended to."""
    opened: list[dict] = []
    real_connect = duckdb.connect

    def recording_connect(*args, **kwargs):
        opened.append(dict(kwargs.get("config") or {}))
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", recording_connect)
    return opened
