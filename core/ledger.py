"""The ledger: what was delivered, what became of it, and how the checks went.

Shared, so in `core`: ingestion writes files, quarantine and row checks; validation its GX results
(`record_checks`); transform, publishing, `sammen run` and the DAGs read the cutoff
(`compute_cutoff`); `sammen ledger` reads it back.

Tables (docs/architecture.md), created on first use:
- `ledger.files`: one row per delivered file and outcome (`loaded`, `rejected`, `duplicate`).
  Beyond the architecture's columns: `stored_as` (path under the home where the bytes now lie),
  `dialect` (how it was read) and `drift` (extra columns, not loaded).
- `ledger.quarantine`: one row per quarantined row and broken rule: never a value. `stage` is
  `load` (row checks) or `resolution` (references, recomputed every run). `_person_key` is
  internal: it lets a consent withdrawal delete the person's quarantine rows; nothing outside
  ingestion reads it.
- `ledger.checks`: one row per check, dataset, file and run; `engine` is `row` (row checks),
  `file` (file-level checks: readable, required columns, CPR, manifest, threshold) or `gx`
  (Great Expectations, recorded through `record_checks`). Each check is tagged with its kind as
  OHDSI's Data Quality Dashboard does: conformance, completeness, plausibility.
- `ledger.purges`: one row per rejected file whose bytes were deleted (`ingestion.purge`): which
  file (`file_id` of `ledger.files`, whose `stored_as` said where it lay), when and why.
- `raw.<dataset>` and `resolved.<dataset>`: DDL derived from the contracts (`ColumnSpec.duckdb_type`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contracts import CONTRACTS, DatasetContract
from core.database import scalar
from core.home import SOURCES, Home

LEDGER_DDL = (
    "create schema if not exists ledger",
    "create schema if not exists raw",
    "create schema if not exists resolved",
    """create table if not exists ledger.files (
        file_id bigint not null, file_name varchar not null, source varchar, dataset varchar,
        extract_date date, modified_at timestamp, sha256 varchar, bytes bigint,
        received_at timestamp not null, status varchar not null, rows_read bigint,
        rows_loaded bigint, rows_quarantined bigint, reason varchar, run_id varchar,
        stored_as varchar, dialect varchar, drift varchar)""",
    """create table if not exists ledger.quarantine (
        file_id bigint not null, dataset varchar not null, row_number bigint, column_name varchar,
        rule varchar not null, check_kind varchar not null, description varchar,
        stage varchar not null default 'load', _person_key varchar)""",
    """create table if not exists ledger.checks (
        run_id varchar not null, engine varchar not null, dataset varchar, file_id bigint,
        check_name varchar not null, column_name varchar, check_kind varchar not null,
        checked bigint, failed bigint, success boolean, recorded_at timestamp)""",
    """create table if not exists ledger.purges (
        file_id bigint not null, purged_at timestamp not null, reason varchar not null, run_id varchar)""",
)
CHECK_KINDS = ("conformance", "completeness", "plausibility")


class CutoffError(RuntimeError):
    """The cutoff cannot be computed: some source has no accepted file yet."""


@dataclass(frozen=True)
class CheckResult:
    """One check's result. `checked`/`failed` count rows (engine row/gx) or files (engine file)."""

    engine: str  # row | file | gx
    dataset: str | None
    check_name: str
    check_kind: str  # conformance | completeness | plausibility
    column_name: str | None = None
    checked: int = 0
    failed: int = 0
    file_id: int | None = None

    @property
    def success(self) -> bool:
        return self.failed == 0


def table_columns(contract: type[DatasetContract], *, resolved: bool) -> list[tuple[str, str]]:
    """(name, DuckDB type) of raw.<dataset> or resolved.<dataset>, from the contract."""
    columns = [(spec.name, spec.duckdb_type) for spec in contract.columns()]
    if resolved:
        return [(name, kind) for name, kind in columns if name != "deleted"]
    return columns + [("_file_id", "BIGINT"), ("_row_number", "BIGINT")]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger, raw and resolved tables that do not exist yet (idempotent)."""
    for statement in LEDGER_DDL:
        con.execute(statement)
    for dataset, contract in CONTRACTS.items():
        for schema, resolved in (("raw", False), ("resolved", True)):
            columns = ", ".join(f"{name} {kind}" for name, kind in table_columns(contract, resolved=resolved))
            con.execute(f"create table if not exists {schema}.{dataset} ({columns})")


def record_checks(
    con: duckdb.DuckDBPyConnection, run_id: str, rows: Iterable[CheckResult | Mapping[str, object]]
) -> int:
    """Append check results to `ledger.checks`; returns how many.

    `rows` holds `CheckResult`s or mappings with the same keys (`engine`, `dataset`,
    `check_name`, `check_kind`, optional `column_name`, `checked`, `failed`, `file_id`; a mapping
    may give `success` instead of counts). The caller owns the transaction; values never go in.
    """
    now = dt.datetime.now()
    records = []
    for row in rows:
        if isinstance(row, CheckResult):
            item: Mapping[str, object] = row.__dict__ | {"success": row.success}
        else:
            item = dict(row)
        kind = item["check_kind"]
        if kind not in CHECK_KINDS:
            raise ValueError(f"check {item['check_name']}: kind must be one of {', '.join(CHECK_KINDS)}")
        failed = item.get("failed")
        success = item.get("success", None if failed is None else failed == 0)
        records.append((run_id, item["engine"], item.get("dataset"), item.get("file_id"), item["check_name"],
                        item.get("column_name"), kind, item.get("checked"), failed, success, now))
    if records:
        con.executemany("insert into ledger.checks values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
    return len(records)


def connect_read_only(home: Home | str | Path) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the warehouse, or None when there is none yet."""
    home = home if isinstance(home, Home) else Home.at(home)
    if not home.warehouse.exists():
        return None
    return duckdb.connect(str(home.warehouse), read_only=True)


def compute_cutoff(home: Home | str | Path) -> dt.date:
    """outcomes.md "cutoff": the minimum over the three sources of the latest extract date of an
    accepted (loaded) file, any dataset, any run, minus one day; CutoffError names the sources
    without an accepted file."""
    latest: dict[str, dt.date] = {}
    con = connect_read_only(home)
    if con is not None:
        try:
            if _has_ledger(con):
                latest = dict(con.execute(
                    "select source, max(extract_date) from ledger.files where status = 'loaded' group by source"
                ).fetchall())
        finally:
            con.close()
    missing = [source for source in SOURCES if source not in latest]
    if missing:
        raise CutoffError(
            "cannot compute the cutoff: no accepted file yet from " + ", ".join(missing)
            + " (deliver one, or give the cutoff explicitly)"
        )
    return min(latest[source] for source in SOURCES) - dt.timedelta(days=1)


def _has_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(scalar(con,
        "select count(*) from information_schema.tables where table_schema = 'ledger' and table_name = 'files'"
    ))


@dataclass(frozen=True)
class FileRecord:
    file_id: int
    received_at: dt.datetime
    source: str | None
    file_name: str
    status: str
    rows_read: int | None
    rows_loaded: int | None
    rows_quarantined: int | None
    reason: str | None


def recent_files(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[FileRecord]:
    """The latest `limit` ledger rows, newest first."""
    if not _has_ledger(con):
        return []
    rows = con.execute(
        """select file_id, received_at, source, file_name, status, rows_read, rows_loaded,
                  rows_quarantined, reason from ledger.files order by file_id desc limit ?""",
        [limit],
    ).fetchall()
    return [FileRecord(*row) for row in rows]


def last_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    if not _has_ledger(con):
        return None
    row = con.execute("select run_id from ledger.checks order by recorded_at desc limit 1").fetchone()
    return row[0] if row else None


def check_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str, str, int, int, int]]:
    """(engine, check_kind, dataset, checks passed, checks failed, rows failed) of one run."""
    return con.execute(
        """select engine, check_kind, coalesce(dataset, '(per source)'),
                  count(*) filter (where success), count(*) filter (where not success),
                  coalesce(sum(failed) filter (where engine <> 'file'), 0)
           from (select engine, check_kind, dataset, check_name, column_name,
                        bool_and(coalesce(success, true)) as success, sum(failed) as failed
                 from ledger.checks where run_id = ? group by all)
           group by all order by 1, 2, 3""",
        [run_id],
    ).fetchall()
