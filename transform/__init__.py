"""Transform: the dbt project (staging → intermediate → marts) run in-process, its docs, the
Parquet export of the marts, the PostgreSQL target, and the evaluators' marts-only database
(`transform.martsdb`) with its locked-down queries (`transform.query`).

Entry point: `transform.build(home, settings, cutoff, progress)`.
"""

from __future__ import annotations

from transform.build import BuildResult, TransformError, build

__all__ = ["BuildResult", "TransformError", "build"]
