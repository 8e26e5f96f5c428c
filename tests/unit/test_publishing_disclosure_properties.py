"""Property-based tests: over random record-level cohorts, disclosure control always leaves a
table in which no small count shows, no group can be solved by subtraction, and the attacker
recovers nothing. The checks here are written independently of publishing/disclosure.py."""

from __future__ import annotations

import random

import pandas as pd
from helpers.publishing import attack, indicators_from_enrolments, random_enrolments
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publishing.catalogue import load_catalogue
from publishing.disclosure import control

CATALOGUE = load_catalogue()
KEY = ["indicator_id", "period", "programme", "municipality"]


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    seed = draw(st.integers(0, 2**32 - 1))
    persons = draw(st.integers(1, 60))
    programmes = draw(st.sampled_from([["alpha"], ["alpha", "beta"], ["alpha", "beta", "gamma"]]))
    municipalities = draw(st.sampled_from([["101"], ["101", "147"], ["101", "147", "751", "153"]]))
    threshold = draw(st.sampled_from([5, 5, 6, 10]))
    enrolments = random_enrolments(
        random.Random(seed), persons, programmes, municipalities, years=(2024, 2025)
    )
    return indicators_from_enrolments(enrolments), threshold


def groups(table: pd.DataFrame) -> list[tuple[tuple, list[tuple]]]:
    """(total key, member keys) of every margin group and linked group present in the table."""
    keys = [tuple(row) for row in table[KEY].itertuples(index=False)]
    found: dict[tuple, list[tuple]] = {}
    for i, t, p, m in keys:
        if m != "all":
            found.setdefault((i, t, p, "all"), []).append((i, t, p, m))
        if p != "all":
            found.setdefault((i, t, "all", m + "|by-programme"), []).append((i, t, p, m))
        if i == "new_enrolments":
            found.setdefault(("cohort_size", t[:4], p, m), []).append((i, t, p, m))
    result = []
    for total, members in found.items():
        result.append(((total[0], total[1], total[2], total[3].split("|")[0]), members))
    return result


PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(cohorts())
def test_controlled_tables_keep_every_rule(case: tuple[pd.DataFrame, int]) -> None:
    # GIVEN indicators from random records WHEN controlled THEN every rule holds
    raw, threshold = case
    table = control(raw, CATALOGUE, threshold).table
    no_small_count_is_published(table, threshold)
    no_group_with_a_published_total_holds_exactly_one_suppressed_cell(table)
    shared_populations_are_suppressed_together(raw, table)
    published_cells_are_unchanged(raw, table)


@PROPERTY_SETTINGS
@given(cohorts())
def test_the_attacker_recovers_no_suppressed_count(case: tuple[pd.DataFrame, int]) -> None:
    raw, threshold = case
    table = control(raw, CATALOGUE, threshold).table
    assert attack(table, CATALOGUE) == set()


def test_the_attacker_does_recover_a_cell_left_alone_in_its_group() -> None:
    # GIVEN a table where only primary suppression ran (one hidden cell per group)
    enrolments = random_enrolments(random.Random(4), 40, ["alpha", "beta"], ["101", "147", "751"])
    raw = indicators_from_enrolments(enrolments)
    table = control(raw, CATALOGUE, 5).table
    primary_only = table.copy()
    secondary = primary_only["suppression_reason"] == "secondary"
    assert secondary.any(), "the fixture must need secondary suppression"
    restored = raw.set_index(KEY).loc[primary_only.loc[secondary, KEY].apply(tuple, axis=1)]
    for column in ("numerator", "denominator", "value", "n_persons"):
        primary_only.loc[secondary, column] = restored[column].to_numpy()
    primary_only.loc[secondary, "suppressed"] = False
    # WHEN attacked THEN something is recovered: the attacker is able to fail the test
    assert attack(primary_only, CATALOGUE)


def no_small_count_is_published(table: pd.DataFrame, threshold: int) -> None:
    shown = table[~table["suppressed"]]
    small = lambda s: (s >= 1) & (s < threshold)  # noqa: E731
    assert not small(shown["n_persons"].astype(float)).any()
    # spec 1.2: a rate's numerator (stays, bed days) is judged like a count
    count_like = shown[shown["indicator_id"].str.endswith("_share")
                       | shown["indicator_id"].str.contains("_rate_")
                       | shown["indicator_id"].isin(["cohort_size", "new_enrolments"])]
    assert not small(count_like["numerator"].astype(float)).any()
    shares = shown[shown["indicator_id"].str.endswith("_share")]
    assert not small((shares["denominator"] - shares["numerator"]).astype(float)).any()
    hidden = table[table["suppressed"]]
    assert hidden[["numerator", "denominator", "value", "n_persons"]].isna().all().all()


def no_group_with_a_published_total_holds_exactly_one_suppressed_cell(table: pd.DataFrame) -> None:
    records = {tuple(row[k] for k in KEY): row for row in table.to_dict("records")}
    hidden = {key: row["suppressed"] for key, row in records.items()}
    for total, members in groups(table):
        if total in hidden and not hidden[total]:
            assert sum(hidden[m] for m in members) != 1, (total, members)
        # spec 1.2: a hidden total is not left whole (members with persons, all shown)
        persons = [m for m in members if hidden[m] or (records[m]["n_persons"] or 0) > 0]
        if hidden.get(total) and persons:
            assert any(hidden[m] for m in persons), (total, members)


def shared_populations_are_suppressed_together(raw: pd.DataFrame, table: pd.DataFrame) -> None:
    cohort = table[table["indicator_id"] == "cohort_size"].set_index(KEY[1:])["suppressed"]
    raw_persons = raw.set_index(KEY)["n_persons"]
    for row in table[table["indicator_id"] != "new_enrolments"].to_dict("records"):
        key = (row["period"], row["programme"], row["municipality"])
        if cohort.get(key, False) and raw_persons[tuple(row[k] for k in KEY)] > 0:
            assert row["suppressed"], row
    family = table[table["indicator_id"].isin(["stay_rate_pre", "bed_day_rate_pre"])]
    assert (family.groupby(KEY[1:])["suppressed"].nunique() == 1).all()


def published_cells_are_unchanged(raw: pd.DataFrame, table: pd.DataFrame) -> None:
    table = table.set_index(KEY)
    before = raw.set_index(KEY).loc[table.index]
    shown = ~table["suppressed"]
    assert (table.loc[shown, "numerator"].astype(float) == before.loc[shown, "numerator"]).all()
    assert (table.loc[shown, "n_persons"].astype(float) == before.loc[shown, "n_persons"]).all()
    assert len(table) == len(raw)
