"""Disclosure control rule by rule (outcomes.md "Disclosure control"), on hand-made cells."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.publishing import attack, cell, lookup

from core.settings import Settings
from publishing.catalogue import load_catalogue
from publishing.disclosure import (
    DisclosureBreach,
    DisclosureInputError,
    _control,
    check_controlled,
    control,
)

CATALOGUE = load_catalogue()
A, B = "alpha", "beta"


def run(rows: list[dict], threshold: int = 5, **options: bool) -> dict:
    return lookup(control(pd.DataFrame(rows), CATALOGUE, threshold, **options).table)


def reasons(cells: dict) -> dict:
    return {key: row["suppression_reason"] for key, row in cells.items() if row["suppressed"]}


def grid(indicator: str, period: str, counts: dict[tuple[str, str], int]) -> list[dict]:
    return [cell(indicator, period, p, m, n) for (p, m), n in counts.items()]


# ---- primary ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "n_persons", "hidden"),
    [
        (4, None, 4, True),  # a count of 4
        (5, None, 5, False),  # a count of 5
        (3, 40, 40, True),  # share numerator 1..4
        (37, 40, 40, True),  # share complement 1..4
        (0, 40, 40, False),  # share numerator 0 is not small
        (40, 40, 40, False),  # complement 0 is not small
        (20, 40, 4, True),  # n_persons 1..4
        (0, 0, 0, False),  # empty population: published as is
    ],
)
def test_primary_rule_for_counts_and_shares(
    numerator: int, denominator: int | None, n_persons: int, hidden: bool
) -> None:
    indicator = "cohort_size" if denominator is None else "volunteer_share"
    cells = run([cell(indicator, "2025", A, "101", numerator, denominator, n_persons)])
    got = cells[(indicator, "2025", A, "101")]
    assert got["suppressed"] is hidden
    assert got["suppression_reason"] == ("primary" if hidden else None)


def test_rates_are_judged_by_their_numerator_too_means_by_n_persons_alone() -> None:
    # GIVEN (spec 1.2) a rate with 3 stays over 30 persons, one with 37 bed days over 30, a mean
    # over 4 persons and a mean summing to 3 over 30 persons
    cells = run([
        cell("stay_rate_pre", "2024", A, "101", 3, 30, 30),
        cell("bed_day_rate_post", "2025", A, "101", 37, 30, 30),
        cell("swemwbs_change_mean", "2025", A, "101", 40, 4, 4),
        cell("ucla3_change_mean", "2025", A, "101", 3, 30, 30),
    ])
    # THEN 3 events (from 1 to 3 persons) are primary; 37 events and a sum of 3 are not
    assert cells[("stay_rate_pre", "2024", A, "101")]["suppression_reason"] == "primary"
    assert not cells[("bed_day_rate_post", "2025", A, "101")]["suppressed"]
    assert cells[("swemwbs_change_mean", "2025", A, "101")]["suppression_reason"] == "primary"
    assert not cells[("ucla3_change_mean", "2025", A, "101")]["suppressed"]


def test_complement_rule_against_the_cohort_size_cell() -> None:
    # GIVEN cohort 20 persons; a subset population of 17 (3 short) and one of 15 (5 short)
    cells = run([
        cell("cohort_size", "2025", A, "101", 20),
        cell("arrived_own_share", "2025", A, "101", 8, 17),
        cell("swemwbs_change_mean", "2025", A, "101", 30, 15),
    ])
    assert cells[("arrived_own_share", "2025", A, "101")]["suppression_reason"] == "primary"
    assert not cells[("swemwbs_change_mean", "2025", A, "101")]["suppressed"]


def test_a_higher_threshold_suppresses_more() -> None:
    rows = [cell("cohort_size", "2025", A, "101", 6)]
    assert not run(rows, threshold=5)[("cohort_size", "2025", A, "101")]["suppressed"]
    assert run(rows, threshold=7)[("cohort_size", "2025", A, "101")]["suppressed"]


def test_threshold_may_only_be_raised() -> None:
    with pytest.raises(ValueError, match="may only be raised"):
        Settings(disclosure_threshold=4)
    with pytest.raises(ValueError, match="may only be raised"):
        control(pd.DataFrame([cell("cohort_size", "2025", A, "101", 6)]), CATALOGUE, 3)


def test_attendances_and_sessions_held_are_never_suppressed() -> None:
    cells = run([
        cell("attendances", "2025-Q1", A, "all", 2, n_persons=None),
        cell("sessions_held", "2025-Q1", A, "all", 1, n_persons=None),
        cell("sessions_held", "2025-Q1", "all", "all", 9, n_persons=None),
    ])
    assert not any(row["suppressed"] for row in cells.values())
    assert cells[("attendances", "2025-Q1", A, "all")]["numerator"] == 2


# ---- secondary --------------------------------------------------------------------------------


def test_secondary_picks_the_smallest_other_member_ties_by_municipality_text() -> None:
    # GIVEN under (alpha, all): 101 = 3 (primary), 147 = 9, 151 = 9, 751 = 20
    counts = {(A, "101"): 3, (A, "151"): 9, (A, "147"): 9, (A, "751"): 20, (A, "all"): 41}
    cells = run(grid("cohort_size", "2025", counts))
    assert reasons(cells) == {
        ("cohort_size", "2025", A, "101"): "primary",
        ("cohort_size", "2025", A, "147"): "secondary",  # 147 < 151 as text
    }


def test_secondary_suppresses_the_total_when_no_member_can_go() -> None:
    # GIVEN a programme in one municipality only: the member equals the total
    counts = {(A, "101"): 3, (A, "all"): 8, (B, "101"): 5, (B, "all"): 5, ("all", "all"): 13,
              ("all", "101"): 13}
    table = control(pd.DataFrame(grid("cohort_size", "2025", counts)), CATALOGUE, 5).table
    # (alpha, 101) = 3 is primary; the group under (alpha, all) has no other member with
    # persons, so its total (alpha, all) goes; no group with a published total keeps one hidden
    assert lookup(table)[("cohort_size", "2025", A, "all")]["suppression_reason"] == "secondary"
    assert attack(table, CATALOGUE) == set()


def test_a_group_without_a_published_total_is_left_alone() -> None:
    counts = {(A, "101"): 3, (A, "147"): 9, (A, "751"): 20}  # no (alpha, all) cell
    cells = run(grid("cohort_size", "2025", counts))
    assert reasons(cells) == {("cohort_size", "2025", A, "101"): "primary"}


def test_members_without_persons_are_never_chosen() -> None:
    # GIVEN an event share under a published total: 101 is primary (2 readmissions), 147 has
    # no discharges (n_persons 0, the smallest), 751 has 12 persons
    rows = [
        cell("readmission_30d_share", "2025", A, "101", 2, 9, 6),
        cell("readmission_30d_share", "2025", A, "147", 0, 0, 0),
        cell("readmission_30d_share", "2025", A, "751", 10, 20, 12),
        cell("readmission_30d_share", "2025", A, "all", 12, 29, 18),
    ]
    # WHEN controlled THEN the empty member is passed over for the smallest one with persons
    assert reasons(run(rows)) == {
        ("readmission_30d_share", "2025", A, "101"): "primary",
        ("readmission_30d_share", "2025", A, "751"): "secondary",
    }


def test_suppression_spreads_over_programmes_in_a_second_margin() -> None:
    # the municipality margin: (alpha,101) hidden alone under (all,101) -> (beta,101) goes
    counts = {(A, "101"): 3, (A, "147"): 10, (A, "all"): 13, (B, "101"): 8, (B, "147"): 12,
              (B, "all"): 20, ("all", "101"): 11, ("all", "147"): 22, ("all", "all"): 33}
    cells = run(grid("cohort_size", "2025", counts))
    assert set(reasons(cells)) == {
        ("cohort_size", "2025", A, "101"), ("cohort_size", "2025", A, "147"),
        ("cohort_size", "2025", B, "101"), ("cohort_size", "2025", B, "147"),
    }


def test_linked_quarters_suppress_the_total_year_when_needed() -> None:
    # GIVEN a year whose only quarter with enrolments is small: the year goes with it
    rows = [cell("new_enrolments", "2025-Q1", A, "101", 3), cell("cohort_size", "2025", A, "101", 3)]
    cells = run(rows)
    assert cells[("cohort_size", "2025", A, "101")]["suppression_reason"] == "primary"
    rows = [cell("new_enrolments", "2025-Q1", A, "101", 3), cell("new_enrolments", "2025-Q2", A, "101", 6),
            cell("cohort_size", "2025", A, "101", 9)]
    cells = run(rows)
    assert cells[("new_enrolments", "2025-Q2", A, "101")]["suppression_reason"] == "secondary"


def test_shared_population_a_and_b() -> None:
    rows = [
        # (a): cohort_size (alpha, 147) is hidden as secondary beside the primary (alpha, 101)
        cell("cohort_size", "2025", A, "101", 3),
        cell("cohort_size", "2025", A, "147", 10),
        cell("cohort_size", "2025", A, "all", 13),
        cell("volunteer_share", "2025", A, "147", 5, 10),
        cell("stay_rate_pre", "2025", B, "101", 10, 40, 40),
        cell("bed_day_rate_post", "2025", B, "101", 90, 40, 40),
        cell("involuntary_share_post", "2025", B, "101", 2, 40, 40),  # primary: 2 persons
        cell("followed_psychiatry_7d_share", "2025", B, "101", 0, 0, 0),  # other family, empty
        cell("stay_rate_post", "2025", B, "147", 0, 0, 0),  # empty member stays as it is
        cell("involuntary_share_pre", "2025", B, "147", 1, 30, 30),
    ]
    cells = run(rows)
    assert cells[("volunteer_share", "2025", A, "147")]["suppression_reason"] == "secondary"
    assert cells[("stay_rate_pre", "2025", B, "101")]["suppression_reason"] == "secondary"
    assert cells[("bed_day_rate_post", "2025", B, "101")]["suppression_reason"] == "secondary"
    assert not cells[("followed_psychiatry_7d_share", "2025", B, "101")]["suppressed"]
    assert not cells[("stay_rate_post", "2025", B, "147")]["suppressed"]


def test_linked_quarters_break_ties_by_quarter() -> None:
    # GIVEN quarters 6, 6, 2 under a published year of 14: Q3 is primary, Q1 and Q2 tie at 6
    rows = [cell("new_enrolments", f"2025-Q{q}", A, "101", n) for q, n in ((1, 6), (2, 6), (3, 2))]
    rows.append(cell("cohort_size", "2025", A, "101", 14))
    # WHEN controlled THEN the earlier quarter goes
    assert reasons(run(rows)) == {
        ("new_enrolments", "2025-Q1", A, "101"): "secondary",
        ("new_enrolments", "2025-Q3", A, "101"): "primary",
    }


def test_secondary_breaks_ties_by_programme_in_a_municipality_group() -> None:
    # GIVEN under (all, 101): alpha 3 (primary), beta 9 and gamma 9; each programme's total
    # absent so only the municipality margin applies
    counts = {(A, "101"): 3, ("gamma", "101"): 9, (B, "101"): 9, ("all", "101"): 21}
    assert reasons(run(grid("cohort_size", "2025", counts))) == {
        ("cohort_size", "2025", A, "101"): "primary",
        ("cohort_size", "2025", B, "101"): "secondary",  # beta before gamma
    }


def test_the_follow_up_family_shares_its_suppression() -> None:
    # GIVEN the two 7-day shares over one set of discharges; psychiatry's numerator is 2
    rows = [
        cell("followed_psychiatry_7d_share", "2025", A, "101", 2, 30, 20),
        cell("followed_cross_sector_7d_share", "2025", A, "101", 15, 30, 20),
        cell("readmission_30d_share", "2025", A, "101", 10, 30, 20),  # not in the family
    ]
    assert reasons(run(rows)) == {
        ("followed_psychiatry_7d_share", "2025", A, "101"): "primary",
        ("followed_cross_sector_7d_share", "2025", A, "101"): "secondary",
    }


def test_an_empty_population_stays_published_under_a_suppressed_cohort() -> None:
    # GIVEN cohort_size 3 (primary): no arrived_own population (n_persons 0), volunteers 1 of 3
    rows = [
        cell("cohort_size", "2025", A, "101", 3),
        cell("arrived_own_share", "2025", A, "101", 0, 0, 0),
        cell("volunteer_share", "2025", A, "101", 1, 3),
    ]
    cells = run(rows)
    # THEN the empty cell is neither complement-primary (n_persons 0) nor hidden by rule (a)
    assert not cells[("arrived_own_share", "2025", A, "101")]["suppressed"]
    assert cells[("arrived_own_share", "2025", A, "101")]["n_persons"] == 0
    assert cells[("volunteer_share", "2025", A, "101")]["suppressed"]


def test_published_and_suppressed_cells_carry_the_spec_columns() -> None:
    cells = run(grid("cohort_size", "2025", {(A, "101"): 3, (A, "147"): 9, (A, "all"): 12}))
    shown = cells[("cohort_size", "2025", A, "all")]
    assert (shown["suppressed"], shown["suppression_reason"], shown["value"]) == (False, None, 12)
    hidden = cells[("cohort_size", "2025", A, "147")]
    assert hidden["suppressed"] and hidden["suppression_reason"] == "secondary"
    assert all(pd.isna(hidden[c]) for c in ("numerator", "denominator", "value", "n_persons"))


def test_a_hidden_total_left_whole_loses_its_smallest_member() -> None:
    # GIVEN quarters of (all, all): Q1 = 3 is primary; its programme alpha 3 too. The linked
    # rule hides Q2 (all, all) = 13, whose programmes alpha 6 and beta 7 are both published.
    rows = [
        cell("new_enrolments", "2025-Q1", "all", "all", 3),
        cell("new_enrolments", "2025-Q1", A, "all", 3),
        cell("new_enrolments", "2025-Q2", "all", "all", 13),
        cell("new_enrolments", "2025-Q2", A, "all", 6),
        cell("new_enrolments", "2025-Q2", B, "all", 7),
        cell("new_enrolments", "2025-Q3", "all", "all", 20),
        cell("new_enrolments", "2025-Q3", A, "all", 8),
        cell("new_enrolments", "2025-Q3", B, "all", 12),
        cell("cohort_size", "2025", "all", "all", 36),
    ]
    spec_only = _control(pd.DataFrame(rows), CATALOGUE, 5, None, guard_totals=False).table
    guarded = control(pd.DataFrame(rows), CATALOGUE, 5).table
    # WHEN the attacker adds Q2's programmes (6 + 7) and subtracts Q2 and Q3 from the year
    # THEN without the 1.2 hidden-total rule Q1 = 36 - 13 - 20 = 3 falls out; with it alpha Q2 goes
    assert (("new_enrolments", "2025-Q1", "all", "all"), "numerator") in attack(spec_only, CATALOGUE)
    assert reasons(lookup(guarded))[("new_enrolments", "2025-Q2", A, "all")] == "secondary"
    assert attack(guarded, CATALOGUE) == set()


# ---- input and output checks ------------------------------------------------------------------


def test_unknown_indicator_is_refused() -> None:
    with pytest.raises(DisclosureInputError, match="not in the catalogue: made_up"):
        control(pd.DataFrame([cell("made_up", "2025", A, "101", 9)]), CATALOGUE, 5)


def test_duplicated_cell_is_refused() -> None:
    rows = [cell("cohort_size", "2025", A, "101", 9)] * 2
    with pytest.raises(DisclosureInputError, match="listed twice: cohort_size/2025/alpha/101"):
        control(pd.DataFrame(rows), CATALOGUE, 5)


def test_missing_column_is_refused() -> None:
    with pytest.raises(DisclosureInputError, match="lacks column"):
        control(pd.DataFrame([{"indicator_id": "cohort_size"}]), CATALOGUE, 5)


def test_check_controlled_refuses_an_unsuppressed_small_count() -> None:
    table = control(pd.DataFrame([cell("cohort_size", "2025", A, "101", 9)]), CATALOGUE, 5).table
    check_controlled(table, CATALOGUE, 5)  # a controlled table passes
    with pytest.raises(DisclosureBreach, match="fewer than 10 persons"):
        check_controlled(table, CATALOGUE, 10)
    table.loc[0, "suppressed"] = True
    with pytest.raises(DisclosureBreach, match="still carry a number"):
        check_controlled(table, CATALOGUE, 5)
