"""Shared fixtures. The expensive one, `demo_home`, runs the real CLI once per test session:
`sammen synth` then `sammen run` on a small synthetic home, so acceptance tests, the published-folder
scanners, the cross-target comparisons, the erasure scans and the file-mode check all look at one
real run. Tests never write into it (they copy it): tests/acceptance/test_home_modes.py checks the
mode of every file in it."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from core.home import Home

REPO = Path(__file__).resolve().parents[1]
# Tests drop a file and ingest it at once: landing files count as settled (the settle interval
# itself is tested with explicit settings). Subprocesses (the CLI, Airflow) inherit this.
os.environ.setdefault("SAMMEN_SETTLE_SECONDS", "0")
# `make test` runs the unit session beside the integration session: property tests must not fail
# on time (hypothesis's per-example deadline, its too-slow health check) when a core is busy.
settings.register_profile("sammen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sammen")
DEMO_PERSONS = int(os.environ.get("SAMMEN_TEST_PERSONS", "400"))


def sammen_command() -> list[str]:
    """The installed console script next to the running interpreter (the project's .venv)."""
    script = Path(sys.executable).with_name("sammen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sammen.cli"]


@dataclass(frozen=True)
class DemoRun:
    home: Home
    synth: subprocess.CompletedProcess
    run: subprocess.CompletedProcess


def loose_umask() -> None:
    """The umask of a login shell (0022), set in a child before it runs."""
    os.umask(0o022)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """A fresh home (made by `sammen synth`), filled as `make demo` does from a login shell.

    Under pytest-xdist the workers share one: the first to need it builds it (40 s of CPU) in the
    session's common temporary folder, under a lock, and records what the two commands printed;
    the others wait for it and read that record. Tests only read the home (they copy it)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _demo_run(tmp_path_factory.mktemp("demo") / "home")
    shared = tmp_path_factory.getbasetemp().parent  # the session's folder, above each worker's
    record = shared / "demo_run.json"
    with (shared / "demo_run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.exists():
            built = _demo_run(shared / "demo" / "home")
            outputs = {name: [done.args, done.returncode, done.stdout, done.stderr]
                       for name, done in (("synth", built.synth), ("run", built.run))}
            record.write_text(json.dumps({"home": str(built.home.root), **outputs}))
    saved = json.loads(record.read_text())
    return DemoRun(Home.at(Path(saved["home"])), subprocess.CompletedProcess(*saved["synth"]),
                   subprocess.CompletedProcess(*saved["run"]))


def _demo_run(root: Path) -> DemoRun:
    home = Home.at(root)
    env = {**os.environ, "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False", "DO_NOT_TRACK": "1"}
    synth = subprocess.run(
        [*sammen_command(), "synth", "--home", str(home.root), "--persons", str(DEMO_PERSONS), "--seed", "11"],
        capture_output=True, text=True, env=env, timeout=600, preexec_fn=loose_umask,
    )
    assert synth.returncode == 0, synth.stderr[-4000:]
    run = subprocess.run(
        [*sammen_command(), "run", "--home", str(home.root)],
        capture_output=True, text=True, env=env, timeout=900, preexec_fn=loose_umask,
    )
    # 2: finished with failed checks (core/exit_codes.py): the synthetic NGO data fail one on purpose
    assert run.returncode in (0, 2), (run.stdout[-3000:], run.stderr[-6000:])
    return DemoRun(home, synth, run)


@pytest.fixture(scope="session")
def demo_home(demo_run: DemoRun) -> Home:
    return demo_run.home


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home.at(tmp_path / "home").ensure()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; the suite fails (not skips) without it: `make system-deps` installs it."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("headless Chromium is missing: run `make system-deps` (Debian package chromium)")
    return path


@pytest.fixture(scope="session")
def airflow_template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's Airflow metadata database in PostgreSQL, migrated once (helpers.orchestration)."""
    from helpers import orchestration

    name = orchestration.migrated_template(tmp_path_factory.mktemp("airflow_template"))
    yield name
    orchestration.drop_template()


@pytest.fixture
def metadata_db(airflow_template_db: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A clean copy of the migrated metadata database for one test, dropped afterwards."""
    from helpers import orchestration

    name = orchestration.copy_database(airflow_template_db, request.module.__name__.rsplit(".", 1)[-1][:30])
    yield name
    orchestration.drop_database(name)


# The longest test files first. `make test` hands whole files to two pytest-xdist workers in
# collection order (--dist loadfile): a long file collected last would run alone while the other
# worker sits idle (seen: the bench smoke test, minutes, started last). The order of the others
# and of the tests inside a file is kept.
LONGEST_FIRST = (
    "test_bench_smoke.py",
    "test_run_kill_points.py",
    "test_orchestration_celery.py",
    "test_orchestration_scheduler.py",
    "test_erasure_bytes.py",
    "test_publishing_release_scenarios.py",
    "test_dags_run.py",
    "test_run_ledger.py",
    "test_transform_build.py",
    "test_sammen_run_output.py",
    "test_transform_query_concurrency.py",
    "test_pipeline_nothing_new.py",
    "test_transform_postgres.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
