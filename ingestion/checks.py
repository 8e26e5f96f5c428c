"""Row checks derived from a contract, run in bulk as one DuckDB statement.

From the reader (see `reader`: the file itself on the fast path, else `_src`) one CREATE TABLE AS
builds `_chk_t`, read through the view `_chk`: per contract column the typed value (named as the
column), plus `_row_number`, `_fields_ok`, `_cpr` (a CPR-shaped word somewhere in the row:
confirmed later), `_long` (a text field over `FILE_LIMITS.max_field_bytes`: the file is
rejected) and `_bad` (the row breaks at least one check). On the fast path the same pass
keeps the delivered fields of flagged rows only, as the small table `_src`, so a good file is
read once and stored once before it reaches raw.*. Which checks a bad row breaks is worked out
afterwards for the bad rows only, into `_flags` (one boolean per check, TRUE where the row breaks
it): the same SQL over `_src`. Everything below is generated from `ColumnSpec` and
`contract.rules()`: no dataset is named in this file.

How a value is read (extracts.md): trimmed, empty = null; dates `YYYY-MM-DD`, timestamps
`YYYY-MM-DD HH:MM[:SS]` or with `T` (formats from `contracts.columns`), booleans `true/false`,
`1/0`, `ja/nej`, enumeration values, sector tokens and programme codes case-insensitively and
stored as listed. Parquet columns of a native type are taken as they are when the type fits the
column (any integer for int, boolean, date, any timestamp unit, a time-zone-aware timestamp
converted to Danish local time); a string column is read as CSV text; any other type fails the
`type` check for each non-null value (the row is quarantined).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contracts import DatasetContract, sql
from contracts.base import COLUMN_RULES, FALSE_WORDS, TRUE_WORDS
from contracts.columns import DATE_FORMAT, INT_FORMAT, TS_FORMAT, ColumnSpec, Kind
from contracts.limits import FILE_LIMITS
from contracts.messages import WRITTEN_AS
from contracts.reference import allowed_values
from core.database import scalar
from core.identifiers import sql_candidate
from ingestion.reader import SOURCE_TABLE, SourceTable

CHECK_TABLE = "_chk"  # a view over CHECK_DATA with `_row_number`
CHECK_DATA = "_chk_t"
_ROWS = "/*rows*/"  # where `CheckPlan.pipeline` takes a source's rows_sql()
FLAGS_TABLE = "_flags"  # the bad rows with one flag per check (see `CheckPlan.flags_sql`)
LOCAL_TIME_ZONE = "Europe/Copenhagen"
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(13)"
_INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
_TIMESTAMP_TYPES = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE"}
_NATIVE = {Kind.BOOL: {"BOOLEAN"}, Kind.DATE: {"DATE"}, Kind.INT: _INTEGER_TYPES, Kind.TS: _TIMESTAMP_TYPES}
_WRITTEN_AS = {kind: WRITTEN_AS[kind]["en"] for kind in (Kind.DATE, Kind.TS, Kind.INT, Kind.BOOL)}


@dataclass(frozen=True)
class RowCheck:
    """One row-level check: its flag column in `_chk` and how it is reported."""

    flag: str
    name: str  # not_null, type, pattern, enum, sectors, reference, range, a rule name, field_count
    column: str | None
    check_kind: str
    description: str  # SQL expression (usually a literal): plain words, never the value
    predicate: str  # SQL over the values (`v__<column>`) and typed columns: TRUE = the row fails


@dataclass
class CheckPlan:
    contract: type[DatasetContract]
    checks: list[RowCheck]
    sql: str  # CREATE TABLE `_chk_t` (the rows, typed, and their flags)
    after: list[str]  # then the view `_chk` (with `_row_number`) and, on the fast path, `_src`
    row_number: str  # SQL for a `_chk_t` row's data row number
    pipeline: str  # SELECT of values, typed columns, flags and `_bad` over the rows (`_ROWS`)
    home_config: Path | None = None

    def flags_sql(self, source: SourceTable) -> str:
        """CREATE TABLE `_flags`: every column of the pipeline (each check's flag included) for
        the bad rows only, computed again from their fields in `_src` (which holds every row on
        the slow path, the flagged ones on the fast path)."""
        bad_rows = (f"select * from ({source.rows_sql()}) "
                    f"where _row_number in (select _row_number from {CHECK_TABLE} where _bad)")
        return f"create temp table {FLAGS_TABLE} as select * from ({self.pipeline.replace(_ROWS, bad_rows)})"


def plan_checks(
    contract: type[DatasetContract], source: SourceTable, home_config: Path | None = None
) -> CheckPlan:
    """The CREATE TABLE `_chk` statement and the checks it flags."""
    # the slow CSV path's `_src` brings `_fields_ok` and `_nfields`; DuckDB's reader has no broken rows
    values, typed, checks = [] if source.field_count_known else ["true as _fields_ok"], [], []
    first: list[str] = []  # parsed as delivered, untrimmed (see `_column`)
    scanned = [f"cast({ident} as varchar)" for ident in source.unknown_identifiers(contract_names(contract))]
    if source.field_count_known:
        checks.append(_field_count_check(source.header_width))
    for spec in contract.columns():
        as_delivered, value, typed_sql, column_checks = _column(spec, source, home_config)
        if as_delivered:
            first.append(f"{as_delivered} as {_first(spec.name)}")
        values.append(f"{value} as {_v(spec.name)}")
        typed.append(f"{typed_sql} as {spec.name}")
        checks += column_checks
        if spec.name in source.columns:
            scanned.append(_cpr_scanned(spec))
    typed.append(f"{sql_candidate(scanned)} as _cpr")
    typed.append(f"{_long_field(source)} as _long")
    for rule in contract.rules():
        flag = f"_f_rule_{rule.name}"
        checks.append(RowCheck(flag, rule.name, ",".join(rule.columns), rule.check_kind,
                               sql.literal(rule.description), f"not coalesce({rule.sql()}, true)"))
    flags = []
    for check in checks:
        gate = "" if check.name == "field_count" else " and _fields_ok"
        flags.append(f"coalesce({check.predicate}, false){gate} as {check.flag}")
    any_flag = " or ".join(check.flag for check in checks) or "false"
    pipeline = (f"select *, ({any_flag}) as _bad from (select {', '.join(['*', *flags])} from ("
                f"select *, {', '.join(typed)} from (select {', '.join(['*', *values])} from ("
                f"select {', '.join(['*', *first])} from ({_ROWS})))))")
    names = ", ".join(spec.name for spec in contract.columns())
    numbered = source.materialized
    # fast path: no `_src` yet; keep the fields as delivered of the rows that need them later
    # (bad rows to explain, CPR candidates to confirm), null for every other row
    copies = "" if numbered else "".join(
        f", case when _bad or _cpr then {ident} end as _s_{ident}" for ident in source.identifiers())
    outer = f"{'_row_number, ' if numbered else ''}_fields_ok, _cpr, _long{', _nfields' if source.field_count_known else ''}"
    # the big table keeps `_bad`, not each check's flag: storing a dozen booleans per row of a
    # good file costs more than computing them again for the few bad rows (`flags_sql`)
    create = (f"create temp table {CHECK_DATA} as select {outer}, {names}, _bad{copies} "
           f"from ({pipeline.replace(_ROWS, source.rows_sql())})")
    row_number = "_row_number" if numbered else "(rowid + 1)"
    after = [f"create temp view {CHECK_TABLE} as select {row_number} as _row_number, "
             f"{outer.removeprefix('_row_number, ')}, {names}, _bad from {CHECK_DATA}"]
    if not numbered:
        fields = ", ".join(f"_s_{ident} as {ident}" for ident in source.identifiers())
        after.append(f"create or replace temp table {SOURCE_TABLE} as select {row_number} as _row_number, {fields} "
                     f"from {CHECK_DATA} where _bad or _cpr")
    return CheckPlan(contract, checks, create, after, row_number, pipeline, home_config)


def run_checks(con: duckdb.DuckDBPyConnection, plan: CheckPlan, source: SourceTable) -> CheckPlan:
    """Build `_chk` (and, on the fast path, `_src` with the flagged rows' fields as delivered).

    The fast path numbers rows by `_chk_t`'s rowid, which is the file's order only when DuckDB
    runs the CREATE TABLE AS order-preserving (its batch insert; or one thread). Should the plan
    ever lose the order (an operator that reorders, e.g. a join), the source is materialised
    first and numbered there: slower, never wrong.

    Then `_flags`: the checks again, for the bad rows only."""
    if not source.materialized and not _keeps_order(con, plan.sql):
        source.materialize(con)
        plan = plan_checks(plan.contract, source, plan.home_config)
    con.execute(plan.sql)
    for statement in plan.after:
        con.execute(statement)
    if not source.materialized:
        source.from_sql, source.numbered = SOURCE_TABLE, True
    con.execute(plan.flags_sql(source))
    return plan


def _keeps_order(con: duckdb.DuckDBPyConnection, statement: str) -> bool:
    if scalar(con, "select current_setting('threads')") == 1:
        return True
    explained = "\n".join(str(row[1]) for row in con.execute("explain " + statement).fetchall())
    return "BATCH_CREATE_TABLE_AS" in explained


def contract_names(contract: type[DatasetContract]) -> set[str]:
    return {spec.name for spec in contract.columns()}


# A valid value of these kinds cannot hold a CPR-like word (no 10 digits standing alone: a
# 64-hex key's digits always touch letters or digits), so only their invalid values are scanned.
_CPR_PROOF = {Kind.KEY, Kind.DATE, Kind.TS, Kind.BOOL, Kind.ENUM, Kind.SECTORS}


def _cpr_scanned(spec: ColumnSpec) -> str:
    text = f"cast({_v(spec.name)} as varchar)"
    return f"case when {spec.name} is null then {text} end" if spec.kind in _CPR_PROOF else text


def _long_field(source: SourceTable) -> str:
    """SQL: a text field of the row is longer than the field limit. strlen (bytes) reads the
    length DuckDB stores with each string, so the test costs no pass over the characters."""
    texts = [ident for name, ident in source.columns.items() if source.types[name] == "VARCHAR"]
    limit = FILE_LIMITS.max_field_bytes
    return " or ".join(f"coalesce(strlen({ident}) > {limit}, false)" for ident in texts) or "false"


def _v(name: str) -> str:
    return f"v__{name}"


def _field_count_check(width: int) -> RowCheck:
    return RowCheck(
        "_f_field_count", "field_count", None, "conformance",
        f"'the row has ' || _nfields || ' fields; the header has {width}'", "not _fields_ok",
    )


def _column(
    spec: ColumnSpec, source: SourceTable, home_config: Path | None
) -> tuple[str | None, str, str, list[RowCheck]]:
    """(the value parsed as delivered or None, value expression over `_src`, typed expression
    over the values, checks).

    A text value of a kind whose valid values have no blank at either end (all but free text)
    is parsed first as delivered: when that succeeds, the value needed no trimming, and only the
    values that fail are trimmed and parsed again (CASE evaluates a branch for its rows only).
    Same verdict as trimming every value first, without testing every field's ends."""
    name, v = spec.name, _v(spec.name)
    checks: list[RowCheck] = []

    def add(rule: str, predicate: str, description: str) -> None:
        checks.append(RowCheck(f"_f_{name}_{rule}", rule, name, COLUMN_RULES[rule],
                               sql.literal(description), predicate))

    if name not in source.columns:
        return None, "null", f"cast(null as {spec.duckdb_type})", checks  # a missing nullable column
    ident, source_type = source.columns[name], source.types[name]
    as_delivered = None
    if not spec.nullable:
        add("not_null", f"{v} is null", "a value is required")
    if source_type == "VARCHAR":
        value = _trimmed(ident)
        typed, rule, description = _parse_text(spec, v, home_config)
        if spec.kind in _BLANK_FREE:
            first = _first(name)
            as_delivered = _parse_text(spec, ident, home_config, exact=True)[0]
            value = f"case when {first} is not null then {ident} else {value} end"
            typed = f"case when {first} is not null then {first} else {typed} end"
    elif source_type in _NATIVE.get(spec.kind, ()):
        value, typed, rule, description = ident, _native(spec, v, source_type), "type", _type_words(spec)
    else:
        value, typed, rule = ident, f"cast(null as {spec.duckdb_type})", "type"
        description = f"a Parquet {source_type.lower()} column cannot hold {_type_words(spec)}"
    if rule:
        add(rule, f"{v} is not null and {name} is null", description)
    if spec.minimum is not None or spec.maximum is not None:
        low = spec.minimum if spec.minimum is not None else "-9223372036854775808"
        high = spec.maximum if spec.maximum is not None else "9223372036854775807"
        add("range", f"not ({name} between {low} and {high})", f"outside the range {spec.minimum}-{spec.maximum}")
    if spec.reference:
        codes = sorted(allowed_values(spec.reference, home_config))
        listed = ", ".join(sql.literal(c) if isinstance(c, str) else str(c) for c in codes)
        # list_contains, not IN: DuckDB rewrites a long IN list into a join, which would cost the
        # fast path its row order (see `run_checks`)
        add("reference", f"not list_contains([{listed}], {name})", f"not a known code of the {spec.reference} list")
    return as_delivered, value, typed, checks


# kinds whose valid text has no blank at either end, or whose parser trims anyway (sector tokens)
_BLANK_FREE = {Kind.KEY, Kind.ID, Kind.DATE, Kind.TS, Kind.INT, Kind.BOOL, Kind.ENUM, Kind.SECTORS}


def _first(name: str) -> str:
    return f"f__{name}"


def _trimmed(ident: str) -> str:
    """Trimmed, empty = null; trimming only where needed (it copies the string, slow in bulk)."""
    # a first character at or below a space (an empty field gives 0) or a blank last one: only
    # such fields are trimmed; the gate may let through a control character, which trim keeps
    edges = f"ascii({ident}) <= 32 or " + " or ".join(
        f"ends_with({ident}, {char})" for char in ("' '", "chr(9)", "chr(10)", "chr(13)"))
    return f"case when {edges} then nullif(trim({ident}, {_WHITESPACE}), '') else nullif({ident}, '') end"


def _type_words(spec: ColumnSpec) -> str:
    return _WRITTEN_AS.get(spec.kind, f"{spec.kind.value} text")


def _parse_text(
    spec: ColumnSpec, v: str, home_config: Path | None, *, exact: bool = False
) -> tuple[str, str | None, str]:
    """(typed expression, rule failed when text does not parse, description) for a text value.

    `exact`: booleans and enumeration values only as listed (lower case), without lower-casing
    every value first: the cheap first try for values as delivered (see `_column`)."""
    kind = spec.kind
    lowered = v if exact else f"lower({v})"
    if kind in (Kind.KEY, Kind.ID):
        what = WRITTEN_AS[kind]["en"]
        return f"case when {_matches(v, spec.pattern or '.*')} then {v} end", "pattern", f"not written as {what}"
    if kind is Kind.DATE:
        return f"case when regexp_full_match({v}, {sql.literal(DATE_FORMAT)}) then try_cast({v} as date) end", "type", f"not {_type_words(spec)}"
    if kind is Kind.TS:
        return (f"case when regexp_full_match({v}, {sql.literal(TS_FORMAT)}) "
                f"then try_cast(replace({v}, 'T', ' ') as timestamp) end"), "type", f"not {_type_words(spec)}"
    if kind is Kind.INT:
        return f"case when regexp_full_match({v}, {sql.literal(INT_FORMAT)}) then try_cast({v} as bigint) end", "type", f"not {_type_words(spec)}"
    if kind is Kind.BOOL:
        whens = [f"when {sql.literal(w)} then true" for w in sorted(TRUE_WORDS)]
        whens += [f"when {sql.literal(w)} then false" for w in sorted(FALSE_WORDS)]
        return f"case {lowered} {' '.join(whens)} end", "type", f"not {_type_words(spec)}"
    if kind is Kind.ENUM:
        cases = " ".join(f"when {sql.literal(e.lower())} then {sql.literal(e)}" for e in spec.enum_values or ())
        return f"case {lowered} {cases} end", "enum", "not one of: " + ", ".join(spec.enum_values or ())
    if kind is Kind.SECTORS:
        tokens = f"list_transform(string_split({v}, '|'), t -> lower(trim(t, {_WHITESPACE})))"
        allowed = ", ".join(sql.literal(e) for e in spec.enum_values or ())
        return (f"case when list_bool_and(list_transform({tokens}, t -> list_contains([{allowed}], t))) "
                f"then array_to_string({tokens}, '|') end"), "sectors", \
            "an unknown or empty sector token; allowed: " + ", ".join(spec.enum_values or ())
    if spec.reference == "programmes":
        return f"lower({v})", None, ""
    return v, None, ""


_CLASS_PATTERN = re.compile(r"\^\[([ -~]+?)\]\{(\d+)(?:,(\d+))?\}\$")


def _matches(v: str, pattern: str) -> str:
    """SQL: `v` matches the contract's `pattern`. A pattern of one ASCII character class
    repeated (`^[0-9a-f]{64}$`) is tested as a byte length plus a search for one character
    outside the class: the same verdict (a non-ASCII character is outside an ASCII class)
    at about a fifth less than a full match of every character, on every row of a big file."""
    shape = _CLASS_PATTERN.fullmatch(pattern)
    if shape is None or shape.group(1).startswith("^") or "]" in shape.group(1) or "\\" in shape.group(1):
        return f"regexp_full_match({v}, {sql.literal(pattern)})"
    low, high = shape.group(2), shape.group(3) if shape.group(3) is not None else shape.group(2)
    return (f"(strlen({v}) between {low} and {high} "
            f"and not regexp_matches({v}, {sql.literal('[^' + shape.group(1) + ']')}))")


def _native(spec: ColumnSpec, v: str, source_type: str) -> str:
    if source_type == "TIMESTAMP WITH TIME ZONE":
        return f"({v} at time zone {sql.literal(LOCAL_TIME_ZONE)})"
    return f"try_cast({v} as {spec.duckdb_type})"
