"""DIR/docs/gx/index.html: a self-contained summary of the batch checks, run by run.

GX's own Data Docs (DIR/docs/gx/site/) load Bootstrap, jQuery, Font Awesome and Vega from public
CDNs when viewed: offline they show unstyled. This page needs nothing from the network, lists
every check of the latest runs with its kind and verdict, and links to GX's pages.
"""

from __future__ import annotations

import html
from pathlib import Path

import duckdb

from validation.results import BatchCheckResult

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; margin-bottom: 2rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; font-size: .9rem; }
th { background: #f2f2f2; }
.fail { color: #a40000; font-weight: bold; } .pass { color: #1d6b1d; }
"""


def write_index(gx_dir: Path, con: duckdb.DuckDBPyConnection, run_id: str,
                results: list[BatchCheckResult], runs_shown: int) -> Path:
    """The page for the run just checked (with observed aggregates and errors), then the verdicts
    of the previous runs recorded in ledger.checks (as many runs in all as the Data Docs keep)."""
    runs = [run for run in _runs(con, runs_shown) if run != run_id][: runs_shown - 1]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>sammen: batch checks</title>", f"<style>{STYLE}</style></head><body>",
        "<h1>sammen: batch checks (Great Expectations)</h1>",
        "<p>Each check has a kind as in OHDSI's Data Quality Dashboard: conformance, completeness, "
        "plausibility. Failing values are never listed for identifiers; elsewhere at most five "
        "are kept.</p>",
        "<p>Full Great Expectations Data Docs: <a href='site/index.html'>site/index.html</a>. "
        "Note: those pages load their CSS and JavaScript from public CDNs (Bootstrap, jQuery, "
        "Font Awesome, Vega) when opened; without network access they show unstyled but complete. "
        "This page needs no network.</p>",
    ]
    parts.append(_table(run_id, [
        (r.dataset, r.check_name, r.check_kind, r.success, r.unexpected_count, r.element_count,
         r.error or r.observed or "") for r in sorted(results, key=_order)]))
    for previous in runs:
        parts.append(_table(previous, _ledger_rows(con, previous)))
    parts.append("</body></html>")
    path = gx_dir / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _runs(con: duckdb.DuckDBPyConnection, limit: int) -> list[str]:
    rows = con.execute(
        "select run_id, max(recorded_at) as last_at from ledger.checks where engine = 'gx' "
        "group by run_id order by last_at desc limit ?", [limit]).fetchall()
    return [row[0] for row in rows]


def _order(result: BatchCheckResult) -> tuple:
    return (result.success, result.dataset or "~", result.check_name)


def _ledger_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    return con.execute(
        "select dataset, check_name, check_kind, success, failed, checked, '' from ledger.checks "
        "where engine = 'gx' and run_id = ? order by success, dataset nulls last, check_name",
        [run_id]).fetchall()


def _table(run_id: str, rows: list[tuple]) -> str:
    failed = sum(1 for row in rows if not row[3])
    head = (f"<h2>Run {html.escape(run_id)}: {len(rows)} checks, {failed} failed</h2><table>"
            "<tr><th>dataset</th><th>check</th><th>kind</th><th>verdict</th>"
            "<th>failing rows</th><th>rows</th><th>observed / error</th></tr>")
    body = "".join(
        f"<tr><td>{html.escape(dataset or '(all)')}</td><td>{html.escape(name)}</td><td>{kind}</td>"
        f"<td class='{'pass' if ok else 'fail'}'>{'pass' if ok else 'FAIL'}</td>"
        f"<td>{'' if failing is None else failing}</td><td>{'' if count is None else count}</td>"
        f"<td>{html.escape(str(note))}</td></tr>"
        for dataset, name, kind, ok, failing, count, note in rows
    )
    return head + body + "</table>"
