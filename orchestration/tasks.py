"""Task callables for the DAGs in `dags/`: every piece of work the DAGs do lives here.

Each callable reads the sammen home from SAMMEN_HOME when it runs (never at parse time), takes the
writer lock for anything that writes to the warehouse, and is idempotent: running it twice leaves the
warehouse as running it once (ingestion skips files it already has and redoes resolution over all
accepted files; dbt rebuilds; publishing rewrites its files), so Airflow may retry it freely.

Messages name files, datasets, counts and reasons; never a row value.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from core.database import scalar
from core.home import Home
from core.ledger import CutoffError
from core.ledger import compute_cutoff as from_ledger
from core.lock import writer_lock
from core.progress import Progress
from core.settings import Settings
from orchestration.assets import POLL_INTERVAL_SECONDS
from orchestration.trigger import default_home, is_data_file, snapshot

log = logging.getLogger(__name__)

# dbt layers, built in this order; one Airflow task each (README, "Orchestration with Airflow 3", says why).
DBT_LAYERS: tuple[tuple[str, str], ...] = (
    ("staging", "resource_type:seed path:models/staging"),
    ("intermediate", "path:models/intermediate"),
    ("marts", "path:models/marts"),
)
ACCEPTED_STATUSES = ("loaded", "duplicate")


class FileRejected(Exception):
    """A delivered file was rejected by ingestion: the verdict task fails and says why."""


def home() -> Home:
    """The sammen home from SAMMEN_HOME (default `<repo>/var`), created if missing.

    Every task starts here, so `Home.ensure` also sets this task process's owner-only umask."""
    return Home.at(default_home()).ensure()


def _progress() -> Progress:
    # task logs are read after the fact: every step, file and check (as `sammen run -v`)
    return Progress(verbose=True)


# ---------------------------------------------------------------------------------------------
# ingestion


def landed_files(
    source: str, triggering_asset_events: Mapping[Any, Iterable[Any]] | None
) -> list[str]:
    """The file names this run is about: from the watcher's events, else what is in landing now.

    A run started by hand (no asset events) looks at the partner's landing folder as it is.
    """
    names: set[str] = set()
    for events in (triggering_asset_events or {}).values():
        for event in events:
            payload = (getattr(event, "extra", None) or {}).get("payload") or {}
            if payload.get("source") == source:
                names.update(payload.get("files") or [])
    if not names:
        folder = home().landing_for(source)
        if folder.is_dir():
            names = {path.name for path in folder.iterdir() if is_data_file(path)}
    return sorted(names)


def _ledger_rows(warehouse: Path, source: str | None = None) -> list[dict[str, Any]]:
    """The latest ledger row per (source, file name); empty before the first ingestion."""
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = scalar(con,
            "select count(*) from information_schema.tables "
            "where table_schema = 'ledger' and table_name = 'files'"
        )
        if not exists:
            return []
        query = (
            "select file_id, file_name, source, dataset, status, reason, rows_loaded, "
            "rows_quarantined from ledger.files "
            + ("where source = ? " if source else "")
            + "qualify row_number() over (partition by source, file_name "
            "order by received_at desc) = 1"
        )
        cursor = con.execute(query, [source] if source else [])
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _call_ingest(source: str, settings: Settings, progress: Progress) -> tuple[Any, bool]:
    """ingestion.ingest, narrowed to this partner's landing folder.

    Each partner has its own DAG, so a run takes only its own partner's files (passed by name:
    a file's name is unique within its landing folder); the other partners' files wait for
    their own DAG, and their verdicts appear there. Returns the report and True (narrowed).
    """
    import ingestion

    # every entry of the folder, not only data files: ingestion records links, FIFOs, devices,
    # sockets and directories itself (once), and never follows or opens them
    folder = home().landing_for(source)
    own: list[str | Path] = sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []
    return ingestion.ingest(home(), settings, progress, files=own), True


def _settled_by_the_trigger(settings: Settings) -> Settings:
    """The watcher announces a file once it was unchanged over a poll interval, so the file is at
    least that old when this task runs: ingestion waits no longer (else an announced file would be
    left in landing with no event to bring it back)."""
    return settings.with_overrides(settle_seconds=min(settings.settle_seconds, POLL_INTERVAL_SECONDS))


def ingest(source: str, files: list[str]) -> dict[str, Any]:
    """Ingest the landing folder under the writer lock; report per file and per loaded dataset.

    Returns {"verdicts": [one dict per file], "loaded": {dataset: rows_loaded}}. Files get a
    verdict when the watcher announced them (`files`), when they were in this partner's landing
    folder as ingestion started, or when this run recorded them in the ledger (a file can be
    handled before its own watcher saw it settle). Verdicts come from the ledger, the record.
    """
    from ingestion.files import redacted_name

    target = home()
    progress = _progress()
    with writer_lock(target):
        before = {row["file_id"] for row in _ledger_rows(target.warehouse)}
        present = set(snapshot(target.landing_for(source)))
        report, narrowed = _call_ingest(source, _settled_by_the_trigger(Settings()), progress)
        progress.say(f"ingestion report: {report}")
        rows = _ledger_rows(target.warehouse)
    new_rows = [row for row in rows if row["file_id"] not in before]
    loaded: dict[str, int] = {}
    for row in new_rows:
        if row["status"] == "loaded":
            loaded[row["dataset"]] = loaded.get(row["dataset"], 0) + int(row["rows_loaded"] or 0)
    wanted = {(source, redacted_name(name)) for name in [*files, *present]}
    wanted |= {
        (row["source"], row["file_name"])
        for row in new_rows
        if row["source"] == source or not narrowed
    }
    latest = {(row["source"], row["file_name"]): row for row in rows}
    verdicts = [_verdict_for(src, name, latest.get((src, name))) for src, name in sorted(wanted)]
    return {"verdicts": verdicts, "loaded": loaded}


def _verdict_for(source: str, name: str, row: Mapping[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"source": source, "file": name, "status": "missing", "reason": "not in the ledger"}
    return {
        "source": source,
        "file": name,
        "dataset": row["dataset"],
        "status": row["status"],
        "reason": row["reason"] or "",
        "rows_loaded": int(row["rows_loaded"] or 0),
        "rows_quarantined": int(row["rows_quarantined"] or 0),
    }


def check_verdict(verdict: Mapping[str, Any]) -> str:
    """Pass for a loaded or duplicate file; raise FileRejected (naming file and reason) otherwise."""
    from ingestion.files import shown

    where = shown(f"landing/{verdict['source']}/{verdict['file']}")
    if verdict["status"] in ACCEPTED_STATUSES:
        message = (
            f"{where}: {verdict['status']} ({verdict.get('rows_loaded', 0)} rows loaded, "
            f"{verdict.get('rows_quarantined', 0)} quarantined)"
        )
        log.info(message)
        return message
    if verdict["status"] == "missing":
        raise FileRejected(f"{where}: ingestion did not record this file in the ledger")
    raise FileRejected(
        f"{where}: {verdict['status']}: {shown(verdict.get('reason') or 'no reason given')} "
        f"(the file is in rejected/{verdict['source']}/, or rejected/restricted/ when it holds a CPR "
        "number, and in ledger.files)"
    )


# ---------------------------------------------------------------------------------------------
# transform


def compute_cutoff() -> str:
    """The run's cutoff (SAMMEN_CUTOFF, else from the ledger), as YYYY-MM-DD.

    Before every partner has delivered an accepted file there is no cutoff (outcomes.md): the run
    is skipped, not failed or retried; the next dataset event starts it again.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    settings = Settings()
    if settings.cutoff:
        return settings.cutoff.isoformat()
    target = home()
    try:
        with writer_lock(target):
            return from_ledger(target).isoformat()
    except CutoffError as error:
        raise AirflowSkipException(f"no cutoff yet, nothing to build: {error}") from None


def dbt_vars(cutoff: str, settings: Settings) -> dict[str, str]:
    values = {"cutoff": cutoff}
    if settings.region_coverage_start:
        values["region_coverage_start"] = settings.region_coverage_start.isoformat()
    return values


def dbt_layer(layer: str, cutoff: str) -> dict[str, Any]:
    """Build one dbt layer under the writer lock; return a short summary for the task's XCom.

    staging (with seeds) and intermediate are views: `dbt build --select <layer>` (models and
    their tests) through transform's own dbt runner, so a failing staging test fails the
    staging task. marts is `transform.build`, the one place that decides full or nightly
    (incremental) builds, writes the dbt docs and exports the marts to Parquet; it rebuilds the
    (cheap) views on the way, so it is always consistent on its own.
    """
    import transform
    from transform.runner import DbtPaths, invoke

    target = home()
    settings = Settings()
    with writer_lock(target):
        if layer == "marts":
            result = transform.build(target, settings, dt.date.fromisoformat(cutoff), _progress())
            return {"layer": layer, "cutoff": cutoff, "result": str(result)}
        nodes = invoke(
            # cautious: a test runs only when all its parents are in this layer (the marts'
            # relationship tests to the seed must wait for the marts)
            ["build", "--select", *dict(DBT_LAYERS)[layer].split(), "--indirect-selection", "cautious"],
            DbtPaths.for_home(target, "duckdb"),
            "duckdb",
            dbt_vars(cutoff, settings),
            {"SAMMEN_WAREHOUSE": str(target.warehouse)},
        )
    return {"layer": layer, "cutoff": cutoff, "nodes": len(nodes)}


# ---------------------------------------------------------------------------------------------
# publishing


def cutoff_from_events(triggering_asset_events: Mapping[Any, Iterable[Any]] | None) -> str | None:
    """The cutoff the marts were built with, carried on the marts asset event."""
    found: list[str] = []
    for events in (triggering_asset_events or {}).values():
        for event in events:
            value = (getattr(event, "extra", None) or {}).get("cutoff")
            if value:
                found.append(value)
    return max(found) if found else None


def publish(cutoff: str | None) -> dict[str, Any]:
    """Disclosure control and published files for the marts as built (cutoff from the marts)."""
    import publishing

    target = home()
    settings = Settings()
    if cutoff:
        settings = settings.with_overrides(cutoff=dt.date.fromisoformat(cutoff))
    with writer_lock(target):
        report = publishing.publish(target, settings, _progress())
    files = sorted(p.name for p in target.published.iterdir()) if target.published.is_dir() else []
    return {"cutoff": cutoff, "files": files, "report": str(report)}
