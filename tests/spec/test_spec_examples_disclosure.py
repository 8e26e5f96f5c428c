"""examples.md case 4 (disclosure control), exactly as worked out there; only its rows exist.

Run with the rules of 1.2 and, through the test-only seam `_control(guard_totals=False)`, without
its hidden-total rule (the rules of 1.1): the worked cohort result is the same either way. The
1.2 cases follow: rates judged by their numerator, and the hidden-total case, the smallest
record-level table on which the 1.1 rules let the attacker recover one person."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from helpers.publishing import Enrolment, attack, cell, indicators_from_enrolments, lookup

from publishing.catalogue import load_catalogue
from publishing.disclosure import _control, control

PNP, SR = "people_need_people", "social_referral"
COHORT = {
    (PNP, "101"): 12, (PNP, "147"): 3, (PNP, "751"): 20, (PNP, "all"): 35,
    (SR, "101"): 9, (SR, "147"): 7, (SR, "751"): 15, (SR, "all"): 31,
    ("all", "101"): 21, ("all", "147"): 10, ("all", "751"): 35, ("all", "all"): 66,
}


@pytest.fixture(scope="module", params=[True, False], ids=["spec-1.2", "spec-1.1"])
def controlled(request: pytest.FixtureRequest) -> pd.DataFrame:
    rows = [cell("cohort_size", "2025", p, m, n) for (p, m), n in COHORT.items()]
    rows += [
        cell("new_enrolments", f"2025-Q{q}", PNP, "751", n)
        for q, n in zip((1, 2, 3, 4), (6, 5, 7, 2), strict=True)
    ]
    rows += [
        cell("volunteer_share", "2025", PNP, "101", 5, 12),
        cell("volunteer_share", "2025", PNP, "751", 8, 20),
        cell("arrived_own_share", "2025", PNP, "751", 8, 17),
    ]
    table = pd.DataFrame(rows)
    return _control(table, load_catalogue(), 5, None, guard_totals=request.param).table


def reason(table: pd.DataFrame, *key: str) -> str | None:
    row = lookup(table)[key]
    return row["suppression_reason"] if row["suppressed"] else None


def test_cohort_size_primary_and_secondary_as_worked_out(controlled: pd.DataFrame) -> None:
    expected = {(PNP, "147"): "primary", (PNP, "101"): "secondary", (SR, "101"): "secondary",
                (SR, "147"): "secondary"}
    for programme, municipality in COHORT:
        got = reason(controlled, "cohort_size", "2025", programme, municipality)
        assert got == expected.get((programme, municipality)), (programme, municipality)


def test_published_cells_keep_their_numbers_and_suppressed_ones_lose_them(
    controlled: pd.DataFrame,
) -> None:
    cells = lookup(controlled)
    assert cells[("cohort_size", "2025", PNP, "751")]["numerator"] == 20
    assert cells[("cohort_size", "2025", "all", "all")]["n_persons"] == 66
    hidden = cells[("cohort_size", "2025", PNP, "147")]
    assert all(pd.isna(hidden[c]) for c in ("numerator", "denominator", "value", "n_persons"))


def test_linked_quarters_q4_primary_q2_secondary(controlled: pd.DataFrame) -> None:
    got = [reason(controlled, "new_enrolments", f"2025-Q{q}", PNP, "751") for q in (1, 2, 3, 4)]
    assert got == [None, "secondary", None, "primary"]


def test_shared_population_and_complement(controlled: pd.DataFrame) -> None:
    assert reason(controlled, "volunteer_share", "2025", PNP, "101") == "secondary"
    assert reason(controlled, "volunteer_share", "2025", PNP, "751") is None
    assert reason(controlled, "arrived_own_share", "2025", PNP, "751") == "primary"


def test_the_attacker_recovers_nothing_from_the_example(controlled: pd.DataFrame) -> None:
    assert attack(controlled, load_catalogue()) == set()


# ---- 1.2: rates by their numerator ---------------------------------------------------------------

FAMILY = ("stay_rate_pre", "stay_rate_post", "bed_day_rate_pre", "bed_day_rate_post",
          "involuntary_share_pre", "involuntary_share_post")


@pytest.fixture(scope="module")
def rates() -> pd.DataFrame:
    """pnp/751, 2025: 20 persons with full windows; 2 stays before, 37 bed days after."""
    numerators = dict(zip(FAMILY, (2, 6, 30, 37, 5, 6), strict=True))
    rows = [cell("cohort_size", "2025", PNP, "751", 20)]
    rows += [cell(i, "2025", PNP, "751", n, 20, 20) for i, n in numerators.items()]
    return control(pd.DataFrame(rows), load_catalogue(), 5).table


def test_a_rate_with_two_events_is_primary_and_its_family_follows(rates: pd.DataFrame) -> None:
    # THEN stay_rate_pre (2 stays) is primary and every other family member secondary,
    # bed_day_rate_post (37 bed days) included, which alone would be published
    assert reason(rates, "stay_rate_pre", "2025", PNP, "751") == "primary"
    for indicator in FAMILY[1:]:
        assert reason(rates, indicator, "2025", PNP, "751") == "secondary", indicator
    assert reason(rates, "cohort_size", "2025", PNP, "751") is None


def test_a_rate_with_37_events_alone_is_published() -> None:
    rows = [cell("bed_day_rate_post", "2025", PNP, "751", 37, 20, 20)]
    table = control(pd.DataFrame(rows), load_catalogue(), 5).table
    assert reason(table, "bed_day_rate_post", "2025", PNP, "751") is None


# ---- 1.2: hidden totals; the 1.1 rules leak on this six-person table ----------------------------


@pytest.fixture(scope="module")
def six_persons() -> pd.DataFrame:
    """Five persons enrol in alpha/101 in 2025-Q1, one in alpha/147 in 2025-Q2 (counts only)."""
    enrolments = [Enrolment(n, "alpha", "101", dt.date(2025, 2, 1)) for n in range(5)]
    enrolments.append(Enrolment(5, "alpha", "147", dt.date(2025, 5, 1)))
    table = indicators_from_enrolments(enrolments)
    return table[table["indicator_id"].isin(["cohort_size", "new_enrolments"])]


def test_the_1_1_rules_let_the_single_person_be_recovered(six_persons: pd.DataFrame) -> None:
    # WHEN controlled by the rules of 1.1 (no hidden-total rule)
    table = _control(six_persons, load_catalogue(), 5, None, guard_totals=False).table
    cells = lookup(table)
    # THEN Q1 (alpha, all) is hidden (linked rule) while its only member, Q1 (alpha, 101) = 5,
    # is published: Q1 = 5 by addition, so Q2 = 6 - 5 = 1 and cohort 147 = 6 - 5 = 1
    assert reason(table, "new_enrolments", "2025-Q1", "alpha", "all") == "secondary"
    assert cells[("new_enrolments", "2025-Q1", "alpha", "101")]["numerator"] == 5
    assert cells[("cohort_size", "2025", "alpha", "all")]["numerator"] == 6
    leaked = attack(table, load_catalogue())
    assert (("new_enrolments", "2025-Q2", "alpha", "all"), "numerator") in leaked
    assert (("cohort_size", "2025", "alpha", "147"), "numerator") in leaked


def test_hidden_totals_as_worked_out_leave_the_attacker_nothing(six_persons: pd.DataFrame) -> None:
    # WHEN controlled by the rules of 1.2
    table = control(six_persons, load_catalogue(), 5).table
    # THEN Q2 primary, Q1 (alpha, all) secondary (linked), and Q1's only member 101 secondary
    assert reason(table, "new_enrolments", "2025-Q2", "alpha", "all") == "primary"
    assert reason(table, "new_enrolments", "2025-Q1", "alpha", "all") == "secondary"
    assert reason(table, "new_enrolments", "2025-Q1", "alpha", "101") == "secondary"
    assert attack(table, load_catalogue()) == set()
