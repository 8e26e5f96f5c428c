"""Supersede semantics (extracts.md): latest extract wins, deleted retracts, attendance replaced per
session, identical re-delivery is a no-op, references, consent withdrawal erases the person."""

from __future__ import annotations

from helpers.ingestion import csv_text, deliver, key, later, new_home, query, rows, run, scalar

from core.home import Home


def surveys(home: Home, name: str, *changes: dict[str, str], mtime: float | None = None) -> bytes:
    data = csv_text(rows("surveys", *changes)).encode()
    deliver(home, name, data, mtime=mtime)
    return data


def test_latest_extract_wins_per_natural_key(tmp_path):
    home = new_home(tmp_path)
    # GIVEN the later extract delivered first, in the same run as the earlier one
    surveys(home, "surveys__20250302.csv", {"response_id": "R1", "score": "7"})
    surveys(home, "surveys__20250301.csv", {"response_id": "R1", "score": "4"}, {"response_id": "R2", "score": "3"})
    run(home)
    assert query(home, "select response_id, score from resolved.surveys order by 1") == [("R1", 7), ("R2", 3)]
    # WHEN an earlier extract arrives in a later run THEN it supersedes nothing newer
    surveys(home, "surveys__20250228.csv", {"response_id": "R1", "score": "9"})
    run(home)
    assert scalar(home, "select score from resolved.surveys where response_id = 'R1'") == 7


def test_same_extract_date_ordered_by_modification_time_then_name(tmp_path):
    home = new_home(tmp_path)
    surveys(home, "surveys__20250301__b.csv", {"score": "3"}, mtime=later(-100))
    surveys(home, "surveys__20250301__a.csv", {"score": "9"}, mtime=later(-50))
    run(home)
    assert scalar(home, "select score from resolved.surveys") == 9


def test_deleted_retracts_and_a_quarantined_row_supersedes_nothing(tmp_path):
    home = new_home(tmp_path)
    surveys(home, "surveys__20250301.csv", {"response_id": "R1"}, {"response_id": "R2"}, {"response_id": "R3"})
    run(home)
    surveys(home, "surveys__20250302.csv", {"response_id": "R1", "deleted": "ja"},
            {"response_id": "R2", "score": "99"},  # out of range: quarantined
            {"response_id": "R3", "deleted": "false", "score": "8"})
    run(home, threshold=0.5)
    assert query(home, "select response_id, score from resolved.surveys order by 1") == [("R2", 5), ("R3", 8)]
    assert "deleted" not in [c[0] for c in query(home, "describe resolved.surveys")]


def test_identical_redelivery_is_a_duplicate_and_changes_nothing(tmp_path):
    home = new_home(tmp_path)
    data = surveys(home, "surveys__20250301.csv", {"score": "4"})
    run(home)
    before = query(home, "select * from raw.surveys")
    # WHEN the same bytes come again under another name and a later date
    deliver(home, "surveys__20250309__again.csv", data)
    report = run(home)
    assert [f.status for f in report.files] == ["duplicate"]
    assert query(home, "select * from raw.surveys") == before
    assert (home.archive / "municipality" / "surveys__20250309__again.csv").read_bytes() == data
    statuses = query(home, "select status from ledger.files order by file_id")
    assert statuses == [("loaded",), ("duplicate",)]
    # and the cutoff ignores the duplicate's date (only loaded files count)
    assert scalar(home, "select max(extract_date) from ledger.files where status = 'loaded'").isoformat() == "2025-03-01"


def test_attendance_is_replaced_per_session(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions", {"session_id": "T1"}, {"session_id": "T2"})))
    deliver(home, "attendance__20250301.csv", csv_text(rows(
        "attendance", {"session_id": "T1", "person_key": key(1)}, {"session_id": "T1", "person_key": key(2)},
        {"session_id": "T2", "person_key": key(3)})))
    run(home)
    # WHEN a later file holds session T1 only, with one attendee
    deliver(home, "attendance__20250302.csv", csv_text(rows("attendance", {"session_id": "T1", "person_key": key(4)})))
    run(home)
    # THEN T1's rows are all replaced; T2's are untouched
    got = query(home, "select session_id, person_key from resolved.attendance order by 1, 2")
    assert got == sorted([("T1", key(4)), ("T2", key(3))])


def test_references_are_resolved_every_run(tmp_path):
    home = new_home(tmp_path)
    # GIVEN a follow-up whose plan has not arrived yet
    deliver(home, "plan_follow_ups__20250301.csv", csv_text(rows("plan_follow_ups", {"plan_id": "P9"})))
    report = run(home)
    assert report.unreferenced["plan_follow_ups"] == 1
    assert scalar(home, "select count(*) from resolved.plan_follow_ups") == 0
    assert query(home, "select rule, stage from ledger.quarantine") == [("reference", "resolution")]
    # WHEN the plan arrives THEN the follow-up is loaded and its quarantine row is gone
    deliver(home, "action_plans__20250302.csv", csv_text(rows("action_plans", {"plan_id": "P9"})))
    run(home)
    assert scalar(home, "select count(*) from resolved.plan_follow_ups") == 1
    assert scalar(home, "select count(*) from ledger.quarantine") == 0
    # WHEN the plan is retracted THEN the follow-up is quarantined again
    deliver(home, "action_plans__20250303.csv", csv_text(rows("action_plans", {"plan_id": "P9", "deleted": "true"})))
    run(home)
    assert scalar(home, "select count(*) from resolved.plan_follow_ups") == 0
    assert scalar(home, "select count(*) from ledger.quarantine where rule = 'reference'") == 1


def test_consent_withdrawal_erases_the_person_everywhere_now_and_later(tmp_path):
    home = new_home(tmp_path)
    gone, kept = key(1), key(2)
    deliver(home, "enrolments__20250301.csv", csv_text(rows("enrolments", {"enrolment_id": "E1", "person_key": gone},
                                                           {"enrolment_id": "E2", "person_key": kept})))
    deliver(home, "action_plans__20250301.csv", csv_text(rows("action_plans", {"plan_id": "P1", "person_key": gone})))
    deliver(home, "plan_follow_ups__20250301.csv", csv_text(rows("plan_follow_ups", {"plan_id": "P1"})))
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions")))
    deliver(home, "attendance__20250301.csv", csv_text(rows("attendance", {"person_key": gone}, {"person_key": kept})))
    deliver(home, "surveys__20250301.csv", csv_text(rows(
        "surveys", *[{"response_id": f"R{i}", "person_key": gone} for i in range(30)],
        {"response_id": "BAD", "person_key": gone, "score": "99"})))  # a quarantined row of the person
    run(home)
    assert scalar(home, "select count(*) from ledger.quarantine where _person_key = ?", [gone]) == 1
    # WHEN the person withdraws
    deliver(home, "consent_withdrawals__20250302.csv", csv_text(rows("consent_withdrawals", {"person_key": gone,
                                                                                           "withdrawn_on": "2030-01-01"})))
    report = run(home)
    assert report.withdrawn_persons == 1
    # THEN no stored table but the withdrawal list holds the key, and the follow-up of their plan is gone
    assert _tables_holding(home, gone) == ["raw.consent_withdrawals", "resolved.consent_withdrawals"]
    assert scalar(home, "select count(*) from raw.plan_follow_ups") == 0
    assert query(home, "select person_key from resolved.attendance") == [(kept,)]
    assert scalar(home, "select count(*) from ledger.quarantine") == 0
    # WHEN rows of the person are delivered later THEN they are dropped at load
    deliver(home, "enrolments__20250305.csv", csv_text(rows("enrolments", {"enrolment_id": "E3", "person_key": gone})))
    report = run(home)
    assert report.files[0].rows_loaded == 0 and report.files[0].status == "loaded"
    assert _tables_holding(home, gone) == ["raw.consent_withdrawals", "resolved.consent_withdrawals"]


def _tables_holding(home: Home, person_key: str) -> list[str]:
    found = []
    for schema, table, column in query(
        home, "select table_schema, table_name, column_name from information_schema.columns "
              "where data_type = 'VARCHAR' and table_schema in ('raw', 'resolved', 'ledger')"):
        if scalar(home, f'select count(*) from {schema}.{table} where "{column}" = ?', [person_key]):
            found.append(f"{schema}.{table}")
    return sorted(set(found))


def test_an_applied_withdrawal_leaves_an_erasure_pending_until_the_file_is_rewritten(tmp_path):
    from helpers.erasure import hidden_rows

    from core import erasure

    home = new_home(tmp_path)
    gone, kept = key(1), key(2)
    deliver(home, "enrolments__20250301.csv", csv_text(rows("enrolments", {"enrolment_id": "E1", "person_key": gone},
                                                           {"enrolment_id": "E2", "person_key": kept})))
    run(home)
    assert not erasure.is_pending(home.warehouse)
    # WHEN the person withdraws and only ingestion runs (twice: the second run has nothing new)
    deliver(home, "consent_withdrawals__20250302.csv", csv_text(rows("consent_withdrawals", {"person_key": gone})))
    run(home)
    run(home)
    # THEN the erasure is pending, once, in the ledger: the next transform will rewrite the file
    assert erasure.is_pending(home.warehouse)
    assert query(home, "select count(*), sum(rows_erased) from ledger.erasures where completed_at is null") == [(1, 1)]
    # WHEN it is completed THEN nothing is pending and no deleted row or free block is left
    assert erasure.complete_pending(home.warehouse) is not None
    assert not erasure.is_pending(home.warehouse)
    assert hidden_rows(home.warehouse) == []


def test_rows_of_a_person_withdrawn_earlier_never_reach_the_warehouse_file(tmp_path):
    from helpers.erasure import Person, residue

    from core import erasure

    # GIVEN a withdrawal applied (and its erasure completed) and another person's admission
    home = new_home(tmp_path)
    gone, other, new = key(1), key(2), key(3)
    deliver(home, "admissions__20250301.csv", csv_text(rows("admissions", {"admission_id": "ADM-OTHER-KEY-0001",
                                                                           "person_key": other})))
    deliver(home, "consent_withdrawals__20250301.csv", csv_text(rows("consent_withdrawals", {"person_key": gone})))
    run(home)
    erasure.complete_pending(home.warehouse)
    assert not erasure.is_pending(home.warehouse)
    # WHEN a later file holds a new row of the withdrawn person, the other person's admission now
    # given to the withdrawn person (it supersedes the other's row), and a row of a third person
    deliver(home, "admissions__20250310.csv", csv_text(rows(
        "admissions", {"admission_id": "ADM-WITHDRAWN-ONLY-0002", "person_key": gone},
        {"admission_id": "ADM-OTHER-KEY-0001", "person_key": gone},
        {"admission_id": "ADM-THIRD-0003", "person_key": new})))
    report = run(home)
    # THEN the withdrawn person's rows were left out before anything was written: no erasure is
    # pending (no rewrite needed), and no byte of theirs is in any file but the withdrawal list's
    assert not erasure.is_pending(home.warehouse)
    assert residue(home.root, [Person(gone, {"admission_id": frozenset({"ADM-WITHDRAWN-ONLY-0002"})})]) == []
    # AND the row they superseded is gone for good, as a resolution after loading them gives
    assert query(home, "select admission_id, person_key from raw.admissions order by 1") == [("ADM-THIRD-0003", new)]
    assert query(home, "select admission_id from resolved.admissions") == [("ADM-THIRD-0003",)]
    (loaded,) = report.files
    assert (loaded.rows_loaded, loaded.reason) == (1, "2 row(s) of withdrawn persons dropped")


def test_attendance_without_a_person_is_loaded_beside_a_withdrawn_persons_left_out(tmp_path):
    # GIVEN a withdrawal applied
    home = new_home(tmp_path)
    gone, kept = key(1), key(2)
    deliver(home, "consent_withdrawals__20250301.csv", csv_text(rows("consent_withdrawals", {"person_key": gone})))
    deliver(home, "sessions__20250301.csv", csv_text(rows("sessions")))
    run(home)
    # WHEN attendance arrives: the withdrawn person, an enrolled person, and a neighbour without a
    # person_key (extracts.md: null for attendees who are not enrolled)
    deliver(home, "attendance__20250302.csv", csv_text(rows(
        "attendance", {"person_key": gone}, {"person_key": kept}, {"person_key": "", "role": "volunteer"})))
    report = run(home)
    # THEN only the withdrawn person's row is left out; the anonymous one is loaded and resolved
    (loaded,) = report.files
    assert (loaded.rows_loaded, loaded.reason) == (2, "1 row(s) of withdrawn persons dropped")
    assert sorted(query(home, "select person_key is null, person_key = ? from resolved.attendance", [kept]),
                  key=str) == [(False, True), (True, None)]
