"""The release guard (spec 1.2 "Successive releases") on small tables, and the attacker who keeps
every release (tests/helpers/releases.py) against it."""

from __future__ import annotations

import random

import pandas as pd
from helpers.publishing import cell, indicators_from_enrolments, lookup, random_enrolments
from helpers.releases import attack_releases, describe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publishing.catalogue import load_catalogue
from publishing.disclosure import control

CATALOGUE = load_catalogue()
A, B = "alpha", "beta"


def history_of(tables: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The release ledger's view of the given releases (R0001, R0002, ...)."""
    if not tables:
        return None
    return pd.concat(
        [t.assign(release_seq=n, release_id=f"R{n:04d}") for n, t in enumerate(tables, 1)],
        ignore_index=True,
    )


def releases(raws: list[pd.DataFrame], guard: bool = True) -> list[pd.DataFrame]:
    """Publish each raw table in turn, against the earlier ones (or, guard off, alone)."""
    published: list[pd.DataFrame] = []
    for n, raw in enumerate(raws, 1):
        earlier = history_of(published) if guard else None
        table = control(raw, CATALOGUE, 5, earlier).table
        published.append(table.assign(release_id=f"R{n:04d}"))
    return published


def grid(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    return pd.DataFrame([cell("cohort_size", "2025", p, m, n) for (p, m), n in counts.items()])


BASE = {
    (A, "101"): 12, (A, "147"): 9, (A, "751"): 20, (A, "all"): 41,
    (B, "101"): 10, (B, "147"): 8, (B, "751"): 15, (B, "all"): 33,
    ("all", "101"): 22, ("all", "147"): 17, ("all", "751"): 35, ("all", "all"): 74,
}


def test_the_first_release_is_exactly_the_single_release_rules() -> None:
    raw = indicators_from_enrolments(random_enrolments(random.Random(3), 50, [A, B], ["101", "147"]))
    alone = control(raw, CATALOGUE, 5).table
    first = control(raw, CATALOGUE, 5, history_of([])).table
    pd.testing.assert_frame_equal(alone, first)
    assert alone["carried_from"].isna().all() and alone["carry_reason"].isna().all()


def test_a_one_person_change_carries_the_earlier_value_and_guards_its_groups() -> None:
    # GIVEN release 1 of a cohort grid, then one person of alpha/147 withdraws
    later = dict(BASE)
    for k in ((A, "147"), (A, "all"), ("all", "147"), ("all", "all")):
        later[k] -= 1
    first, second = releases([grid(BASE), grid(later)])
    cells = lookup(second)
    # THEN alpha/147 and every cell that moved by 1 keep release 1's value, marked as carried
    moved = cells[("cohort_size", "2025", A, "147")]
    assert moved["numerator"] == 9 and moved["carried_from"] == "R0001"
    assert moved["carry_reason"] == "change" and not moved["suppressed"]
    assert cells[("cohort_size", "2025", "all", "all")]["carried_from"] == "R0001"
    # AND exactly the four moved cells are held: each group then has an unknown total and one
    # unknown member, or none, so no difference can be solved and nothing else need be held
    held = {k[2:] for k, row in cells.items() if row["carried_from"] == "R0001"}
    assert held == {(A, "147"), (A, "all"), ("all", "147"), ("all", "all")}
    assert attack_releases([first, second], CATALOGUE) == set()


def test_a_move_between_municipalities_holds_both_ends_and_keeps_the_total() -> None:
    # GIVEN alpha/147 moves to alpha/101 (one person changes municipality): alpha/all unchanged
    later = dict(BASE)
    later[(A, "147")] -= 1
    later[(A, "101")] += 1
    later[("all", "147")] -= 1
    later[("all", "101")] += 1
    first, second = releases([grid(BASE), grid(later)])
    cells = lookup(second)
    # THEN the four moved cells carry (change), totals stay, and no difference is solvable
    reasons = {k[2:]: row["carry_reason"] for k, row in cells.items() if row["carried_from"]}
    for moved in ((A, "147"), (A, "101"), ("all", "147"), ("all", "101")):
        assert reasons[moved] == "change"
    assert pd.isna(cells[("cohort_size", "2025", A, "all")]["carried_from"])
    assert attack_releases([first, second], CATALOGUE) == set()


def test_without_the_guard_the_difference_gives_the_person_away() -> None:
    later = dict(BASE)
    for k in ((A, "147"), (A, "all"), ("all", "147"), ("all", "all")):
        later[k] -= 1
    leaks = attack_releases(releases([grid(BASE), grid(later)], guard=False), CATALOGUE)
    assert ("change", 1, 0, ("cohort_size", "2025", A, "147"), "numerator") in leaks


def test_a_cell_that_disappears_counts_as_zero_and_cannot_be_held() -> None:
    # GIVEN beta/147 (8) published in release 1; in release 2 all its 8 persons are gone
    later = {k: v for k, v in BASE.items() if k != (B, "147")}
    later[(B, "all")] -= 8
    later[("all", "147")] -= 8
    later[("all", "all")] -= 8
    first, second = releases([grid(BASE), grid(later)])
    # THEN the absent cell is not published, and nothing is recoverable across the two
    assert ("cohort_size", "2025", B, "147") not in lookup(second)
    assert attack_releases([first, second], CATALOGUE) == set()


@st.composite
def histories(draw: st.DrawFn) -> list[pd.DataFrame]:
    """Three releases of random records: some persons leave, some join, between releases."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    persons = draw(st.integers(8, 50))
    programmes = draw(st.sampled_from([[A], [A, B]]))
    municipalities = draw(st.sampled_from([["101", "147"], ["101", "147", "751"]]))
    enrolments = random_enrolments(rng, persons + 10, programmes, municipalities, years=(2024, 2025))
    everyone = sorted({e.person for e in enrolments})
    raws = []
    present = set(everyone[:persons])
    for _ in range(3):
        raws.append(indicators_from_enrolments([e for e in enrolments if e.person in present]))
        leaving = rng.sample(sorted(present), k=min(len(present) - 1, rng.choice([0, 1, 2, 5])))
        joining = [p for p in everyone if p not in present][: rng.choice([0, 1, 3])]
        present = (present - set(leaving)) | set(joining)
    return raws


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_the_attacker_holding_every_release_learns_nothing(raws: list[pd.DataFrame]) -> None:
    published = releases(raws)
    leaks = attack_releases(published, CATALOGUE)
    assert not leaks, describe(leaks)
