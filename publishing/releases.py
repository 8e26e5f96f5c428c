"""The release ledger (spec 1.2 "Successive releases"): every publish's release and the cells it
published, kept in the warehouse so the next release can be checked against all earlier ones.

Schema `releases` (its own schema: erasure may rewrite the other schemas into a fresh file and
must carry this one over whole; it holds aggregates only, never a person):
- `releases.releases`: one row per release: release_seq (1, 2, ...), release_id (`R0001`, ...),
  published_at (UTC), cutoff, run_id, pipeline_version, disclosure_threshold, disclosure_rules,
  release_guard (false only under the test-only seam below), input_sha256 (of the controlled
  input: a publish of unchanged marts with unchanged settings re-issues the latest release
  instead of adding one, so a retried task or a second `sammen publish` changes nothing), cells,
  suppressed, carried.
- `releases.cells`: every published cell of every release, as published (carried cells with
  the earlier value they show, suppressed cells without numbers).
Append-only: rows are inserted, never updated or deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb
import pandas as pd

from core.faults import switched_off
from publishing.disclosure import HISTORY_COLUMNS

SCHEMA = "releases"
RULES = "outcomes.md 1.2"
# The safeguard's name in the fault seam (core/faults.py): switched off there, a publish ignores
# earlier releases, so the multi-release attack tests can show the leak the guard closes.
GUARD = "release_guard"

_DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.releases (
        release_seq integer primary key, release_id varchar not null unique,
        published_at timestamp not null, cutoff date not null, run_id varchar,
        pipeline_version varchar, disclosure_threshold integer not null,
        disclosure_rules varchar not null, release_guard boolean not null,
        input_sha256 varchar not null, cells bigint, suppressed bigint, carried bigint)""",
    f"""create table if not exists {SCHEMA}.cells (
        release_seq integer not null, release_id varchar not null, indicator_id varchar not null,
        period varchar not null, programme varchar not null, municipality varchar not null,
        numerator bigint, denominator bigint, value double, n_persons bigint,
        suppressed boolean not null, suppression_reason varchar, carried_from varchar,
        carry_reason varchar)""",
)
CELL_COLUMNS = [
    "release_seq", "release_id", "indicator_id", "period", "programme", "municipality",
    "numerator", "denominator", "value", "n_persons", "suppressed", "suppression_reason",
    "carried_from", "carry_reason",
]


@dataclass(frozen=True)
class Release:
    seq: int
    release_id: str
    published_at: dt.datetime  # UTC, naive
    cutoff: dt.date
    run_id: str
    pipeline_version: str
    disclosure_threshold: int
    release_guard: bool
    input_sha256: str

    def info(self) -> dict[str, object]:
        """What the manifest and the report say about the release."""
        return {
            "release_id": self.release_id,
            "published_at": self.published_at.isoformat(timespec="seconds") + "Z",
            "run_id": self.run_id,
            "cutoff": self.cutoff.isoformat(),
            "pipeline_version": self.pipeline_version,
            "disclosure_threshold": self.disclosure_threshold,
            "disclosure_rules": RULES,
            "release_guard": self.release_guard,
        }


def guard_on() -> bool:
    return not switched_off(GUARD)


def release_id(seq: int) -> str:
    return f"R{seq:04d}"


def ensure(connection: duckdb.DuckDBPyConnection) -> None:
    for statement in _DDL:
        connection.execute(statement)


def input_sha256(raw: pd.DataFrame, cutoff: dt.date, threshold: int, guard: bool) -> str:
    """Digest of what a release is computed from (cells in key order, cutoff, settings)."""
    keys = ["indicator_id", "period", "programme", "municipality"]
    frame = raw.astype({k: str for k in keys}).sort_values(keys, kind="stable")
    digest = hashlib.sha256(frame.to_csv(index=False).encode())
    digest.update(f"|{cutoff.isoformat()}|{threshold}|{RULES}|{guard}".encode())
    return digest.hexdigest()


def latest(connection: duckdb.DuckDBPyConnection) -> Release | None:
    row = connection.execute(
        f"select release_seq, release_id, published_at, cutoff, run_id, pipeline_version, "
        f"disclosure_threshold, release_guard, input_sha256 from {SCHEMA}.releases "
        "order by release_seq desc limit 1"
    ).fetchone()
    return Release(*row) if row else None


def history(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every earlier release's cells as published (disclosure.HISTORY_COLUMNS)."""
    columns = ", ".join(HISTORY_COLUMNS)
    return connection.sql(f"select {columns} from {SCHEMA}.cells order by release_seq").df()


def cells_of(connection: duckdb.DuckDBPyConnection, seq: int) -> pd.DataFrame:
    return connection.execute(
        f"select * exclude (release_seq) from {SCHEMA}.cells where release_seq = ?", [seq]
    ).df()


def new_release(
    connection: duckdb.DuckDBPyConnection, *, cutoff: dt.date, run_id: str, version: str,
    threshold: int, guard: bool, digest: str,
) -> Release:
    previous = latest(connection)
    seq = previous.seq + 1 if previous else 1
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return Release(seq, release_id(seq), now, cutoff, run_id, version, threshold, guard, digest)


def record(connection: duckdb.DuckDBPyConnection, release: Release, table: pd.DataFrame) -> None:
    """Append the release and its cells (the caller commits, once the files are in place)."""
    cells = table.assign(release_seq=release.seq, release_id=release.release_id)[CELL_COLUMNS]
    connection.register("release_cells", cells)
    try:
        connection.execute(f"insert into {SCHEMA}.cells select * from release_cells")
    finally:
        connection.unregister("release_cells")
    connection.execute(
        f"insert into {SCHEMA}.releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            release.seq, release.release_id, release.published_at, release.cutoff,
            release.run_id, release.pipeline_version, release.disclosure_threshold, RULES,
            release.release_guard, release.input_sha256, len(table),
            int(table["suppressed"].sum()), int(table["carried_from"].notna().sum()),
        ],
    )


def listing(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The releases as `sammen releases` shows them, oldest first."""
    return connection.sql(
        f"select release_id, published_at, cutoff, cells, suppressed, carried, "
        f"disclosure_threshold as threshold, release_guard as guard, pipeline_version, run_id "
        f"from {SCHEMA}.releases order by release_seq"
    ).df()


def has_ledger(connection: duckdb.DuckDBPyConnection) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, "releases"],
    ).fetchone()
    return bool(found and found[0])
