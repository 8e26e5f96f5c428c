"""`sammen query` never blocks the nightly writer: two real processes, a long evaluator query and
`sammen transform`, on a small warehouse built with the real dbt project."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import sammen_command
from helpers.warehouse import demo_rows, write_resolved

from core.home import Home
from core.progress import Progress
from core.settings import Settings
from transform import build
from transform.query import run_query

pytestmark = pytest.mark.slow
ROWS = demo_rows(persons=40, seed=3, start=dt.date(2022, 1, 1), days=1300)
EARLY, LATE = dt.date(2023, 6, 30), dt.date(2025, 9, 30)
LONG_QUERY = "select count(*) from cohort, range(1000000000000)"  # hours, unless stopped


def _enrolled_by(cutoff: dt.date) -> int:
    return sum(1 for row in ROWS["enrolments"] if row["enrolled_on"] <= cutoff)


def _open_files(pid: int, root: Path) -> list[str]:
    """The files under `root` that process `pid` has open ('... (deleted)' once replaced)."""
    links = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            links.append(os.readlink(fd))
        except OSError:
            continue
    return [link for link in links if link.startswith(str(root))]


def _wait_until_open(reader: subprocess.Popen, root: Path, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and reader.poll() is None:
        if opened := [f for f in _open_files(reader.pid, root) if ".duckdb" in f]:
            return opened
        time.sleep(0.1)
    raise AssertionError(f"the query did not open a database (exit code {reader.poll()})")


def test_a_long_query_neither_blocks_nor_sees_a_build(tmp_path):
    # GIVEN marts built for an early cutoff
    home = Home.at(tmp_path / "home").ensure()
    write_resolved(home.warehouse, ROWS)
    build(home, Settings(), EARLY, Progress(quiet=True), docs=False)
    assert run_query(home, "select count(*) from cohort")[1] == [(_enrolled_by(EARLY),)]
    # ... and an evaluator's query that runs for a long time, in its own process
    environment = {**os.environ, "SAMMEN_QUERY_TIMEOUT": "900", "SAMMEN_QUERY_THREADS": "1"}
    reader = subprocess.Popen(
        [*sammen_command(), "query", "--home", str(home.root), LONG_QUERY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
    )
    try:
        opened = _wait_until_open(reader, home.root)
        # WHEN the nightly transform runs meanwhile, in another process, for a later cutoff
        writer = subprocess.run(
            [*sammen_command(), "transform", "--home", str(home.root), "--cutoff", LATE.isoformat(),
             "--quiet"],
            capture_output=True, text=True, timeout=900,
        )
        # THEN the transform succeeds, the query still runs, on its own snapshot (the marts file
        # it opened, since replaced), and never had the warehouse open
        assert writer.returncode == 0, writer.stderr[-3000:]
        assert reader.poll() is None, reader.communicate()[1][-2000:]
        assert opened == [str(home.marts_db)]
        assert _open_files(reader.pid, home.root) == [f"{home.marts_db} (deleted)"]
    finally:
        reader.kill()  # the process this test started
        reader.wait()
    # ... and a new query sees the new marts
    assert run_query(home, "select count(*) from cohort")[1] == [(_enrolled_by(LATE),)]
    assert _enrolled_by(LATE) > _enrolled_by(EARLY)
