"""The catalogue is the one place an indicator is defined; the dbt model computes exactly its ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers.publishing import INDICATOR_MODELS

from publishing.catalogue import CATALOGUE_PATH, load_catalogue
from transform.runner import catalogue_ids

# outcomes.md v1.1, "Indicators": every indicator the spec names
SPEC_INDICATORS = {
    "new_enrolments", "active_participants", "attendances", "sessions_held", "cohort_size",
    "stay_rate_pre", "stay_rate_post", "bed_day_rate_pre", "bed_day_rate_post",
    "involuntary_share_pre", "involuntary_share_post", "readmission_30d_share",
    "followed_psychiatry_7d_share", "followed_cross_sector_7d_share", "follow_up_on_time_share",
    "retained_3m_share", "retained_6m_share", "retained_12m_share", "volunteer_share",
    "action_plan_share", "arrived_own_share", "swemwbs_change_mean", "ucla3_change_mean",
    "coherence_change_mean",
}


def model_ids() -> set[str]:
    """The ids the indicators model's Jinja lists compute."""
    sql = (INDICATOR_MODELS / "indicators.sql").read_text()
    cohort = re.findall(r"\{'id': '([a-z0-9_]+)'", sql)
    activity = re.search(r"set activity_indicators = \[([^\]]*)\]", sql)
    assert activity, "the model's activity list moved: update this test"
    return set(cohort) | set(re.findall(r"'([a-z0-9_]+)'", activity.group(1)))


def test_catalogue_covers_every_indicator_of_the_spec() -> None:
    # GIVEN the shipped catalogue WHEN loaded THEN it lists exactly the spec's indicators
    assert set(load_catalogue().ids) == SPEC_INDICATORS


def test_model_computes_exactly_the_catalogue_ids() -> None:
    assert model_ids() == set(load_catalogue().ids)


def test_model_yaml_tests_the_ids_against_the_catalogue_not_a_copy() -> None:
    # GIVEN the indicators model's properties WHEN its indicator_id tests are read
    properties = yaml.safe_load((INDICATOR_MODELS / "_indicators__models.yml").read_text())
    column = next(c for c in properties["models"][0]["columns"] if c["name"] == "indicator_id")
    # THEN they use the catalogue test, and no list of ids is written there
    assert "in_indicator_catalogue" in column["data_tests"]
    assert not any(isinstance(t, dict) and "accepted_values" in t for t in column["data_tests"])


def test_dbt_is_handed_the_catalogue_ids_in_order() -> None:
    # transform.runner reads the file itself (publishing imports transform); same ids, same order
    assert catalogue_ids() == list(load_catalogue().ids)


def test_every_entry_has_both_languages_and_a_definition() -> None:
    for spec in load_catalogue().indicators:
        assert spec.title_en and spec.title_da and spec.definition and spec.definition_da


def test_only_attendances_and_sessions_held_are_not_person_level() -> None:
    catalogue = load_catalogue()
    assert {s.id for s in catalogue.indicators if not s.person_level} == {
        "attendances", "sessions_held"
    }


def test_families_are_the_spec_shared_populations() -> None:
    families = load_catalogue().families()
    assert set(families["full_window"]) == {
        "stay_rate_pre", "stay_rate_post", "bed_day_rate_pre", "bed_day_rate_post",
        "involuntary_share_pre", "involuntary_share_post",
    }
    assert set(families["follow_up_7d"]) == {
        "followed_psychiatry_7d_share", "followed_cross_sector_7d_share"
    }


def test_activity_indicators_are_the_four_quarterly_ones() -> None:
    catalogue = load_catalogue()
    assert {s.id for s in catalogue.indicators if s.kind == "activity"} == {
        "new_enrolments", "active_participants", "attendances", "sessions_held"
    }


def test_a_count_with_a_denominator_is_refused_naming_the_indicator(tmp_path: Path) -> None:
    # GIVEN a catalogue whose count indicator claims a denominator
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    raw["indicators"][0]["denominator"] = "something"
    broken = tmp_path / "catalogue.yaml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    # WHEN loaded THEN the error names the file and the indicator
    with pytest.raises(ValueError, match=r"(?s)catalogue.yaml.*new_enrolments"):
        load_catalogue(broken)


def test_a_duplicated_id_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    raw["indicators"].append(raw["indicators"][0])
    broken = tmp_path / "catalogue.yaml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="listed twice: new_enrolments"):
        load_catalogue(broken)
