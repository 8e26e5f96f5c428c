"""Rules of extracts.md the other test modules do not pin down, one GIVEN/WHEN/THEN each:
delivery order by name, attendance replaced only by loaded rows, withdrawals in the spec's order,
duplicates whatever the name, canonical spellings, and incremental resolution."""

from __future__ import annotations

import shutil

import duckdb
from helpers.ingestion import csv_text, deliver, key, later, new_home, query, rows, run, scalar

from contracts import CONTRACTS
from core.home import Home
from ingestion.resolve import resolve


def test_same_extract_date_and_mtime_ordered_by_name_across_runs(tmp_path):
    home = new_home(tmp_path)
    stamp = later(-100)
    # GIVEN `__b` loaded in one run
    deliver(home, "surveys__20250301__b.csv", csv_text(rows("surveys", {"score": "9"})), mtime=stamp)
    run(home)
    # WHEN `__a`, same extract date and modification time, arrives in a later run
    deliver(home, "surveys__20250301__a.csv", csv_text(rows("surveys", {"score": "3"})), mtime=stamp)
    run(home)
    # THEN `__b` is still the later delivery (name order), so its row wins
    assert scalar(home, "select score from resolved.surveys") == 9


def test_attendance_is_replaced_only_by_a_file_with_a_loaded_row_for_the_session(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions", {"session_id": "T1"}, {"session_id": "T2"})))
    deliver(home, "attendance__20250301.csv", csv_text(rows(
        "attendance", {"session_id": "T1", "person_key": key(1)}, {"session_id": "T2", "person_key": key(2)})))
    run(home)
    # WHEN a later file's only T1 row is quarantined (unknown role) and its T2 row is good
    deliver(home, "attendance__20250302.csv", csv_text(rows(
        "attendance", {"session_id": "T1", "person_key": key(3), "role": "boss"},
        {"session_id": "T2", "person_key": key(4)})))
    run(home, threshold=1.0)
    # THEN T1 keeps its rows; T2 is replaced
    got = query(home, "select session_id, person_key from resolved.attendance order by 1")
    assert got == [("T1", key(1)), ("T2", key(4))]


def test_withdrawal_follows_the_spec_order_a_stale_row_never_comes_back(tmp_path):
    home = new_home(tmp_path)
    first, second = key(1), key(2)
    # GIVEN enrolment E1 delivered for one person, then corrected to another in a later extract,
    # and session T1's attendance replaced by a later file holding only that other person
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions")))
    deliver(home, "enrolments__20250301.csv", csv_text(rows("enrolments", {"person_key": first})))
    deliver(home, "attendance__20250301.csv", csv_text(rows("attendance", {"person_key": first},
                                                                           {"person_key": key(3)})))
    run(home)
    deliver(home, "enrolments__20250302.csv", csv_text(rows("enrolments", {"person_key": second})))
    deliver(home, "attendance__20250302.csv", csv_text(rows("attendance", {"person_key": second})))
    run(home)
    # WHEN the second person withdraws
    deliver(home, "consent_withdrawals__20250303.csv", csv_text(rows("consent_withdrawals", {"person_key": second})))
    run(home)
    # THEN (supersede, then withdrawals) E1 and T1's attendance are gone; the stale rows stay gone
    assert scalar(home, "select count(*) from resolved.enrolments") == 0
    assert scalar(home, "select count(*) from resolved.attendance") == 0
    assert scalar(home, "select count(*) from raw.enrolments where person_key = ?", [second]) == 0
    # WHEN more rows of the withdrawn person arrive later, one of them quarantined
    deliver(home, "surveys__20250304.csv", csv_text(rows("surveys", *[{"response_id": f"R{i}", "person_key": second}
                                                                      for i in range(30)],
                                                         {"response_id": "BAD", "person_key": second, "score": "99"})))
    report = run(home)
    # THEN they are dropped at load, quarantine included, and still nothing comes back
    assert report.files[0].status == "loaded" and report.files[0].rows_loaded == 0
    assert scalar(home, "select count(*) from ledger.quarantine where _person_key = ?", [second]) == 0
    assert scalar(home, "select count(*) from resolved.enrolments") == 0


def test_identical_bytes_under_a_name_breaking_the_pattern_are_a_duplicate(tmp_path):
    home = new_home(tmp_path)
    data = csv_text(rows("surveys")).encode()
    deliver(home, "surveys__20250301.csv", data)
    run(home)
    # WHEN the same bytes come again under a name that breaks the pattern
    (home.landing_for("municipality") / "copy of surveys.csv").write_bytes(data)
    report = run(home)
    # THEN it is recorded as a duplicate, not rejected, and nothing changes
    assert [f.status for f in report.files] == ["duplicate"]
    assert scalar(home, "select count(*) from raw.surveys") == 1


def test_upper_case_hex_person_key_is_quarantined(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "surveys__20250301.csv", csv_text(rows("surveys", {"response_id": "R1"},
                                                         {"response_id": "R2", "person_key": key(2).upper()})))
    report = run(home, threshold=1.0)
    assert report.files[0].rows_loaded == 1
    assert query(home, "select row_number, column_name, rule from ledger.quarantine") == [(2, "person_key", "pattern")]


def test_sector_tokens_and_programme_codes_match_case_insensitively_and_are_stored_as_listed(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "action_plans__20250301.csv", csv_text(rows("action_plans", {"sectors": " Region | MUNICIPALITY "})))
    deliver(home, "enrolments__20250301.csv", csv_text(rows("enrolments", {"programme": "People_Need_People"})))
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions", {"session_id": "T1", "programme": "Social_Referral"},
                                                         {"session_id": "T2", "programme": "knitting"})))
    run(home, threshold=1.0)
    assert scalar(home, "select sectors from resolved.action_plans") == "region|municipality"
    assert scalar(home, "select programme from resolved.enrolments") == "people_need_people"
    assert query(home, "select session_id, programme from resolved.sessions") == [("T1", "social_referral")]
    assert query(home, "select row_number, column_name, rule from ledger.quarantine") == [(2, "programme", "reference")]


def test_incremental_resolution_equals_a_full_rebuild(tmp_path):
    home = new_home(tmp_path)
    # GIVEN several runs touching different datasets, with a retraction, a late plan and a withdrawal
    deliver(home, "plan_follow_ups__20250301.csv", csv_text(rows("plan_follow_ups", {"plan_id": "P2"})))
    deliver(home, "surveys__20250301.csv", csv_text(rows("surveys", {"response_id": "R1"},
                                                         {"response_id": "R2", "person_key": key(2)})))
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions")))
    deliver(home, "attendance__20250301.csv", csv_text(rows("attendance", {"person_key": key(2)})))
    run(home)
    deliver(home, "action_plans__20250302.csv", csv_text(rows("action_plans", {"plan_id": "P2", "person_key": key(3)})))
    report = run(home)
    # THEN only the datasets whose inputs changed were rebuilt (the plans and their follow-ups)
    assert report.rebuilt == ["action_plans", "plan_follow_ups"]
    assert scalar(home, "select count(*) from resolved.plan_follow_ups") == 1
    report = run(home)
    assert report.rebuilt == []
    deliver(home, "surveys__20250303.csv", csv_text(rows("surveys", {"response_id": "R1", "deleted": "true"})))
    deliver(home, "consent_withdrawals__20250303.csv", csv_text(rows("consent_withdrawals", {"person_key": key(2)})))
    run(home)
    incremental = _stored(home)
    # WHEN everything is resolved again from scratch
    copy = tmp_path / "full.duckdb"
    shutil.copy(home.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("begin")
        resolve(con, full=True)
        con.execute("commit")
    # THEN the tables are the same
    assert _stored(Home.at(tmp_path / "home"), copy) == incremental
    assert incremental["resolved.surveys"] == [] and incremental["resolved.attendance"] == []


def _stored(home: Home, database=None) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database or home.warehouse), read_only=True) as con:
        tables = {f"resolved.{d}": f"select * from resolved.{d} order by all" for d in CONTRACTS}
        tables["ledger.quarantine"] = "select * from ledger.quarantine order by all"
        return {name: con.execute(sql).fetchall() for name, sql in tables.items()}
