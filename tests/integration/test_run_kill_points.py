"""`sammen run` SIGKILLed at each stage, then run again, ends exactly where an uninterrupted run
ends: every file loaded once, the same rows, marts, Parquet files and published indicators, and no
leftover working folder. The kill points are found from the outside, without a hook in product
code: the test reads the run's progress lines (stderr) and kills when a stage's line appears,
optionally after a delay that lands inside the stage (docs/reliability.md lists them).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

import duckdb
import pytest
from conftest import sammen_command

from core import exit_codes
from core.home import Home

pytestmark = [pytest.mark.kill, pytest.mark.slow]
PERSONS = 40


@dataclass(frozen=True)
class KillPoint:
    name: str
    line: str | tuple[str, ...]  # kill when a progress line starting with this has appeared ...
    nth: int | None = 1  # ... for the nth time (None: as often as there are files to load)
    delay: float = 0.0  # ... and this many seconds have passed since


FILE_LINE = ("region/", "municipality/", "ngo/")  # "<source>/<file>: loaded n of n rows"
KILL_POINTS = [
    KillPoint("ingest, between two files", FILE_LINE, nth=1),
    KillPoint("ingest, resolution and batch checks", FILE_LINE, nth=None, delay=2.0),
    KillPoint("transform, inside dbt build", "==> dbt build", delay=5.0),
    # (a kill during the Parquet export: tests/unit/test_transform_export.py, in a process of its own;
    # dbt docs are rewritten whole by every build, so a kill there is the dbt-build case again)
    KillPoint("publish, disclosure control", "==> publish"),
]


def _sammen(home: Home, *args: str) -> subprocess.Popen:
    return subprocess.Popen([*sammen_command(), *args, "--home", str(home.root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _run(home: Home) -> None:
    process = _sammen(home, "run")
    _, stderr = process.communicate(timeout=900)
    assert process.returncode in (exit_codes.CLEAN, exit_codes.FAILURES), stderr[-4000:]


def _kill_at(point: KillPoint, home: Home) -> bool:
    """Run until the point, SIGKILL; False when the run ended before reaching it."""
    nth = point.nth or sum(1 for p in home.landing.rglob("*") if p.is_file() and p.suffix != ".json")
    process = _sammen(home, "run", "-v")  # -v: every file's line and every nested stage
    seen = 0
    try:
        for line in process.stderr:
            seen += line.startswith(point.line)
            if seen >= nth:
                time.sleep(point.delay)
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=900)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode == -signal.SIGKILL


def _facts(home: Home) -> dict[str, object]:
    """What a finished run leaves, without what differs between runs (ids, timestamps)."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        files = sorted(con.execute("select file_name, status, rows_loaded from ledger.files").fetchall())
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'resolved', 'marts') order by 1").fetchall()
        counts = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for (name,) in tables}
    published = home.published
    manifest = json.loads((published / "manifest.json").read_bytes())
    for name, entry in manifest["files"].items():  # complete and unmixed
        assert hashlib.sha256((published / name).read_bytes()).hexdigest() == entry["sha256"], name
    return {
        "ledger": files,
        "rows": counts,
        "marts files": sorted(path.name for path in home.marts.iterdir()),
        "published": sorted(path.name for path in published.iterdir()),
        "indicators": (published / "indicators.csv").read_bytes(),
        "landing": sorted(p.name for p in home.landing.rglob("*") if p.is_file()),
        "leftovers": sorted(p.name for p in home.root.iterdir() if p.name.startswith(".")),
    }


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """A home holding only the partners' synthetic files in landing (copied for each case)."""
    home = Home.at(tmp_path_factory.mktemp("delivered"))
    synth = subprocess.run([*sammen_command(), "synth", "--home", str(home.root), "--persons", str(PERSONS),
                            "--years", "1"], capture_output=True, text=True, timeout=600)
    assert synth.returncode == 0, synth.stderr[-4000:]
    return home


@pytest.fixture(scope="module")
def reference(delivered: Home, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The facts of one uninterrupted run over the same files."""
    home = Home.at(tmp_path_factory.mktemp("reference") / "home")
    shutil.copytree(delivered.root, home.root)
    _run(home)
    return _facts(home)


@pytest.mark.parametrize("point", KILL_POINTS, ids=[p.name for p in KILL_POINTS])
def test_a_run_killed_at_any_stage_then_run_again_ends_as_an_uninterrupted_run(
    delivered, reference, tmp_path, point
):
    # GIVEN the partners' files WHEN `sammen run` is SIGKILLed at the point
    home = Home.at(tmp_path / "home")
    shutil.copytree(delivered.root, home.root)
    assert _kill_at(point, home), f"the run finished before {point.name}"
    # WHEN the next run comes THEN it ends where an uninterrupted run ends
    _run(home)
    facts = _facts(home)
    for key, expected in reference.items():
        assert facts[key] == expected, f"{key} differs after a kill at {point.name}"
