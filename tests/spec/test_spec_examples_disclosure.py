"""examples.md case 4 (disclosure control), exactly as worked out there; only its rows exist."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.publishing import attack, cell, lookup

from publishing.catalogue import load_catalogue
from publishing.disclosure import control

PNP, SR = "people_need_people", "social_referral"
COHORT = {
    (PNP, "101"): 12, (PNP, "147"): 3, (PNP, "751"): 20, (PNP, "all"): 35,
    (SR, "101"): 9, (SR, "147"): 7, (SR, "751"): 15, (SR, "all"): 31,
    ("all", "101"): 21, ("all", "147"): 10, ("all", "751"): 35, ("all", "all"): 66,
}


@pytest.fixture(scope="module")
def controlled() -> pd.DataFrame:
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
    return control(pd.DataFrame(rows), load_catalogue(), threshold=5).table


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
