"""The verdict on one file: read it, run every check, decide accepted or rejected.

Shared by `sammen ingest` (on the warehouse connection) and `sammen check` (in memory), so a
partner's pre-delivery check and the pipeline can never disagree. Leaves two temporary tables
for the loader: `_chk` (typed rows and `_bad`, see `checks`) and `_q` (one row per quarantined
row and broken check: row number, column, rule, kind, description, and internally the row's
person_key so a later withdrawal can delete it).

A file is rejected whole (extracts.md) when it cannot be read or decoded, is truncated, lacks a
required column, holds a CPR-like value anywhere (fields, header, manifest, Parquet and Arrow
metadata), goes beyond a content limit (`contracts.limits`: columns, row and field bytes),
disagrees with its manifest, or has more quarantined rows than the threshold allows. Messages name rows and columns, never values.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from contracts import contract_for, sql
from contracts.base import DatasetContract
from core.database import one, scalar
from core.identifiers import sql_candidate, sql_confirmed
from core.ledger import CheckResult
from ingestion import cpr
from ingestion.checks import (
    CHECK_DATA,
    CHECK_TABLE,
    FLAGS_TABLE,
    CheckPlan,
    plan_checks,
    run_checks,
)
from ingestion.files import Fingerprint, Manifest, fingerprint, read_manifest
from ingestion.reader import (
    SOURCE_TABLE,
    FileRejected,
    SourceTable,
    field_size_rejection,
    open_source,
    read_source,
)

QUARANTINE_TABLE = "_q"
EXPLAINED_ROWS = 200  # pydantic explains this many bad rows per file; the rest keep the generic text
_CPR_EXAMPLES = 3


@dataclass(frozen=True)
class Finding:
    """A file-level check that failed: the file is rejected."""

    rule: str
    check_kind: str
    message: str
    params: dict | None = None  # what a translated message needs (counts, names; never a value)

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}, {self.check_kind}]"


@dataclass
class Evaluation:
    dataset: str
    rows_read: int = 0
    rows_quarantined: int = 0
    findings: list[Finding] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    dialect: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    checked: bool = False  # `_chk` and `_q` exist
    warnings: list[str] = field(default_factory=list)  # file-level rules noted, not rejecting: `empty`

    @property
    def rejected(self) -> bool:
        return bool(self.findings)

    @property
    def holds_cpr(self) -> bool:
        """A CPR-like word was found somewhere in the file or its manifest: its bytes are
        kept apart (`Home.restricted`) and only for a while (`purge`)."""
        return any(f.rule == "cpr" for f in self.findings)

    @property
    def reason(self) -> str:
        return "; ".join(map(str, self.findings))

    def fail(self, rule: str, check_kind: str, message: str, **params: object) -> None:
        self.findings.append(Finding(rule, check_kind, message, params or None))

    @property
    def warning_text(self) -> str:
        """The warnings in the ledger's words (English, like its reasons)."""
        texts = {"empty": "warning: no data rows (an empty delivery)"}
        return "; ".join(texts.get(w, w) for w in self.warnings)


def evaluate(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    dataset: str,
    fmt: str,
    *,
    threshold: float,
    scratch: Path,
    home_config: Path | None = None,
    manifest: Manifest | None = None,
    facts: Fingerprint | Future[Fingerprint] | None = None,
) -> Evaluation:
    """Run every check on the file at `path` as a delivery of `dataset`.

    `facts`: the file's fingerprint, or a Future of it (ingestion hashes the file in a thread
    while DuckDB reads it); computed here when not given."""
    contract = contract_for(dataset)
    result = Evaluation(dataset)
    drop_work_tables(con)
    known_path, path = path, _empty_as_header_only(path, fmt, contract, scratch)
    try:
        source = open_source(con, path, fmt, scratch)
        names = {spec.name for spec in contract.columns()}
        missing = [s.name for s in contract.columns() if not s.nullable and s.name not in source.columns]
        if missing:
            source = _materialised(con, path, fmt, scratch, source)
            result.fail("required_columns", "completeness", "required column(s) missing: " + ", ".join(missing),
                        columns=", ".join(missing))
            result.rows_read = source.row_count(con)
            every = [f"cast({ident} as varchar)" for ident in source.identifiers()]
            _check_cpr(con, source, result, f"select {source.row_number} from {SOURCE_TABLE} where {sql_candidate(every)}")
        else:
            try:
                plan = plan_checks(contract, source, home_config)
                plan = run_checks(con, plan, source)
            except duckdb.Error:
                if source.materialized:
                    raise
                # refused by the fast path (not UTF-8, broken rows, corrupt Parquet): the sure path
                drop_work_tables(con)
                source = read_source(con, path, fmt, scratch)
                plan = plan_checks(contract, source, home_config)
                plan = run_checks(con, plan, source)
            result.rows_read = scalar(con, f"select count(*) from {CHECK_DATA}")
            _check_cpr(con, source, result, f"select _row_number from {CHECK_TABLE} where _cpr")
            _check_field_size(con, result)
            if not result.rejected:
                _quarantine(con, plan, source, result, threshold)
        result.dialect = source.dialect
        result.drift = [name for name in source.columns if name not in names]
        known = _facts(known_path, facts)
        if fmt != "parquet" and known.nul:
            drop_work_tables(con)
            result = Evaluation(dataset, dialect=result.dialect)
            raise FileRejected("readable", "conformance", "this is not a CSV file: it holds NUL bytes (binary content)")
    except FileRejected as rejection:
        drop_work_tables(con)
        result.fail(rejection.rule, rejection.check_kind, rejection.message)
        _file_checks(result, ("readable", "decodable", "truncated", "header", "cpr"))
        return result
    _check_manifest(result, manifest, known.sha256)
    if not result.rejected and result.rows_read == 0:
        # Decision (issue 14): a delivery can be empty; accepted, but said aloud
        result.warnings.append("empty")
    _file_checks(result, ("readable", "column_count", "line_length", "field_size", "required_columns", "cpr",
                          "manifest", "quarantine_threshold"))
    return result


def _empty_as_header_only(path: Path, fmt: str, contract: type[DatasetContract], scratch: Path) -> Path:
    """Decision (issue 14): a CSV of 0 bytes is an empty delivery, accepted with a warning like a
    file with a header and no rows; it is read as the contract's header alone (the fingerprint,
    the archive and the ledger keep the delivered file)."""
    if fmt == "parquet" or path.stat().st_size:
        return path
    header_only = scratch / f"empty-{path.name}"
    header_only.write_text(",".join(column.name for column in contract.columns()) + "\n", encoding="utf-8")
    return header_only


def read_delivered_manifest(path: Path, dataset: str) -> tuple[Manifest | None, Evaluation | None]:
    """The file's manifest (None when it has none), or instead the rejection it earns: a
    CPR-like word in a key or value, or a malformed manifest. Shared by ingest and check."""
    if not path.exists():
        return None, None
    rejection = Evaluation(dataset)
    if where := cpr.in_manifest(path):
        rejection.fail("cpr", "conformance", f"CPR number in {where}; the file is never loaded")
        _file_checks(rejection, ("cpr",))
        return None, rejection
    try:
        return read_manifest(path), None
    except ValueError as error:  # its text never holds a value of the manifest
        rejection.fail("manifest", "conformance", str(error))
        return None, rejection


def _check_field_size(con: duckdb.DuckDBPyConnection, result: Evaluation) -> None:
    """A text field over the limit (`_long`, computed in the checks' one pass) rejects the file."""
    first = scalar(con, f"select min(_row_number) from {CHECK_TABLE} where _long")
    if first is not None:
        rejection = field_size_rejection(first)
        result.fail(rejection.rule, rejection.check_kind, rejection.message)


def _facts(path: Path, facts: Fingerprint | Future[Fingerprint] | None) -> Fingerprint:
    if facts is None:
        return fingerprint(path)
    return facts.result() if isinstance(facts, Future) else facts


def _materialised(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str, scratch: Path, source: SourceTable
) -> SourceTable:
    """`_src` holding every row (rejection paths only: a required column is missing)."""
    try:
        source.materialize(con)
        return source
    except duckdb.Error:
        con.execute(f"drop table if exists {SOURCE_TABLE}")
        return read_source(con, path, fmt, scratch)


def drop_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop view if exists {CHECK_TABLE}")
    for table in (SOURCE_TABLE, CHECK_DATA, FLAGS_TABLE, QUARANTINE_TABLE, "_explained", "_cpr_rows"):
        con.execute(f"drop table if exists {table}")


def _file_checks(result: Evaluation, names: tuple[str, ...]) -> None:
    kinds = {"required_columns": "completeness", "truncated": "completeness", "header": "completeness"}
    failed = {finding.rule for finding in result.findings}
    for name in dict.fromkeys(names + tuple(failed)):
        kind = next((f.check_kind for f in result.findings if f.rule == name), kinds.get(name, "conformance"))
        result.checks.append(CheckResult("file", result.dataset, name, kind, None, 1, int(name in failed)))


def _check_cpr(con: duckdb.DuckDBPyConnection, source: SourceTable, result: Evaluation, candidates: str) -> None:
    """Confirm candidate rows column by column; reject naming rows and columns, never values."""
    con.execute(f"create or replace temp table _cpr_rows as {candidates}")
    if not scalar(con, "select count(*) from _cpr_rows"):
        return
    hits: list[tuple[int, str, int]] = []
    labels = {ident: name for name, ident in source.columns.items()} | {"_extra": "(fields beyond the header)"}
    for ident in source.identifiers():
        first, count = one(con,
            f"select min({source.row_number}), count(*) from {SOURCE_TABLE} "
            f"where {source.row_number} in (select * from _cpr_rows) and {sql_confirmed(f'cast({ident} as varchar)')}"
        )
        if count:
            hits.append((first, labels.get(ident, ident), count))
    con.execute("drop table _cpr_rows")
    if hits:
        hits.sort()
        where = "; ".join(f"row {row}, column {column}" for row, column, _ in hits[:_CPR_EXAMPLES])
        total = sum(count for *_, count in hits)
        result.fail("cpr", "conformance",
                    f"a CPR-like value in {total} field(s), first at {where}; the file is never loaded")


def _check_manifest(result: Evaluation, manifest: Manifest | None, sha256: str | None) -> None:
    if manifest is None:
        return
    if sha256 is not None and manifest.sha256 != sha256:
        result.fail("manifest", "conformance", "the file's sha256 differs from its manifest's")
    if not result.findings or all(f.rule == "manifest" for f in result.findings):
        if manifest.rows != result.rows_read:
            result.fail("manifest", "completeness",
                        f"the manifest promises {manifest.rows} data rows; the file has {result.rows_read}")


def _quarantine(
    con: duckdb.DuckDBPyConnection, plan: CheckPlan, source: SourceTable, result: Evaluation, threshold: float
) -> None:
    """Build `_q`, count per check, apply the threshold, explain the first bad rows."""
    contract = plan.contract
    person = "person_key" if "person_key" in {s.name for s in contract.columns()} else "null"
    key = contract.natural_key
    # a key seen on several rows of one file: all of them are quarantined; repeated rows of a
    # person-keyed dataset (consent_withdrawals) are one fact, never quarantined for repetition
    duplicates = bool(key) and key != ("person_key",)
    columns = ", ".join(key)
    present = f"_fields_ok and {' and '.join(f'{k} is not null' for k in key)}" if duplicates else "false"
    total, fields_ok = one(con, f"select count(*), count(*) filter (where _fields_ok) from {CHECK_TABLE}")
    # does any key repeat? The keys' 64-bit hashes, sorted, compared with their neighbours: about
    # half the cost of counting distinct keys (a hash table of every key); a collision only sends
    # the file to the exact search below, which finds no repeated key then
    repeated_hashes = duplicates and scalar(con,
        f"select count(*) from (select h, lead(h) over (order by h) as following "
        f"from (select hash({columns}) as h from {CHECK_TABLE} where {present})) where h = following"
    ) > 0
    # each check over the bad rows only (`_flags`: empty for a good file)
    parts = [
        f"select _row_number as row_number, {sql.literal(c.column)} as column_name, {sql.literal(c.name)} as rule, "
        f"{sql.literal(c.check_kind)} as check_kind, {c.description} as description, {person} as _person_key "
        f"from {FLAGS_TABLE} where {c.flag}"
        for c in plan.checks
    ] or ["select 0::bigint as row_number, null::varchar as column_name, '' as rule, '' as check_kind, "
          "'' as description, null::varchar as _person_key where false"]
    if repeated_hashes:
        repeated = f"select ({columns}) from {CHECK_TABLE} where {present} group by all having count(*) > 1"
        parts.append(
            f"select _row_number, {sql.literal(columns)}, 'duplicate_key', 'plausibility', "
            f"{sql.literal(columns + ' appears on more than one row of this file')}, {person} from {CHECK_TABLE} "
            f"where {present} and ({columns}) in ({repeated})"
        )
    con.execute(f"create temp table {QUARANTINE_TABLE} as " + " union all ".join(parts))
    if repeated_hashes:  # `_bad` then says it all for the loader
        con.execute(f"update {CHECK_DATA} set _bad = true where {plan.row_number} in "
                    f"(select row_number from {QUARANTINE_TABLE} where rule = 'duplicate_key')")
    _count_checks(con, plan, result, total, fields_ok, duplicates)
    bad = scalar(con, f"select count(distinct row_number) from {QUARANTINE_TABLE}")
    result.rows_quarantined = bad
    if result.rows_read and bad / result.rows_read > threshold:
        result.fail("quarantine_threshold", "conformance",
                    f"{bad} of {result.rows_read} data rows ({bad / result.rows_read:.1%}) break the contract; "
                    f"more than {threshold:.0%} means a broken export",
                    bad=bad, rows=result.rows_read, threshold=f"{threshold:.0%}")
    if bad:
        _explain(con, plan, source)
    result.checked = True


def _count_checks(
    con: duckdb.DuckDBPyConnection, plan: CheckPlan, result: Evaluation, total: int, fields_ok: int, duplicates: bool
) -> None:
    counts = ", ".join(f"count(*) filter (where {c.flag})" for c in plan.checks)
    failures = one(con, f"select {counts} from {FLAGS_TABLE}") if counts else ()
    for check, failed in zip(plan.checks, failures, strict=True):
        checked = total if check.name == "field_count" else fields_ok
        result.checks.append(CheckResult("row", result.dataset, check.name, check.check_kind,
                                         check.column, checked, failed))
    if duplicates:
        failed = scalar(con, f"select count(*) from {QUARANTINE_TABLE} where rule = 'duplicate_key'")
        result.checks.append(CheckResult("row", result.dataset, "duplicate_key", "plausibility",
                                         ",".join(plan.contract.natural_key), fields_ok, failed))


def _explain(con: duckdb.DuckDBPyConnection, plan: CheckPlan, source: SourceTable) -> None:
    """pydantic's plain words for the first bad rows (values only pass through memory)."""
    contract = plan.contract
    selected = ", ".join(f"{column} as {sql.ident(name)}" for name, column in source.columns.items())
    rows = con.execute(
        f"select {source.row_number}, {selected} from {SOURCE_TABLE} where {source.row_number} in "
        f"(select distinct row_number from {QUARANTINE_TABLE} where rule not in ('field_count', 'duplicate_key') "
        f"order by row_number limit {EXPLAINED_ROWS})"
    ).fetchall()
    names = ["_row_number", *source.columns]
    explained: list[tuple[int, str, str]] = []
    for values in rows:
        record = dict(zip(names, values, strict=True))
        row_number = record.pop("_row_number")
        for violation in contract.explain(record):
            explained.append((row_number, violation.column or violation.rule, violation.message))
    if not explained:
        return
    table = pa.table({
        "row_number": pa.array([e[0] for e in explained], pa.int64()),
        "target": pa.array([e[1] for e in explained], pa.string()),
        "message": pa.array([e[2] for e in explained], pa.string()),
    })
    con.register("_explained_arrow", table)
    try:
        con.execute(f"""update {QUARANTINE_TABLE} q set description = e.message
            from (select row_number, target, any_value(message) as message from _explained_arrow
                  group by all) e
            where q.row_number = e.row_number and q.rule not in ('field_count', 'duplicate_key')
              and (q.column_name = e.target or q.rule = e.target)""")
    finally:
        con.unregister("_explained_arrow")
