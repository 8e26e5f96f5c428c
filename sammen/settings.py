"""Run settings: defaults, overridable by environment (SAMMEN_*) and by CLI flags.

Defaults follow the spec (extracts.md, outcomes.md v1.1): 5% quarantine threshold per file,
disclosure threshold 5 (configurable upward only).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = Path(os.environ.get("SAMMEN_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project"))
MIN_DISCLOSURE_THRESHOLD = 5
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
    programmes_file: Path | None = field(
        default_factory=lambda: Path(p) if (p := os.environ.get("SAMMEN_PROGRAMMES_FILE")) else None
    )

    # DuckDB, for every connection sammen opens (sammen.database) and for dbt-duckdb
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
        if not 0 <= self.quarantine_threshold <= 1:
            raise ValueError("quarantine threshold must be a fraction between 0 and 1")

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None values of `changes` applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
