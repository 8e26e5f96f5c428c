"""core.erasure on small real DuckDB files: deleted rows keep their bytes until the warehouse is
rewritten; the rewrite keeps everything else, is done once, and survives a kill."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import duckdb
from helpers.erasure import hidden_rows

from core import erasure
from core.home import Home

GONE = "E-cfcd208495d565ef66e7dff9f98764da"  # the withdrawn person's enrolment id: 'E-' || md5('0')


def _warehouse(home: Home, rows: int = 5000) -> None:
    """raw.enrolments with `rows` enrolments (GONE among them) and a view over it, named as dbt
    names it (sammen.<schema>.<table>). Stored uncompressed, so that the bytes can be searched
    (DuckDB may FSST-compress strings; the rewrite itself runs with the default settings)."""
    with duckdb.connect(str(home.warehouse), config={"force_compression": "uncompressed"}) as con:
        con.execute("create schema raw; create schema ledger; create schema staging")
        con.execute(f"""create table raw.enrolments as
            select 'E-' || md5(range::varchar) as enrolment_id,
                   'key-' || range as person_key from range({rows})""")
        con.execute("create view staging.enrolments as select * from sammen.raw.enrolments")
        con.execute("checkpoint")


def _withdraw(home: Home) -> None:
    """What ingestion does: delete the person's rows and mark the erasure, in one transaction."""
    with duckdb.connect(str(home.warehouse), config={"force_compression": "uncompressed"}) as con:
        con.execute("begin")
        erased = con.execute("delete from raw.enrolments where enrolment_id = ?", [GONE]).fetchone()[0]
        erasure.mark_pending(con, erased)
        con.execute("commit")
        con.execute("checkpoint")


def _in_bytes(home: Home, text: str) -> bool:
    return text.encode() in home.warehouse.read_bytes()


def _enrolments(home: Home) -> list[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute("select * from staging.enrolments order by all").fetchall()


def test_deleted_rows_leave_the_file_only_when_it_is_rewritten(home):
    # GIVEN a warehouse from which a withdrawn person's row was deleted (and the erasure marked)
    _warehouse(home)
    _withdraw(home)
    kept = _enrolments(home)
    # (positive control: deleting is not erasing, the id is still in the file's bytes)
    assert _in_bytes(home, GONE)
    assert hidden_rows(home.warehouse) == ["raw.enrolments: 5000 rows stored, 4999 live"]
    assert erasure.is_pending(home.warehouse)
    # WHEN the pending erasure is completed
    seconds = erasure.complete_pending(home.warehouse)
    # THEN the id is gone from the bytes, every other row and the view are kept, and the ledger
    # says the erasure is done
    assert seconds is not None
    assert not _in_bytes(home, GONE)
    assert hidden_rows(home.warehouse) == []
    assert _enrolments(home) == kept and len(kept) == 4999
    assert not erasure.is_pending(home.warehouse)
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("select rows_erased, completed_at is not null from ledger.erasures").fetchall() == [(1, True)]
    assert not erasure.fresh_path(home.warehouse).exists()


def test_nothing_pending_means_no_rewrite(home):
    # GIVEN a warehouse without any erasure WHEN completing THEN the file is left as it is
    _warehouse(home)
    inode = home.warehouse.stat().st_ino
    assert erasure.complete_pending(home.warehouse) is None
    assert home.warehouse.stat().st_ino == inode


def test_a_kill_during_the_rewrite_keeps_the_warehouse_and_the_erasure_pending(home):
    # GIVEN a pending erasure in a warehouse large enough for the rewrite to take a while
    _warehouse(home, rows=1_000_000)
    _withdraw(home)
    kept = _count(home)
    # WHEN the rewrite (another process) is killed once the fresh file has grown past 1 MB
    fresh = erasure.fresh_path(home.warehouse)
    process = subprocess.Popen([sys.executable, "-c", (
        "import sys, pathlib; from core.erasure import complete_pending; "
        "complete_pending(pathlib.Path(sys.argv[1]))"), str(home.warehouse)])
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and _size(fresh) < 2**20:
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # THEN the warehouse is the old one, whole, and the erasure is still pending
    assert process.returncode == -signal.SIGKILL
    assert _count(home) == kept == 999_999
    assert erasure.is_pending(home.warehouse)
    # WHEN the next transform completes it THEN the leftover is gone and so is the person
    assert erasure.complete_pending(home.warehouse) is not None
    assert not fresh.exists() and not fresh.with_name(fresh.name + ".wal").exists()
    assert not _in_bytes(home, GONE) and hidden_rows(home.warehouse) == []
    assert _count(home) == kept


def _count(home: Home) -> int:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute("select count(*) from staging.enrolments").fetchone()[0]


def _size(path) -> int:  # noqa: ANN001
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
