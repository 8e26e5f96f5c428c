"""Every DuckDB connection sammen opens, with bounded memory (one place for the settings).

DuckDB's defaults (80% of RAM, no spill folder for a file database opened read-only, insertion
order kept) let one national-scale join take the whole machine. `connect` gives every connection:

- `memory_limit` from `Settings.duckdb_memory_limit` (SAMMEN_DUCKDB_MEMORY_LIMIT);
- `temp_directory` in the home (`DIR/warehouse/spill/<stage>-<pid>-<n>`), so joins, sorts and
  aggregates larger than the limit spill to disk instead of failing; erased on close;
- `threads` = `Settings.duckdb_threads` (default: the cores);
- `preserve_insertion_order = false` unless the caller reads results in storage order
  (`ordered=True`): without it DuckDB streams inserts and `COPY` in parallel with less memory.

dbt-duckdb gets the same values through `dbt_project/profiles.yml` (`dbt_settings`).
An out-of-memory error is re-raised as `OutOfMemory`, naming the stage and the setting to change.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.home import Home
from core.settings import Settings

MEMORY_SETTING = "SAMMEN_DUCKDB_MEMORY_LIMIT"
_counter = itertools.count()


class OutOfMemory(RuntimeError):
    """DuckDB ran out of memory even with spilling; the message says where and what to change."""


def out_of_memory_message(stage: str, settings: Settings) -> str:
    return (
        f"{stage}: DuckDB ran out of memory at memory_limit {settings.duckdb_memory_limit}; "
        f"raise {MEMORY_SETTING} (e.g. {MEMORY_SETTING}=12GiB) if the machine has room, or free "
        f"disk space for spilling under the home's warehouse/spill folder"
    )


def duckdb_config(settings: Settings, spill: Path | None, *, ordered: bool = False) -> dict[str, object]:
    """The DuckDB configuration of one connection (also written into dbt's environment)."""
    config: dict[str, object] = {
        "memory_limit": settings.duckdb_memory_limit,
        "threads": settings.duckdb_threads,
        "preserve_insertion_order": ordered,
    }
    if spill is not None:
        config["temp_directory"] = str(spill)
    return config


def dbt_environment(settings: Settings, spill: Path) -> dict[str, str]:
    """What dbt_project/profiles.yml reads for dbt-duckdb's `settings:` (same values as `connect`)."""
    return {
        "SAMMEN_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "SAMMEN_DUCKDB_THREADS": str(settings.duckdb_threads),
        "SAMMEN_DUCKDB_TEMP_DIRECTORY": str(spill),
    }


@contextmanager
def spill_folder(home: Home, stage: str) -> Iterator[Path]:
    """A fresh spill folder for one stage of this process, erased afterwards."""
    folder = home.spill / f"{stage.replace(' ', '_')}-{os.getpid()}-{next(_counter)}"
    folder.mkdir(parents=True, exist_ok=True)  # DuckDB creates only the last level itself
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def connect(
    home: Home,
    settings: Settings | None = None,
    *,
    stage: str,
    read_only: bool = False,
    ordered: bool = False,
    database: Path | str | None = None,
    config: dict[str, object] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse (or to `database`: a path, or ":memory:") with bounded memory.

    `stage` names the work in an out-of-memory error ("ingest", "publish" ...)."""
    settings = settings or Settings()
    path = database if database is not None else home.warehouse
    with spill_folder(home, stage) as spill:
        options = duckdb_config(settings, spill, ordered=ordered) | (config or {})
        connection = duckdb.connect(str(path), read_only=read_only, config=options)
        try:
            yield connection
        except duckdb.OutOfMemoryException as error:
            raise OutOfMemory(out_of_memory_message(stage, settings)) from error
        finally:
            connection.close()
