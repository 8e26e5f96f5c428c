"""The published folder of a real `sammen run` (the session's demo home): aggregates only, no
person key anywhere, no unsuppressed small count, nothing the attacker can recover; and the
indicators of the real run agree with the spec's definitions recomputed from the warehouse."""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers.publishing import attack

from core.home import Home
from publishing.catalogue import load_catalogue
from publishing.outputs import DECLARED

pytestmark = pytest.mark.slow
HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", re.IGNORECASE)


def test_published_holds_only_declared_files(demo_home: Home) -> None:
    names = {path.name for path in demo_home.published.iterdir()}
    assert names <= set(DECLARED)
    assert {"indicators.csv", "manifest.json", "catalogue.yaml"} <= names


def test_no_person_key_in_any_published_file(demo_home: Home) -> None:
    manifest = json.loads((demo_home.published / "manifest.json").read_text())
    digests = {entry["sha256"] for entry in manifest["files"].values()}
    with duckdb.connect(str(demo_home.warehouse), read_only=True) as connection:
        keys = {r[0] for r in connection.sql("select distinct person_key from marts.cohort").fetchall()}
    assert keys
    for path in demo_home.published.iterdir():
        if path.suffix == ".parquet":
            text = pq.read_table(path).to_pandas().to_csv()
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        assert not set(HEX64.findall(text)) - digests, path.name
        assert not any(k in text for k in keys), path.name


def test_no_unsuppressed_small_count_and_the_attacker_fails(demo_home: Home) -> None:
    table = pd.read_parquet(demo_home.published / "indicators.parquet")
    shown = table[~table["suppressed"]]
    assert not shown["n_persons"].dropna().between(1, 4).any()
    count_like = shown[shown["indicator_id"].str.endswith("_share")
                       | shown["indicator_id"].isin(["cohort_size", "new_enrolments", "active_participants"])]
    assert not count_like["numerator"].between(1, 4).any()
    assert attack(table, load_catalogue()) == set()


def test_every_indicator_of_the_catalogue_is_published(demo_home: Home) -> None:
    """Retention shares only for years whose windows closed (31 Dec + 30N <= cutoff + 1)."""
    table = pd.read_parquet(demo_home.published / "indicators.parquet")
    cutoff = dt.date.fromisoformat(
        json.loads((demo_home.published / "manifest.json").read_text())["cutoff"]
    )
    years = {int(p) for p in table.loc[table["indicator_id"] == "cohort_size", "period"]}
    expected = set(load_catalogue().ids)
    for months in (3, 6, 12):
        closed = {
            str(y) for y in years
            if dt.date(y, 12, 31) + dt.timedelta(days=30 * months) <= cutoff + dt.timedelta(days=1)
        }
        indicator = f"retained_{months}m_share"
        assert set(table.loc[table["indicator_id"] == indicator, "period"]) == closed
        if not closed:
            expected.discard(indicator)
    assert set(table["indicator_id"]) == expected


# Independent of the dbt model: outcomes.md's activity definitions over resolved.* and the cohort,
# for the (all, all) cells (the totals computed from records).
ACTIVITY_FROM_RECORDS = """
with sessions as (
    select session_id, programme, held_on,
        cast(year(held_on) as varchar) || '-Q' || cast(quarter(held_on) as varchar) as period
    from resolved.sessions where held_on <= $cutoff
),
attended as (
    select attendance.person_key, sessions.held_on, sessions.period
    from resolved.attendance as attendance join sessions using (session_id)
)
select 'attendances' as indicator_id, period, count(*) as numerator, null as n_persons
from attended group by period
union all
select 'sessions_held', period, count(*), null from sessions group by period
union all
select 'active_participants', period, count(distinct person_key), count(distinct person_key)
from attended
where exists (
    select 1 from marts.cohort as cohort
    where cohort.person_key = attended.person_key and cohort.enrolled_on <= attended.held_on
        and attended.held_on <= coalesce(cohort.ended_on, $cutoff)
)
group by period
union all
select 'new_enrolments', cast(year(enrolled_on) as varchar) || '-Q' || cast(quarter(enrolled_on) as varchar),
    count(*), count(distinct person_key)
from marts.cohort group by 2
union all
select 'cohort_size', cast(year(enrolled_on) as varchar), count(*), count(distinct person_key)
from marts.cohort group by 2
"""


def test_real_activity_and_cohort_totals_match_the_records(demo_home: Home) -> None:
    # GIVEN the demo run's warehouse and cutoff
    cutoff = dt.date.fromisoformat(
        json.loads((demo_home.published / "manifest.json").read_text())["cutoff"]
    )
    with duckdb.connect(str(demo_home.warehouse), read_only=True) as connection:
        expected = connection.execute(ACTIVITY_FROM_RECORDS, {"cutoff": cutoff}).df()
        model = connection.sql(
            "select indicator_id, period, numerator, n_persons from marts.indicators "
            "where programme = 'all' and municipality = 'all' and indicator_id in "
            "('attendances', 'sessions_held', 'active_participants', 'new_enrolments', 'cohort_size')"
        ).df()
    # WHEN both are keyed by (indicator, period) THEN they hold the same cells and numbers
    key = ["indicator_id", "period"]
    expected = expected.sort_values(key).reset_index(drop=True)
    model = model.sort_values(key).reset_index(drop=True)
    assert len(expected) > 20 and (expected["numerator"] > 0).all()
    assert model[key].to_dict("records") == expected[key].to_dict("records")
    assert model["numerator"].tolist() == expected["numerator"].tolist()
    assert model["n_persons"].fillna(-1).tolist() == expected["n_persons"].fillna(-1).tolist()
    # and no activity is dated after the cutoff
    quarters = model.loc[model["period"].str.contains("-Q"), "period"]
    last = f"{cutoff.year}-Q{(cutoff.month - 1) // 3 + 1}"
    assert quarters.max() <= last
