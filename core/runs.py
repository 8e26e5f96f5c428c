"""`ledger.runs`: one row per `sammen run`, written at its start and completed at its end.

    run_id        the run's id; ingestion records its files and checks under the same id, and
                  publishing writes it into manifest.json
    started_at, finished_at   local time; finished_at is null while the run is going (or if it
                  was killed)
    cutoff        the cutoff the marts were built with (null until computed)
    status        running | clean | failures | error  (clean and failures: exit codes 0 and 2,
                  see core.exit_codes; error: a stage raised, exit code 1)
    files_loaded, files_rejected, files_duplicate, rows_loaded, rows_quarantined,
    checks_failed, warnings   counts of the night (never values)

Each write is one short connection of its own, so the row of a run that dies half-way still says
when it started and that it never finished.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from core.home import Home

COUNTS = ("files_loaded", "files_rejected", "files_duplicate", "rows_loaded", "rows_quarantined",
          "checks_failed", "warnings")
RUNS_DDL = (
    "create schema if not exists ledger",
    "create table if not exists ledger.runs (run_id varchar primary key, started_at timestamp not null, "
    "finished_at timestamp, cutoff date, status varchar not null, "
    + ", ".join(f"{name} bigint" for name in COUNTS) + ")",
)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    cutoff: dt.date | None
    status: str
    counts: dict[str, int | None]


def start(home: Home, run_id: str) -> None:
    """Record that run `run_id` started now."""
    with duckdb.connect(str(home.warehouse)) as con:
        for statement in RUNS_DDL:
            con.execute(statement)
        con.execute("insert into ledger.runs (run_id, started_at, status) values (?, ?, 'running')",
                    [run_id, dt.datetime.now()])


def set_cutoff(home: Home, run_id: str, cutoff: dt.date) -> None:
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("update ledger.runs set cutoff = ? where run_id = ?", [cutoff, run_id])


def finish(home: Home, run_id: str, status: str, counts: dict[str, int]) -> None:
    """Record the end of run `run_id`: its status and the night's counts."""
    names = [name for name in COUNTS if name in counts]
    assignments = "".join(f", {name} = ?" for name in names)
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute(f"update ledger.runs set finished_at = ?, status = ?{assignments} where run_id = ?",
                    [dt.datetime.now(), status, *(counts[name] for name in names), run_id])


def recent(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[RunRecord]:
    """The latest `limit` runs, newest first; empty before the first `sammen run`."""
    exists = con.execute("select count(*) from information_schema.tables "
                         "where table_schema = 'ledger' and table_name = 'runs'").fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        f"select run_id, started_at, finished_at, cutoff, status, {', '.join(COUNTS)} "
        "from ledger.runs order by started_at desc limit ?", [limit]).fetchall()
    return [RunRecord(*row[:5], dict(zip(COUNTS, row[5:], strict=True))) for row in rows]


def as_dict(record: RunRecord) -> dict[str, Any]:
    return {"run_id": record.run_id, "started_at": record.started_at.isoformat(timespec="seconds"),
            "finished_at": record.finished_at.isoformat(timespec="seconds") if record.finished_at else None,
            "cutoff": record.cutoff.isoformat() if record.cutoff else None, "status": record.status,
            **record.counts}
