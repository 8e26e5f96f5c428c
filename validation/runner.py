"""Running the batches through Great Expectations and reading its verdicts safely.

GX runs in an ephemeral context over pandas DataFrames pulled from DuckDB (`con.sql(...).df()`):
GX 1.x over DuckDB through SQLAlchemy reports every expectation as failed with an exception
inside, so its SQL datasource is not used. A result that carries an exception, or no result at
all where one is due, is an *error* (success False with a reason), never a pass.

Validation results are scrubbed (see `validation.results`) before they are stored in the
filesystem results store under DIR/docs/gx/results/ and rendered into Data Docs under
DIR/docs/gx/site/.

History: the results store and the Data Docs keep every run's results, not only the last run's
(GX's index lists every run in the store), bounded to the newest `Settings.gx_docs_runs` runs
(`SAMMEN_GX_DOCS_RUNS`, default 30; runs ordered by their latest check time): `prune` removes the
results and pages of older runs before the docs are built. `ledger.checks` keeps every run's
verdicts regardless.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import duckdb

from contracts.derive.gx import build_suite
from validation.batches import Batch
from validation.results import RESULT_FORMAT, BatchCheckResult, redact, scrub_result

log = logging.getLogger(__name__)
SITE_NAME = "sammen"
# Expectations whose verdict comes without counts (an empty `result` is normal for them).
_NO_RESULT_EXPECTED = frozenset({"expect_column_to_exist"})


_PRELOAD: list[threading.Thread] = []


def preload() -> None:
    """Start importing Great Expectations in a background thread (once per process). Its import
    takes seconds of CPU (about a third of a night's ingest at 100,000 persons); ingestion starts
    it when it has files to load, so the import overlaps DuckDB's reading, which runs without the
    GIL. `_context` imports it as usual: it waits for this import to finish, or finds it done."""
    if not _PRELOAD:
        thread = threading.Thread(target=importlib.import_module, args=("great_expectations",),
                                  name="sammen-gx-import", daemon=True)
        _PRELOAD.append(thread)
        thread.start()


class GxRunner:
    """One ephemeral GX context writing Data Docs under `gx_dir` (site/ and results/)."""

    def __init__(self, gx_dir: Path) -> None:
        self.gx_dir = gx_dir
        self.context = _context(gx_dir)
        self.datasource = self.context.data_sources.add_pandas("warehouse")
        self._definitions: dict[str, Any] = {}
        self._stored: list[Any] = []

    def validate(self, con: duckdb.DuckDBPyConnection, batch: Batch, run_name: str,
                 run_time: dt.datetime) -> list[BatchCheckResult]:
        """Validate one batch; every expectation yields one BatchCheckResult."""
        try:
            frame = con.execute(batch.sql, batch.parameters).df()
            validation = self._batch_definition(batch.name).get_batch(
                batch_parameters={"dataframe": frame}).validate(self._suite(batch), result_format=RESULT_FORMAT)
        except Exception as error:  # noqa: BLE001 - a broken check is an error result, not a crash
            log.warning("GX batch %s could not run: %s", batch.name, type(error).__name__)
            return [_error(batch, spec.check_name, spec.check_kind, f"batch could not run ({type(error).__name__})")
                    for spec in batch.expectations]
        self._scrub(validation)
        self._store(validation, batch, run_name, run_time)
        return [_check_result(batch, item) for item in validation.results]

    def build_docs(self) -> Path:
        """Render this run's results (the index lists every run in the results store)."""
        if self._stored:
            self.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=self._stored)
        else:
            self.context.build_data_docs(site_names=[SITE_NAME])
        return self.gx_dir / "site" / "index.html"

    def prune(self, keep_runs: int) -> list[str]:
        """Remove the stored results and rendered pages of every run but the newest `keep_runs`;
        returns the run names removed."""
        latest: dict[str, dt.datetime] = {}
        for key in self.context.validation_results_store.list_keys():
            name, time = key.run_id.run_name, key.run_id.run_time
            latest[name] = max(latest.get(name, time), time)
        removed = sorted(latest, key=latest.__getitem__, reverse=True)[keep_runs:]
        # both stores file a run under <suite parts>/<run name>/<run time>/
        for root in (self.gx_dir / "results", self.gx_dir / "site" / "validations"):
            for folder in [path for path in root.rglob("*") if path.is_dir() and path.name in removed]:
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    def _batch_definition(self, name: str) -> Any:
        if name not in self._definitions:
            asset = self.datasource.add_dataframe_asset(name)
            self._definitions[name] = asset.add_batch_definition_whole_dataframe("whole")
        return self._definitions[name]

    def _suite(self, batch: Batch) -> Any:
        suite = build_suite(batch.name, batch.expectations, {"dataset": batch.dataset})
        return self.context.suites.add_or_update(suite)

    @staticmethod
    def _scrub(validation: Any) -> None:
        for item in validation.results:
            identifier = bool(item.expectation_config.meta.get("identifier"))
            item.result = scrub_result(dict(item.result or {}), identifier=identifier)
            item.exception_info = redact(item.exception_info)

    def _store(self, validation: Any, batch: Batch, run_name: str, run_time: dt.datetime) -> None:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        run_id = RunIdentifier(run_name=run_name, run_time=run_time)
        validation.meta["run_id"] = run_id
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=batch.name),
            run_id=run_id, batch_identifier=f"warehouse-{batch.name}",
        )
        self.context.validation_results_store.set(key, validation)
        self._stored.append(key)


def _context(gx_dir: Path) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    config.stores[config.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(gx_dir / "results")},
    }
    config.data_docs_sites = {SITE_NAME: {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(gx_dir / "site")},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }}
    return gx.get_context(project_config=config, mode="ephemeral")


def _check_result(batch: Batch, item: Any) -> BatchCheckResult:
    meta = item.expectation_config.meta
    name, kind = meta["check_name"], meta["check_kind"]
    if _raised(item.exception_info):
        return _error(batch, name, kind, "the expectation raised an exception")
    result = item.result or {}
    if not result and item.expectation_config.type not in _NO_RESULT_EXPECTED:
        return _error(batch, name, kind, "the expectation returned no result")
    observed = result.get("observed_value")
    shown = None if observed is None else redact(_format(observed))
    explain = meta.get("explain")
    return BatchCheckResult(
        suite=batch.name, dataset=batch.dataset, check_name=name, check_kind=kind,
        success=bool(item.success),
        column_name=item.expectation_config.kwargs.get("column"),
        unexpected_count=_int(result.get("unexpected_count")),
        element_count=_int(result.get("element_count")),
        observed=shown,
        explanation=explain.format(observed=shown) if explain and not item.success and shown else None,
    )


def _raised(info: Any) -> bool:
    """GX reports exceptions either flat or per metric: look at both shapes."""
    if not isinstance(info, dict):
        return False
    if info.get("raised_exception"):
        return True
    return any(isinstance(value, dict) and value.get("raised_exception") for value in info.values())


def _error(batch: Batch, name: str, kind: str, reason: str) -> BatchCheckResult:
    return BatchCheckResult(suite=batch.name, dataset=batch.dataset, check_name=name, check_kind=kind,
                       success=False, error=reason)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    try:
        return _format(float(value)) if not isinstance(value, bool | str) else str(value)
    except (TypeError, ValueError):
        return str(value)
