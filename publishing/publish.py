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
- `period_complete` (`publishing.periods`): whether the cell's period had ended at the cutoff;
  derived from the period and the release's cutoff, so the release ledger does not store it.
- Boards' files (`indicators_excel.csv`, `indicators.xlsx`: `publishing.board`) in Danish, or
  English with `SAMMEN_BOARD_LANGUAGE=en`.
- Releases (spec 1.2): every publish is a release in the release ledger (`publishing.releases`),
  controlled against every earlier release of the home; every row of every table carries its
  `release_id`, carried cells `carried_from` and `carry_reason`. A publish whose input (cells,
  cutoff, settings) equals the latest release's re-issues that release (same id, same bytes).
"""

from __future__ import annotations

import datetime as dt
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

from core import postgres
from core.database import connect
from core.home import Home
from core.ledger import compute_cutoff
from core.lock import writer_lock
from core.progress import Progress
from core.settings import Settings
from publishing import releases
from publishing.board import board_table, to_excel_csv, to_xlsx
from publishing.catalogue import CATALOGUE_PATH, Catalogue, load_catalogue
from publishing.disclosure import COLUMNS, CONTROL_COLUMNS, check_controlled, control
from publishing.methods import METHODS_PATH
from publishing.outputs import PublishedFolder
from publishing.periods import completeness
from publishing.report import render

PUBLISHED_COLUMNS = COLUMNS + CONTROL_COLUMNS + ["period_complete", "release_id"]
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
        pa.field("carried_from", pa.string()),
        pa.field("carry_reason", pa.string()),
        pa.field("period_complete", pa.bool_(), nullable=False),
        pa.field("release_id", pa.string(), nullable=False),
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
    release_id: str = ""
    carried: int = 0
    reissued: bool = False

    def __str__(self) -> str:
        again = " (unchanged input: re-issued)" if self.reissued else ""
        return (
            f"published release {self.release_id}{again}: {self.cells} indicator cells "
            f"({self.primary} primary, {self.secondary} secondary suppressions, {self.carried} "
            f"carried from earlier releases) in {len(self.files)} files to "
            f"{self.published}; run {self.run_id}, cutoff {self.cutoff.isoformat()}"
        )


def publish(home: Home, settings: Settings, progress: Progress, *, target: str = "duckdb") -> PublishReport:
    """Control the indicators of the warehouse against every earlier release, record the release
    and (re)write DIR/published/.

    `target="postgres"`: marts.indicators is read from the PostgreSQL target
    (`core.postgres.database_name()`); run id, cutoff and the release ledger stay in the
    DuckDB warehouse."""
    catalogue = load_catalogue()
    home.ensure()
    threshold = settings.disclosure_threshold
    with writer_lock(home):
        raw, run_id, cutoff = _read_warehouse(home, settings, target)
        with connect(home, settings, stage="publish", ordered=True) as connection:
            releases.ensure(connection)
            guard = releases.guard_on()
            digest = releases.input_sha256(raw, cutoff, threshold, guard)
            previous = releases.latest(connection)
            if previous is not None and previous.input_sha256 == digest:
                progress.say(f"input unchanged since release {previous.release_id}: re-issuing it")
                release, table = previous, releases.cells_of(connection, previous.seq)
                table = published(table, catalogue, release.cutoff)
            else:
                earlier = releases.history(connection) if guard else None
                progress.say(
                    f"disclosure control of {len(raw)} cells (threshold {threshold}, "
                    f"{0 if previous is None else previous.seq} earlier release(s))"
                )
                result = control(raw, catalogue, threshold, earlier)
                release = releases.new_release(
                    connection, cutoff=cutoff, run_id=run_id, version=pipeline_version(),
                    threshold=threshold, guard=guard, digest=digest,
                )
                table = published(
                    result.table.assign(release_id=release.release_id), catalogue, cutoff
                )
                check_controlled(table, catalogue, threshold)
            # the release is committed only once its files are in place
            connection.execute("begin transaction")
            if release is not previous:
                releases.record(connection, release, table)
            files = _write(
                home, table, catalogue, release.info(), progress, settings.board_language
            )
            connection.execute("commit")
    primary = int((table["suppression_reason"] == "primary").sum())
    report = PublishReport(
        run_id=release.run_id, cutoff=release.cutoff, cells=len(table), primary=primary,
        secondary=int(table["suppressed"].sum()) - primary, files=files, published=home.published,
        release_id=release.release_id, carried=int(table["carried_from"].notna().sum()),
        reissued=release is previous,
    )
    progress.say(str(report))
    return report


def _read_warehouse(home: Home, settings: Settings, target: str = "duckdb") -> tuple[pd.DataFrame, str, dt.date]:
    if not home.warehouse.exists():
        raise PublishError(f"no warehouse at {home.warehouse}: run `sammen run` first")
    with connect(home, settings, stage="publish", read_only=True, ordered=True) as connection:
        if target == "postgres":
            raw = _postgres_indicators()
        elif not _has_table(connection, "marts", "indicators"):
            raise PublishError(
                f"{home.warehouse} has no marts.indicators: run `sammen transform` "
                "(or `sammen run`) before publishing"
            )
        else:
            raw = connection.sql(f"select {', '.join(COLUMNS)} from marts.indicators").df()
        run_id, run_cutoff = _latest_run(connection)
    cutoff = settings.cutoff or run_cutoff or _ledger_cutoff(home)
    if cutoff is None:
        raise PublishError("the cutoff of the marts is unknown: pass --cutoff YYYY-MM-DD")
    run_id = run_id or "publish-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return raw, run_id, cutoff


def _postgres_indicators() -> pd.DataFrame:
    return postgres.read_table(postgres.database_name(), "marts", "indicators").select(COLUMNS).to_pandas()


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
        return compute_cutoff(home)
    except Exception:  # noqa: BLE001 - no accepted file yet: the caller asks for --cutoff
        return None


def pipeline_version() -> str:
    try:
        return metadata.version("sammen")
    except metadata.PackageNotFoundError:
        return "unknown"


def published(table: pd.DataFrame, catalogue: Catalogue, cutoff: dt.date) -> pd.DataFrame:
    """The cells as published: with `period_complete` at the cutoff, in catalogue order."""
    return ordered(table.assign(period_complete=completeness(table, catalogue, cutoff)), catalogue)


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
    return _typed(table.loc[order, PUBLISHED_COLUMNS].reset_index(drop=True))


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """One set of dtypes whether the cells come from control or from the release ledger (a
    re-issued release must give the same bytes, Parquet's pandas metadata included)."""
    types = {column: "string" for column in PUBLISHED_COLUMNS}
    types.update(numerator="Int64", denominator="Int64", n_persons="Int64", value="Float64",
                 suppressed="bool", period_complete="bool")
    return table.astype(types)


def to_arrow(table: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(table[PUBLISHED_COLUMNS], schema=ARROW_SCHEMA, preserve_index=False)


def to_csv(table: pd.DataFrame) -> str:
    """UTF-8, comma, decimal point; null = empty field; booleans true/false."""
    text = table[PUBLISHED_COLUMNS].copy()
    text["value"] = [_number(value) for value in table["value"]]
    for flag in ("suppressed", "period_complete"):
        text[flag] = table[flag].astype(bool).map({True: "true", False: "false"})
    buffer = io.StringIO()
    text.to_csv(buffer, index=False, na_rep="", lineterminator="\n")
    return buffer.getvalue()


def _number(value: Any) -> str:
    """Shortest exact representation (unrounded), never scientific notation."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    text = repr(number)
    if "e" in text or "E" in text:
        text = f"{number:.17f}".rstrip("0").rstrip(".")
    if text.endswith(".0"):
        text = text[:-2]
    return text


def to_json(table: pd.DataFrame) -> str:
    records = to_arrow(table).to_pylist()
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def _write(
    home: Home, table: pd.DataFrame, catalogue: Catalogue, info: dict[str, Any], progress: Progress,
    lang: str,
) -> dict[str, int]:
    rows = len(table)
    board = board_table(table, catalogue, info, lang)
    with PublishedFolder(home.published) as folder:
        folder.write_text("indicators.csv", to_csv(table))
        folder.write_bytes("indicators_excel.csv", to_excel_csv(board, lang))
        folder.write_bytes("indicators.xlsx", to_xlsx(board, catalogue, info, lang))
        pq.write_table(to_arrow(table), folder.path_for("indicators.parquet"), compression="zstd")
        folder.write_text("indicators.json", to_json(table))
        folder.write_bytes("catalogue.yaml", CATALOGUE_PATH.read_bytes())
        counts = {name: rows for name in folder.written if name.startswith("indicators")}
        counts["catalogue.yaml"] = len(catalogue.indicators)
        folder.write_bytes("methods.md", METHODS_PATH.read_bytes())  # the report links to it
        counts["methods.md"] = 1
        folder.write_text("report.html", render_report(home, table, info, progress))
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
) -> str:
    """The board report's HTML (`publishing.report.render`)."""
    catalogue_raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return render(table.copy(), catalogue_raw, dict(info))


__all__ = [
    "PublishError", "PublishReport", "publish", "published", "ordered", "to_arrow", "to_csv",
    "to_json",
]
