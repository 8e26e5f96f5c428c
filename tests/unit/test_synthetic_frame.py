"""Unit tests of the generator's building blocks: day arithmetic, coded columns, pseudonyms."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import numpy as np
import pyarrow as pa

from synthetic.frame import (
    NULL,
    Col,
    Table,
    date_of,
    day_of,
    segments,
    to_weekday,
    weekday,
    year_of,
)
from synthetic.world import SYNTHETIC_HMAC_KEY, World, hmac_sha256_hex

KEYS = pa.array(["a" * 64, "b" * 64], pa.string())


def test_day_numbers_round_trip_and_know_the_weekday():
    # GIVEN a Tuesday
    tuesday = dt.date(2026, 3, 3)
    # WHEN it is turned into a day number and back
    day = day_of(tuesday)
    # THEN it is the same date, a Tuesday (Monday = 0), in 2026
    assert date_of(day) == tuesday
    assert weekday(np.array([day]))[0] == 1
    assert year_of(np.array([day]))[0] == 2026


def test_weekend_days_move_to_the_nearest_weekday():
    saturday, sunday = day_of(dt.date(2026, 3, 7)), day_of(dt.date(2026, 3, 8))
    moved = to_weekday(np.array([saturday, sunday, saturday - 2]))
    assert [date_of(day) for day in moved] == [
        dt.date(2026, 3, 6), dt.date(2026, 3, 9), dt.date(2026, 3, 5)]


def test_segments_number_the_members_of_each_group():
    group, position = segments(np.array([2, 0, 3]))
    assert group.tolist() == [0, 0, 2, 2, 2]
    assert position.tolist() == [0, 1, 0, 1, 2]


def test_a_value_revealed_later_is_null_or_its_fallback_before_that_day():
    # GIVEN a date known from day 10 and a status that reads 0 ("active") until day 10
    closed = Col("date", np.array([20000, 20001]), revealed_on=np.array([10, 5]))
    status = Col("enum", np.array([1, 2]), categories=("active", "completed", "cancelled"),
                 revealed_on=np.array([10, 5]), fallback=0)
    rows = np.array([0, 1])
    # WHEN both are read as of day 7
    dates = closed.arrow(rows, 7, KEYS).to_pylist()
    statuses = status.arrow(rows, 7, KEYS).to_pylist()
    # THEN only the second row's values are known
    assert dates == [None, date_of(20001)]
    assert statuses == ["active", "cancelled"]


def test_coded_columns_become_the_spec_types():
    rows = np.array([0, 1])
    ids = Col("id", np.array([7, 123]), prefix="ADM", width=5).arrow(rows, 0, KEYS)
    keys = Col("key", np.array([1, NULL])).arrow(rows, 0, KEYS)
    stamps = Col("ts", np.array([day_of(dt.date(2026, 1, 2)) * 1440 + 75, NULL])).arrow(rows, 0, KEYS)
    flags = Col("bool", np.array([1, 0])).arrow(rows, 0, KEYS)
    assert ids.to_pylist() == ["ADM00007", "ADM00123"]
    assert keys.to_pylist() == ["b" * 64, None]
    assert stamps.to_pylist() == [dt.datetime(2026, 1, 2, 1, 15), None]
    assert flags.to_pylist() == [True, False]


def test_a_delta_holds_new_rows_and_rows_changed_between_the_extracts():
    # GIVEN rows known on days 1, 1, 1, 8, 20 of which the second changes on day 6, the third on 30
    table = Table("x", {}, known_from=np.array([1, 1, 1, 8, 20]),
                  changes_on=np.array([99, 6, 30, 99, 99]))
    # WHEN the full extract is on day 5 and the delta on day 10
    first = table.rows_known_by(5)
    delta = table.rows_new_or_changed(5, 10)
    # THEN the delta re-delivers the changed row and the new one, nothing known only later
    assert first.tolist() == [0, 1, 2]
    assert delta.tolist() == [1, 3]


def test_person_keys_are_the_hmac_of_the_fake_number():
    keys = hmac_sha256_hex(b"k", 1_234_567_890, 2)
    expected = [hmac.new(b"k", str(n).encode(), hashlib.sha256).hexdigest()
                for n in (1_234_567_890, 1_234_567_891)]
    assert keys.to_pylist() == expected


def test_the_world_keys_differ_by_seed_and_cover_every_person():
    world = World(persons=20, seed=1, years=1)
    other = World(persons=20, seed=2, years=1)
    assert len(world.keys) == 20 + world.region_only
    assert len(set(world.keys.to_pylist())) == len(world.keys)
    assert set(world.keys.to_pylist()).isdisjoint(other.keys.to_pylist())
    assert len(SYNTHETIC_HMAC_KEY) <= 64


def test_the_cutoff_is_the_earliest_latest_extract_minus_one_day():
    world = World(persons=20, seed=1, years=1, end=dt.date(2026, 3, 3))
    latest = {source: date_of(extract.latest) for source, extract in world.extracts.items()}
    assert len(set(latest.values())) == 3  # the sources' latest extracts differ by a day or two
    assert date_of(world.cutoff) == min(latest.values()) - dt.timedelta(days=1)
    assert all(extract.first < extract.latest for extract in world.extracts.values())
