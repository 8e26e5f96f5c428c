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
A stale dataset is brought up to date by key where it can: only the keys its new files, a
changed withdrawal list or a changed reference touch are re-resolved (`_touch`), which gives the
rows of a full resolution (tests/integration/test_resolution_incremental.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from contracts import CONTRACTS, REFERENCES, DatasetContract
from core import erasure
from core.database import scalar
from core.ledger import CheckResult, table_columns

WITHDRAWALS = "consent_withdrawals"


@dataclass
class Resolution:
    withdrawn_persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    unreferenced: dict[str, int] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)  # datasets whose resolved table was rebuilt
    rebuilt_whole: list[str] = field(default_factory=list)  # of those, rebuilt from all rows (not by key)


RESOLUTION_STATE_DDL = """create table if not exists ledger.resolution_state (
    dataset varchar not null, inputs varchar not null, resolved_at timestamp)"""


def delivery_sql() -> str:
    """Every loaded file's position in delivery order."""
    return ("select file_id, row_number() over (order by extract_date, modified_at, file_name, file_id) as position "
            "from ledger.files where status = 'loaded'")


def resolve(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> Resolution:
    """Rebuild resolved.* from raw.* where an input changed (by key where it can, see
    `_touch`); the caller holds the writer lock and the transaction."""
    result = Resolution()
    con.execute(RESOLUTION_STATE_DDL)
    inputs = _inputs(con)
    stored = dict(con.execute("select dataset, inputs from ledger.resolution_state").fetchall())
    stale = set(CONTRACTS) if full else {d for d in CONTRACTS if stored.get(d) != _signature(d, inputs)}
    con.execute(f"create or replace temp table _delivery as {delivery_sql()}")
    whole = stale if full else _touch(con, stale, stored, inputs)
    if stale & _erasable():
        erase_withdrawn(con, stale & _erasable())
    result.withdrawn_persons = scalar(con, f"select count(distinct person_key) from raw.{WITHDRAWALS}")
    referencing = {dataset for dataset, _, _ in REFERENCES}
    for dataset, contract in CONTRACTS.items():
        if dataset not in referencing:
            rows = _supersede_sql(dataset, contract, by_key=dataset not in whole, single_file=_single(inputs, dataset))
            _write_resolved(con, dataset, contract, rows, result, _mode(dataset, stale, whole))
    for dataset, column, target in REFERENCES:
        contract = CONTRACTS[dataset]
        mode = _mode(dataset, stale, whole)
        if mode:
            _forget_reference_quarantine(con, dataset, contract, mode)
            con.execute(f"create or replace temp table _cur as "
                        f"{_supersede_sql(dataset, contract, by_key=mode == 'keys', single_file=_single(inputs, dataset))}")
            _check_reference(con, dataset, column, target)
            _write_resolved(con, dataset, contract, "select * from _cur", result, mode)
            con.execute("drop table _cur")
        else:
            _write_resolved(con, dataset, contract, "", result, None)
        unreferenced = scalar(con, "select count(*) from ledger.quarantine where stage = 'resolution' "
                                   "and dataset = ?", [dataset])
        result.unreferenced[dataset] = unreferenced
        result.checks.append(CheckResult("row", dataset, "reference", "conformance", column,
                                         result.rows[dataset] + unreferenced, unreferenced))
    con.execute("drop table _delivery")
    for dataset in stale - whole:
        con.execute(f"drop table {_touched(dataset)}")
    con.execute("delete from ledger.resolution_state")
    con.executemany("insert into ledger.resolution_state values (?, ?, current_timestamp)",
                    [[dataset, _signature(dataset, inputs)] for dataset in CONTRACTS])
    result.rebuilt, result.rebuilt_whole = sorted(stale), sorted(whole)
    return result


def _single(inputs: dict[str, str], dataset: str) -> bool:
    """Whether `dataset` has exactly one loaded file (`_inputs`: `<files>:<highest id>`)."""
    return inputs[dataset].split(":")[0] == "1"


def _mode(dataset: str, stale: set[str], whole: set[str]) -> str | None:
    """How resolved.<dataset> is brought up to date: rebuilt 'whole', by touched 'keys', or not."""
    return None if dataset not in stale else "whole" if dataset in whole else "keys"


def _group(contract: type[DatasetContract]) -> str | None:
    """The column whose rows resolve together: the natural key, or attendance's session."""
    key = contract.natural_key[0] if len(contract.natural_key) == 1 else None
    return key or getattr(contract, "replaced_per", None)


def _touched(dataset: str) -> str:
    return f"_touched_{dataset}"


def _touch(con: duckdb.DuckDBPyConnection, stale: set[str], stored: dict[str, str],
           inputs: dict[str, str]) -> set[str]:
    """For each stale dataset, the keys (`_group`) whose resolved rows can differ from the last
    resolution, in temp table `_touched_<dataset>`; returns the stale datasets that must be rebuilt
    whole instead. Runs before the withdrawals erase anything. A key is touched when
    1. a file loaded since (file id above the last resolution's highest) has a row of it; files
       only add rows, and a key's rows are resolved on their own, so no other key moves;
    2. the withdrawal list changed and its resolved row is a withdrawn person's (erasing their rows,
       and the rows they superseded, changes only keys whose current row is theirs);
    3. its reference (`contracts.REFERENCES`) points to a touched key of the target;
    4. a new file of the dataset lost rows of withdrawn persons at load: that erasure also removed
       the rows they superseded, all rows of the key from earlier files, so the keys whose current
       row went with them are those of resolved.<dataset> left without any row in raw.* (an
       anti join; a key with a row left kept its current row, the latest).
    Whole rebuild (the same rows, only slower): a first resolution, a dataset without a single-column
    key, a count of files that does not add up, a dataset whose reference target is rebuilt whole,
    and follow-ups that lost rows at load (erased through their plan, without the rows they
    superseded). Tested against a full resolution in tests/integration/test_resolution_incremental.py."""
    whole = set()
    tables = {name for (name,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'resolved'").fetchall()}
    lossy = set().union(*(erasable_with(name) | {name} for name, file_id in con.execute(
        "select dataset, file_id from ledger.files where status = 'loaded' "
        "and rows_read > rows_loaded + rows_quarantined").fetchall() if file_id > _previous_max(stored, name)))
    withdrawals_changed = _part(stored.get(WITHDRAWALS), WITHDRAWALS) != inputs[WITHDRAWALS]
    references = {source: (column, target) for source, column, target in REFERENCES}
    for dataset in sorted(stale, key=lambda name: name in references):  # targets before their sources
        contract, group = CONTRACTS[dataset], _group(CONTRACTS[dataset])
        previous = _part(stored.get(dataset), dataset)
        count, top = (int(n) for n in previous.split(":")) if previous else (0, 0)
        new_files = scalar(con, "select count(*) from ledger.files where status = 'loaded' and dataset = ? "
                                "and file_id > ?", [dataset, top])
        column, target = references.get(dataset, (None, None))
        if (not previous or group is None or dataset not in tables or target in whole
                or (dataset in lossy and not _has_person(contract))
                or count + new_files != int(inputs[dataset].split(":")[0])):
            whole.add(dataset)
            continue
        parts = [f"select {group} as k from raw.{dataset} where _file_id > {top}"]
        if dataset in lossy:
            parts.append(f"select c.{group} from resolved.{dataset} c anti join raw.{dataset} r on r.{group} = c.{group}")
        if withdrawals_changed and _has_person(contract) and dataset != WITHDRAWALS:
            parts.append(f"select {group} from resolved.{dataset} where person_key in ({withdrawn_keys_sql()})")
        if target in stale:
            parts.append(f"select {group} from raw.{dataset} where {column} in (select k from {_touched(target)})")
        con.execute(f"create or replace temp table {_touched(dataset)} as "
                    f"select distinct k from ({' union all '.join(parts)}) where k is not null")
    return whole


def _part(signature: str | None, dataset: str) -> str | None:
    """The `<files>:<highest id>` of `dataset` in a stored signature, if there."""
    found = re.search(rf"(?:^|,){dataset}=(\d+:\d+)(?:,|$)", signature or "")
    return found.group(1) if found else None


def _previous_max(stored: dict[str, str], dataset: str) -> int:
    previous = _part(stored.get(dataset), dataset)
    return int(previous.split(":")[1]) if previous else 0


def _forget_reference_quarantine(con: duckdb.DuckDBPyConnection, dataset: str,
                                 contract: type[DatasetContract], mode: str) -> None:
    """Drop the resolution's quarantine rows that the coming reference check will redo: all of the
    dataset's, or (by key) those of touched keys and of rows no longer in raw."""
    keep = ""
    if mode == "keys":
        keep = (f"and not exists (select 1 from raw.{dataset} r where r._file_id = q.file_id and r._row_number = q.row_number "
                f"and r.{_group(contract)} not in (select k from {_touched(dataset)}))")
    con.execute(f"delete from ledger.quarantine q where stage = 'resolution' and dataset = ? {keep}", [dataset])


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
    result: Resolution, mode: str | None,
) -> None:
    columns = ", ".join(name for name, _ in table_columns(contract, resolved=True))
    if mode == "whole":
        con.execute(f"create or replace table resolved.{dataset} as select {columns} from ({rows_sql})")
    elif mode == "keys":
        con.execute(f"delete from resolved.{dataset} where {_group(contract)} in (select k from {_touched(dataset)})")
        con.execute(f"insert into resolved.{dataset} select {columns} from ({rows_sql})")
    result.rows[dataset] = scalar(con, f"select count(*) from resolved.{dataset}")


def withdrawn_keys_sql() -> str:
    return f"select person_key from raw.{WITHDRAWALS}"


def erase_withdrawn(con: duckdb.DuckDBPyConnection, datasets: set[str] | None = None) -> None:
    """Delete from raw.* (of `datasets`, default all) every row of a withdrawn person, with the
    rows it superseded for good, the follow-ups of their plans, and their quarantine rows.

    Called by resolution and, in the load transaction, for a file loaded after the withdrawal
    (its rows of the person never outlive the transaction). Deleted rows keep their bytes in the
    file, so any row erased also records "erasure pending" (`core.erasure`): the next transform
    rewrites the warehouse file."""
    if not scalar(con, f"select count(*) from raw.{WITHDRAWALS}"):
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
            replaced_per = getattr(contract, "replaced_per", None)
            group = list(contract.natural_key) or ([replaced_per] if replaced_per else [])
            if group:
                erased += _erase_superseded(con, dataset, ", ".join(group), withdrawn)
            erased += _deleted(con, f"delete from raw.{dataset} where person_key in ({withdrawn})")
    for dataset, column, target, key in followed:
        erased += _deleted(con, f"""delete from raw.{dataset} where {column} in (select k from _gone_{dataset})
                        and {column} not in (select {key} from raw.{target} where {key} is not null)""")
        con.execute(f"drop table _gone_{dataset}")
    con.execute("drop table _erase_delivery")
    erased += _deleted(con, f"delete from ledger.quarantine where _person_key in ({withdrawn})")
    erasure.mark_pending(con, erased)


def kept_at_load(dataset: str) -> str:
    """The SQL condition a loaded row of `dataset` must meet to reach raw.*: not a withdrawn
    person's. A file loaded after a withdrawal never writes that person's rows into the warehouse
    file (they are left out of the insert, so no freed block can hold them and no rewrite is
    needed for them, `core.erasure`); `erase_left_out` then removes what they superseded,
    as `erase_withdrawn` does (`erase_left_out`). Follow-ups carry no person: they go with their plan."""
    if dataset == WITHDRAWALS or not _has_person(CONTRACTS[dataset]):
        return "true"
    # a row without a person (attendance of someone not enrolled) is nobody's withdrawal: `not in`
    # alone would be null for it, and leave it out
    return f"(person_key is null or person_key not in ({withdrawn_keys_sql()}))"


def erase_left_out(con: duckdb.DuckDBPyConnection, dataset: str, file_id: int, left_out: str) -> None:
    """What a loaded file's rows of withdrawn persons (`left_out`, a query of them; `kept_at_load`
    kept them out of raw.*) would have erased had they been loaded and then erased as
    `erase_withdrawn` does: the rows of their keys (or attendance sessions) from files earlier in
    delivery order than file `file_id` (superseded for good, whoever they belong to), and the
    follow-ups already loaded of their plans. Nothing to do, and nothing read of raw.*, when the
    file held no such row (the usual night). Records an erasure pending only when a withdrawn
    person's row, or a follow-up of their plan, is deleted (their bytes stay in the file)."""
    contract = CONTRACTS[dataset]
    replaced_per = getattr(contract, "replaced_per", None)
    group = list(contract.natural_key) or ([replaced_per] if replaced_per else [])
    if not group:
        return
    columns = ", ".join(group)
    con.execute(f"create or replace temp table _left_out as select distinct {columns} from ({left_out})")
    if not scalar(con, "select count(*) from _left_out"):
        con.execute("drop table _left_out")
        return
    position = f"(select position from ({delivery_sql()}) where file_id = {int(file_id)})"
    con.execute(f"""create or replace temp table _superseded_at_load as
        select x._file_id, x._row_number, x.person_key from raw.{dataset} x
        join ({delivery_sql()}) d on d.file_id = x._file_id
        join _left_out w using ({columns})
        where d.position < {position}""")
    erased = scalar(con, f"select count(*) from _superseded_at_load where person_key in ({withdrawn_keys_sql()})")
    _deleted(con, f"""delete from raw.{dataset} r using _superseded_at_load dead
        where r._file_id = dead._file_id and r._row_number = dead._row_number""")
    con.execute("drop table _superseded_at_load")
    for source, column, target in REFERENCES:
        if target == dataset and not _has_person(CONTRACTS[source]) and len(group) == 1:
            # follow-ups carry no person: they were the person's through the plan left out
            erased += _deleted(con, f"""delete from raw.{source} where {column} in (select {group[0]} from _left_out)
                and {column} not in (select {group[0]} from raw.{target} where {group[0]} is not null)""")
    con.execute("drop table _left_out")
    erasure.mark_pending(con, erased)


def _deleted(con: duckdb.DuckDBPyConnection, delete_sql: str) -> int:
    """Run a DELETE; return how many rows it deleted."""
    return scalar(con, delete_sql)


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


def _supersede_sql(dataset: str, contract: type[DatasetContract], *, by_key: bool = False,
                   single_file: bool = False) -> str:
    """The current rows of raw.<dataset>; `by_key`: of its touched keys only. `single_file`: the
    dataset has one loaded file (a first delivery): a natural key is on one loaded row of a file
    at most (extracts.md: a key repeated in one file quarantines all its rows), so every row is
    its key's latest and no window over the whole history is needed; an attendance session's
    rows all come from that file. Not for the withdrawal list, whose repeated rows are loaded."""
    rows = f"select r.*, d.position from raw.{dataset} r join _delivery d on d.file_id = r._file_id"
    if by_key:
        rows += f" where r.{_group(contract)} in (select k from {_touched(dataset)})"
    replaced_per = getattr(contract, "replaced_per", None)
    if single_file and dataset != WITHDRAWALS and (contract.natural_key or replaced_per):
        return f"select * from ({rows}) where deleted is not true" if contract.natural_key else rows
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
        select _file_id, ?, _row_number, ?, 'reference', 'conformance', ?, 'resolution', {person} {orphans}""",
                [dataset, column, f"{column} points to no current {target} row"])
    count = scalar(con, f"select count(*) {orphans}")
    con.execute(f"delete {orphans}")
    return count
