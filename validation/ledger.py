"""Recording batch-check results in `ledger.checks` through the ledger API (core).

`core.ledger` owns the `ledger` schema: `ensure_schema` creates it, `record_checks` appends
rows (`checked` = rows looked at, `failed` = rows failing, `success`). Re-running a run replaces
its GX rows, so this step is safe to repeat.
"""

from __future__ import annotations

import duckdb

from core.ledger import ensure_schema
from core.ledger import record_checks as append
from validation.results import BatchCheckResult


def record_checks(con: duckdb.DuckDBPyConnection, run_id: str, results: list[BatchCheckResult]) -> None:
    ensure_schema(con)
    con.execute("delete from ledger.checks where run_id = ? and engine = 'gx'", [run_id])
    append(con, run_id, [
        {
            "engine": result.engine,
            "dataset": result.dataset,
            "check_name": result.check_name,
            "column_name": result.column_name,
            "check_kind": result.check_kind,
            "checked": result.element_count,
            "failed": result.unexpected_count,
            "success": result.success,
        }
        for result in results
    ])
