"""`sammen query` opens onto the marts only: every escape of issue 16 (and more) is refused with a
clean message, writes no file and prints no value. On a small hand-made warehouse (no dbt run)
whose marts-only database is written by transform.martsdb, as a build does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import sammen_command

from core.home import Home
from core.settings import Settings
from transform.martsdb import public_marts, write_marts_db
from transform.query import QueryError, connect, run_query

KEY = "5f1e" * 16  # a person_key (64 hex)
ENROLMENT = "ENR0000431"
CPR = "0101901234"  # synthetic CPR-shaped value, only in raw.* and the ledger
SECRETS = (KEY, ENROLMENT, CPR, "0101901")
CPR_SHAPE = re.compile(r"\d{6}-?\d{4}")


def _warehouse(home: Home, cohort_rows: int = 3) -> None:
    """A warehouse as a build leaves it: marts (and a dbt backup of one) beside every other
    layer, each holding the person's values."""
    with duckdb.connect(str(home.warehouse)) as connection:
        for schema in ("marts", "raw", "resolved", "ledger", "staging", "intermediate"):
            connection.execute(f"create schema if not exists {schema}")
        connection.execute(
            "create or replace table marts.cohort as select ? as person_key, ? as enrolment_id, "
            "range as n from range(?)", [KEY, ENROLMENT, cohort_rows],
        )
        connection.execute("create or replace table marts.indicators as select 'cohort_size' as indicator_id")
        connection.execute("create or replace table marts.cohort__dbt_backup as select * from marts.cohort")
        connection.execute("create or replace table marts.scratch_not_a_model as select 1 as x")
        for table in ("raw.enrolments", "resolved.enrolments", "ledger.files", "ledger.quarantine"):
            connection.execute(f"create or replace table {table} as select ? as cpr, ? as person_key", [CPR, KEY])
        connection.execute("create or replace view staging.stg_enrolments as select * from resolved.enrolments")
        connection.execute("create or replace view intermediate.int_x as select * from staging.stg_enrolments")


@pytest.fixture
def marts_home(home: Home) -> Home:
    _warehouse(home)
    write_marts_db(home)
    return home


def _files(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def _assert_clean(message: str) -> None:
    for secret in SECRETS:
        assert secret not in message, "a row value was echoed in the error"
    assert not CPR_SHAPE.search(message), "a CPR-shaped number was echoed in the error"


# --- the marts-only database -------------------------------------------------------------------


def test_marts_db_holds_only_the_public_marts(marts_home):
    # GIVEN a warehouse with marts, a __dbt_backup, a non-model table and raw/resolved/ledger
    # WHEN the marts-only database is written (done in the fixture)
    # THEN it holds exactly the dbt project's marts models that exist, nothing else
    assert {"cohort", "indicators"} <= set(public_marts())
    with duckdb.connect(str(marts_home.marts_db), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables order by 2"
        ).fetchall()
    assert tables == [("main", "cohort"), ("main", "indicators")]
    assert sorted(p.name for p in marts_home.marts_db.parent.iterdir()) == ["marts.duckdb"]


def test_a_reader_keeps_its_snapshot_while_a_new_marts_db_is_swapped_in(marts_home):
    # GIVEN an evaluator's open connection to the marts database (3 cohort rows)
    with connect(marts_home, Settings()) as reader:
        # WHEN a build rewrites the marts (5 rows) and swaps the marts database in
        _warehouse(marts_home, cohort_rows=5)
        write_marts_db(marts_home)
        # THEN the open reader still reads its snapshot, a new one reads the new marts
        assert reader.execute("select count(*) from cohort").fetchone() == (3,)
    assert run_query(marts_home, "select count(*) from cohort")[1] == [(5,)]
    assert not list(marts_home.marts_db.parent.glob("*.partial-*"))


def test_an_interrupted_writes_leftover_is_removed_by_the_next_write(marts_home):
    # GIVEN the partial file of a write that was killed half-way
    leftover = marts_home.marts_db.with_name("marts.duckdb.partial-99999")
    leftover.write_bytes(KEY.encode())
    # WHEN the next build writes the marts database THEN the leftover is gone
    write_marts_db(marts_home)
    assert not leftover.exists()


# --- what evaluators may do --------------------------------------------------------------------


@pytest.mark.parametrize("statement, expected", [
    ("select count(*) from cohort", [(3,)]),
    ("select count(*) from marts.cohort", [(3,)]),
    ("show tables", [("cohort",), ("indicators",)]),
    ("select column_name from (describe cohort) order by 1", [("enrolment_id",), ("n",), ("person_key",)]),
])
def test_query_reads_the_marts_with_or_without_the_schema_name(marts_home, statement, expected):
    # GIVEN the marts database WHEN an evaluator reads it THEN the marts' rows come back
    assert run_query(marts_home, statement)[1] == expected


def test_query_without_a_marts_db_says_what_to_run(home):
    # GIVEN a home whose warehouse has marts but no marts database was written yet
    _warehouse(home)
    # WHEN queried THEN it says to build first, and does not fall back to the warehouse
    with pytest.raises(QueryError, match="sammen transform"):
        run_query(home, "select count(*) from cohort")


# --- every escape ------------------------------------------------------------------------------

REFUSED, NO_FILES, UNKNOWN = "Nothing was run", "no file access", "unknown name"

ESCAPES = [
    # files: write next to the warehouse, read it, reach anything on disk
    ("copy (select * from cohort) to '{warehouse}.wal.recovery'", REFUSED),
    ("copy cohort to '{tmp}/leak.parquet' (format parquet)", REFUSED),
    ("select content from read_blob('{warehouse}')", NO_FILES),
    ("select * from read_text('{warehouse}')", NO_FILES),
    ("select * from read_csv('{home}/landing/region/*.csv')", NO_FILES),
    ("select * from read_parquet('{home}/marts/*.parquet')", NO_FILES),
    ("select * from glob('{home}/**')", NO_FILES),
    ("select * from '{warehouse}'", NO_FILES),
    ("attach '{warehouse}' as warehouse (read_only)", REFUSED),
    ("export database '{tmp}/exported'", REFUSED),
    ("install httpfs", REFUSED),
    ("load httpfs", REFUSED),
    # other layers and leftovers
    ("select * from raw.enrolments", UNKNOWN),
    ("select * from resolved.enrolments", UNKNOWN),
    ("select * from ledger.quarantine", UNKNOWN),
    ("select * from ledger.files", UNKNOWN),
    ("select * from staging.stg_enrolments", UNKNOWN),
    ("select * from intermediate.int_x", UNKNOWN),
    ("select * from cohort__dbt_backup", UNKNOWN),
    ("select * from scratch_not_a_model", UNKNOWN),
    ("select * from query_table('raw.enrolments')", UNKNOWN),
    # values echoed in errors
    ("select error(person_key) from cohort", "invalid input"),
    ("select person_key::date from cohort", "conversion error"),
    ("select person_key::int from cohort", "conversion error"),
    ("select cast(enrolment_id as integer) from cohort", "conversion error"),
    ("select person_key::uuid from cohort", "conversion error"),
    ("select person_key::json from cohort", "conversion error"),
    ("select strptime(person_key, '%Y') from cohort", "invalid input"),
    ("select json_extract(enrolment_id, '$.a') from cohort", "invalid input"),
    ("select * from query((select person_key from cohort limit 1))", "binder error"),
    # loosening the configuration, or side doors
    ("set enable_external_access = true", REFUSED),
    ("set memory_limit = '100GB'", REFUSED),
    ("reset memory_limit", REFUSED),
    ("pragma memory_limit = '100GB'", REFUSED),
    ("pragma enable_external_access = true", REFUSED),
    ("set variable v = (select person_key from cohort limit 1)", REFUSED),
    ("call pragma_version()", REFUSED),
    ("select getenv('HOME')", UNKNOWN),
    ("select 1; copy cohort to '{tmp}/leak.csv'", REFUSED),
    ("create temp table t as select * from cohort", REFUSED),
    ("prepare p as select * from cohort", REFUSED),
    ("checkpoint", REFUSED),
    ("vacuum", REFUSED),
    ("use memory", REFUSED),
    # writes
    ("delete from cohort", REFUSED),
    ("drop table cohort", REFUSED),
    ("update cohort set n = 0", REFUSED),
    ("insert into cohort select * from cohort", REFUSED),
]


@pytest.mark.parametrize("template, expected", ESCAPES, ids=[t for t, _ in ESCAPES])
def test_every_escape_is_refused_cleanly(marts_home, tmp_path, template, expected):
    # GIVEN the marts database beside a warehouse full of other layers, and the files on disk
    before = _files(tmp_path)
    statement = template.format(warehouse=marts_home.warehouse, home=marts_home.root, tmp=tmp_path)
    # WHEN an evaluator tries the escape
    with pytest.raises(QueryError) as raised:
        run_query(marts_home, statement)
    # THEN it is refused with the expected clean message, no value in it, no file written,
    # and the marts are unchanged
    message = str(raised.value)
    assert expected in message
    _assert_clean(message)
    assert _files(tmp_path) == before
    assert run_query(marts_home, "select count(*), sum(n) from cohort")[1] == [(3, 3)]


def test_an_error_still_names_the_column_and_type_involved(marts_home):
    # GIVEN a cast that fails on a value WHEN queried
    with pytest.raises(QueryError) as raised:
        run_query(marts_home, "select person_key::date from cohort")
    # THEN the message names the column and the type (helpful), never the value
    names = str(raised.value).split("names: ")[1].split("]")[0].lower().split(", ")
    assert "person_key" in names and "date" in names
    _assert_clean(str(raised.value))


def test_a_mistyped_column_is_named_with_the_candidates_but_not_sql_words(marts_home):
    # GIVEN a query naming a column that does not exist WHEN run
    with pytest.raises(QueryError) as raised:
        run_query(marts_home, "select enrolment from cohort")
    # THEN the message names the typo and the candidate columns, no SQL word (select, from)
    assert str(raised.value).split("names: ")[1].split("]")[0] == "enrolment, enrolment_id, n, person_key"


# --- limits ------------------------------------------------------------------------------------


def test_a_query_past_the_time_limit_is_stopped(marts_home):
    # GIVEN a time limit of 1 s WHEN a query would run for hours
    started = time.monotonic()
    with pytest.raises(QueryError, match="time limit of 1 s"):
        run_query(marts_home, "select count(*) from cohort, range(1000000000000)",
                  Settings(query_timeout_seconds=1))
    # THEN it is stopped soon after the limit
    assert time.monotonic() - started < 15


def test_a_query_needing_more_memory_than_the_limit_fails_without_spilling(marts_home, tmp_path):
    # GIVEN a memory limit of 64 MB and the files on disk
    before = _files(tmp_path)
    # WHEN a query sorts 100 million rows (about 800 MB)
    with pytest.raises(QueryError, match="more memory than the limit of 64MB"):
        run_query(marts_home, "select count(*) from (select range from range(100000000) order by random())",
                  Settings(query_memory_limit="64MB"))
    # THEN it fails cleanly and nothing was spilled to disk
    assert _files(tmp_path) == before


def test_a_result_larger_than_the_memory_limit_is_refused(marts_home):
    # GIVEN a memory limit of 64 MB WHEN a query returns about 200 MB of rows
    with pytest.raises(QueryError, match="more memory than the limit of 64MB"):
        run_query(marts_home, "select repeat('x', 1000) from range(200000)",
                  Settings(query_memory_limit="64MB"))
    # THEN it is refused (the rows held as Python objects count against the limit too)


def test_the_cli_process_stays_near_the_memory_limit_with_a_huge_result(marts_home):
    # GIVEN a memory limit of 256 MB WHEN `sammen query` is asked for 2 GB of rows (DuckDB's
    # memory_limit does not cover a result it buffers for the client)
    measure = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, "
        "text=True); print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(r.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", measure, *sammen_command(), "query", "--home", str(marts_home.root),
         "select repeat('x', 10000) from range(200000)"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "SAMMEN_QUERY_MEMORY_LIMIT": "256MB"},
    )
    returncode, max_rss_kib = result.stdout.split("\n")[0].split()
    # THEN it fails cleanly, and the process never held much more than twice the limit
    assert returncode == "1" and "more memory than the limit of 256MB" in result.stdout
    assert int(max_rss_kib) < 1_000_000


def test_the_limits_are_set_and_locked_on_the_connection(marts_home):
    # GIVEN settings with a memory limit and a thread count WHEN connected
    settings = Settings(query_memory_limit="100MB", query_threads=1)
    with connect(marts_home, settings) as connection:
        values = dict(connection.execute(
            "select name, value from duckdb_settings() where name in "
            "('memory_limit', 'threads', 'enable_external_access', 'lock_configuration', 'temp_directory')"
        ).fetchall())
    # THEN DuckDB runs with them, external access off and the configuration locked
    assert values["threads"] == "1" and values["memory_limit"].startswith("95.3 MiB")
    assert values["enable_external_access"] == "false" and values["lock_configuration"] == "true"
    assert values["temp_directory"] == ""


# --- the command line --------------------------------------------------------------------------


def test_the_cli_prints_a_clean_error_and_nothing_else(marts_home):
    # GIVEN the marts database WHEN `sammen query` runs a statement that echoes a value
    result = subprocess.run(
        [*sammen_command(), "query", "--home", str(marts_home.root), "select error(person_key) from cohort"],
        capture_output=True, text=True, timeout=120,
    )
    # THEN it exits 1 with one clean line on stderr and no value anywhere
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("sammen query: error: query failed: invalid input")
    _assert_clean(result.stdout + result.stderr)


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit, expected", [("2GB", 2_000_000_000), ("512MiB", 512 * 2**20), ("64 mb", 64_000_000)])
def test_the_memory_limit_is_read_in_duckdbs_units(limit, expected):
    # GIVEN a memory limit in DuckDB's syntax WHEN read THEN its bytes are DuckDB's
    assert Settings(query_memory_limit=limit).query_memory_bytes == expected


@pytest.mark.parametrize("changes", [
    {"query_memory_limit": "lots"}, {"query_timeout_seconds": 0}, {"query_threads": 0},
])
def test_malformed_query_limits_are_refused_at_start(changes):
    # GIVEN a malformed limit WHEN the settings are made THEN they are refused, naming it
    with pytest.raises(ValueError, match="query"):
        Settings(**changes)
