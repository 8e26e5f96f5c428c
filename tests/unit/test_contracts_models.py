"""The lead's contract models: each dataset accepts a valid row as partners write it, and each rule
rejects with the right rule name and a message that never repeats the offending value."""

from __future__ import annotations

import pytest

from contracts import CONTRACTS, contract_for

KEY = "a3" * 32
VALID: dict[str, dict[str, str]] = {
    "admissions": {"admission_id": "A1", "person_key": KEY, "region_code": "1084", "department_code": "D-1",
                   "admitted_at": "2025-03-01 10:00", "discharged_at": "2025-03-05T12:00:30",
                   "admission_type": "acute", "involuntary": "nej", "diagnosis_group": "F20-F29"},
    "outpatient_contacts": {"contact_id": "C1", "person_key": KEY, "region_code": "1081",
                            "contact_on": "2025-03-01", "contact_kind": "phone", "setting": "community_team"},
    "enrolments": {"enrolment_id": "E1", "person_key": KEY, "programme": "people_need_people",
                   "municipality_code": "101", "enrolled_on": "2025-01-10", "ended_on": "",
                   "end_reason": "", "referral_source": "ngo", "birth_year": "1980", "sex": "female"},
    "service_episodes": {"episode_id": "S1", "person_key": KEY, "municipality_code": "147",
                         "service": "housing_support", "started_on": "2025-01-01", "ended_on": "2025-01-01"},
    "action_plans": {"plan_id": "P1", "person_key": KEY, "municipality_code": "101", "created_on": "2025-01-01",
                     "sectors": "region|municipality", "status": "active", "closed_on": ""},
    "plan_follow_ups": {"follow_up_id": "F1", "plan_id": "P1", "planned_on": "2025-02-01", "held_on": "",
                        "sectors_present": "ngo"},
    "surveys": {"response_id": "R1", "person_key": KEY, "answered_on": "2025-04-01", "instrument": "swemwbs",
                "score": "35"},
    "consent_withdrawals": {"person_key": KEY, "withdrawn_on": "2025-05-01"},
    "sessions": {"session_id": "S1", "ngo_id": "N1", "activity": "peer_group", "site": "Æblehaven, Århus",
                 "held_on": "2025-05-01", "programme": ""},
    "attendance": {"session_id": "S1", "person_key": "", "role": "volunteer", "arrived_with": "own"},
}


def _rules(dataset: str, **changes: str) -> list[tuple[str | None, str]]:
    return [(v.column, v.rule) for v in contract_for(dataset).explain({**VALID[dataset], **changes})]


def _messages(dataset: str, **changes: str) -> str:
    return " ".join(v.message + str(v) for v in contract_for(dataset).explain({**VALID[dataset], **changes}))


def test_every_dataset_has_a_valid_example():
    assert set(VALID) == set(CONTRACTS)


@pytest.mark.parametrize("dataset", list(VALID))
def test_a_valid_row_is_accepted(dataset):
    assert contract_for(dataset).explain(VALID[dataset]) == []


@pytest.mark.parametrize("dataset", list(VALID))
def test_a_missing_required_value_is_a_completeness_violation(dataset):
    required = next(c.name for c in contract_for(dataset).columns() if not c.nullable)
    (violation,) = contract_for(dataset).explain({**VALID[dataset], required: ""})
    assert (violation.column, violation.rule, violation.check_kind) == (required, "not_null", "completeness")


@pytest.mark.parametrize("bad_key", ["A3" * 32, "a3" * 31, "g" * 64, "0101901234"])
def test_person_key_must_be_64_lower_case_hex(bad_key):
    assert _rules("surveys", person_key=bad_key) == [("person_key", "pattern")]
    assert bad_key not in _messages("surveys", person_key=bad_key)


def test_identifiers_follow_the_id_pattern():
    assert _rules("admissions", admission_id="A 1") == [("admission_id", "pattern")]
    assert _rules("admissions", admission_id="x" * 41) == [("admission_id", "pattern")]


def test_enumerations_match_case_insensitively_and_store_the_listed_spelling():
    row = contract_for("admissions").model_validate({**VALID["admissions"], "diagnosis_group": "f20-f29",
                                                     "admission_type": " ACUTE "})
    assert row.diagnosis_group.value == "F20-F29"
    assert row.admission_type.value == "acute"


def test_an_unknown_enumeration_value_is_rejected_without_repeating_it():
    assert _rules("admissions", admission_type="emergencyish") == [("admission_type", "enum")]
    assert "emergencyish" not in _messages("admissions", admission_type="emergencyish")


@pytest.mark.parametrize(("word", "value"), [("ja", True), ("NEJ", False), ("1", True), ("0", False),
                                             ("True", True), ("false", False)])
def test_booleans_accept_the_danish_and_numeric_spellings(word, value):
    assert contract_for("admissions").model_validate({**VALID["admissions"], "involuntary": word}).involuntary is value


def test_a_boolean_in_another_spelling_is_a_type_violation():
    assert _rules("admissions", involuntary="maybe") == [("involuntary", "type")]
    assert "maybe" not in _messages("admissions", involuntary="maybe")


@pytest.mark.parametrize("bad", ["01-03-2025", "2025-3-1", "2025-02-30", "20250301"])
def test_dates_must_be_written_yyyy_mm_dd(bad):
    assert _rules("surveys", answered_on=bad) == [("answered_on", "type")]
    assert bad not in _messages("surveys", answered_on=bad)


@pytest.mark.parametrize("good", ["2025-03-01 10:00", "2025-03-01T10:00:59", "2025-03-01 10:00:00.5"])
def test_timestamps_with_or_without_seconds_and_t(good):
    assert _rules("admissions", admitted_at=good, discharged_at="") == []


@pytest.mark.parametrize("bad", ["2025-03-01", "01/03/2025 10:00", "2025-03-01 10"])
def test_malformed_timestamps_are_rejected(bad):
    assert _rules("admissions", admitted_at=bad, discharged_at="") == [("admitted_at", "type")]


def test_whole_numbers_only():
    assert _rules("surveys", score="12.5") == [("score", "type")]


def test_reference_lists_municipalities_regions_programmes():
    assert _rules("enrolments", municipality_code="999") == [("municipality_code", "reference")]
    assert _rules("admissions", region_code="1090") == [("region_code", "reference")]
    assert _rules("enrolments", programme="no_such_programme") == [("programme", "reference")]
    assert _rules("sessions", programme="no_such_programme") == [("programme", "reference")]
    assert "no_such_programme" not in _messages("sessions", programme="no_such_programme")


def test_programme_codes_match_case_insensitively():
    assert _rules("enrolments", programme=" People_Need_People ") == []


def test_sector_tokens_are_trimmed_and_matched_case_insensitively():
    row = contract_for("action_plans").model_validate({**VALID["action_plans"], "sectors": " Region | NGO "})
    assert row.sectors == "region|ngo"


@pytest.mark.parametrize("bad", ["region||ngo", "region|", "region|library"])
def test_an_unknown_or_empty_sector_token_is_rejected(bad):
    assert _rules("action_plans", sectors=bad) == [("sectors", "sectors")]
    assert _rules("plan_follow_ups", sectors_present=bad) == [("sectors_present", "sectors")]


def test_end_before_start_is_rejected_by_the_named_rule():
    assert _rules("enrolments", ended_on="2025-01-09") == [(None, "ended_on_not_before_enrolled_on")]
    assert _rules("action_plans", closed_on="2024-12-31") == [(None, "closed_on_not_before_created_on")]
    assert _rules("admissions", discharged_at="2025-03-01 09:59") == [(None, "discharged_at_not_before_admitted_at")]
    assert _rules("enrolments", ended_on="2025-01-10") == []  # same day is fine (inclusive)


def test_a_person_under_18_in_the_enrolment_year_is_rejected():
    assert _rules("enrolments", birth_year="2008") == [(None, "adult_in_year_of_enrolled_on")]
    assert _rules("enrolments", birth_year="2007") == []  # 18 in 2025
    assert "2008" not in _messages("enrolments", birth_year="2008")


@pytest.mark.parametrize(("instrument", "low", "high"), [("swemwbs", 7, 35), ("ucla3", 3, 9), ("coherence", 1, 5)])
def test_scores_lie_in_the_range_of_their_instrument(instrument, low, high):
    assert _rules("surveys", instrument=instrument, score=str(low)) == []
    assert _rules("surveys", instrument=instrument, score=str(high)) == []
    for bad in (low - 1, high + 1):
        violations = contract_for("surveys").explain({**VALID["surveys"], "instrument": instrument, "score": str(bad)})
        assert [(v.rule, v.check_kind) for v in violations] == [("score_in_range_for_instrument", "plausibility")]


def test_a_withdrawal_cannot_be_retracted():
    assert _rules("consent_withdrawals", deleted="ja") == [("deleted", "deleted_not_allowed")]
    assert _rules("consent_withdrawals", deleted="false") == []


def test_other_keyed_datasets_accept_a_retraction():
    assert _rules("surveys", deleted="true") == []


def test_attendance_is_not_keyed_and_has_no_deleted_column():
    attendance = contract_for("attendance")
    assert attendance.natural_key == () and "deleted" not in [c.name for c in attendance.columns()]


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(KeyError, match="admissions"):
        contract_for("admission")
