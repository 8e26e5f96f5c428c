"""Batch-level data quality checks with Great Expectations, run at the end of each ingestion.

`run_batch_checks(home, con, run_id)` validates, with an open DuckDB connection to the warehouse
after `resolved.*` is rebuilt:

- per dataset, the suite derived from its contract over `resolved.<dataset>` (columns, not-null,
  values, patterns, keys, references between datasets, cross-column rules);
- per dataset, distributions where they mean something (share of acute admissions, mean stay,
  age at enrolment, mean survey score per instrument, share of participants);
- per dataset loaded in this run, rows read against the previous delivery (ledger.files);
- per source, freshness of the latest extract (against the run date and the other sources).

Results go to `ledger.checks` (engine `gx`) and to Data Docs under DIR/docs/gx/. Failing checks do
not stop the run: they are findings to read. See `validation.batches` for the decisions.
"""

from __future__ import annotations

import datetime as dt
import logging

import duckdb

from core.home import Home
from core.settings import DEFAULT_GX_DOCS_RUNS
from validation.batches import plan_batches
from validation.docs import write_index
from validation.ledger import record_checks
from validation.results import BatchCheckResult
from validation.runner import GxRunner, preload
from validation.thresholds import DEFAULT_THRESHOLDS, Thresholds

log = logging.getLogger(__name__)


def run_batch_checks(
    home: Home,
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    today: dt.date | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    sample_rows: int | None = None,
    docs_runs: int = DEFAULT_GX_DOCS_RUNS,
) -> list[BatchCheckResult]:
    """Validate the warehouse's current state; record and render the results; return them.

    A resolved table of more than `sample_rows` rows is validated on a sample of that many rows
    drawn in DuckDB (see `validation.batches`), so no whole national table enters pandas. The
    Data Docs keep the newest `docs_runs` runs (`validation.runner`, "History")."""
    run_time = dt.datetime.now(dt.UTC)
    today = today or run_time.astimezone().date()
    gx_dir = home.docs / "gx"
    runner = GxRunner(gx_dir)
    results: list[BatchCheckResult] = []
    for batch in plan_batches(con, run_id, today, thresholds, sample_rows):
        results += runner.validate(con, batch, run_id, run_time)
    record_checks(con, run_id, results)
    runner.prune(docs_runs)
    runner.build_docs()
    write_index(gx_dir, con, run_id, results, docs_runs)
    failed = [result for result in results if not result.success]
    log.info("GX batch checks: %d run, %d failed", len(results), len(failed))
    return results


__all__ = ["BatchCheckResult", "Thresholds", "preload", "run_batch_checks"]
