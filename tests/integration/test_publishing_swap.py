"""Publishing swaps published/ atomically: a real `sammen publish` SIGKILLed at the swap leaves a
complete old or a complete new set, never no folder and never a mix; the next publish removes
what the killed one left behind (finding 7 of issue 16)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import sammen_command
from helpers.publishing import indicators_from_enrolments, random_enrolments

from core.faults import MARKER_ENV, PAUSE_AT_ENV
from core.home import Home

pytestmark = pytest.mark.kill
CUTOFF = "2025-12-31"


def _indicators(home: Home, seed: int) -> None:
    """marts.indicators from random records: another seed, another published set."""
    enrolments = random_enrolments(random.Random(seed), 80, ["people_need_people"], ["101", "147"],
                                   years=(2024, 2025))
    with duckdb.connect(str(home.warehouse)) as connection:
        connection.execute("create schema if not exists marts")
        connection.register("frame", indicators_from_enrolments(enrolments))
        connection.execute("create or replace table marts.indicators as select * from frame")


def _publish(home: Home, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([*sammen_command(), "publish", "--home", str(home.root), "--cutoff", CUTOFF],
                            env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _published_set(folder: Path) -> str:
    """The set's manifest digest, after checking that every file matches the manifest (complete,
    unmixed): the manifest lists every other file with its sha256."""
    assert folder.is_dir(), "published/ is missing"
    manifest = json.loads((folder / "manifest.json").read_bytes())
    names = {path.name for path in folder.iterdir()} - {"manifest.json"}
    assert names == set(manifest["files"]), "published/ holds another set of files than its manifest"
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"], f"{name} is mixed"
    return hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()


def _kill_at(point: str, home: Home, marker: Path) -> None:
    process = _publish(home, {PAUSE_AT_ENV: point, MARKER_ENV: str(marker)})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, process.communicate()[1][-2000:]
            assert time.monotonic() < deadline, f"the publish never reached {point}"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("point", ["publish.swap", "publish.swapped"])
def test_a_publish_killed_at_the_swap_leaves_a_complete_set(tmp_path, point):
    # GIVEN a published set from one warehouse, and a warehouse that gives another
    home = Home.at(tmp_path / "home").ensure()
    _indicators(home, seed=1)
    assert _publish(home).wait(timeout=300) == 0
    old = _published_set(home.published)
    _indicators(home, seed=2)
    # WHEN the next publish is SIGKILLed at the swap
    _kill_at(point, home, tmp_path / "marker")
    # THEN published/ is a complete set: the old one before the swap, the new one after it
    if point == "publish.swap":
        assert _published_set(home.published) == old
    else:
        assert _published_set(home.published) != old
    # WHEN the next publish runs THEN it publishes the new set and leaves no leftover folder
    assert _publish(home).wait(timeout=300) == 0
    assert _published_set(home.published) != old
    leftovers = [p.name for p in home.root.iterdir() if p.name.startswith(".published")]
    assert leftovers == []
