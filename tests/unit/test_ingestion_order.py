"""The fast path numbers rows by the order DuckDB stores them in: it must notice a plan that
could reorder them (and then number a materialised copy instead)."""

from __future__ import annotations

import duckdb

from ingestion.checks import _keeps_order


def test_a_projection_keeps_the_order_and_a_join_does_not(tmp_path):
    # GIVEN a CSV read by DuckDB on two threads
    path = tmp_path / "rows.csv"
    path.write_text("a\n" + "\n".join(str(i) for i in range(100)) + "\n", encoding="utf-8")
    con = duckdb.connect()
    con.execute("set threads = 2")
    read = f"read_csv('{path}', header = true, columns = {{'a': 'VARCHAR'}})"
    # WHEN asked about a projection THEN it keeps the file's order
    assert _keeps_order(con, f"create temp table t as select a, a || 'x' as b from {read}")
    # WHEN asked about a join with another table THEN it may not
    con.execute("create table codes as select '1' as a")
    assert not _keeps_order(con, f"create temp table t as select r.a from {read} r join codes using (a)")
