"""Invoking dbt in-process (dbtRunner) for one home, with its own target and log folders.

Each home gets `warehouse/dbt_target/<target>` and `warehouse/dbt_logs`, so builds of different
homes never share dbt's partial-parse files or logs. Connection settings reach dbt only through
environment variables read by `dbt_project/profiles.yml`; nothing secret is written anywhere.
"""

from __future__ import annotations

import gc
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.home import Home
from core.settings import DBT_PROJECT_DIR, INDICATOR_CATALOGUE

DBT_LOG_LEVEL_FILE = "info"
DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")  # dbt's --log-level-file choices
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
_DBT_LOCK = threading.Lock()  # dbt's in-process runner and os.environ are process-wide


class TransformError(RuntimeError):
    """dbt could not build the marts; the message lists the failing models and tests."""


@dataclass(frozen=True)
class DbtPaths:
    project: Path
    target: Path
    logs: Path

    @classmethod
    def for_home(cls, home: Home, target: str) -> DbtPaths:
        base = home.warehouse_dir
        return cls(DBT_PROJECT_DIR, base / "dbt_target" / target, base / "dbt_logs")


def invoke(
    command: list[str], paths: DbtPaths, target: str, variables: Mapping[str, object],
    env: Mapping[str, str],
) -> list[object]:
    """Run one dbt command; return its node results or raise TransformError naming what failed."""
    from dbt.cli.main import dbtRunner

    arguments = [
        *command,
        "--project-dir", str(paths.project),
        "--profiles-dir", str(paths.project),
        "--target", target,
        "--target-path", str(paths.target),
        "--log-path", str(paths.logs),
        # dbt.log at INFO (nodes, their results and errors) unless dbt's own DBT_LOG_LEVEL_FILE
        # says otherwise: dbt's default, DEBUG, writes every statement and event, 2 s of CPU per
        # build at 400 persons in the logging alone
        "--log-level-file", log_level_file(),
        "--vars", json.dumps({"indicators": catalogue_ids(), **variables}),
        "--quiet",
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
    ]
    paths.target.mkdir(parents=True, exist_ok=True)
    paths.logs.mkdir(parents=True, exist_ok=True)
    with _DBT_LOCK, _environment(env):
        try:
            result = dbtRunner().invoke(arguments)
        finally:
            _release_duckdb()
    nodes = list(getattr(result.result, "results", None) or [])
    failures = [node for node in nodes if str(node.status) in FAILED_STATUSES]
    if failures or not result.success:
        raise TransformError(_failure_text(command[0], failures, result.exception))
    return nodes


def log_level_file() -> str:
    """dbt.log's level: dbt's own variable DBT_LOG_LEVEL_FILE when set, else INFO. Checked here:
    dbt's refusal of a wrong value reaches the user with the values blanked out (its message is
    passed through `dbt_message_without_values`)."""
    level = os.environ.get("DBT_LOG_LEVEL_FILE") or DBT_LOG_LEVEL_FILE
    if level not in DBT_LOG_LEVELS:
        raise TransformError(f"DBT_LOG_LEVEL_FILE must be one of {', '.join(DBT_LOG_LEVELS)}, not {level!r}")
    return level


def catalogue_ids() -> list[str]:
    """The indicator ids of the catalogue, in its order: dbt's var `indicators` on every run, so
    `marts.indicators` and its tests take the ids from the one place they are listed. Read from
    the file (publishing.catalogue validates it; importing publishing here would tie the two
    packages both ways)."""
    return [entry["id"] for entry in yaml.safe_load(INDICATOR_CATALOGUE.read_text(encoding="utf-8"))["indicators"]]


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open per process (its `keep_open`, on by
    default), so that later readers in this process (Parquet export, publishing, tests) can open
    the warehouse read-only. Public calls only: dbt's `reset_adapters` closes every connection
    of the invocation, and dbt-duckdb's `close_all_connections` (the hook it registers to run at
    exit) drops its environment, whose database closes when it is freed; `gc.collect` frees it
    should a reference cycle hold it. (`keep_open: false` in profiles.yml would instead close and
    reopen, with a checkpoint each time, the warehouse whenever no node holds a connection.)"""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import reset_adapters

    reset_adapters()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


def _failure_text(command: str, failures: list[object], exception: BaseException | None) -> str:
    lines = [f"dbt {command} failed"]
    for node in failures:
        kind = node.node.resource_type  # type: ignore[attr-defined]
        lines.append(f"  {kind} {node.node.name}: {dbt_message_without_values(node.message)}")  # type: ignore[attr-defined]
    if exception is not None:
        lines.append(f"  {type(exception).__name__}: {dbt_message_without_values(str(exception))}")
    if len(lines) == 1:
        lines.append("  (no details from dbt; see warehouse/dbt_logs/dbt.log)")
    return "\n".join(lines)


def dbt_message_without_values(message: object) -> str:
    """First lines of a dbt message; quoted literals are dropped from database errors, which may
    quote a row's value (compilation and test messages only name models and columns)."""
    text = " ".join(line.strip() for line in str(message or "").split("\n")[:4] if line.strip())
    if "Compilation Error" not in text and "Parsing Error" not in text:
        text = re.sub(r"'[^']*'", "'…'", text)
    return text[:600]


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
