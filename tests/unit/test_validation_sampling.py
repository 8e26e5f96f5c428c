"""GX batches of large resolved tables are DuckDB samples, so no whole national table enters
pandas (issue 11); small tables are still validated whole."""

from __future__ import annotations

import datetime as dt

import duckdb
from helpers.validation import create_warehouse, good_batch

from validation.batches import plan_batches
from validation.thresholds import DEFAULT_THRESHOLDS

TODAY = dt.date(2025, 6, 15)


def _frames(sample_rows: int | None) -> dict[str, tuple[int, int]]:
    """Per contract or distribution batch: (rows GX would see, rows of the resolved table)."""
    con = duckdb.connect()
    create_warehouse(con)
    good_batch(con)
    seen = {}
    for batch in plan_batches(con, "run-1", TODAY, DEFAULT_THRESHOLDS, sample_rows):
        if batch.name.endswith((".contract", ".distribution")):
            total = con.execute(f"select count(*) from resolved.{batch.dataset}").fetchone()[0]
            seen[batch.name] = (len(con.sql(batch.sql).df()), total)
    con.close()
    return seen


def test_a_table_larger_than_the_sample_is_validated_on_a_sample_of_that_size():
    # GIVEN resolved tables, some larger than 3 rows WHEN the batches are planned with 3 rows
    frames = _frames(sample_rows=3)
    # THEN every larger table's batch holds exactly 3 rows, a smaller one all of its rows
    large = {name: seen for name, (seen, total) in frames.items() if total > 3}
    assert large and set(large.values()) == {3}
    assert all(seen == total for seen, total in frames.values() if total <= 3)


def test_without_a_sample_size_every_row_is_validated():
    # GIVEN the same tables WHEN no sample size is given THEN the batches hold every row
    frames = _frames(sample_rows=None)
    assert frames and all(seen == total for seen, total in frames.values())
