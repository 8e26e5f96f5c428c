"""The evaluators' marts-only database: `DIR/query/marts.duckdb`, what `sammen query` opens.

After each build the public marts are copied from the warehouse into a fresh DuckDB file, which
then replaces the previous one with `os.replace`:

- marts only: the tables are the dbt project's marts models (the `.sql` files under
  `models/marts/`), so no `*__dbt_backup`/`*__dbt_tmp` relation, and nothing of `raw`, `resolved`,
  `ledger`, `staging` or `intermediate`, can be in the file, whatever else the warehouse holds;
- a fresh file each time: no freed block of an earlier build (a withdrawn person's rows) survives;
- atomic: a reader opens either the old or the new complete file, never a half-written one, and
  a reader that opened the old file keeps reading it (its open file outlives the rename);
- apart from the warehouse: evaluators never open the warehouse, so they never hold its lock
  and never block the nightly writer.

The tables sit in the file's default schema; since DuckDB names the catalog after the file,
`cohort` and `marts.cohort` both resolve to the same table.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from contracts import sql
from core.atomic import fsync
from core.database import duckdb_config, spill_folder
from core.home import Home
from core.settings import DBT_PROJECT_DIR, Settings


def public_marts(project: Path = DBT_PROJECT_DIR) -> list[str]:
    """The names of the dbt project's marts models (models/marts/**.sql), sorted."""
    return sorted(path.stem for path in (project / "models" / "marts").rglob("*.sql"))


def write_marts_db(home: Home, marts: list[str] | None = None, settings: Settings | None = None) -> list[str]:
    """Copy the public marts present in the warehouse into a new `home.marts_db`; return their
    names. `marts`: the build's mart models (from dbt's manifest, as the Parquet export uses);
    without it, the project's `models/marts/` models. `settings`: the build's (memory limit,
    threads); the environment's when not given. The caller holds the writer lock (the warehouse
    is only read here)."""
    target = home.marts_db
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    # the copy takes the stages' bounded memory and spill folder (at national scale ~11 M rows)
    with spill_folder(home, "marts db") as spill, \
            duckdb.connect(str(partial), config=duckdb_config(settings or Settings(), spill, ordered=True)) as connection:
        connection.execute(f"attach {sql.literal(home.warehouse)} as warehouse (read_only)")  # ATTACH takes no parameter
        tables = _present(connection, public_marts() if marts is None else marts)
        for table in tables:
            # bulk copy inside DuckDB; the row order of the mart is kept
            connection.execute(
                f"create table {sql.ident('main', table)} as select * from {sql.ident('warehouse', 'marts', table)}"
            )
        connection.execute("detach warehouse")
        connection.execute("checkpoint")  # everything in the file itself, no WAL beside it
    fsync(partial)
    os.replace(partial, target)
    fsync(target.parent)
    return tables


def _present(connection: duckdb.DuckDBPyConnection, marts: list[str]) -> list[str]:
    """The marts that exist as tables in the warehouse (a build may exclude some)."""
    existing = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'warehouse' and table_schema = 'marts'"
        ).fetchall()
    }
    return [name for name in marts if name in existing]


def _remove_leftovers(target: Path) -> None:
    """Partial files of an interrupted write (they may hold rows of persons since withdrawn)."""
    for path in target.parent.glob(f"{target.name}.partial-*"):
        path.unlink(missing_ok=True)
