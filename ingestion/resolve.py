"""Resolution: from every loaded row so far (raw.*) to the current rows (resolved.*).

Redone in every run, in one transaction (extracts.md, "Supersede semantics"):
1. Withdrawals: every row of a person in `consent_withdrawals` is deleted from raw.* (their
   attendance rows included, not kept anonymous), with the follow-ups of their action plans and
   their quarantine rows. Only the `consent_withdrawals` tables keep the key.
2. Supersede and retraction per dataset, in delivery order (extract date, then file
   modification time, then name): for each natural key the row of the latest file wins, and it
   retracts the key when `deleted` is true. `attendance` is replaced per session: the latest file
   with a loaded row for a session holds all of that session's rows.
3. References (`contracts.REFERENCES`) against the resolved rows: rows pointing to nothing leave
   resolved.* and go to quarantine (rule `reference`, stage `resolution`), recomputed every run, so
   a follow-up whose plan arrives later is loaded then and one whose plan is retracted is
   quarantined.

Decision: the spec lists withdrawals last. They are applied first here because their deletion
is physical and permanent: resolving afterwards gives the same rows in every run, now and later
(applied last, a key whose latest row belonged to the withdrawn person could reappear in a later
run with an older row of someone else). The results differ only for a natural key that moved
from one person to another between deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from contracts import CONTRACTS, REFERENCES, DatasetContract
from ingestion.ledger import CheckResult, table_columns

WITHDRAWALS = "consent_withdrawals"


@dataclass
class Resolution:
    withdrawn_persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    unreferenced: dict[str, int] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)


def resolve(con: duckdb.DuckDBPyConnection) -> Resolution:
    """Rebuild resolved.* from raw.*; the caller holds the writer lock and the transaction."""
    result = Resolution()
    result.withdrawn_persons = apply_withdrawals(con)
    con.execute(
        """create or replace temp table _delivery as
           select file_id, row_number() over (order by extract_date, modified_at, file_name, file_id) as position
           from ledger.files where status = 'loaded'"""
    )
    referencing = {dataset for dataset, _, _ in REFERENCES}
    for dataset, contract in CONTRACTS.items():
        if dataset not in referencing:
            _write_resolved(con, dataset, contract, _supersede_sql(dataset, contract), result)
    con.execute("delete from ledger.quarantine where stage = 'resolution'")
    for dataset, column, target in REFERENCES:
        contract = CONTRACTS[dataset]
        con.execute(f"create or replace temp table _cur as {_supersede_sql(dataset, contract)}")
        unreferenced = _check_reference(con, dataset, column, target)
        result.unreferenced[dataset] = unreferenced
        _write_resolved(con, dataset, contract, "select * from _cur", result)
        con.execute("drop table _cur")
        result.checks.append(CheckResult("row", dataset, "reference", "conformance", column,
                                         result.rows[dataset] + unreferenced, unreferenced))
    con.execute("drop table _delivery")
    return result


def _write_resolved(
    con: duckdb.DuckDBPyConnection, dataset: str, contract: type[DatasetContract], rows_sql: str, result: Resolution
) -> None:
    columns = ", ".join(name for name, _ in table_columns(contract, resolved=True))
    con.execute(f"create or replace table resolved.{dataset} as select {columns} from ({rows_sql})")
    result.rows[dataset] = con.execute(f"select count(*) from resolved.{dataset}").fetchone()[0]


def withdrawn_keys_sql() -> str:
    return f"select person_key from raw.{WITHDRAWALS}"


def apply_withdrawals(con: duckdb.DuckDBPyConnection) -> int:
    """Delete every stored row of a withdrawn person; return how many persons are withdrawn."""
    withdrawn = withdrawn_keys_sql()
    plans = [d for d, c in CONTRACTS.items() if c.natural_key == ("plan_id",)]
    for dataset, column, target in REFERENCES:
        if target in plans and _has_person(CONTRACTS[target]) and not _has_person(CONTRACTS[dataset]):
            # follow-ups carry no person_key: they are the person's through their plan
            con.execute(f"""delete from raw.{dataset} where {column} in
                (select {column} from raw.{target} where person_key in ({withdrawn}))""")
    for dataset, contract in CONTRACTS.items():
        if dataset != WITHDRAWALS and _has_person(contract):
            con.execute(f"delete from raw.{dataset} where person_key in ({withdrawn})")
    # the withdrawal's own quarantine rows (a `deleted = true` row) go too: they are about the person
    con.execute(f"delete from ledger.quarantine where _person_key in ({withdrawn})")
    return con.execute(f"select count(distinct person_key) from raw.{WITHDRAWALS}").fetchone()[0]


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
