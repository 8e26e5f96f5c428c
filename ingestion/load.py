"""`ingest`: landing → ledger → raw → resolved, one file at a time, each atomically.

What is taken from landing is decided in `ingestion.files` (`scan_landing`): links, FIFOs,
devices, sockets and directories get one ledger row and stay; temporary names are never taken.
For each file in landing/<source>/ (in delivery order):
- it is taken only when complete (manifest matches, or unchanged for `Settings.settle_seconds`),
  and then as one snapshot copied into the run's staging folder: the snapshot is what is hashed,
  read and archived; a file still being written stays in landing for a later run;
- a name holding a CPR number sends it, unread, to `Home.restricted` under a redacted name; a
  name too long for its sidecars rejects it; a rejected file that holds a CPR number anywhere else
  goes to `Home.restricted` too (see `purge`);
- its bytes are fingerprinted (sha256, size, modification time);
- a file already recorded with the same bytes and name whose move never happened (the run was
  killed between commit and move) is just moved: that finishes the job;
- bytes already loaded under any name are a duplicate: recorded, archived, nothing else changes;
- otherwise it is evaluated (`evaluate`) and, in ONE DuckDB transaction, its accepted rows go to
  raw.<dataset>, its bad rows to ledger.quarantine, its check counts to ledger.checks and its row
  to ledger.files. Only after COMMIT is the file moved (archive/ or rejected/ with a reason file),
  so a kill at any point leaves the file either fully loaded and recorded or not at all.
Before the files, restricted files past their retention are purged (`purge`).
Then resolution rebuilds resolved.* (see `resolve`), and the Great Expectations batch checks run.
Everything happens under the warehouse's writer lock.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb

import validation  # late: validation imports GX, which takes seconds to import
from contracts import contract_for
from contracts.limits import MAX_NAME_BYTES
from core.database import connect, scalar
from core.faults import pause_point
from core.home import Home
from core.ledger import CheckResult, ensure_schema, record_checks, table_columns
from core.lock import writer_lock
from core.progress import Progress
from core.settings import Settings
from ingestion.checks import CHECK_TABLE
from ingestion.evaluate import (
    QUARANTINE_TABLE,
    Evaluation,
    drop_work_tables,
    evaluate,
    read_delivered_manifest,
)
from ingestion.files import (
    BadFileName,
    DeliveredFile,
    FileName,
    Fingerprint,
    Landing,
    Refused,
    Unsettled,
    destination,
    fingerprint,
    move_with_sidecars,
    parse_name,
    read_manifest,
    redacted_name,
    remove_if_unchanged,
    scan_landing,
    settled_by_age,
    shown,
    take_snapshot,
)
from ingestion.purge import purge_restricted, restrict, restricted_folder
from ingestion.report import FileOutcome, IngestReport
from ingestion.resolve import (
    WITHDRAWALS,
    erasable_with,
    erase_left_out,
    kept_at_load,
    resolve,
    withdrawn_keys_sql,
)

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
        purged = purge_restricted(con, home, settings.restricted_retention_days, report.run_id)
        if purged:
            progress.say(f"purged {len(purged)} rejected file(s) holding a CPR number, kept "
                         f"{settings.restricted_retention_days} days (file ids {', '.join(map(str, purged))})")
        with (progress.stage("ingest: files"),
              tempfile.TemporaryDirectory(dir=home.warehouse_dir, prefix=".scratch-") as scratch,
              ThreadPoolExecutor(1, thread_name_prefix="sammen-hash") as hasher):
            landing = scan_landing(home, files)
            if batch_checks and landing.files:
                validation.preload()  # GX's import overlaps the files' loading
            _record_refused(con, landing, report, progress)
            for number, file in enumerate(_delivery_order(landing.files)):
                staging = Path(scratch) / "staged" / str(number)
                outcome = _take_file(con, home, settings, file, report.run_id, Path(scratch), staging,
                                     hasher, progress)
                if outcome is not None:
                    report.files.append(outcome)
                    progress.detail(outcome.line())  # the report lists the files again
                else:
                    report.waiting.append(f"{file.source}/{file.display_name}")
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
        return (extract, file.found.st_mtime if file.found else 0.0, file.name)

    return sorted(files, key=key)


def _record_refused(
    con: duckdb.DuckDBPyConnection, landing: Landing, report: IngestReport, progress: Progress,
) -> None:
    """Links, FIFOs, devices, sockets, directories: a ledger row each, the first time only (the
    entry stays in landing, so later runs see it again); orphan and temporary names: a message."""
    for entry in landing.refused:
        name = redacted_name(entry.name)
        known = scalar(con,
            """select count(*) from ledger.files where source = ? and file_name = ? and status = 'rejected'
               and stored_as is null and reason = ?""",
            [entry.source, name, entry.reason],
        )
        if not known:
            outcome = _record_left_in_place(con, entry, name, report.run_id)
            report.files.append(outcome)
            progress.say(outcome.line())
    for path in landing.orphan_manifests:
        progress.say(f"{path.parent.name}/{shown(redacted_name(path.name))}: a manifest without its data "
                     "file; left in landing (it is read when its file arrives)")
    for path in (p for p in landing.temporary if not p.name.startswith(".")):  # hidden ones: silence
        progress.say(f"{path.parent.name}/{shown(redacted_name(path.name))}: a temporary name, not taken "
                     "(a partner renames the file to its final name when it is complete)")


def _record_left_in_place(con: duckdb.DuckDBPyConnection, entry: Refused, name: str, run_id: str) -> FileOutcome:
    file_id = _next_file_id(con)
    con.execute(
        """insert into ledger.files (file_id, file_name, source, received_at, status, rows_read, rows_loaded,
                                     rows_quarantined, reason, run_id)
           values (?, ?, ?, ?, 'rejected', 0, 0, 0, ?, ?)""",
        [file_id, name, entry.source, dt.datetime.now(), entry.reason, run_id],
    )
    return FileOutcome(name, entry.source, None, "rejected", reason=entry.reason, file_id=file_id)


def _take_file(
    con: duckdb.DuckDBPyConnection, home: Home, settings: Settings, file: DeliveredFile, run_id: str,
    scratch: Path, staging: Path, hasher: ThreadPoolExecutor, progress: Progress,
) -> FileOutcome | None:
    """Settled files only: a file is taken when its manifest announces its bytes or its bytes were
    left alone for the settle interval, and then only as one snapshot (see `take_snapshot`).
    Returns None when the file waits in landing for a later run (with a message saying why)."""
    aged = settled_by_age(file.found or file.path.lstat(), settings.settle_seconds)
    if not aged and not file.has_manifest:
        progress.say(_waiting(file, f"written less than {settings.settle_seconds:g} s ago and no manifest"))
        return None
    try:
        staged = take_snapshot(file, staging)
    except Unsettled as why:
        progress.say(_waiting(file, str(why)))
        return None
    except OSError as error:  # gone since the listing, or not readable by sammen
        progress.say(_waiting(file, f"it could not be read ({type(error).__name__})"))
        return None
    hashing = hasher.submit(fingerprint, staged.bytes_path, staged.found)
    if not aged and not _announced(staged, hashing.result()):
        progress.say(_waiting(file, "its bytes do not match its manifest (yet)"))
        return None
    if staged.name_problem == "cpr":
        return _record_restricted(con, home, staged, hashing.result(), run_id)
    if staged.name_problem == "long":
        evaluation = Evaluation("")
        evaluation.fail("file_name", "conformance",
                        f"the file name is {len(os.fsencode(file.name))} bytes long; at most {MAX_NAME_BYTES} "
                        "(the archive and the .manifest.json and .reason.txt beside it must fit in 255)")
        return _record_rejected(con, home, staged, hashing.result(), None, evaluation, run_id)
    return _ingest_file(con, home, settings, staged, run_id, scratch, hashing)


def _waiting(file: DeliveredFile, why: str) -> str:
    return f"{file.source}/{file.display_name}: not complete yet ({why}); left in landing for a later run"


def _announced(file: DeliveredFile, facts: Fingerprint) -> bool:
    try:
        return read_manifest(file.manifest).announces(facts)
    except ValueError:  # a manifest still being written reads as malformed
        return False


def _record_restricted(
    con: duckdb.DuckDBPyConnection, home: Home, file: DeliveredFile, facts: Fingerprint, run_id: str,
) -> FileOutcome:
    """A name holding a CPR number: recorded under the redacted name, the bytes (never read) and
    the manifest moved to the owner-only restricted folder under that name."""
    file_id = _next_file_id(con)
    folder = restricted_folder(home, file.source)
    target = destination(folder, redacted_name(file.name), file_id)
    reason = ("the file name holds a CPR number; the file was not read and is kept in the restricted folder "
              "(deliver it again under a name without one)")
    _insert_file_row(con, file_id, file, facts, None, "rejected", (0, 0, 0), reason, run_id,
                     str(target.relative_to(home.root)), None)
    move_with_sidecars(file, target, _reason_text(file, reason))
    restrict(target)
    return FileOutcome(redacted_name(file.name), file.source, None, "rejected", reason=reason, file_id=file_id)


def _ingest_file(
    con: duckdb.DuckDBPyConnection, home: Home, settings: Settings, file: DeliveredFile, run_id: str,
    scratch: Path, hashing: Future[Fingerprint],
) -> FileOutcome:
    # Same bytes need the same size: only a file whose size the ledger already knows can be a
    # duplicate or an interrupted move, so only such a file waits for its hash before anything
    # else; any other is evaluated while its hash is computed beside DuckDB's read.
    size = file.found.st_size if file.found else file.bytes_path.stat().st_size
    if scalar(con, "select count(*) from ledger.files where bytes = ?", [size]):
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
    manifest, rejection = (read_delivered_manifest(file.manifest, name.dataset) if file.has_manifest
                           else (None, None))
    if rejection is not None:
        return rejection
    try:
        return evaluate(con, file.bytes_path, name.dataset, name.format, threshold=settings.quarantine_threshold,
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
        """select file_id, status, stored_as, reason, dataset, rows_read, modified_at
           from ledger.files where sha256 = ? and file_name = ? and source is not distinct from ?
             and file_id not in (select file_id from ledger.purges)
           order by file_id desc limit 1""",
        [facts.sha256, redacted_name(file.name), file.source],
    ).fetchone()
    if row is None or row[2] is None:
        return None
    file_id, status, stored_as, reason, dataset, read, modified_at = row
    if (home.root / stored_as).exists():
        # killed between archiving the snapshot and removing the landing file: the very same
        # delivery (same time stamp) is removed; a re-delivery of the same bytes is a duplicate
        if modified_at != facts.modified_at:
            return None
        remove_if_unchanged(file)
    else:
        target = home.root / stored_as
        restricted = target.is_relative_to(home.restricted)
        if restricted:
            restricted_folder(home, file.source)
        move_with_sidecars(file, target, _reason_text(file, reason) if status == "rejected" else None)
        if restricted:
            restrict(target)
    return FileOutcome(redacted_name(file.name), file.source, dataset, status, read or 0, 0, 0,
                       "finished moving after an interrupted run", file_id)


def _next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    return scalar(con, "select coalesce(max(file_id), 0) + 1 from ledger.files")


def _insert_file_row(
    con: duckdb.DuckDBPyConnection, file_id: int, file: DeliveredFile, facts: Fingerprint,
    name: FileName | None, status: str, counts: tuple[int, int, int], reason: str | None,
    run_id: str, stored_as: str, evaluation: Evaluation | None,
) -> None:
    con.execute(
        "insert into ledger.files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [file_id, redacted_name(file.name), file.source, name.dataset if name else None, name.extract_date if name else None,
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
    return FileOutcome(redacted_name(file.name), file.source, name.dataset if name else None, "duplicate", 0, 0, 0, reason, file_id)


def _record_rejected(
    con: duckdb.DuckDBPyConnection, home: Home, file: DeliveredFile, facts: Fingerprint,
    name: FileName | None, evaluation: Evaluation, run_id: str,
) -> FileOutcome:
    file_id = _next_file_id(con)
    if evaluation.holds_cpr:
        target = destination(restricted_folder(home, file.source), file.name, file_id)
    else:
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
    if evaluation.holds_cpr:
        restrict(target)
    return FileOutcome(redacted_name(file.name), file.source, name.dataset if name else None, "rejected",
                       evaluation.rows_read, 0, evaluation.rows_quarantined, reason, file_id)


def _record_loaded(
    con: duckdb.DuckDBPyConnection, home: Home, file: DeliveredFile, facts: Fingerprint,
    name: FileName, evaluation: Evaluation, run_id: str,
) -> FileOutcome:
    contract = contract_for(name.dataset)
    file_id = _next_file_id(con)
    target = _stored_as(home, home.archive, file, file_id)
    columns = ", ".join(column for column, _ in table_columns(contract, resolved=False)[:-2])
    withdrawals = scalar(con, f"select count(*) from raw.{WITHDRAWALS}")
    erasable = erasable_with(name.dataset) if withdrawals else set()
    con.execute("begin")
    try:
        # raw rows carry their `_row_number`: their storage order is free, and DuckDB appends
        # faster when it need not keep it
        con.execute("set preserve_insertion_order = false")
        # rows of persons withdrawn earlier never reach the warehouse file (`kept_at_load`)
        kept = kept_at_load(name.dataset) if erasable else "true"
        try:
            inserted = scalar(con,
                f"insert into raw.{name.dataset} select {columns}, ?, _row_number from {CHECK_TABLE} "
                f"where not _bad and {kept}",
                [file_id],
            )
        finally:
            con.execute("reset preserve_insertion_order")
        con.execute(
            f"""insert into ledger.quarantine select ?, ?, row_number, column_name, rule, check_kind,
                description, 'load', _person_key from {QUARANTINE_TABLE}
                where {'true' if kept == 'true' else f"_person_key is null or _person_key not in ({withdrawn_keys_sql()})"}""",
            [file_id, name.dataset],
        )
        _insert_file_row(con, file_id, file, facts, name, "loaded", (evaluation.rows_read, inserted, 0),
                         None, run_id, str(target.relative_to(home.root)), evaluation)
        loaded = inserted
        if kept != "true":
            # what the left-out rows would have erased goes now, exactly as resolution erases it
            # (`erase_left_out`: nothing to do when the file held no row of a withdrawn person);
            # rows of a person withdrawn by a list loaded in this run go at its resolution
            erase_left_out(con, name.dataset, file_id,
                           f"select * from {CHECK_TABLE} where not _bad and not ({kept})")
            loaded = scalar(con, f"select count(*) from raw.{name.dataset} where _file_id = ?", [file_id])
        quarantined = scalar(con,
            "select count(distinct row_number) from ledger.quarantine where file_id = ?", [file_id]
        )
        dropped = evaluation.rows_read - loaded - quarantined
        reason = f"{dropped} row(s) of withdrawn persons dropped" if dropped > 0 else None
        if evaluation.drift:
            drift = "extra columns not loaded: " + ", ".join(evaluation.drift)
            reason = f"{reason}; {drift}" if reason else drift
        if evaluation.warnings:  # an empty delivery: accepted, and said in the ledger
            reason = f"{reason}; {evaluation.warning_text}" if reason else evaluation.warning_text
        con.execute("update ledger.files set rows_loaded = ?, rows_quarantined = ?, reason = ? where file_id = ?",
                    [loaded, quarantined, reason, file_id])
        record_checks(con, run_id, _with_file(evaluation.checks, file_id))
        pause_point("ingest.load")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    move_with_sidecars(file, target)
    return FileOutcome(redacted_name(file.name), file.source, name.dataset, "loaded", evaluation.rows_read, loaded,
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
    lines = [f"{file.display_name} was rejected by sammen.", "", f"Reason: {shown(reason or '')}"]
    if details:
        lines += ["", f"First problems found (up to {REASON_DETAILS}):", *("  " + d for d in details)]
    lines += ["", "Check a corrected file with `sammen check FILE` before delivering it again."]
    return "\n".join(lines)


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
    report.rebuilt, report.rebuilt_whole = resolution.rebuilt, resolution.rebuilt_whole
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
    """Great Expectations batch checks (`validation`), recorded in ledger.checks and the report."""
    results = validation.run_batch_checks(home, con, report.run_id, sample_rows=settings.gx_sample_rows,
                                           docs_runs=settings.gx_docs_runs)
    report.failed_batch_checks = [result.explained() for result in results if not result.success]
    rows = con.execute(
        """select engine, dataset, check_name, check_kind, column_name, checked,
                  coalesce(failed, case when success then 0 else 1 end), file_id
           from ledger.checks where run_id = ? and engine = 'gx'""",
        [report.run_id],
    ).fetchall()
    report.checks += [CheckResult(*row) for row in rows]
