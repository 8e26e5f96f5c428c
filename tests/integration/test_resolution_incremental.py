"""Incremental resolution (ingestion.resolve): after every run, resolved.* and the resolution's
quarantine rows equal those of a full resolution of the same raw.* (on a copy of the warehouse),
through supersede, retraction, attendance replacement, references that appear and disappear, a
withdrawal, a withdrawn person's row arriving later, and the synthetic history and its increment."""

from __future__ import annotations

import shutil

import duckdb
from helpers.ingestion import csv_text, deliver, key, new_home, rows, run

from bench.scale import deliveries
from contracts import CONTRACTS
from core.home import Home
from ingestion.resolve import resolve
from synthetic import generate

QUARANTINE = "select * from ledger.quarantine where stage = 'resolution' order by all"


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    found = {name: con.execute(f"select * from resolved.{name} order by all").fetchall() for name in CONTRACTS}
    return found | {"quarantine": con.execute(QUARANTINE).fetchall()}


def assert_equals_full_resolution(home: Home, tmp_path) -> None:
    copy = tmp_path / "full.duckdb"
    shutil.copyfile(home.warehouse, copy)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        incremental = _state(con)
    with duckdb.connect(str(copy)) as con:
        resolve(con, full=True)
        full = _state(con)
    copy.unlink()
    for name in full:
        assert incremental[name] == full[name], name


def _deliver(home: Home, name: str, dataset: str, *changes: dict[str, str]) -> None:
    deliver(home, name, csv_text(rows(dataset, *changes)))


def test_incremental_resolution_equals_a_full_one_night_after_night(tmp_path):
    home = new_home(tmp_path)
    a, b, c, d = key(1), key(2), key(3), key(4)
    _deliver(home, "enrolments__20250301.csv", "enrolments",
             {"enrolment_id": "E1", "person_key": a}, {"enrolment_id": "E2", "person_key": b})
    _deliver(home, "action_plans__20250301.csv", "action_plans",
             {"plan_id": "P1", "person_key": a}, {"plan_id": "P2", "person_key": b})
    _deliver(home, "plan_follow_ups__20250301.csv", "plan_follow_ups", {"follow_up_id": "F1", "plan_id": "P1"},
             {"follow_up_id": "F2", "plan_id": "P2"}, {"follow_up_id": "F3", "plan_id": "P9"})
    _deliver(home, "sessions__20250301.csv", "sessions", {"session_id": "T1"}, {"session_id": "T2"})
    _deliver(home, "attendance__20250301.csv", "attendance", {"session_id": "T1", "person_key": a},
             {"session_id": "T1", "person_key": b}, {"session_id": "T2", "person_key": c})
    _deliver(home, "surveys__20250301.csv", "surveys", {"response_id": "R1", "person_key": a},
             {"response_id": "R2", "person_key": c})
    assert run(home).resolved_rows["plan_follow_ups"] == 2
    assert_equals_full_resolution(home, tmp_path)
    # a night of corrections: E1 moves to C, P2 is retracted and P9 arrives, T1 is re-delivered with
    # D only, an older survey extract arrives late (supersedes nothing), and A withdraws
    _deliver(home, "enrolments__20250302.csv", "enrolments", {"enrolment_id": "E1", "person_key": c})
    _deliver(home, "action_plans__20250302.csv", "action_plans", {"plan_id": "P2", "person_key": b, "deleted": "true"},
             {"plan_id": "P9", "person_key": d})
    _deliver(home, "attendance__20250302.csv", "attendance", {"session_id": "T1", "person_key": d})
    _deliver(home, "surveys__20250201.csv", "surveys", {"response_id": "R2", "person_key": c, "score": "9"})
    _deliver(home, "consent_withdrawals__20250302.csv", "consent_withdrawals", {"person_key": a})
    resolution = run(home)
    assert {"enrolments", "surveys", "attendance", "plan_follow_ups"} <= set(resolution.rebuilt)
    assert not {"enrolments", "surveys", "attendance", "plan_follow_ups"} & set(resolution.rebuilt_whole)
    assert_equals_full_resolution(home, tmp_path)
    # the withdrawn person's row arrives later for E2 (it supersedes B's row, then is dropped at
    # load), and session T2 is retracted (its attendance points to nothing)
    _deliver(home, "enrolments__20250303.csv", "enrolments", {"enrolment_id": "E2", "person_key": a})
    _deliver(home, "sessions__20250303.csv", "sessions", {"session_id": "T2", "deleted": "true"})
    resolution = run(home)
    assert "enrolments" in resolution.rebuilt and not resolution.rebuilt_whole
    assert_equals_full_resolution(home, tmp_path)
    run(home)
    assert_equals_full_resolution(home, tmp_path)


def test_the_synthetic_increment_resolves_as_a_full_resolution(tmp_path):
    extracts = Home.at(tmp_path / "synth").ensure()
    generate(extracts, persons=300, seed=11)
    history, increment = deliveries(extracts.landing)
    home = new_home(tmp_path)
    for batch in (history, increment):
        for path in batch:
            target = home.landing / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        resolution = run(home)
        assert_equals_full_resolution(home, tmp_path)
    assert set(resolution.rebuilt) - set(resolution.rebuilt_whole), "the increment resolved by key"

