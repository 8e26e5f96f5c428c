"""Run settings: defaults, overridable by environment (SAMMEN_*) and by CLI flags.

Defaults follow the spec (extracts.md, outcomes.md v1.1): 5% quarantine threshold per file,
disclosure threshold 5 (configurable upward only).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from contracts.limits import DEFAULT_RESTRICTED_RETENTION_DAYS, SETTLE_SECONDS

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = Path(os.environ.get("SAMMEN_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project"))
MIN_DISCLOSURE_THRESHOLD = 5

# DuckDB's size units (KB = 1000 bytes, KiB = 1024 bytes)
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}

# DuckDB's memory ceiling by default: half the machine's memory, at most 6 GiB, so that Python,
# Great Expectations, dbt and Airflow keep room beside it (a stage peaks at about 1.3x the limit).
DEFAULT_MEMORY_LIMIT_CAP = 6 * 1024**3
# Great Expectations validates pandas frames: above this many rows a contract or distribution
# batch is a reservoir sample drawn in DuckDB (validation.batches), so memory stays bounded.
DEFAULT_GX_SAMPLE_ROWS = 100_000


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_str(name: str, default: str) -> str:
    return os.environ.get(name) or default

def _machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2 * DEFAULT_MEMORY_LIMIT_CAP


def default_memory_limit() -> str:
    """DuckDB `memory_limit` when SAMMEN_DUCKDB_MEMORY_LIMIT is not set: min(6 GiB, RAM / 2)."""
    return f"{min(DEFAULT_MEMORY_LIMIT_CAP, _machine_memory() // 2) // 1024**2}MiB"


def _env_date(name: str) -> dt.date | None:
    value = os.environ.get(name)
    return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Settings:
    quarantine_threshold: float = field(
        default_factory=lambda: _env_float("SAMMEN_QUARANTINE_THRESHOLD", 0.05)
    )
    disclosure_threshold: int = field(
        default_factory=lambda: _env_int("SAMMEN_DISCLOSURE_THRESHOLD", MIN_DISCLOSURE_THRESHOLD)
    )
    cutoff: dt.date | None = field(default_factory=lambda: _env_date("SAMMEN_CUTOFF"))
    region_coverage_start: dt.date | None = field(
        default_factory=lambda: _env_date("SAMMEN_REGION_COVERAGE_START")
    )
    restricted_retention_days: int = field(
        default_factory=lambda: _env_int("SAMMEN_RESTRICTED_RETENTION_DAYS", DEFAULT_RESTRICTED_RETENTION_DAYS)
    )

    settle_seconds: float = field(default_factory=lambda: _env_float("SAMMEN_SETTLE_SECONDS", SETTLE_SECONDS))
    programmes_file: Path | None = field(
        default_factory=lambda: Path(p) if (p := os.environ.get("SAMMEN_PROGRAMMES_FILE")) else None
    )
    # `sammen query`: one evaluator's statement may use at most this much memory (DuckDB's
    # memory_limit syntax; nothing spills to disk), run this long, on this many threads.
    query_memory_limit: str = field(
        default_factory=lambda: _env_str("SAMMEN_QUERY_MEMORY_LIMIT", "2GB")
    )
    query_timeout_seconds: float = field(
        default_factory=lambda: _env_float("SAMMEN_QUERY_TIMEOUT", 300.0)
    )
    query_threads: int = field(default_factory=lambda: _env_int("SAMMEN_QUERY_THREADS", 2))

    # DuckDB, for every connection sammen opens (core.database) and for dbt-duckdb
    # (dbt_project/profiles.yml): memory ceiling (DuckDB syntax, e.g. `6GiB`), worker threads.
    duckdb_memory_limit: str = field(
        default_factory=lambda: os.environ.get("SAMMEN_DUCKDB_MEMORY_LIMIT") or default_memory_limit()
    )
    duckdb_threads: int = field(
        default_factory=lambda: _env_int("SAMMEN_DUCKDB_THREADS", os.cpu_count() or 1)
    )
    gx_sample_rows: int = field(
        default_factory=lambda: _env_int("SAMMEN_GX_SAMPLE_ROWS", DEFAULT_GX_SAMPLE_ROWS)
    )

    def __post_init__(self) -> None:
        if self.disclosure_threshold < MIN_DISCLOSURE_THRESHOLD:
            raise ValueError(
                f"disclosure threshold {self.disclosure_threshold} is below "
                f"{MIN_DISCLOSURE_THRESHOLD}: it may only be raised"
            )
        if self.restricted_retention_days < 0:
            raise ValueError("the retention of restricted files is a number of days, 0 or more")
        if not 0 <= self.quarantine_threshold <= 1:
            raise ValueError("quarantine threshold must be a fraction between 0 and 1")
        if self.settle_seconds < 0:
            raise ValueError("the settle interval (SAMMEN_SETTLE_SECONDS) cannot be negative")

        if self.query_timeout_seconds <= 0 or self.query_threads < 1:
            raise ValueError("the query time limit and thread count must be positive")
        self.query_memory_bytes  # noqa: B018 - refuses a malformed limit at start-up

    @property
    def query_memory_bytes(self) -> int:
        """`query_memory_limit` in bytes (e.g. "2GB", "512MiB")."""
        match = _SIZE.fullmatch(self.query_memory_limit)
        if not match:
            raise ValueError(
                f"query memory limit {self.query_memory_limit!r} (SAMMEN_QUERY_MEMORY_LIMIT) is not "
                "a size such as 2GB or 512MiB"
            )
        return int(float(match[1]) * _UNITS[(match[2] or "b").lower()])

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None values of `changes` applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
