"""Finding a withdrawn person in the raw bytes of a home: every file under it (the partners'
archive excepted), the DuckDB warehouse byte for byte, free blocks and deleted rows included.

The person's ids must be nowhere. The person's key may stay in the withdrawal list only, so a
hit of the key inside the warehouse is allowed only where the warehouse's own storage map
(`pragma_storage_info`) puts the column segment of `person_key` of `raw.consent_withdrawals` or
`resolved.consent_withdrawals`; a hit in any other segment, in a free block or in any other file
is residue. DuckDB stores these short, unique strings as they are (uncompressed or in a
dictionary); a positive control in the test shows the scan finds them before the withdrawal.

Findings name file, kind and (in the warehouse) the segment, never the value itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contracts import CONTRACTS, REFERENCES
from helpers.synthetic import data_files, read_extract

FILE_HEADERS = 3 * 4096  # DuckDB: main header + two database headers before block 0
BLOCK_CHECKSUM = 8  # each block starts with its checksum; storage offsets count after it
WITHDRAWAL_SEGMENTS = {"raw.consent_withdrawals.person_key", "resolved.consent_withdrawals.person_key"}


@dataclass(frozen=True)
class Person:
    key: str
    ids: Mapping[str, frozenset[str]]  # id column -> the person's ids (enrolment_id, ...)


def person_ids(archive: Path, key: str) -> Person:
    """The ids (natural keys of every dataset with a person, and the follow-ups of their plans)
    that the partners' archived extracts give to this person and to nobody else."""
    mine: dict[str, set[str]] = {}
    others: dict[str, set[str]] = {}
    for path in data_files(archive):
        dataset = path.name.split("__")[0]
        contract = CONTRACTS.get(dataset)
        if not contract or not contract.natural_key or dataset == "consent_withdrawals":
            continue
        column = contract.natural_key[0]
        for row in read_extract(path):
            if "person_key" in row:
                owner = mine if row["person_key"] == key else others
                owner.setdefault(column, set()).add(row[column])
    _add_follow_ups(archive, mine)
    return Person(key, {column: frozenset(ids - others.get(column, set()))
                        for column, ids in mine.items()})


def _add_follow_ups(archive: Path, mine: dict[str, set[str]]) -> None:
    for dataset, column, target in REFERENCES:
        plans = mine.get(CONTRACTS[target].natural_key[0], set())
        key = CONTRACTS[dataset].natural_key
        if "person_key" in {c.name for c in CONTRACTS[dataset].columns()} or not key or not plans:
            continue
        for path in data_files(archive):
            if path.name.startswith(f"{dataset}__"):
                mine.setdefault(key[0], set()).update(
                    row[key[0]] for row in read_extract(path) if row[column] in plans)


def residue(home_root: Path, persons: Iterable[Person]) -> list[str]:
    """Every place under the home (archive/ excepted) where a person's id, or their key outside
    the withdrawal list, is found in the raw bytes."""
    persons = list(persons)
    found = []
    warehouse = home_root / "warehouse" / "sammen.duckdb"
    block_size, segments = _segments(warehouse) if warehouse.exists() else (1, {})
    for path in sorted(p for p in home_root.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(home_root)
        if relative.parts[0] == "archive":
            continue
        data = path.read_bytes()
        for number, person in enumerate(persons):
            for column, ids in person.ids.items():
                hits = sum(data.count(value.encode()) for value in ids)
                if hits:
                    found.append(f"{relative}: {hits} hit(s) of person #{number}'s {column}")
            for offset in _offsets(data, person.key.encode()):
                place = _segment_at(block_size, segments, offset) if path == warehouse else None
                if place not in WITHDRAWAL_SEGMENTS:
                    found.append(f"{relative}: person #{number}'s key at byte {offset} ({place or 'not a live segment'})")
    return found


def _offsets(data: bytes, needle: bytes) -> list[int]:
    offsets, start = [], 0
    while (at := data.find(needle, start)) >= 0:
        offsets.append(at)
        start = at + 1
    return offsets


def _segments(warehouse: Path) -> tuple[int, dict[int, list[tuple[int, str]]]]:
    """The block size, and per block: (offset, schema.table.column) of each column segment
    stored in it, sorted."""
    blocks: dict[int, list[tuple[int, str]]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        block_size = con.execute("select block_size from pragma_database_size()").fetchone()[0]
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        for schema, table in tables:
            for column, block, offset, extra in con.execute(
                "select column_name, block_id, block_offset, additional_block_ids "
                f"from pragma_storage_info('{schema}.{table}') where block_id >= 0"
            ).fetchall():
                label = f"{schema}.{table}.{column}"
                blocks.setdefault(block, []).append((offset, label))
                for overflow in extra or []:  # a segment's overflow strings fill whole blocks
                    blocks.setdefault(overflow, []).append((0, label))
    return block_size, {block: sorted(found) for block, found in blocks.items()}


def _segment_at(block_size: int, segments: dict[int, list[tuple[int, str]]], offset: int) -> str | None:
    """The column segment that a byte of the file belongs to (None: a header or a free block)."""
    if offset < FILE_HEADERS:
        return None
    block, within = divmod(offset - FILE_HEADERS, block_size)
    before = [label for start, label in segments.get(block, []) if start <= within - BLOCK_CHECKSUM]
    return before[-1] if before else None



def hidden_rows(warehouse: Path, free_blocks: bool = True) -> list[str]:
    """Compression-independent: tables whose column segments store more rows than the table
    holds (deleted rows whose bytes are still in the file), and free blocks (dropped tables'
    bytes). Empty for a freshly written file. `free_blocks=False` once something was written
    after the rewrite (publishing's release ledger, `ledger.runs`): blocks freed since hold only
    what was written after the rewrite."""
    found = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        free = con.execute("select free_blocks from pragma_database_size()").fetchone()[0]
        if free and free_blocks:
            found.append(f"{free} free block(s)")
        for schema, table in con.execute("select schema_name, table_name from duckdb_tables()").fetchall():
            stored = con.execute(
                f"select coalesce(sum(count), 0) from pragma_storage_info('{schema}.{table}') "
                "where column_id = 0 and segment_type <> 'VALIDITY'").fetchone()[0]
            live = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            if stored != live:
                found.append(f"{schema}.{table}: {stored} rows stored, {live} live")
    return found
