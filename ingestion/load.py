"""`ingest`: landing → ledger → raw → resolved, one file at a time, each atomically.

For each file in landing/<source>/ (in delivery order):
- its bytes are fingerprinted (sha256, size, modification time);
- a file already recorded with the same bytes and name whose move never happened (the run was
  killed between commit and move) is just moved: that finishes the job;
- bytes already loaded under any name are a duplicate: recorded, archived, nothing else changes;
- otherwise it is evaluated (`evaluate`) and, in ONE DuckDB transaction, its accepted rows go to
  raw.<dataset>, its bad rows to ledger.quarantine, its check counts to ledger.checks and its row
  to ledger.files. Only after COMMIT is the file moved (archive/ or rejected/ with a reason file),
  so a kill at any point leaves the file either fully loaded and recorded or not at all.
Then resolution rebuilds resolved.* (see `resolve`), and the Great Expectations batch checks run
if the `validation` package is installed. Everything happens under the warehouse's writer lock.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import os
import secrets
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb

from contracts import contract_for
from ingestion.checks import CHECK_TABLE
from ingestion.evaluate import QUARANTINE_TABLE, Evaluation, drop_work_tables, evaluate
from ingestion.files import (
    BadFileName,
    DeliveredFile,
    FileName,
    Fingerprint,
    destination,
    fingerprint,
    landing_files,
    move_with_sidecars,
    parse_name,
    read_manifest,
)
from ingestion.ledger import CheckResult, ensure_schema, record_checks, table_columns
from ingestion.report import FileOutcome, IngestReport
from ingestion.resolve import WITHDRAWALS, erasable_with, erase_withdrawn, resolve
from sammen.database import connect
from sammen.home import Home
from sammen.lock import writer_lock
from sammen.progress import Progress
from sammen.settings import Settings

# Test hooks (tests/integration/test_ingestion_atomicity.py): pause inside the load transaction.
PAUSE_ENV = "SAMMEN_TEST_PAUSE_IN_LOAD"
PAUSE_MARKER_ENV = "SAMMEN_TEST_PAUSE_MARKER"
REASON_DETAILS = 20


def new_run_id() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def ingest(
    home: Home | str | Path,
    settings: Settings | None = None,
    progress: Progress | None = None,
    *,
    files: list[str | Path] | None = None,
    run_id: str | None = None,
    batch_checks: bool = True,
) -> IngestReport:
    """Ingest the landing files (or only `files`, by name or path) and rebuild resolved.*.

    `batch_checks=False` skips the Great Expectations checks (tests of ingestion alone)."""
    home = (home if isinstance(home, Home) else Home.at(home)).ensure()
    settings = settings or Settings()
    progress = progress or Progress(quiet=True)
    report = IngestReport(run_id or new_run_id())
    with writer_lock(home), connect(home, settings, stage="ingest") as con:
        ensure_schema(con)
        with (progress.stage("ingest: files"),
              tempfile.TemporaryDirectory(dir=home.warehouse_dir, prefix=".scratch-") as scratch,
              ThreadPoolExecutor(1, thread_name_prefix="sammen-hash") as hasher):
            for file in _delivery_order(landing_files(home, files)):
                outcome = _ingest_file(con, home, settings, file, report.run_id, Path(scratch), hasher)
                report.files.append(outcome)
                progress.say(outcome.line())
        with progress.stage("ingest: resolve"):
            _resolve(con, report)
        # Nothing rebuilt means resolved.* and the loaded deliveries are as the last run left
        # them: GX would judge the same batches again (a night with nothing new stays seconds)
        with progress.stage("ingest: batch checks"):
            if batch_checks and report.rebuilt:
                _batch_checks(home, con, report, settings)
    return report


def _delivery_order(files: list[DeliveredFile]) -> list[DeliveredFile]:
    def key(file: DeliveredFile) -> tuple:
        try:
            extract = parse_name(file.name).extract_date
        except BadFileName:
            extract = dt.date.max
        return (extract, file.path.stat().st_mtime, file.name)

    return sorted(files, key=key)


def _ingest_file(
    con: duckdb.DuckDBPyConnection, home: Home, settings: Settings, file: DeliveredFile, run_id: str,
    scratch: Path, hasher: ThreadPoolExecutor,
) -> FileOutcome:
    hashing = hasher.submit(fingerprint, file.path)
    # Same bytes need the same size: only a file whose size the ledger already knows can be a
    # duplicate or an interrupted move, so only such a file waits for its hash before anything
    # else; any other is evaluated while its hash is computed beside DuckDB's read.
    size = file.path.stat().st_size
    if con.execute("select count(*) from ledger.files where bytes = ?", [size]).fetchone()[0]:
        facts = hashing.result()
        finished = _finish_interrupted(con, home, file, facts)
        if finished is not None:
            return finished
        earlier = con.execute(
            "select file_id, file_name from ledger.files where sha256 = ? and status = 'loaded' order by file_id limit 1",
            [facts.sha256],
        ).fetchone()
        if earlier:
            return _record_duplicate(con, home, file, facts, _name_or_none(file), run_id, earlier)
    try:
        name = parse_name(file.name, file.source)
    except BadFileName as error:
        evaluation = Evaluation("")
        evaluation.fail("file_name", "conformance", str(error))
        return _record_rejected(con, home, file, hashing.result(), None, evaluation, run_id)
    evaluation = _evaluate(con, home, settings, file, hashing, name, scratch)
    facts = hashing.result()
    try:
        if evaluation.rejected:
            return _record_rejected(con, home, file, facts, name, evaluation, run_id)
        return _record_loaded(con, home, file, facts, name, evaluation, run_id)
    finally:
        drop_work_tables(con)


def _name_or_none(file: DeliveredFile) -> FileName | None:
    try:
        return parse_name(file.name, file.source)
    except BadFileName:
        return None


def _evaluate(
    con: duckdb.DuckDBPyConnection, home: Home, settings: Settings, file: DeliveredFile,
    facts: Future[Fingerprint], name: FileName, scratch: Path,
) -> Evaluation:
    """Evaluate, turning any unexpected failure into a clean rejection (its text may hold values)."""
    try:
        manifest = read_manifest(file.manifest) if file.manifest.exists() else None
    except ValueError as error:
        evaluation = Evaluation(name.dataset)
        evaluation.fail("manifest", "conformance", str(error))
        return evaluation
    try:
        return evaluate(con, file.path, name.dataset, name.format, threshold=settings.quarantine_threshold,
                        scratch=scratch, home_config=home.config, manifest=manifest, facts=facts)
    except (duckdb.Error, OSError, ValueError, MemoryError) as error:
        drop_work_tables(con)
        evaluation = Evaluation(name.dataset)
        evaluation.fail("readable", "conformance", f"the file could not be processed ({type(error).__name__})")
        return evaluation


def _finish_interrupted(
    con: duckdb.DuckDBPyConnection, home: Home, file: DeliveredFile, facts: Fingerprint
) -> FileOutcome | None:
    """A file recorded by a run killed before it moved the file: move it now, record nothing new."""
    row = con.execute(
        """select file_id, status, stored_as, reason, dataset, rows_read, rows_loaded, rows_quarantined
           from ledger.files where sha256 = ? and file_name = ? and source is not distinct from ?
           order by file_id desc limit 1""",
        [facts.sha256, file.name, file.source],
    ).fetchone()
    if row is None or row[2] is None or (home.root / row[2]).exists():
        return None
    file_id, status, stored_as, reason, dataset, read, loaded, quarantined = row
    move_with_sidecars(file, home.root / stored_as, _reason_text(file, reason) if status == "rejected" else None)
    return FileOutcome(file.name, file.source, dataset, status, read or 0, 0, 0,
                       "finished moving after an interrupted run", file_id)


def _next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(file_id), 0) + 1 from ledger.files").fetchone()[0]


def _insert_file_row(
    con: duckdb.DuckDBPyConnection, file_id: int, file: DeliveredFile, facts: Fingerprint,
    name: FileName | None, status: str, counts: tuple[int, int, int], reason: str | None,
    run_id: str, stored_as: str, evaluation: Evaluation | None,
) -> None:
    con.execute(
        "insert into ledger.files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [file_id, file.name, file.source, name.dataset if name else None, name.extract_date if name else None,
         facts.modified_at, facts.sha256, facts.size, dt.datetime.now(), status, *counts, reason, run_id,
         stored_as, evaluation.dialect if evaluation else None,
         ", ".join(evaluation.drift) if evaluation and evaluation.drift else None],
    )


def _stored_as(home: Home, base: Path, file: DeliveredFile, file_id: int) -> Path:
    return destination(base / (file.source or "unknown"), file.name, file_id)


def _record_duplicate(
    con: duckdb.DuckDBPyConnection, home: Home, file: DeliveredFile, facts: Fingerprint,
    name: FileName | None, run_id: str, earlier: tuple[int, str],
) -> FileOutcome:
    """Same bytes as a loaded file, whatever the name (a name breaking the pattern included)."""
    file_id = _next_file_id(con)
    target = _stored_as(home, home.archive, file, file_id)
    reason = f"same bytes as {earlier[1]} (file {earlier[0]}), already loaded"
    _insert_file_row(con, file_id, file, facts, name, "duplicate", (0, 0, 0), reason, run_id,
                     str(target.relative_to(home.root)), None)
    move_with_sidecars(file, target)
    return FileOutcome(file.name, file.source, name.dataset if name else None, "duplicate", 0, 0, 0, reason, file_id)


def _record_rejected(
    con: duckdb.DuckDBPyConnection, home: Home, file: DeliveredFile, facts: Fingerprint,
    name: FileName | None, evaluation: Evaluation, run_id: str,
) -> FileOutcome:
    file_id = _next_file_id(con)
    target = _stored_as(home, home.rejected, file, file_id)
    reason = evaluation.reason
    details = _quarantine_details(con) if evaluation.checked else []
    con.execute("begin")
    try:
        _insert_file_row(con, file_id, file, facts, name, "rejected",
                         (evaluation.rows_read, 0, evaluation.rows_quarantined), reason, run_id,
                         str(target.relative_to(home.root)), evaluation)
        record_checks(con, run_id, _with_file(evaluation.checks, file_id))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    move_with_sidecars(file, target, _reason_text(file, reason, details))
    return FileOutcome(file.name, file.source, name.dataset if name else None, "rejected",
                       evaluation.rows_read, 0, evaluation.rows_quarantined, reason, file_id)


def _record_loaded(
    con: duckdb.DuckDBPyConnection, home: Home, file: DeliveredFile, facts: Fingerprint,
    name: FileName, evaluation: Evaluation, run_id: str,
) -> FileOutcome:
    contract = contract_for(name.dataset)
    file_id = _next_file_id(con)
    target = _stored_as(home, home.archive, file, file_id)
    columns = ", ".join(column for column, _ in table_columns(contract, resolved=False)[:-2])
    withdrawals = con.execute(f"select count(*) from raw.{WITHDRAWALS}").fetchone()[0]
    erasable = erasable_with(name.dataset) if withdrawals else set()
    con.execute("begin")
    try:
        # raw rows carry their `_row_number`: their storage order is free, and DuckDB appends
        # faster when it need not keep it
        con.execute("set preserve_insertion_order = false")
        try:
            inserted = con.execute(
                f"insert into raw.{name.dataset} select {columns}, ?, _row_number from {CHECK_TABLE} where not _bad",
                [file_id],
            ).fetchone()[0]
        finally:
            con.execute("reset preserve_insertion_order")
        con.execute(
            f"""insert into ledger.quarantine select ?, ?, row_number, column_name, rule, check_kind,
                description, 'load', _person_key from {QUARANTINE_TABLE}""",
            [file_id, name.dataset],
        )
        _insert_file_row(con, file_id, file, facts, name, "loaded", (evaluation.rows_read, inserted, 0),
                         None, run_id, str(target.relative_to(home.root)), evaluation)
        loaded = inserted
        if erasable:
            # rows of persons withdrawn earlier are erased before this transaction ends, exactly
            # as resolution erases them (see `erase_withdrawn`)
            erase_withdrawn(con, erasable)
            loaded = con.execute(f"select count(*) from raw.{name.dataset} where _file_id = ?", [file_id]).fetchone()[0]
        quarantined = con.execute(
            "select count(distinct row_number) from ledger.quarantine where file_id = ?", [file_id]
        ).fetchone()[0]
        dropped = evaluation.rows_read - loaded - quarantined
        reason = f"{dropped} row(s) of withdrawn persons dropped" if dropped > 0 else None
        if evaluation.drift:
            drift = "extra columns not loaded: " + ", ".join(evaluation.drift)
            reason = f"{reason}; {drift}" if reason else drift
        con.execute("update ledger.files set rows_loaded = ?, rows_quarantined = ?, reason = ? where file_id = ?",
                    [loaded, quarantined, reason, file_id])
        record_checks(con, run_id, _with_file(evaluation.checks, file_id))
        _pause_for_tests()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    move_with_sidecars(file, target)
    return FileOutcome(file.name, file.source, name.dataset, "loaded", evaluation.rows_read, loaded,
                       quarantined, reason or "", file_id)


def _with_file(checks: list[CheckResult], file_id: int) -> list[CheckResult]:
    return [CheckResult(c.engine, c.dataset, c.check_name, c.check_kind, c.column_name, c.checked, c.failed, file_id)
            for c in checks]


def _quarantine_details(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        f"""select row_number, column_name, rule, check_kind, description from {QUARANTINE_TABLE}
            order by row_number, column_name limit {REASON_DETAILS}"""
    ).fetchall()
    return [f"row {r}, column {c or '-'}: {d} [{rule}, {kind}]" for r, c, rule, kind, d in rows]


def _reason_text(file: DeliveredFile, reason: str | None, details: list[str] | None = None) -> str:
    lines = [f"{file.name} was rejected by sammen.", "", f"Reason: {reason}"]
    if details:
        lines += ["", f"First problems found (up to {REASON_DETAILS}):", *("  " + d for d in details)]
    lines += ["", "Check a corrected file with `sammen check FILE` before delivering it again."]
    return "\n".join(lines)


def _pause_for_tests() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if not seconds:
        return
    if marker := os.environ.get(PAUSE_MARKER_ENV):
        Path(marker).write_text("in transaction\n", encoding="utf-8")
    time.sleep(float(seconds))


def _resolve(con: duckdb.DuckDBPyConnection, report: IngestReport) -> None:
    con.execute("begin")
    try:
        resolution = resolve(con)
        record_checks(con, report.run_id, resolution.checks)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    report.resolved_rows = resolution.rows
    report.rebuilt = resolution.rebuilt
    report.unreferenced = resolution.unreferenced
    report.withdrawn_persons = resolution.withdrawn_persons
    report.checks = [c for f in report.files for c in _file_checks(con, f)] + resolution.checks


def _file_checks(con: duckdb.DuckDBPyConnection, outcome: FileOutcome) -> list[CheckResult]:
    if outcome.file_id is None:
        return []
    rows = con.execute(
        """select engine, dataset, check_name, check_kind, column_name, checked, failed, file_id
           from ledger.checks where file_id = ?""",
        [outcome.file_id],
    ).fetchall()
    return [CheckResult(*row) for row in rows]


def _batch_checks(home: Home, con: duckdb.DuckDBPyConnection, report: IngestReport,
                  settings: Settings) -> None:
    """Great Expectations batch checks, when the `validation` package is installed."""
    if importlib.util.find_spec("validation") is None:
        return
    validation = importlib.import_module("validation")
    validation.run_batch_checks(home, con, report.run_id, sample_rows=settings.gx_sample_rows)
    rows = con.execute(
        """select engine, dataset, check_name, check_kind, column_name, checked,
                  coalesce(failed, case when success then 0 else 1 end), file_id
           from ledger.checks where run_id = ? and engine = 'gx'""",
        [report.run_id],
    ).fetchall()
    report.checks += [CheckResult(*row) for row in rows]
