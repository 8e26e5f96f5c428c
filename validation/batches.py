"""The batches GX validates in a run, each a DuckDB query plus the expectations over its result.

Decision (the brief left it open): the contract suites run over `resolved.<dataset>`, the
current state after supersede, retraction, reference checks and withdrawals, i.e. exactly what
dbt reads. Every raw row already passed the row checks at ingestion; what can still go wrong is
what only shows in the resolved whole: a reference to a row that was retracted later, a key held
twice, a distribution that moved. Delivery size and freshness are judged on the ledger
(`ledger.files`), which records every delivery.

Memory (national scale): GX validates pandas frames, so a resolved table larger than
`sample_rows` (Settings.gx_sample_rows, default 100,000) is not pulled whole: its contract and
distribution batches are a reservoir sample of that many rows drawn by DuckDB (reference and
cross-field flags are computed on the sampled rows against the whole target table). What each
check then sees: column existence, not-null, value sets, ranges, patterns, references and
cross-field rules judge the sampled rows (a rate of bad rows shows; a single bad row among
millions may not); key uniqueness judges the sample only, the whole table's keys being unique by
construction (resolution keeps one row per natural key); the distribution means are estimated
from the sample (their bands are far wider than a 100,000-row sample's error). Delivery and
freshness batches read the ledger and are always whole.

Kinds follow OHDSI's Data Quality Dashboard: references and keys are *conformance* (relational),
a sudden drop in rows and a stale source are *completeness* (records missing), distributions are
*plausibility*.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from contracts import CONTRACTS, REFERENCES, datasets_of, sql
from contracts.derive.gx import ExpectationSpec, batch_query, expectation_specs, suite_name
from core.database import scalar
from validation.thresholds import Thresholds


@dataclass(frozen=True)
class Batch:
    """A frame to validate: `sql` yields it, `expectations` judge it."""

    name: str  # the GX suite and asset name, e.g. `admissions.contract`
    dataset: str | None  # None for checks across datasets (freshness of a source)
    sql: str
    expectations: tuple[ExpectationSpec, ...]
    parameters: dict[str, object] = field(default_factory=dict)  # bound to `sql`'s `$name`s


# a dataset's deliveries of run $run_id against their previous one
_DELIVERY_SQL = """
        with deliveries as (
            select run_id, status, rows_read,
                   lag(rows_read) over (
                       partition by regexp_extract(lower(file_name), '__[0-9]{8}(.*)$', 1)
                       order by extract_date, modified_at, file_name
                   ) as previous_rows
            from ledger.files
            where dataset = $dataset and status = 'loaded'
        )
        select rows_read, previous_rows, rows_read / previous_rows::double as rows_ratio
        from deliveries
        where run_id = $run_id and previous_rows > 0
"""

# source $source's latest extract against the run date $today and the freshest source
_FRESHNESS_SQL = """
        with latest as (
            select source, max(extract_date) as latest_extract
            from ledger.files where status = 'loaded' group by source
        )
        select latest_extract,
               date_diff('day', latest_extract, $today) as extract_age_days,
               date_diff('day', latest_extract, (select max(latest_extract) from latest)) as lag_days
        from latest where source = $source
"""


def plan_batches(con: duckdb.DuckDBPyConnection, run_id: str, today: dt.date,
                 thresholds: Thresholds, sample_rows: int | None = None) -> list[Batch]:
    """Every batch this warehouse supports now: tables or ledger rows that do not exist yet are
    skipped, not failed (a first run has no previous delivery). `sample_rows`: see the module."""
    tables = _tables(con)
    resolved = {name: resolved_rows(con, name, sample_rows) for name in CONTRACTS if f"resolved.{name}" in tables}
    batches = [contract_batch(name, tables, rows) for name, rows in resolved.items()]
    batches += [batch for name, rows in resolved.items()
                if (batch := distribution_batch(con, name, thresholds, rows)) is not None]
    if "ledger.files" in tables:
        batches += delivery_batches(con, run_id, thresholds)
        batches += freshness_batches(con, today, thresholds)
    return batches


def resolved_rows(con: duckdb.DuckDBPyConnection, dataset: str, sample_rows: int | None) -> str:
    """`resolved.<dataset>`, or a reservoir sample of `sample_rows` of its rows when it is larger
    (a relation for a FROM clause, keeping the table's name for the checks' SQL)."""
    table = f"resolved.{dataset}"
    if sample_rows is None or scalar(con, f"select count(*) from {table}") <= sample_rows:
        return table
    return f"(select * from {table} using sample reservoir({int(sample_rows)} rows) repeatable (7)) as {dataset}"


def contract_batch(dataset: str, tables: set[str], rows: str | None = None) -> Batch:
    """The contract-derived suite over `resolved.<dataset>` (or `rows`, a sample of it);
    references need their target."""
    contract = CONTRACTS[dataset]
    missing = frozenset(target for source, _, target in REFERENCES
                        if source == dataset and f"resolved.{target}" not in tables)
    return Batch(
        suite_name(contract), dataset,
        batch_query(contract, rows or f"resolved.{dataset}", missing=missing),
        expectation_specs(contract, missing=missing),
    )


# dataset -> (SELECT list over resolved.<dataset>, expectations as (check, column, bounds attr))
_DISTRIBUTIONS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "admissions": (
        "(admission_type = 'acute')::int as acute, involuntary::int as involuntary, "
        "date_diff('minute', admitted_at, discharged_at) / 1440.0 as stay_days",
        (("acute_share", "acute", "acute_share"),
         ("involuntary_share", "involuntary", "involuntary_share"),
         ("mean_stay_days", "stay_days", "mean_stay_days")),
    ),
    "enrolments": (
        "extract(year from enrolled_on) - birth_year as age_at_enrolment",
        (("mean_age_at_enrolment", "age_at_enrolment", "mean_age_at_enrolment"),),
    ),
    "attendance": (
        "(role = 'participant')::int as participant",
        (("participant_share", "participant", "participant_share"),),
    ),
}


def distribution_batch(con: duckdb.DuckDBPyConnection, dataset: str,
                       thresholds: Thresholds, relation: str | None = None) -> Batch | None:
    """Means of a few derived measures that should stay in a plausible band (plausibility)."""
    rows = scalar(con, f"select count(*) from resolved.{dataset}")
    if rows < thresholds.min_rows_for_distribution:
        return None
    if dataset == "surveys":
        return _survey_batch(con, thresholds, relation or "resolved.surveys")
    if dataset not in _DISTRIBUTIONS:
        return None
    select, checks = _DISTRIBUTIONS[dataset]
    expectations = tuple(
        _mean(dataset, name, column, getattr(thresholds, bounds)) for name, column, bounds in checks
    )
    return Batch(f"{dataset}.distribution", dataset, f"select {select} from {relation or f'resolved.{dataset}'}",
                 expectations)


def _survey_batch(con: duckdb.DuckDBPyConnection, thresholds: Thresholds, relation: str) -> Batch:
    """One score column per instrument (null elsewhere), each mean judged on its own: an
    instrument with too few answers is left out."""
    counts = dict(con.execute("select instrument, count(*) from resolved.surveys group by 1").fetchall())
    judged = [(name, low, high) for name, low, high in thresholds.mean_score
              if counts.get(name, 0) >= thresholds.min_rows_for_distribution]
    select = ", ".join(
        f"case when instrument = {sql.literal(name)} then score end as {name}_score" for name, _, _ in judged
    ) or "null as nothing"
    expectations = tuple(
        _mean("surveys", f"mean_{name}_score", f"{name}_score", (low, high)) for name, low, high in judged
    )
    return Batch("surveys.distribution", "surveys", f"select {select} from {relation}", expectations)


def delivery_batches(con: duckdb.DuckDBPyConnection, run_id: str,
                     thresholds: Thresholds) -> list[Batch]:
    """Rows read by each file loaded in this run against the previous loaded delivery of the
    same dataset and the same kind (delivery order: extract date, modification time, name).

    The kind of a delivery is what its name says after the extract date: the free text and the
    format (`admissions__20260303__delta.csv` → `__delta.csv`). The spec lets a partner deliver
    full extracts and change sets alike (supersede semantics); a change set is small by nature,
    so it is compared with the previous change set, never with a full extract."""
    datasets = [row[0] for row in con.execute(
        "select distinct dataset from ledger.files where run_id = ? and status = 'loaded' order by 1",
        [run_id]).fetchall()]
    batches = []
    for dataset in datasets:
        if dataset in thresholds.rows_ratio_exempt or dataset not in CONTRACTS:
            continue
        expectation = ExpectationSpec(
            "ExpectColumnValuesToBeBetween",
            {"column": "rows_ratio", "min_value": thresholds.min_rows_ratio},
            _meta(dataset, "rows_vs_previous_delivery", "completeness", "row_count"),
        )
        batches.append(Batch(f"{dataset}.delivery", dataset, _DELIVERY_SQL, (expectation,), {"dataset": dataset, "run_id": run_id}))
    return batches


# The one check judged against the calendar, not the data: a source whose latest extract is old
# on the run date. It is a warning (exit code 0, see core.exit_codes): the partner is late,
# the data delivered are not wrong. Every other failed GX check fails the night.
EXTRACT_AGE_CHECK = "extract_age_days"


def is_warning(check_name: str) -> bool:
    """True for the GX checks whose failure warns instead of failing the night."""
    return check_name.endswith("_" + EXTRACT_AGE_CHECK)


def freshness_batches(con: duckdb.DuckDBPyConnection, today: dt.date,
                      thresholds: Thresholds) -> list[Batch]:
    """Per source: the latest extract date against the run date and against the freshest
    source."""
    sources = [row[0] for row in con.execute(
        "select distinct source from ledger.files where status = 'loaded' order by 1").fetchall()]
    batches = []
    for source in sources:
        # the words a failing check is explained with (`{observed}`: GX's observed maximum)
        datasets = ", ".join(datasets_of(source))
        expectations = (
            ExpectationSpec("ExpectColumnMaxToBeBetween",
                            {"column": "extract_age_days", "max_value": thresholds.max_extract_age_days},
                            _meta(None, f"{source}_{EXTRACT_AGE_CHECK}", "completeness", "freshness")
                            | {"explain": f"{source}: no extract newer than {{observed}} days ({datasets}; "
                                          f"limit {thresholds.max_extract_age_days} days before the run date)"}),
            ExpectationSpec("ExpectColumnMaxToBeBetween",
                            {"column": "lag_days", "max_value": thresholds.max_source_lag_days},
                            _meta(None, f"{source}_lag_behind_freshest_source", "completeness", "freshness")
                            | {"explain": f"{source}: its latest extract is {{observed}} days older than the "
                                          f"freshest source's (limit {thresholds.max_source_lag_days} days)"}),
        )
        batches.append(Batch(f"{source}.freshness", None, _FRESHNESS_SQL, expectations, {"source": source, "today": today}))
    return batches


def _mean(dataset: str, name: str, column: str, bounds: tuple[float, float]) -> ExpectationSpec:
    low, high = bounds
    return ExpectationSpec(
        "ExpectColumnMeanToBeBetween", {"column": column, "min_value": low, "max_value": high},
        _meta(dataset, name, "plausibility", "distribution"),
    )


def _meta(dataset: str | None, name: str, kind: str, rule: str) -> dict[str, object]:
    return {"check_kind": kind, "check_name": name, "rule": rule, "dataset": dataset, "identifier": False}


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database()").fetchall()
    return {f"{schema}.{name}" for schema, name in rows}
