"""Helpers for the orchestration tests: a throw-away Airflow metadata database and Airflow processes.

Airflow's metadata lives in a PostgreSQL database unique to the test session (`airflow_test_<pid>`),
migrated once; each test that needs a clean one gets a copy made from it (`CREATE DATABASE ...
TEMPLATE`, about a second). Every process started here is in its own process group and is killed
with that group when the test ends, whatever happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from orchestration.airflow_env import airflow_env

REPO_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = REPO_ROOT / ".venv" / "bin" / "airflow"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
_TEMPLATE: dict[str, str] = {}


def pg_url(database: str) -> str:
    return f"postgresql+psycopg2://postgres@127.0.0.1:5432/{database}"


def _admin(sql: str) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as con:
        con.execute(sql)


def drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_template(tmp_root: Path) -> str:
    """Create and migrate the session's template metadata database once; return its name."""
    if "name" in _TEMPLATE:
        return _TEMPLATE["name"]
    name = f"airflow_test_{os.getpid()}"
    drop_database(name)
    _admin(f'CREATE DATABASE "{name}"')
    _TEMPLATE["name"] = name
    env = environment(tmp_root / "migrate_home", tmp_root / "migrate_sammen", name)
    try:
        run_cli(["db", "migrate"], env, timeout=300)
    except BaseException:
        drop_template()
        raise
    return name


def drop_template() -> None:
    if "name" in _TEMPLATE:
        drop_database(_TEMPLATE.pop("name"))


def copy_database(template: str, suffix: str) -> str:
    name = f"{template}_{suffix}"
    drop_database(name)
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def environment(
    airflow_home: Path, sammen_home: Path, database: str, api_port: int = 8080
) -> dict[str, str]:
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        airflow_env(airflow_home, sammen_home, sql_alchemy_conn=pg_url(database), api_port=api_port)
    )
    env["AIRFLOW__CORE__PARALLELISM"] = "2"
    env["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
    return env


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess:
    """Run `airflow <args>`; raise with the output's tail when it fails."""
    result = subprocess.run(
        [str(AIRFLOW), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise AssertionError(
            f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Processes:
    """Airflow components started as processes, each in its own process group."""

    env: dict[str, str]
    log_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, args: list[str]) -> None:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            [str(AIRFLOW), *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def stop(self) -> None:
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        parts = []
        for name in self.procs:
            text = (self.log_dir / f"{name}.log").read_text(errors="replace").splitlines()
            parts.append(f"--- {name} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


@contextmanager
def airflow_components(
    env: dict[str, str], log_dir: Path, names: tuple[str, ...]
) -> Iterator[Processes]:
    """Start the named components (api-server, scheduler, dag-processor, triggerer); always stop them."""
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = Processes(env, log_dir)
    try:
        for name in names:
            processes.start(name, [name])
        yield processes
    finally:
        processes.stop()


def query(database: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as con:
        return con.execute(sql, params).fetchall()
