"""A load is atomic: killed at any point, the next run finishes the job; a second concurrent run
waits or exits with a clear message and never touches the warehouse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.ingestion import csv_text, deliver, new_home, query, rows, run, scalar

from ingestion.load import PAUSE_ENV, PAUSE_MARKER_ENV

SAMMEN = [str(Path(sys.executable).with_name("sammen"))]


def _sessions(n: int) -> str:
    return csv_text(rows("sessions", *[{"session_id": f"T{i}"} for i in range(n)]))


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the load never reached its transaction"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.kill
def test_killed_inside_the_load_transaction_then_the_next_run_loads_the_file_once(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", _sessions(500))
    marker = tmp_path / "in-transaction"
    env = {**os.environ, PAUSE_ENV: "60", PAUSE_MARKER_ENV: str(marker)}
    process = subprocess.Popen([*SAMMEN, "ingest", "--home", str(home.root), "--quiet"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # GIVEN a run that has inserted the rows but not committed WHEN it is killed
        _wait_for(marker, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    # THEN nothing of it is visible and the file is still waiting in landing
    assert (home.landing_for("ngo") / "sessions__20250301.csv").exists()
    assert scalar(home, "select count(*) from raw.sessions") == 0
    assert scalar(home, "select count(*) from ledger.files") == 0
    # WHEN the next run comes THEN it loads the file exactly once
    report = run(home)
    assert [f.status for f in report.files] == ["loaded"]
    assert scalar(home, "select count(*) from raw.sessions") == 500
    assert scalar(home, "select count(*) from resolved.sessions") == 500
    assert query(home, "select status from ledger.files") == [("loaded",)]
    assert (home.archive / "ngo" / "sessions__20250301.csv").exists()


def test_killed_between_commit_and_move_the_next_run_only_moves_the_file(tmp_path):
    home = new_home(tmp_path)
    data = _sessions(3).encode()
    deliver(home, "sessions__20250301.csv", data)
    run(home)
    # GIVEN the state a kill right after COMMIT leaves: recorded and loaded, file still in landing
    archived = home.archive / "ngo" / "sessions__20250301.csv"
    archived.replace(home.landing_for("ngo") / "sessions__20250301.csv")
    report = run(home)
    # THEN the file is moved, nothing is recorded or loaded twice, it is no duplicate
    assert archived.read_bytes() == data
    assert report.files[0].reason == "finished moving after an interrupted run"
    assert query(home, "select status from ledger.files") == [("loaded",)]
    assert scalar(home, "select count(*) from raw.sessions") == 3


def test_a_second_concurrent_run_exits_with_a_clear_message(tmp_path):
    home = new_home(tmp_path)
    deliver(home, "sessions__20250301.csv", _sessions(3))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from core.home import Home\nfrom core.lock import writer_lock\n"
         "with writer_lock(Home.at(sys.argv[1])):\n    print('locked', flush=True)\n    time.sleep(60)\n",
         str(home.root)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        # WHEN another ingest starts while a writer holds the lock (waiting at most 1 s)
        second = subprocess.run([*SAMMEN, "ingest", "--home", str(home.root)], capture_output=True, text=True,
                                env={**os.environ, "SAMMEN_LOCK_TIMEOUT": "1"}, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    # THEN it exits non-zero, says why, and has touched nothing
    assert second.returncode != 0
    assert "another sammen process is writing" in second.stderr
    assert (home.landing_for("ngo") / "sessions__20250301.csv").exists()
    assert not home.warehouse.exists() or scalar(home, "select count(*) from ledger.files") == 0
    # and once the lock is free the same command works
    assert run(home).count("loaded") == 1
