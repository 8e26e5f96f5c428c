"""The worked examples of examples.md (cases 1-3), built end to end through dbt on tiny
`resolved.*` tables, checked against the marts' values."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.warehouse import mart_rows, person_key, write_resolved

from core.home import Home
from core.progress import Progress
from core.settings import Settings

pytestmark = pytest.mark.slow
# The outcome marts only; the dbt unit tests run once in tests/integration/test_transform_build.py.
OUTCOME_MARTS_ONLY = ("path:models/marts/indicators", "test_type:unit")
T = dt.datetime.fromisoformat
D = dt.date.fromisoformat


def _admission(admission_id, key, kind, involuntary, admitted, discharged):
    return {
        "admission_id": admission_id, "person_key": key, "region_code": 1084,
        "department_code": "W1", "admitted_at": T(admitted),
        "discharged_at": T(discharged) if discharged else None, "admission_type": kind,
        "involuntary": involuntary, "diagnosis_group": None,
    }


def _enrolment(enrolment_id, key, enrolled_on):
    return {
        "enrolment_id": enrolment_id, "person_key": key, "programme": "people_need_people",
        "municipality_code": 101, "enrolled_on": D(enrolled_on), "ended_on": None,
        "end_reason": None, "referral_source": "self", "birth_year": 1980, "sex": "female",
    }


def _session(session_id, held_on):
    return {"session_id": session_id, "ngo_id": "N1", "activity": "peer_group", "site": "Åen",
            "held_on": D(held_on), "programme": None}


def _attendance(session_id, key):
    return {"session_id": session_id, "person_key": key, "role": "participant",
            "arrived_with": "staff"}


def case_1_and_3_rows() -> dict[str, list[dict]]:
    one, three = person_key("example-1"), person_key("example-3")
    return {
        "enrolments": [_enrolment("case1", one, "2025-03-08"), _enrolment("case3", three, "2025-03-01")],
        "admissions": [
            _admission("A1", one, "acute", False, "2025-03-01 10:00", "2025-03-05 12:00"),
            _admission("A2", one, "planned", True, "2025-03-05 16:00", "2025-03-10 09:00"),
            _admission("A3", one, "acute", False, "2025-03-10 13:01", "2025-03-12 08:00"),
            _admission("A4", one, "acute", False, "2025-06-01 22:00", None),
            _admission("A5", one, "planned", False, "2025-07-01 09:00", "2025-07-03 09:00"),
            _admission("B1", three, "planned", False, "2025-04-28 10:00", "2025-05-05 11:00"),
            _admission("B2", three, "planned", False, "2025-07-25 10:00", "2025-08-01 11:00"),
        ],
        "outpatient_contacts": [
            {"contact_id": "ER1", "person_key": three, "region_code": 1084,
             "contact_on": D("2025-05-06"), "contact_kind": "in_person", "setting": "emergency_room"},
            {"contact_id": "CT1", "person_key": three, "region_code": 1084,
             "contact_on": D("2025-05-12"), "contact_kind": "in_person", "setting": "community_team"},
        ],
        "action_plans": [
            {"plan_id": "P3", "person_key": three, "municipality_code": 101,
             "created_on": D("2025-03-15"), "sectors": "region|municipality", "status": "active",
             "closed_on": None},
        ],
        "plan_follow_ups": [
            {"follow_up_id": "F3", "plan_id": "P3", "planned_on": D("2025-05-09"),
             "held_on": D("2025-05-09"), "sectors_present": "region"},
        ],
        "service_episodes": [
            {"episode_id": "V3", "person_key": three, "municipality_code": 101,
             "service": "contact_person", "started_on": D("2025-05-20"), "ended_on": D("2025-06-30")},
        ],
        "sessions": [_session("S3", "2025-10-15")],
        "attendance": [_attendance("S3", three)],
    }


def case_2_rows() -> dict[str, list[dict]]:
    two = person_key("example-2")
    held = ["2025-01-14", "2025-03-12", "2025-04-09", "2025-07-09"]
    return {
        "enrolments": [_enrolment("case2", two, "2025-01-10")],
        "sessions": [_session(f"S{i}", day) for i, day in enumerate(held)],
        "attendance": [_attendance(f"S{i}", two) for i in range(len(held))],
    }


def _built(tmp_path_factory, name: str, rows: dict, cutoff: str) -> Home:
    import transform

    home = Home.at(tmp_path_factory.mktemp(name)).ensure()
    write_resolved(home.warehouse, rows)
    transform.build(home, Settings(), D(cutoff), Progress(quiet=True),
                    exclude=OUTCOME_MARTS_ONLY, docs=False)
    return home


@pytest.fixture(scope="module")
def cutoff_end_of_2025(tmp_path_factory) -> Home:
    return _built(tmp_path_factory, "examples_1_3", case_1_and_3_rows(), "2025-12-31")


@pytest.fixture(scope="module")
def cutoff_end_of_august(tmp_path_factory) -> Home:
    return _built(tmp_path_factory, "example_2", case_2_rows(), "2025-08-31")


def test_example_1_stays_bed_days_and_readmissions(cutoff_end_of_2025):
    # GIVEN admissions A1-A5 of one person enrolled 2025-03-08, cutoff 2025-12-31
    # WHEN the marts are built
    row = mart_rows(cutoff_end_of_2025.warehouse, "admission_outcomes")["case1"]
    # THEN the values of examples.md case 1
    assert (row["bed_days_pre"], row["bed_days_post"]) == (6, 218)
    assert (row["stays_pre"], row["stays_post"]) == (1, 2)
    assert (row["acute_stays_post"], row["involuntary_stays_pre"]) == (2, 1)
    assert (row["discharges_post_30d"], row["readmissions_30d"]) == (2, 0)


def test_admission_stays_hold_the_dates_and_add_up_to_admission_outcomes(cutoff_end_of_2025):
    # GIVEN admissions A1-A5 of case 1: stays A1 (A1+A2, from 03-01, E = 03-08), A3 (03-10 to
    # 03-12) and A4 (open from 06-01, A5 inside it)
    # WHEN the marts are built and an evaluator asks for stays starting per quarter
    import duckdb

    with duckdb.connect(str(cutoff_end_of_2025.warehouse), read_only=True) as con:
        stays = con.execute(
            "select stay_id, enrolment_window, started_on, discharged_on, starts_in_window, bed_days "
            "from marts.admission_stays where enrolment_id = 'case1' order by stay_id, enrolment_window desc"
        ).fetchall()
        per_quarter = con.execute(
            "select year(started_on) || '-Q' || quarter(started_on), count(*) from marts.admission_stays "
            "where enrolment_id = 'case1' and starts_in_window group by all order by 1"
        ).fetchall()
    # THEN stay A1 is split over the windows (6 bed days pre, 3 post); A4, open, has no discharge date
    assert stays == [
        ("A1", "pre", D("2025-03-01"), D("2025-03-10"), True, 6),
        ("A1", "post", D("2025-03-01"), D("2025-03-10"), False, 3),
        ("A3", "post", D("2025-03-10"), D("2025-03-12"), True, 2),
        ("A4", "post", D("2025-06-01"), None, True, 213),
    ]
    # AND the stays per quarter and the bed days add up to admission_outcomes' figures
    assert per_quarter == [("2025-Q1", 2), ("2025-Q2", 1)]
    outcome = mart_rows(cutoff_end_of_2025.warehouse, "admission_outcomes")["case1"]
    assert sum(row[5] for row in stays if row[1] == "post") == outcome["bed_days_post"]


def test_example_2_participation_and_retention(cutoff_end_of_august):
    # GIVEN sessions attended on 01-14, 03-12, 04-09, 07-09 after E = 2025-01-10, cutoff 08-31
    row = mart_rows(cutoff_end_of_august.warehouse, "participation_outcomes")["case2"]
    # THEN the values of examples.md case 2
    assert row["first_attended_on"] == D("2025-01-14")
    assert row["days_to_first_attendance"] == 4
    assert row["sessions_12w"] == 2
    assert (row["retained_3m"], row["retained_6m"], row["retained_12m"]) == (True, False, None)


def test_example_3_follow_up_after_discharge(cutoff_end_of_2025):
    # GIVEN discharges on 2025-05-05 and 2025-08-01 with the contacts of examples.md case 3
    row = mart_rows(cutoff_end_of_2025.warehouse, "coherence_outcomes")["case3"]
    # THEN one of two discharges is followed by psychiatry and one across sectors; median 39.5
    assert row["discharges_post_7d"] == 2
    assert row["discharges_followed_psychiatry_7d"] == 1
    assert row["discharges_followed_cross_sector_7d"] == 1
    assert row["days_discharge_to_cross_sector"] == pytest.approx(39.5)


def test_examples_every_enrolment_has_one_row_per_mart(cutoff_end_of_2025):
    # GIVEN two enrolments WHEN built THEN each enrolment mart holds exactly those two
    for mart in ("cohort", "admission_outcomes", "participation_outcomes", "coherence_outcomes"):
        assert set(mart_rows(cutoff_end_of_2025.warehouse, mart)) == {"case1", "case3"}
