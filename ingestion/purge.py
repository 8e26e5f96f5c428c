"""Rejected files that carry a CPR number: kept apart, owner-only, and only for a while.

A rejected file in which a CPR-like word was found (in a field, the header, its manifest, its
Parquet or Arrow metadata, or its name) goes to `Home.restricted` (`rejected/restricted/<source>/`,
folders 0700, files 0600) rather than `rejected/<source>/`, so the few people who may look at a
CPR number are the only ones who can. It stays there `Settings.restricted_retention_days` (default
30: time for the partner to be told and to send a corrected file), counted from when sammen
received it (`ledger.files.received_at`: the file's own time is the partner's), and is then
deleted by the nightly ingest with its sidecars (the manifest may hold the CPR too). Each purge is
a row in `ledger.purges` (file id, when, why); the file's `ledger.files` row stays, as the record
that it was delivered and rejected.

The purge works from the ledger, not from a folder listing, so every deleted file is a known
file id; deleting first and recording after makes a kill in between harmless (the next run
finds the bytes already gone and records the purge).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from contracts.limits import MANIFEST_SUFFIX, REASON_SUFFIX
from core.home import Home

OWNER_ONLY_DIR, OWNER_ONLY_FILE = 0o700, 0o600


def restricted_folder(home: Home, source: str | None) -> Path:
    """`rejected/restricted/<source>/`, created owner-only (and made so if it was not)."""
    folder = home.restricted / (source or "unknown")
    for path in (home.restricted, folder):
        path.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
        os.chmod(path, OWNER_ONLY_DIR)
    return folder


def restrict(target: Path) -> None:
    """The moved file and its sidecars: owner-only."""
    for path in (target, *_sidecars(target)):
        if path.exists():
            os.chmod(path, OWNER_ONLY_FILE)


def purge_restricted(
    con: duckdb.DuckDBPyConnection, home: Home, retention_days: int, run_id: str,
    now: dt.datetime | None = None,
) -> list[int]:
    """Delete the restricted files received more than `retention_days` ago; record each in
    `ledger.purges`. Returns the purged file ids."""
    now = now or dt.datetime.now()
    prefix = home.restricted.relative_to(home.root).as_posix() + "/"
    due = con.execute(
        """select file_id, stored_as from ledger.files
           where status = 'rejected' and starts_with(stored_as, ?) and received_at < ?
             and file_id not in (select file_id from ledger.purges) order by file_id""",
        [prefix, now - dt.timedelta(days=retention_days)],
    ).fetchall()
    for _, stored_as in due:
        target = home.root / stored_as
        for path in (target, *_sidecars(target)):
            path.unlink(missing_ok=True)
    if due:
        reason = f"held a CPR number; kept {retention_days} days after it was received, then deleted"
        con.executemany("insert into ledger.purges values (?, ?, ?, ?)",
                        [(file_id, now, reason, run_id) for file_id, _ in due])
    return [file_id for file_id, _ in due]


def _sidecars(target: Path) -> tuple[Path, Path]:
    return target.with_name(target.name + MANIFEST_SUFFIX), target.with_name(target.name + REASON_SUFFIX)
