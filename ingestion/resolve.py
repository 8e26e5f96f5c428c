"""Resolution: from every loaded row so far (raw.*) to the current rows (resolved.*).

Redone in every run, in one transaction, in the spec's order (extracts.md, "Supersede semantics"):
1. Supersede and retraction per dataset, in delivery order (extract date, then file
   modification time, then name): for each natural key the row of the latest file wins, and it
   retracts the key when `deleted` is true. `attendance` is replaced per session: the latest file
   with a loaded row for a session holds all of that session's rows.
2. References (`contracts.REFERENCES`) against the resolved rows: rows pointing to nothing leave
   resolved.* and go to quarantine (rule `reference`, stage `resolution`), recomputed every run, so
   a follow-up whose plan arrives later is loaded then and one whose plan is retracted is
   quarantined.
3. Withdrawals: nothing of a person in `consent_withdrawals` remains in any stored table.

Withdrawals must also erase the person physically from raw.* and ledger.quarantine (only the
withdrawal list keeps the key), and raw.* is what the next run resolves from. `erase_withdrawn`
does that so that resolving what is left gives what the spec's order gives: with the person's
rows it deletes the rows they superseded for good (rows of the same natural key, or of the same
attendance session, from files earlier in delivery order), which could otherwise come back as
the "latest" once the person's row is gone. Example: enrolment E1 delivered for A, then
corrected to B; B withdraws: E1 is gone (the spec's order), A's stale row does not reappear.
Only a file that arrives later yet sorts between the two deliveries (an older extract date)
could still tell the difference: it is then the latest row left.

Incremental: a dataset's resolved table is rebuilt only when one of its inputs changed since
the last resolution: its own loaded files, the withdrawal list (datasets with persons, and
follow-ups through their plans), or the dataset its reference points to. Each input is
summarised as (number of loaded files, highest file id) — the ledger only grows — and the
summaries are kept in `ledger.resolution_state`; anything else (a missing state, `full=True`)
rebuilds. Skipping gives the same rows as a rebuild (tests/integration/test_ingestion_supersede.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from contracts import CONTRACTS, REFERENCES, DatasetContract
from core import erasure
from core.ledger import CheckResult, table_columns

WITHDRAWALS = "consent_withdrawals"


@dataclass
class Resolution:
    withdrawn_persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    unreferenced: dict[str, int] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)  # datasets whose resolved table was rebuilt


RESOLUTION_STATE_DDL = """create table if not exists ledger.resolution_state (
    dataset varchar not null, inputs varchar not null, resolved_at timestamp)"""


def delivery_sql() -> str:
    """Every loaded file's position in delivery order."""
    return ("select file_id, row_number() over (order by extract_date, modified_at, file_name, file_id) as position "
            "from ledger.files where status = 'loaded'")


def resolve(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> Resolution:
    """Rebuild resolved.* from raw.* where an input changed; the caller holds the writer lock
    and the transaction."""
    result = Resolution()
    con.execute(RESOLUTION_STATE_DDL)
    inputs = _inputs(con)
    stale = set(CONTRACTS) if full else _stale(con, inputs)
    if stale & _erasable():
        erase_withdrawn(con, stale & _erasable())
    result.withdrawn_persons = con.execute(f"select count(distinct person_key) from raw.{WITHDRAWALS}").fetchone()[0]
    con.execute(f"create or replace temp table _delivery as {delivery_sql()}")
    referencing = {dataset for dataset, _, _ in REFERENCES}
    for dataset, contract in CONTRACTS.items():
        if dataset not in referencing:
            _write_resolved(con, dataset, contract, _supersede_sql(dataset, contract), result, dataset in stale)
    for dataset, column, target in REFERENCES:
        contract = CONTRACTS[dataset]
        if dataset in stale:
            con.execute("delete from ledger.quarantine where stage = 'resolution' and dataset = ?", [dataset])
            con.execute(f"create or replace temp table _cur as {_supersede_sql(dataset, contract)}")
            _check_reference(con, dataset, column, target)
            _write_resolved(con, dataset, contract, "select * from _cur", result, True)
            con.execute("drop table _cur")
        else:
            _write_resolved(con, dataset, contract, "", result, False)
        unreferenced = con.execute("select count(*) from ledger.quarantine where stage = 'resolution' "
                                   "and dataset = ?", [dataset]).fetchone()[0]
        result.unreferenced[dataset] = unreferenced
        result.checks.append(CheckResult("row", dataset, "reference", "conformance", column,
                                         result.rows[dataset] + unreferenced, unreferenced))
    con.execute("drop table _delivery")
    con.execute("delete from ledger.resolution_state")
    con.executemany("insert into ledger.resolution_state values (?, ?, current_timestamp)",
                    [[dataset, _signature(dataset, inputs)] for dataset in CONTRACTS])
    result.rebuilt = sorted(stale)
    return result


def _inputs(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per dataset: `<loaded files>:<highest file id>` (the ledger only grows)."""
    counted = dict(con.execute("select dataset, count(*) || ':' || max(file_id) from ledger.files "
                               "where status = 'loaded' group by dataset").fetchall())
    return {dataset: counted.get(dataset, "0:0") for dataset in CONTRACTS}


def _depends_on(dataset: str) -> list[str]:
    """The datasets whose loaded files can change resolved.<dataset>."""
    contract = CONTRACTS[dataset]
    found = [dataset]
    for source, _, target in REFERENCES:
        if source == dataset:
            found.append(target)
            if _has_person(CONTRACTS[target]) and not _has_person(contract):
                found.append(WITHDRAWALS)  # follow-ups go with their plan's person
    if _has_person(contract) and dataset != WITHDRAWALS:
        found.append(WITHDRAWALS)
    return sorted(set(found))


def _signature(dataset: str, inputs: dict[str, str]) -> str:
    return ",".join(f"{name}={inputs[name]}" for name in _depends_on(dataset))


def _stale(con: duckdb.DuckDBPyConnection, inputs: dict[str, str]) -> set[str]:
    stored = dict(con.execute("select dataset, inputs from ledger.resolution_state").fetchall())
    return {dataset for dataset in CONTRACTS if stored.get(dataset) != _signature(dataset, inputs)}


def _erasable() -> set[str]:
    """Datasets a withdrawal erases rows from: those with a person, and follow-ups via plans."""
    return {dataset for dataset in CONTRACTS if dataset != WITHDRAWALS and WITHDRAWALS in _depends_on(dataset)}


def erasable_with(dataset: str) -> set[str]:
    """What a withdrawal erases from when a file of `dataset` is loaded: the dataset itself and
    the datasets that follow a person through it (follow-ups of a plan)."""
    erasable = _erasable()
    followers = {source for source, _, target in REFERENCES if target == dataset and source in erasable}
    return ({dataset} & erasable) | (followers if dataset in erasable else set())


def _write_resolved(
    con: duckdb.DuckDBPyConnection, dataset: str, contract: type[DatasetContract], rows_sql: str,
    result: Resolution, rebuild: bool,
) -> None:
    if rebuild:
        columns = ", ".join(name for name, _ in table_columns(contract, resolved=True))
        con.execute(f"create or replace table resolved.{dataset} as select {columns} from ({rows_sql})")
    result.rows[dataset] = con.execute(f"select count(*) from resolved.{dataset}").fetchone()[0]


def withdrawn_keys_sql() -> str:
    return f"select person_key from raw.{WITHDRAWALS}"


def erase_withdrawn(con: duckdb.DuckDBPyConnection, datasets: set[str] | None = None) -> None:
    """Delete from raw.* (of `datasets`, default all) every row of a withdrawn person, with the
    rows it superseded for good, the follow-ups of their plans, and their quarantine rows.

    Called by resolution and, in the load transaction, for a file loaded after the withdrawal
    (its rows of the person never outlive the transaction). Deleted rows keep their bytes in the
    file, so any row erased also records "erasure pending" (`core.erasure`): the next transform
    rewrites the warehouse file."""
    if not con.execute(f"select count(*) from raw.{WITHDRAWALS}").fetchone()[0]:
        return
    datasets = _erasable() if datasets is None else datasets
    withdrawn = withdrawn_keys_sql()
    con.execute(f"create or replace temp table _erase_delivery as {delivery_sql()}")
    followed = []
    for dataset, column, target in REFERENCES:
        if dataset in datasets and _has_person(CONTRACTS[target]) and not _has_person(CONTRACTS[dataset]):
            # follow-ups carry no person_key: they are the person's through their plan
            key = CONTRACTS[target].natural_key[0]
            con.execute(f"create or replace temp table _gone_{dataset} as "
                        f"select distinct {key} as k from raw.{target} where person_key in ({withdrawn})")
            followed.append((dataset, column, target, key))
    erased = 0
    for dataset, contract in CONTRACTS.items():
        if dataset in datasets and _has_person(contract):
            group = list(contract.natural_key) or [getattr(contract, "replaced_per", None)]
            if group != [None]:
                erased += _erase_superseded(con, dataset, ", ".join(group), withdrawn)
            erased += _deleted(con, f"delete from raw.{dataset} where person_key in ({withdrawn})")
    for dataset, column, target, key in followed:
        erased += _deleted(con, f"""delete from raw.{dataset} where {column} in (select k from _gone_{dataset})
                        and {column} not in (select {key} from raw.{target} where {key} is not null)""")
        con.execute(f"drop table _gone_{dataset}")
    con.execute("drop table _erase_delivery")
    erased += _deleted(con, f"delete from ledger.quarantine where _person_key in ({withdrawn})")
    erasure.mark_pending(con, erased)


def _deleted(con: duckdb.DuckDBPyConnection, delete_sql: str) -> int:
    """Run a DELETE; return how many rows it deleted."""
    return con.execute(delete_sql).fetchone()[0]


def _erase_superseded(con: duckdb.DuckDBPyConnection, dataset: str, group: str, withdrawn: str) -> int:
    """Rows of a natural key (or attendance session) from files earlier in delivery order than a
    withdrawn person's row of it: superseded for good, whoever they belong to."""
    return _deleted(con, f"""delete from raw.{dataset} r using (
        with w as (select {group}, max(d.position) as last from raw.{dataset} x
                   join _erase_delivery d on d.file_id = x._file_id
                   where x.person_key in ({withdrawn}) group by all)
        select x._file_id, x._row_number from raw.{dataset} x
        join _erase_delivery d on d.file_id = x._file_id join w using ({group})
        where d.position < w.last) dead
        where r._file_id = dead._file_id and r._row_number = dead._row_number""")


def _has_person(contract: type[DatasetContract]) -> bool:
    return any(spec.name == "person_key" for spec in contract.columns())


def _supersede_sql(dataset: str, contract: type[DatasetContract]) -> str:
    rows = f"select r.*, d.position from raw.{dataset} r join _delivery d on d.file_id = r._file_id"
    replaced_per = getattr(contract, "replaced_per", None)
    if contract.natural_key:
        key = ", ".join(contract.natural_key)
        latest = (f"select * from ({rows}) qualify row_number() over "
                  f"(partition by {key} order by position desc, _row_number) = 1")
        return f"select * from ({latest}) where deleted is not true"
    if replaced_per:
        return (f"select * from ({rows}) qualify position = max(position) over "
                f"(partition by {replaced_per})")
    return rows


def _check_reference(con: duckdb.DuckDBPyConnection, dataset: str, column: str, target: str) -> int:
    """Move rows of `_cur` (the dataset's superseded rows) pointing to no resolved `<target>` row
    to quarantine."""
    target_key = CONTRACTS[target].natural_key[0]
    person = "person_key" if _has_person(CONTRACTS[dataset]) else "null"
    orphans = (f"from _cur where {column} is not null and {column} not in "
               f"(select {target_key} from resolved.{target} where {target_key} is not null)")
    con.execute(f"""insert into ledger.quarantine
        select _file_id, '{dataset}', _row_number, '{column}', 'reference', 'conformance',
               '{column} points to no current {target} row', 'resolution', {person} {orphans}""")
    count = con.execute(f"select count(*) {orphans}").fetchone()[0]
    con.execute(f"delete {orphans}")
    return count
