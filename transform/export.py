"""Parquet copies of the marts for evaluators: DIR/marts/<mart>.parquet, one file per mart.

One exception to the name: `marts.indicators` holds the indicator cells BEFORE disclosure control
(small counts included), the same columns as the published table, so its file is named
`indicators_before_disclosure_control.parquet` and nobody takes it for `published/
indicators.parquet` (`parquet_name`, used by both targets' exports).

Which tables: the models of the dbt project that dbt materialises as tables in schema `marts`
(`mart_models`, read from the manifest dbt writes on every build), never a hand list and never a
relation dbt leaves behind (`<model>__dbt_backup`, `__dbt_tmp`).

Atomic, as a folder: every file is written into a fresh sibling folder `DIR/.marts.new`, which
then takes the place of `DIR/marts` in one step (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere
two renames, undone at the next export if a kill falls between them). A kill at any moment leaves
`DIR/marts` wholly old or wholly new, never mixed; the next export removes what an earlier kill
left (`.marts.new`, `.marts.old`). A mart that no longer exists (dropped, renamed, a withdrawn
person's rows) leaves nothing behind, since the new folder holds only this export's files.
Files in `DIR/marts` that are not Parquet (someone's README) are carried over (hard links).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from contracts import sql
from core.atomic import exchange, fsync
from core.database import duckdb_config
from core.settings import Settings

MARTS_SCHEMA = "marts"
_TABLE_MATERIALIZATIONS = ("table", "incremental")
# Marts whose Parquet file must not share a name with a published file.
_PRE_CONTROL_NAMES = {"indicators": "indicators_before_disclosure_control"}


def parquet_name(mart: str) -> str:
    """The file name of a mart in DIR/marts/: `<mart>.parquet`, except the indicators before
    disclosure control (see the module's docstring)."""
    return f"{_PRE_CONTROL_NAMES.get(mart, mart)}.parquet"


def mart_models(manifest: Path) -> list[str]:
    """The relation names of the dbt models built as tables in schema `marts` (from dbt's
    manifest.json)."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return sorted(
        node["alias"] or node["name"]
        for node in nodes
        if node["resource_type"] == "model"
        and node["schema"] == MARTS_SCHEMA
        and node["config"]["materialized"] in _TABLE_MATERIALIZATIONS
    )


def export_marts(warehouse: Path, destination: Path, marts: Iterable[str],
                 settings: Settings | None = None) -> list[Path]:
    """Write each of `marts` present as a table in schema `marts` as Parquet into a fresh folder,
    then swap it in for `destination`; return the files as they lie in `destination`.
    `settings`: the build's (its memory limit and threads); the environment's when not given."""

    def write(staging: Path) -> list[str]:
        names = []
        # bounded memory like every sammen connection (core.database); COPY streams, no spill
        with duckdb.connect(str(warehouse), read_only=True, config=duckdb_config(settings or Settings(), None)) as connection:
            for table in _present(connection, marts):
                path = staging / parquet_name(table)
                connection.execute(
                    f"copy (select * from {sql.ident(MARTS_SCHEMA, table)}) to ? (format parquet)", [str(path)]
                )
                names.append(path.name)
        return names

    return swap_in_folder(destination, write)


def swap_in_folder(destination: Path, write: Callable[[Path], list[str]]) -> list[Path]:
    """`write(staging)` fills a fresh folder with files (returning their names), which then
    replaces `destination` whole (renameat2 exchange): a kill leaves the old or the new set, never
    a mix. Used for the Parquet marts of either target."""
    staging, old = _siblings(destination)
    _recover(destination, staging, old)
    staging.mkdir(parents=True)
    if destination.is_dir():  # the new folder keeps the access rights the home gave marts/
        os.chmod(staging, destination.stat().st_mode & 0o7777)
    names = write(staging)
    for name in names:
        fsync(staging / name)
    _carry_over_foreign(destination, staging)
    fsync(staging)
    _swap_in(staging, destination, old)
    return [destination / name for name in names]


def _siblings(destination: Path) -> tuple[Path, Path]:
    return (destination.with_name(f".{destination.name}.new"),
            destination.with_name(f".{destination.name}.old"))


def _present(connection: duckdb.DuckDBPyConnection, marts: Iterable[str]) -> list[str]:
    """The wanted marts that exist as tables (a model left out of this build may be absent)."""
    tables = {name for (name,) in connection.execute(
        "select table_name from duckdb_tables() where schema_name = ?", [MARTS_SCHEMA]).fetchall()}
    return sorted(set(marts) & tables)


def _recover(destination: Path, staging: Path, old: Path) -> None:
    """Undo what a kill during an earlier export left: a half-written new folder, and with the
    two-rename fallback an old folder moved aside but not yet replaced."""
    if old.exists() and not destination.exists():
        old.rename(destination)
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)


def _carry_over_foreign(destination: Path, staging: Path) -> None:
    if not destination.is_dir():
        return
    for path in destination.iterdir():
        if path.is_file() and not path.name.endswith((".parquet", ".parquet.partial")):
            os.link(path, staging / path.name)


def _swap_in(staging: Path, destination: Path, old: Path) -> None:
    if not destination.exists():
        staging.rename(destination)
    elif exchange(staging, destination):
        shutil.rmtree(staging)  # now holds the previous export
    else:
        destination.rename(old)
        staging.rename(destination)
        shutil.rmtree(old)
    fsync(destination.parent)
