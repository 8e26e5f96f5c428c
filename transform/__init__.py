"""Transform: the dbt project (staging → intermediate → marts) run in-process, its docs, the
Parquet export of the marts, the PostgreSQL target and read-only queries for evaluators.

Entry point: `transform.build(home, settings, cutoff, progress)`.
"""

from __future__ import annotations

from transform.build import BuildResult, TransformError, build

__all__ = ["BuildResult", "TransformError", "build"]
