"""Erasure to the bytes: after a consent withdrawal, a withdrawn person's ids (enrolment, admission,
plan, contact, episode, response, follow-up ids) are in no byte of any file under the home (the
partners' archive excepted), and their key only in the withdrawal list's own column segments.

The session's demo home (tests/conftest.py: `sammen synth --persons 400`, then a full `sammen
run`; it is never changed) is the built home; each test copies it and withdraws another person: applied by a full build (`--full-refresh`, an earlier
cutoff), by a nightly (incremental) build, and by the recovery run after a SIGKILL during
`dbt build`. The scan (tests/helpers/erasure.py) first has to find the person (positive control).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import sammen_command
from helpers.erasure import Person, hidden_rows, person_ids, residue

import ingestion
import publishing
from core import exit_codes
from core.home import Home
from core.ledger import compute_cutoff
from core.progress import Progress
from core.settings import Settings
from sammen.pipeline import run
from transform import build
from transform.export import mart_models, parquet_name

pytestmark = pytest.mark.slow
WITHDRAWAL_DATE = "20260310"  # later than every synthetic extract: the cutoff does not move
MARTS_BACKUP = re.compile(r'"marts"\."(\w+)" rename to "\w+__dbt_backup"')
ENV = {**os.environ, "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False", "DO_NOT_TRACK": "1"}


@pytest.fixture(scope="module")
def built(demo_home: Home) -> Home:
    """A synthetic home after its first, full run (its own withdrawals already applied): the
    session's demo home, built once for the whole suite (only ever copied here)."""
    return demo_home


def copy_of(built: Home, tmp_path: Path) -> Home:
    home = Home.at(tmp_path / "home")
    shutil.copytree(built.root, home.root)
    return home


def withdrawable(home: Home, number: int) -> str:
    """The key of an enrolled person of the cohort with admissions and an action plan."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        keys = con.execute("""select c.person_key from marts.cohort c
            where c.person_key in (select person_key from resolved.admissions)
              and c.person_key in (select person_key from resolved.action_plans)
            group by all order by c.person_key""").fetchall()
    return keys[number][0]


def positive_control(home: Home, person: Person) -> None:
    """Before the withdrawal the scan finds the person in the warehouse: ids and key."""
    found = [line for line in residue(home.root, [person]) if line.startswith("warehouse/sammen.duckdb")]
    kinds = {kind for kind in ("enrolment_id", "admission_id", "plan_id") if any(kind in line for line in found)}
    assert kinds == {"enrolment_id", "admission_id", "plan_id"}
    assert any("'s key at byte" in line for line in found)


def withdraw(home: Home, key: str) -> None:
    path = home.landing_for("municipality") / f"consent_withdrawals__{WITHDRAWAL_DATE}__erasure.csv"
    path.write_text(f"person_key,withdrawn_on\n{key},2026-03-01\n", encoding="utf-8")


def assert_erased(home: Home, person: Person, *outputs: str, written_since: bool = True) -> None:
    """`written_since`: the run wrote after the rewrite (release ledger, ledger.runs), so free
    blocks may exist; they hold only those later writes. The byte scan covers them anyway."""
    # booleans and counts only: a failure message never shows an id or a key
    found = residue(home.root, [person])
    assert found == [], found
    assert hidden_rows(home.warehouse, free_blocks=not written_since) == []
    leaked = [number for number, text in enumerate(outputs) if _mentions(text, person)]
    assert leaked == [], "a command's output names the withdrawn person"
    assert _leftover_relations(home) == []
    marts = mart_models(home.warehouse_dir / "dbt_target" / "duckdb" / "manifest.json")
    assert sorted(path.name for path in home.marts.iterdir()) == sorted(map(parquet_name, marts))


def _mentions(text: str, person: Person) -> bool:
    return person.key in text or any(value in text for ids in person.ids.values() for value in ids)


def _leftover_relations(home: Home) -> list[str]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return [name for (name,) in con.execute(
            "select table_name from duckdb_tables() union all select view_name from duckdb_views()"
        ).fetchall() if "__dbt_" in name]


@pytest.mark.parametrize("how", ["full_refresh", "earlier_cutoff"])
def test_withdrawal_applied_by_a_full_build_leaves_no_byte(built, tmp_path, how):
    # GIVEN a built home and a person the scan finds in the warehouse
    home = copy_of(built, tmp_path)
    person = person_ids(home.archive, withdrawable(home, 0 if how == "full_refresh" else 1))
    positive_control(home, person)
    # WHEN the person withdraws, ingestion applies it and a full build follows
    withdraw(home, person.key)
    settings = Settings()
    ingestion.ingest(home, settings, Progress(quiet=True))
    cutoff = compute_cutoff(home)
    if how == "earlier_cutoff":
        cutoff -= dt.timedelta(days=30)
    result = build(home, settings, cutoff, Progress(quiet=True), full_refresh=how == "full_refresh")
    assert hidden_rows(home.warehouse) == []  # right after the rewrite: no deleted row, no free block
    publishing.publish(home, settings.with_overrides(cutoff=cutoff), Progress(quiet=True))
    # THEN it was a full build and no file under the home holds the person (but the withdrawal list)
    assert not result.nightly
    assert_erased(home, person)


def test_withdrawal_applied_by_a_nightly_build_leaves_no_byte(built, tmp_path):
    home = copy_of(built, tmp_path)
    person = person_ids(home.archive, withdrawable(home, 2))
    positive_control(home, person)
    # WHEN the person withdraws and the next night's run (ingest, nightly build, publish) runs
    withdraw(home, person.key)
    settings = Settings()
    ingestion.ingest(home, settings, Progress(quiet=True))
    cutoff = compute_cutoff(home)
    result = build(home, settings, cutoff, Progress(quiet=True))
    assert hidden_rows(home.warehouse) == []  # right after the rewrite: no deleted row, no free block
    publishing.publish(home, settings.with_overrides(cutoff=cutoff), Progress(quiet=True))
    # THEN the build was incremental, and still no byte of the person is left
    assert result.nightly
    assert_erased(home, person)


def test_withdrawal_survives_a_kill_during_dbt_build_and_the_recovery_run_erases(built, tmp_path):
    home = copy_of(built, tmp_path)
    person = person_ids(home.archive, withdrawable(home, 3))
    positive_control(home, person)
    # WHEN the person withdraws and `sammen run` (a full build: an earlier cutoff) is killed
    # during dbt build, once dbt has committed the swap of a mart (the previous one, with the
    # person, renamed to <mart>__dbt_backup)
    withdraw(home, person.key)
    log = home.warehouse_dir / "dbt_logs" / "dbt.log"
    seen = log.stat().st_size
    process = subprocess.Popen(  # dbt.log at DEBUG: its statements tell when the swap committed
        [*sammen_command(), "run", "--home", str(home.root), "--cutoff", "2025-12-31"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV | {"DBT_LOG_LEVEL_FILE": "debug"})
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline and not _swapped_a_mart(log, seen):
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    killed_output = process.communicate()[0]
    # THEN the kill hit dbt build: a backup relation is left and the erasure is still pending
    assert process.returncode == -signal.SIGKILL
    assert any(name.endswith("__dbt_backup") for name in _leftover_relations(home))
    from core import erasure

    assert erasure.is_pending(home.warehouse)
    # WHEN the next run recovers
    recovery = subprocess.run([*sammen_command(), "run", "--home", str(home.root)],
                              capture_output=True, text=True, env=ENV, timeout=900)
    assert recovery.returncode in (exit_codes.CLEAN, exit_codes.FAILURES), recovery.stderr[-2000:]
    # THEN nothing of the person is left anywhere, nor in what the two runs printed
    assert_erased(home, person, killed_output, recovery.stdout, recovery.stderr)


def _swapped_a_mart(log: Path, seen: int) -> bool:
    """Whether dbt has committed the swap of a mart (the old one renamed to <mart>__dbt_backup)
    since byte `seen` of its log."""
    with log.open("rb") as handle:
        handle.seek(seen)
        text = handle.read().decode("utf-8", "replace")
    renamed = MARTS_BACKUP.search(text)
    # "Close" comes after the COMMIT of the swap (the log's COMMIT line precedes the commit)
    return bool(renamed) and f"On model.sammen.{renamed.group(1)}: Close" in text[renamed.end():]


def test_a_failing_publish_in_sammen_run_still_erases(built, tmp_path, monkeypatch):
    # GIVEN a built home, a person the scan finds, and their withdrawal delivered
    home = copy_of(built, tmp_path)
    person = person_ids(home.archive, withdrawable(home, 4))
    positive_control(home, person)
    withdraw(home, person.key)

    # AND publishing that fails this night (a fault injected from outside the product)
    def failing_publish(*args: object, **kwargs: object) -> None:
        raise RuntimeError("publishing failed on purpose")

    monkeypatch.setattr(publishing, "publish", failing_publish)
    # WHEN `sammen run` ingests, builds and then fails to publish
    with pytest.raises(RuntimeError, match="on purpose"):
        run(home, Settings(), Progress(quiet=True))
    # THEN the erasure was still completed: no byte of the person is left
    from core import erasure

    assert not erasure.is_pending(home.warehouse)
    assert_erased(home, person)
