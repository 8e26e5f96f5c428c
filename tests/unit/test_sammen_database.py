"""core.database: every DuckDB connection sammen opens has bounded memory (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.database import MEMORY_SETTING, OutOfMemory, connect, duckdb_config, one, scalar
from core.home import Home
from core.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_MEMORY_LIMIT_CAP,
    Settings,
    default_memory_limit,
)


def test_a_connection_carries_the_memory_limit_threads_spill_folder_and_order_setting(home: Home):
    # GIVEN settings with a small memory limit and one thread
    settings = Settings(duckdb_memory_limit="300MiB", duckdb_threads=1)
    # WHEN sammen opens a connection for a stage
    with connect(home, settings, stage="ingest", database=":memory:") as connection:
        memory, threads, ordered, spill = connection.execute(
            "select current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('preserve_insertion_order'), current_setting('temp_directory')"
        ).fetchone()
        spill_exists = Path(spill).is_dir()
    # THEN DuckDB runs with them, spilling inside the home, and the spill folder is erased after
    assert memory.startswith("300") and threads == 1 and ordered is False
    assert Path(spill).is_relative_to(home.spill) and spill_exists
    assert not Path(spill).exists()


def test_a_reader_that_needs_storage_order_keeps_it(home: Home):
    # GIVEN a caller that reads rows in storage order WHEN it connects THEN the order is kept
    with connect(home, Settings(), stage="publish", database=":memory:", ordered=True) as connection:
        assert connection.execute("select current_setting('preserve_insertion_order')").fetchone()[0] is True


def test_running_out_of_memory_names_the_stage_and_the_setting(home: Home):
    # GIVEN a memory limit far too small for an aggregate that cannot spill
    settings = Settings(duckdb_memory_limit="16MiB", duckdb_threads=1)
    # WHEN a stage runs it THEN the error says which stage and which setting to raise
    with pytest.raises(OutOfMemory) as raised:
        with connect(home, settings, stage="transform", database=":memory:") as connection:
            connection.execute(
                "select string_agg(i::varchar, ',' order by i desc) from range(3000000) t(i)"
            ).fetchall()
    assert "transform" in str(raised.value) and MEMORY_SETTING in str(raised.value)
    assert "16MiB" in str(raised.value)


def test_the_default_limit_leaves_room_beside_duckdb():
    # GIVEN no setting WHEN the default is computed THEN it is at most 6 GiB and half the memory
    default = default_memory_limit()
    assert default.endswith("MiB") and int(default[:-3]) * 2**20 <= DEFAULT_MEMORY_LIMIT_CAP


def test_dbt_duckdb_gets_the_same_settings_as_sammens_connections(tmp_path: Path):
    # GIVEN the dbt profile WHEN its DuckDB settings are read THEN they are exactly the ones
    # sammen sets on its own connections (one place decides them: core.database)
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    settings = profile["sammen"]["outputs"]["duckdb"]["config_options"]
    assert set(settings) == set(duckdb_config(Settings(), tmp_path))
    assert settings["preserve_insertion_order"] is False


def test_one_and_scalar_read_the_single_row_and_refuse_a_query_without_one(home: Home):
    with connect(home, stage="test", database=":memory:") as connection:
        connection.execute("create table t as select * from range(5) r(n)")
        # GIVEN an aggregate WHEN read THEN its row and its first value
        assert one(connection, "select count(*), max(n) from t where n < ?", [4]) == (4, 3)
        assert scalar(connection, "select sum(n) from t") == 10
        # GIVEN a query that returns no row WHEN read THEN an error naming the statement's kind
        with pytest.raises(LookupError, match="returned no row: select"):
            scalar(connection, "select n from t where n > 10")


@pytest.mark.parametrize(("limit", "rewrite"), [("6GiB", "3072MiB"), ("6144MiB", "3072MiB"), ("1GB", "476MiB"),
                                                ("400MiB", "256MiB"), ("100MiB", "100MiB")])
def test_the_rewrite_after_an_erasure_takes_half_the_memory_limit(limit: str, rewrite: str):
    # GIVEN the stages' memory limit WHEN the rewrite's is derived THEN it is half of it, at least
    # 256 MiB and never above the stages' own
    assert Settings(duckdb_memory_limit=limit).rewrite_memory_limit == rewrite


def test_the_rewrite_of_a_warehouse_runs_with_its_own_limit(home: Home, monkeypatch):
    # GIVEN a warehouse with an erasure pending, and the connections DuckDB opens, noted
    import duckdb
    from helpers.warehouse import record_connections

    from core import erasure
    from core.progress import Progress
    from transform.build import complete_erasure

    with duckdb.connect(str(home.warehouse)) as connection:
        connection.execute("create schema ledger")
        connection.execute(erasure.ERASURES_DDL)
        connection.execute("insert into ledger.erasures values (current_timestamp, 1, null)")
    opened = record_connections(monkeypatch)
    # WHEN the erasure is completed under a 2 GiB stage limit
    complete_erasure(home, Progress(quiet=True), Settings(duckdb_memory_limit="2GiB", duckdb_threads=1))
    # THEN the copy ran with half of it (and the stage's threads), and nothing is pending any more
    assert [c["memory_limit"] for c in opened if c] == ["1024MiB"]
    assert [c["threads"] for c in opened if c] == [1]
    monkeypatch.undo()
    assert not erasure.is_pending(home.warehouse)
