"""The publish stage: marts.indicators → disclosure control → DIR/published/ (aggregates only).

Only the disclosure-controlled table leaves the warehouse. Every file goes through
`PublishedFolder`, which refuses undeclared outputs and swaps the folder in atomically.

Decisions where the spec is silent:
- Cutoff: the run's (settings.cutoff, set by `sammen run` and the DAG), else the latest
  `ledger.runs` row, else the cutoff the ledger gives now; without any, publish fails clearly.
- Run id: the latest `ledger.runs` run, else the latest `ledger.files` run, else a new
  `publish-<UTC time>` id (publish run alone on a warehouse without a ledger).
- Row order: catalogue order, then period, programme, municipality (each `all` last).
- CSV: empty field = null, booleans `true`/`false`, values unrounded (shortest exact repr).
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import json
import math
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from publishing.catalogue import CATALOGUE_PATH, Catalogue, load_catalogue
from publishing.disclosure import COLUMNS, check_controlled, control
from publishing.outputs import PublishedFolder
from sammen.database import connect
from sammen.home import Home
from sammen.lock import writer_lock
from sammen.progress import Progress
from sammen.settings import Settings

PUBLISHED_COLUMNS = COLUMNS + ["suppressed", "suppression_reason"]
ARROW_SCHEMA = pa.schema(
    [
        pa.field("indicator_id", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("programme", pa.string(), nullable=False),
        pa.field("municipality", pa.string(), nullable=False),
        pa.field("numerator", pa.int64()),
        pa.field("denominator", pa.int64()),
        pa.field("value", pa.float64()),
        pa.field("n_persons", pa.int64()),
        pa.field("suppressed", pa.bool_(), nullable=False),
        pa.field("suppression_reason", pa.string()),
    ]
)


class PublishError(RuntimeError):
    """The publish stage cannot run (no marts, no cutoff); the message says what to do."""


@dataclass(frozen=True)
class PublishReport:
    run_id: str
    cutoff: dt.date
    cells: int
    primary: int
    secondary: int
    files: dict[str, int] = field(default_factory=dict)  # name -> rows (or 1 for documents)
    published: Path | None = None

    def __str__(self) -> str:
        return (
            f"published {self.cells} indicator cells ({self.primary} primary, "
            f"{self.secondary} secondary suppressions) in {len(self.files)} files to "
            f"{self.published}; run {self.run_id}, cutoff {self.cutoff.isoformat()}"
        )


def publish(home: Home, settings: Settings, progress: Progress) -> PublishReport:
    """Control the indicators of the warehouse and (re)write DIR/published/."""
    catalogue = load_catalogue()
    home.ensure()
    with writer_lock(home):
        raw, run_id, cutoff = _read_warehouse(home, settings)
        progress.say(f"disclosure control of {len(raw)} cells (threshold {settings.disclosure_threshold})")
        result = control(raw, catalogue, settings.disclosure_threshold)
        table = ordered(result.table, catalogue)
        check_controlled(table, catalogue, settings.disclosure_threshold)
        info = {
            "run_id": run_id,
            "cutoff": cutoff.isoformat(),
            "pipeline_version": pipeline_version(),
            "disclosure_threshold": settings.disclosure_threshold,
        }
        files = _write(home, table, catalogue, info, progress)
    report = PublishReport(
        run_id=run_id, cutoff=cutoff, cells=len(table), primary=result.primary,
        secondary=result.secondary, files=files, published=home.published,
    )
    progress.say(str(report))
    return report


def _read_warehouse(home: Home, settings: Settings) -> tuple[pd.DataFrame, str, dt.date]:
    if not home.warehouse.exists():
        raise PublishError(f"no warehouse at {home.warehouse}: run `sammen run` first")
    with connect(home, settings, stage="publish", read_only=True, ordered=True) as connection:
        if not _has_table(connection, "marts", "indicators"):
            raise PublishError(
                f"{home.warehouse} has no marts.indicators: run `sammen transform` "
                "(or `sammen run`) before publishing"
            )
        raw = connection.sql(f"select {', '.join(COLUMNS)} from marts.indicators").df()
        run_id, run_cutoff = _latest_run(connection)
    cutoff = settings.cutoff or run_cutoff or _ledger_cutoff(home)
    if cutoff is None:
        raise PublishError("the cutoff of the marts is unknown: pass --cutoff YYYY-MM-DD")
    run_id = run_id or "publish-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return raw, run_id, cutoff


def _has_table(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def _latest_run(connection: duckdb.DuckDBPyConnection) -> tuple[str | None, dt.date | None]:
    if _has_table(connection, "ledger", "runs"):
        row = connection.sql(
            "select run_id, cutoff from ledger.runs order by started_at desc nulls last limit 1"
        ).fetchone()
        if row:
            cutoff = row[1]
            if isinstance(cutoff, str):
                cutoff = dt.date.fromisoformat(cutoff)
            return str(row[0]), cutoff
    if _has_table(connection, "ledger", "files"):
        row = connection.sql(
            "select run_id from ledger.files where run_id is not null "
            "order by received_at desc nulls last limit 1"
        ).fetchone()
        if row:
            return str(row[0]), None
    return None, None


def _ledger_cutoff(home: Home) -> dt.date | None:
    try:
        from ingestion.ledger import compute_cutoff
    except ImportError:
        return None
    try:
        return compute_cutoff(home)
    except Exception:  # noqa: BLE001 - no accepted file yet: the caller asks for --cutoff
        return None


def pipeline_version() -> str:
    try:
        return metadata.version("sammen")
    except metadata.PackageNotFoundError:
        return "unknown"


def ordered(table: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Catalogue order, then period, programme and municipality with `all` last."""
    rank = {indicator: position for position, indicator in enumerate(catalogue.ids)}
    keys = pd.DataFrame(
        {
            "rank": table["indicator_id"].map(rank),
            "period": table["period"],
            "programme_all": table["programme"] == "all",
            "programme": table["programme"],
            "municipality_all": table["municipality"] == "all",
            "municipality": table["municipality"],
        }
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return table.loc[order, PUBLISHED_COLUMNS].reset_index(drop=True)


def to_arrow(table: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(table[PUBLISHED_COLUMNS], schema=ARROW_SCHEMA, preserve_index=False)


def to_csv(table: pd.DataFrame) -> str:
    """UTF-8, comma, decimal point; null = empty field; booleans true/false."""
    return _csv(table, separator=",", decimal=".")


def to_excel_csv(table: pd.DataFrame) -> bytes:
    """For Danish Excel: semicolon, decimal comma, UTF-8 with BOM (so æ ø å survive)."""
    return _csv(table, separator=";", decimal=",").encode("utf-8-sig")


def _csv(table: pd.DataFrame, separator: str, decimal: str) -> str:
    text = table[PUBLISHED_COLUMNS].copy()
    text["value"] = [_number(value, decimal) for value in table["value"]]
    text["suppressed"] = table["suppressed"].map({True: "true", False: "false"})
    buffer = io.StringIO()
    text.to_csv(buffer, sep=separator, index=False, na_rep="", lineterminator="\n")
    return buffer.getvalue()


def _number(value: Any, decimal: str) -> str:
    """Shortest exact representation (unrounded), never scientific notation."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    text = repr(number)
    if "e" in text or "E" in text:
        text = f"{number:.17f}".rstrip("0").rstrip(".")
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", decimal)


def to_json(table: pd.DataFrame) -> str:
    records = to_arrow(table).to_pylist()
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def _write(
    home: Home, table: pd.DataFrame, catalogue: Catalogue, info: dict[str, Any], progress: Progress
) -> dict[str, int]:
    rows = len(table)
    with PublishedFolder(home.published) as folder:
        folder.write_text("indicators.csv", to_csv(table))
        folder.write_bytes("indicators_excel.csv", to_excel_csv(table))
        pq.write_table(to_arrow(table), folder.path_for("indicators.parquet"), compression="zstd")
        folder.write_text("indicators.json", to_json(table))
        folder.write_bytes("catalogue.yaml", CATALOGUE_PATH.read_bytes())
        counts = {name: rows for name in folder.written if name.startswith("indicators")}
        counts["catalogue.yaml"] = len(catalogue.indicators)
        html = render_report(home, table, info, progress)
        if html is not None:
            folder.write_text("report.html", html)
            counts["report.html"] = 1
        manifest = {
            **info,
            "files": {
                name: {"sha256": digest, "rows": counts[name]}
                for name, digest in sorted(folder.digests().items())
            },
        }
        folder.write_text("manifest.json", json.dumps(manifest, indent=2) + "\n")
    counts["manifest.json"] = 1
    return counts


def render_report(
    home: Home, table: pd.DataFrame, info: dict[str, Any], progress: Progress
) -> str | None:
    """The board report's HTML, when the report package is installed; None otherwise."""
    try:
        from publishing.report import render
    except ImportError:
        progress.say("report: publishing.report not available, report.html skipped")
        return None
    catalogue_raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    names = list(inspect.signature(render).parameters)
    if names and names[0] == "home":
        return render(home, table.copy(), catalogue_raw, dict(info))
    return render(table.copy(), catalogue_raw, dict(info))


__all__ = [
    "PublishError", "PublishReport", "publish", "ordered", "to_arrow", "to_csv", "to_excel_csv",
    "to_json",
]
