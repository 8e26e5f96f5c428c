"""Run settings: defaults, overridable by environment (SAMMEN_*) and by CLI flags.

Defaults follow the spec (extracts.md, outcomes.md v1.1): 5% quarantine threshold per file,
disclosure threshold 5 (configurable upward only).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from contracts.limits import DEFAULT_RESTRICTED_RETENTION_DAYS, SETTLE_SECONDS

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = Path(os.environ.get("SAMMEN_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project"))
# the indicator catalogue: publishing.catalogue reads it, transform hands its ids to dbt
INDICATOR_CATALOGUE = REPO_ROOT / "publishing" / "catalogue.yaml"
MIN_DISCLOSURE_THRESHOLD = 5

# DuckDB's size units (KB = 1000 bytes, KiB = 1024 bytes)
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}

# DuckDB's memory ceiling by default: half the machine's memory, at most 6 GiB, so that Python,
# Great Expectations, dbt and Airflow keep room beside it (a stage peaks at about 1.3x the limit).
DEFAULT_MEMORY_LIMIT_CAP = 6 * 1024**3
REWRITE_MEMORY_FLOOR = 256 * 1024**2  # Settings.rewrite_memory_limit
# Great Expectations validates pandas frames: above this many rows a contract or distribution
# batch is a reservoir sample drawn in DuckDB (validation.batches), so memory stays bounded.
DEFAULT_GX_SAMPLE_ROWS = 100_000
# Data Docs keep the newest 30 runs: a month of nightly runs (SAMMEN_GX_DOCS_RUNS).
DEFAULT_GX_DOCS_RUNS = 30


def _machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2 * DEFAULT_MEMORY_LIMIT_CAP


def default_memory_limit() -> str:
    """DuckDB `memory_limit` when SAMMEN_DUCKDB_MEMORY_LIMIT is not set: min(6 GiB, RAM / 2)."""
    return _mib(min(DEFAULT_MEMORY_LIMIT_CAP, _machine_memory() // 2))


def _mib(size: int) -> str:
    """A DuckDB memory_limit in whole MiB."""
    return f"{size // 2**20}MiB"


# Every setting's environment variable (an empty variable counts as unset).
ENVIRONMENT: dict[str, str] = {
    "quarantine_threshold": "SAMMEN_QUARANTINE_THRESHOLD",
    "disclosure_threshold": "SAMMEN_DISCLOSURE_THRESHOLD",
    "cutoff": "SAMMEN_CUTOFF",
    "region_coverage_start": "SAMMEN_REGION_COVERAGE_START",
    "restricted_retention_days": "SAMMEN_RESTRICTED_RETENTION_DAYS",
    "settle_seconds": "SAMMEN_SETTLE_SECONDS",
    "programmes_file": "SAMMEN_PROGRAMMES_FILE",
    "query_memory_limit": "SAMMEN_QUERY_MEMORY_LIMIT",
    "query_timeout_seconds": "SAMMEN_QUERY_TIMEOUT",
    "query_threads": "SAMMEN_QUERY_THREADS",
    "duckdb_memory_limit": "SAMMEN_DUCKDB_MEMORY_LIMIT",
    "duckdb_threads": "SAMMEN_DUCKDB_THREADS",
    "gx_sample_rows": "SAMMEN_GX_SAMPLE_ROWS",
    "gx_docs_runs": "SAMMEN_GX_DOCS_RUNS",
    "board_language": "SAMMEN_BOARD_LANGUAGE",
    "dbt_unit_tests": "SAMMEN_DBT_UNIT_TESTS",
}


# What each setting may be, in words when it is not (beyond its type).
_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "quarantine_threshold": (lambda v: 0 <= v <= 1, "quarantine threshold must be a fraction between 0 and 1"),
    "disclosure_threshold": (lambda v: v >= MIN_DISCLOSURE_THRESHOLD,
                             "disclosure threshold {value} is below " f"{MIN_DISCLOSURE_THRESHOLD}: it may only be raised"),
    "restricted_retention_days": (lambda v: v >= 0, "the retention of restricted files is a number of days, 0 or more"),
    "settle_seconds": (lambda v: v >= 0, "the settle interval (SAMMEN_SETTLE_SECONDS) cannot be negative"),
    "query_timeout_seconds": (lambda v: v > 0, "the query time limit and thread count must be positive"),
    "query_threads": (lambda v: v > 0, "the query time limit and thread count must be positive"),
    "query_memory_limit": (lambda v: _SIZE.fullmatch(v) is not None,
                           "query memory limit {value!r} (SAMMEN_QUERY_MEMORY_LIMIT) is not a size such as 2GB or 512MiB"),
    "gx_docs_runs": (lambda v: v >= 1, "the Data Docs keep at least one run (SAMMEN_GX_DOCS_RUNS >= 1)"),
    "board_language": (lambda v: v in ("da", "en"), "SAMMEN_BOARD_LANGUAGE must be da or en, not {value!r}"),
    "dbt_unit_tests": (lambda v: v in ("once", "always"), "SAMMEN_DBT_UNIT_TESTS must be once or always, not {value!r}"),
}


class SettingsError(ValueError):
    """A setting is invalid; the message names its environment variable when it came from there."""


class Settings(BaseModel):
    """The settings of a run, validated by pydantic. A setting not passed is read from its
    environment variable (`ENVIRONMENT`) when that is set, else it takes its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quarantine_threshold: float = 0.05
    disclosure_threshold: int = MIN_DISCLOSURE_THRESHOLD
    cutoff: dt.date | None = None
    region_coverage_start: dt.date | None = None
    restricted_retention_days: int = DEFAULT_RESTRICTED_RETENTION_DAYS
    settle_seconds: float = SETTLE_SECONDS
    programmes_file: Path | None = None
    # the boards' files (indicators_excel.csv, indicators.xlsx): `da` (default) or `en`
    board_language: str = "da"
    # `sammen query`: one evaluator's statement may use at most this much memory (DuckDB's
    # memory_limit syntax; nothing spills to disk), run this long, on this many threads.
    query_memory_limit: str = "2GB"
    query_timeout_seconds: float = 300.0
    query_threads: int = 2
    # DuckDB, for every connection sammen opens (core.database) and for dbt-duckdb
    # (dbt_project/profiles.yml): memory ceiling (DuckDB syntax, e.g. `6GiB`), worker threads.
    duckdb_memory_limit: str = Field(default_factory=lambda: default_memory_limit())
    duckdb_threads: int = Field(default_factory=lambda: os.cpu_count() or 1)
    gx_sample_rows: int = DEFAULT_GX_SAMPLE_ROWS
    # Great Expectations Data Docs (DIR/docs/gx/): how many runs' results and pages are kept.
    gx_docs_runs: int = DEFAULT_GX_DOCS_RUNS
    # dbt unit tests in full builds: `once` per project version on this machine (their verdict is
    # cached, transform.build.UnitTestVerdicts), or `always`
    dbt_unit_tests: str = "once"

    def __init__(self, **values: Any) -> None:
        from_environment = {name: os.environ[variable] for name, variable in ENVIRONMENT.items()
                            if name not in values and os.environ.get(variable)}
        try:
            super().__init__(**from_environment, **values)
        except ValidationError as error:
            raise SettingsError("; ".join(_explained(problem, from_environment) for problem in error.errors())) from None

    @field_validator(*_RULES)
    @classmethod
    def _allowed(cls, value: Any, info: ValidationInfo) -> Any:
        allowed, message = _RULES[info.field_name or ""]
        if not allowed(value):
            raise ValueError(message.format(value=value))
        return value

    @property
    def query_memory_bytes(self) -> int:
        """`query_memory_limit` in bytes (e.g. "2GB", "512MiB")."""
        return _bytes(self.query_memory_limit)

    @property
    def rewrite_memory_limit(self) -> str:
        """DuckDB `memory_limit` of the warehouse's rewrite after an erasure (`core.erasure`): half
        the stages' limit (at least 256 MiB, never above it). The copy streams table by table and
        needs little: at 1,500,000 persons it took 72 s with 3 GiB and 79 s with 6 GiB (peak RSS
        3.3 and 6.3 GiB), and it runs in a process that may still hold what the build's DuckDB
        freed (`sammen transform` peaked at 8.1 GiB with the whole limit, docs/benchmarks.md)."""
        limit = _bytes(self.duckdb_memory_limit)
        return _mib(min(limit, max(limit // 2, REWRITE_MEMORY_FLOOR)))

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None values of `changes` applied (validated again)."""
        return Settings(**(self.model_dump() | {k: v for k, v in changes.items() if v is not None}))


def _bytes(size: str) -> int:
    match = _SIZE.fullmatch(size)
    assert match is not None, "checked by Settings._allowed"
    return int(float(match[1]) * _UNITS[(match[2] or "b").lower()])


def _explained(problem: Any, from_environment: dict[str, str]) -> str:
    """One problem in words: pydantic's message (a validator's own words as they are), prefixed
    with the environment variable it was read from, or the setting's name."""
    name = str(problem["loc"][0]) if problem["loc"] else "settings"
    error = problem.get("ctx", {}).get("error")
    message = str(error) if problem["type"] == "value_error" and error is not None else problem["msg"]
    where = f"{ENVIRONMENT[name]} (environment)" if name in from_environment else name
    return f"{where}: {message}"
