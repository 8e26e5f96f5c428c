"""examples.md case 4 (disclosure control), exactly as worked out there; only its rows exist.

Run with the project's default (`guard_totals=True`, see publishing/disclosure.py) and with the
spec's rules alone: the worked result is the same either way. The last tests hold the smallest
record-level table on which the spec's rules alone let the attacker recover one person, the
reason the guard is on."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from helpers.publishing import Enrolment, attack, cell, indicators_from_enrolments, lookup

from publishing.catalogue import load_catalogue
from publishing.disclosure import control

PNP, SR = "people_need_people", "social_referral"
COHORT = {
    (PNP, "101"): 12, (PNP, "147"): 3, (PNP, "751"): 20, (PNP, "all"): 35,
    (SR, "101"): 9, (SR, "147"): 7, (SR, "751"): 15, (SR, "all"): 31,
    ("all", "101"): 21, ("all", "147"): 10, ("all", "751"): 35, ("all", "all"): 66,
}


@pytest.fixture(scope="module", params=[True, False], ids=["guarded", "spec-only"])
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
    return control(pd.DataFrame(rows), load_catalogue(), 5, guard_totals=request.param).table


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


# ---- why the guard is on: the spec's rules alone leak on this six-person table ------------------


@pytest.fixture(scope="module")
def six_persons() -> pd.DataFrame:
    """Five persons enrol in alpha/101 in 2025-Q1, one in alpha/147 in 2025-Q2 (counts only)."""
    enrolments = [Enrolment(n, "alpha", "101", dt.date(2025, 2, 1)) for n in range(5)]
    enrolments.append(Enrolment(5, "alpha", "147", dt.date(2025, 5, 1)))
    table = indicators_from_enrolments(enrolments)
    return table[table["indicator_id"].isin(["cohort_size", "new_enrolments"])]


def test_the_spec_rules_alone_let_the_single_person_be_recovered(six_persons: pd.DataFrame) -> None:
    # WHEN controlled by the spec's rules alone
    table = control(six_persons, load_catalogue(), 5, guard_totals=False).table
    cells = lookup(table)
    # THEN Q1 (alpha, all) is hidden (linked rule) while its only member, Q1 (alpha, 101) = 5,
    # is published: Q1 = 5 by addition, so Q2 = 6 - 5 = 1 and cohort 147 = 6 - 5 = 1
    assert reason(table, "new_enrolments", "2025-Q1", "alpha", "all") == "secondary"
    assert cells[("new_enrolments", "2025-Q1", "alpha", "101")]["numerator"] == 5
    assert cells[("cohort_size", "2025", "alpha", "all")]["numerator"] == 6
    leaked = attack(table, load_catalogue())
    assert (("new_enrolments", "2025-Q2", "alpha", "all"), "numerator") in leaked
    assert (("cohort_size", "2025", "alpha", "147"), "numerator") in leaked


def test_the_guard_leaves_the_attacker_nothing(six_persons: pd.DataFrame) -> None:
    table = control(six_persons, load_catalogue(), 5).table
    assert reason(table, "new_enrolments", "2025-Q1", "alpha", "101") == "secondary"
    assert attack(table, load_catalogue()) == set()
