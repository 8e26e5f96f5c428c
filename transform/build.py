"""`transform.build`: dbt build of the marts, then docs and the Parquet export.

Full, nightly or nothing: a build remembers (in its dbt target folder) the cutoff, the vars, a
fingerprint of the dbt project and the deliveries (loaded files in the ledger) it ran with. When
all four are unchanged and its outputs are in place, there is nothing to build: the marts are
those of the same data at the same cutoff, so dbt, docs and the export are skipped (a night with
nothing new takes seconds, not a nightly build's minute). The next build on the same warehouse is a nightly
(incremental) one when the project and the vars are unchanged and the cutoff has not moved back:
the enrolment marts then recompute only the enrolments whose outcomes can still change (see
dbt_project/macros/nightly.sql), and the staging tests that repeat ingestion's row checks and the
unit tests (which only test the unchanged project) are left out (`NIGHTLY_EXCLUDE`). Anything else
is a full refresh.

Around every dbt build, relations dbt leaves behind (`<model>__dbt_backup` after a full refresh
of an incremental model, `__dbt_tmp`, and both after a kill during `dbt build`) are dropped: they
hold the rows of the previous build, a withdrawn person's included. After the export, a pending
erasure (a consent withdrawal applied by ingestion) is completed by rewriting the warehouse file
(`core.erasure`): only then are the person's bytes gone from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from contracts import sql
from core import erasure
from core.database import (
    connect,
    dbt_environment,
    duckdb_config,
    one,
    out_of_memory_message,
    scalar,
    spill_folder,
)
from core.home import Home
from core.lock import writer_lock
from core.postgres import database_name
from core.progress import Progress
from core.settings import DBT_PROJECT_DIR, Settings
from transform import export, martsdb, postgres
from transform.runner import DbtPaths, TransformError, catalogue_ids, invoke

TARGETS = ("duckdb", "postgres")
STATE_FILE = "sammen_build_state.json"
LEFTOVER_MARKERS = ("__dbt_backup", "__dbt_tmp")  # suffixes of dbt's swap relations
DOCS_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")
# Left out of a nightly build (a full build runs them all):
# - the staging tests that repeat ingestion's row checks over the whole history (tagged in
#   dbt_project.yml, where the reason is given);
# - the dbt unit tests: each runs a model's SQL on its own fixture rows, never on the warehouse,
#   so its verdict depends on the project's files only, and a nightly build happens only when
#   those are unchanged since the last build (`project_fingerprint`; any change makes the next
#   build a full one, which runs every unit test). At night they could only repeat that verdict
#   (93 s of dbt time at 100,000 persons, docs/benchmarks.md).
NIGHTLY_EXCLUDE = ("tag:ingestion_checked", "test_type:unit")
UNIT_TESTS = "test_type:unit"


class UnitTestVerdicts:
    """Which project versions' dbt unit tests have passed on this machine, so that a full build
    runs them once per version (`SAMMEN_DBT_UNIT_TESTS=once`, the default) rather than on every
    full build (`always`). A unit test runs a model's SQL on its own fixture rows, never on the
    warehouse: its verdict depends on the project's files, the vars sammen passes (the cutoff
    aside: a unit test that depends on it sets its own), the target and the versions of dbt, the
    adapter and DuckDB, which together are the key. A passed version is a file named by the key
    under `$XDG_CACHE_HOME/sammen/dbt-unit-tests/` (default `~/.cache`); nothing about the data
    is in it. Each full build that runs the unit tests takes seconds of dbt overhead per test
    (51 tests, 40% of a full build's dbt time at 100,000 persons)."""

    def __init__(self, target: str, variables: dict[str, object], exclude: tuple[str, ...] = ()) -> None:
        kept = {k: v for k, v in variables.items() if k not in ("cutoff", "previous_cutoff")}
        versions = {name: _version(name) for name in ("dbt-core", f"dbt-{target}", "duckdb")}
        # `exclude`: a build that left models out ran only their unit tests' complement, so its
        # verdict counts only for builds that leave out the same
        facts = {"project": project_fingerprint(DBT_PROJECT_DIR), "target": target, "vars": kept,
                 "indicators": catalogue_ids(), "versions": versions, "exclude": sorted(exclude)}
        key = hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        self.path = cache / "sammen" / "dbt-unit-tests" / key

    def passed(self) -> bool:
        return self.path.exists()

    def remember(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f"{self.path.name}.{os.getpid()}")
        partial.write_text("passed\n")
        partial.replace(self.path)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""

__all__ = ["BuildResult", "TransformError", "build"]


@dataclass(frozen=True)
class BuildResult:
    target: str
    cutoff: dt.date
    nightly: bool
    seconds: float
    models: int
    tests: int
    skipped: bool = False  # nothing new since the last build: marts kept as they were
    unit_tests: int = 0  # of `tests`: dbt unit tests run (UnitTestVerdicts)


def build(
    home: Home,
    settings: Settings,
    cutoff: dt.date,
    progress: Progress,
    *,
    target: str = "duckdb",
    full_refresh: bool = False,
    postgres_database: str | None = None,
    exclude: tuple[str, ...] = (),
    docs: bool = True,
    erase: bool = True,
) -> BuildResult:
    """Build the marts for `cutoff`, then publish dbt docs and the Parquet marts (either target).

    `exclude` takes dbt selectors left out of the build (tests use it to build only the outcome
    marts, without the indicators); `docs=False` skips dbt docs (tests, to save time).
    """
    if target not in TARGETS:
        raise TransformError(f"unknown target {target!r}; use one of {', '.join(TARGETS)}")
    if not home.warehouse.exists():
        raise TransformError(f"no warehouse at {home.warehouse}: run `sammen ingest` first")
    started = time.perf_counter()
    paths = DbtPaths.for_home(home, target)
    variables = _variables(settings, cutoff)
    with writer_lock(home), spill_folder(home, "transform") as spill:
        env = {"SAMMEN_WAREHOUSE": str(home.warehouse)} | dbt_environment(settings, spill)
        state = _State(paths.target / STATE_FILE)
        deliveries = _deliveries(home, settings)
        if (not full_refresh and state.up_to_date(variables, cutoff, deliveries)
                and (target != "duckdb" or (_outputs_current(home, docs)
                                             and not erasure.is_pending(home.warehouse)))):
            progress.say(f"transform: nothing new since the last build (same deliveries, cutoff "
                         f"{cutoff.isoformat()}): marts kept as built")
            return BuildResult(target, cutoff, True, time.perf_counter() - started, 0, 0, skipped=True)
        if target == "postgres":
            database = postgres_database or database_name()
            env |= postgres.environment(database)
            with progress.stage(f"copy resolved tables to PostgreSQL database {database}"):
                postgres.copy_resolved(home.warehouse, database)
        nightly = not full_refresh and state.allows_nightly(variables, cutoff)
        if nightly:
            variables["previous_cutoff"] = state.cutoff
        kind = "nightly (incremental)" if nightly else "full"
        with progress.stage(f"dbt build, {kind}, target {target}, cutoff {cutoff.isoformat()}"):
            state.forget()
            if target == "duckdb":
                _drop_leftover_relations(home.warehouse)
            verdicts = UnitTestVerdicts(target, variables, exclude)
            units_known = settings.dbt_unit_tests == "once" and verdicts.passed()
            if nightly:
                left_out = (*exclude, *NIGHTLY_EXCLUDE)
            else:
                left_out = (*exclude, UNIT_TESTS) if units_known else exclude
                if units_known:
                    progress.detail("dbt unit tests: passed before for this project version on this "
                                    "machine (SAMMEN_DBT_UNIT_TESTS=always runs them again)")
            nodes = _dbt_build(["build", *([] if nightly else ["--full-refresh"]), *_excluding(left_out)],
                               paths, target, variables, env, settings)
            if UNIT_TESTS not in left_out:
                verdicts.remember()  # the build succeeded, its unit tests included
            if target == "duckdb":
                _drop_leftover_relations(home.warehouse)
            state.remember(variables, cutoff, deliveries)
        # Both targets: the data dictionary (dbt docs, from the target's own catalogue) and the
        # Parquet marts (from the target's own marts schema).
        if docs and not (nightly and _docs_current(home)):
            with progress.stage("dbt docs generate"):
                invoke(["docs", "generate", "--static"], paths, target, variables, env)
                _publish_docs(paths.target, home.docs / "dbt")
        with progress.stage("export marts to Parquet"):
            if target == "postgres":
                exported = postgres.export_marts(database, home.marts)
            else:
                marts = export.mart_models(paths.target / "manifest.json")
                exported = export.export_marts(home.warehouse, home.marts, marts, settings)
            progress.say(f"exported {len(exported)} marts to {home.marts}")
        if target == "duckdb":
            martsdb.write_marts_db(home, marts, settings)  # the evaluators' marts-only database (sammen query)
            if erase:  # `sammen run` erases after publishing, so no later write frees a block
                complete_erasure(home, progress, settings)
    kinds = [str(node.node.resource_type) for node in nodes]  # type: ignore[attr-defined]
    return BuildResult(
        target=target,
        cutoff=cutoff,
        nightly=nightly,
        seconds=time.perf_counter() - started,
        models=kinds.count("model"),
        tests=kinds.count("test") + kinds.count("unit_test"),
        unit_tests=kinds.count("unit_test"),
    )


def _drop_leftover_relations(warehouse: Path) -> None:
    """Drop every `__dbt_backup` / `__dbt_tmp` table or view dbt left in the warehouse."""
    with duckdb.connect(str(warehouse)) as connection:
        found = connection.execute(
            "select 'table', schema_name, table_name from duckdb_tables() "
            "union all select 'view', schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        for kind, schema, name in found:
            if any(marker in name for marker in LEFTOVER_MARKERS):
                connection.execute(f"drop {kind} if exists {sql.ident(schema, name)}")


def complete_erasure(home: Home, progress: Progress, settings: Settings | None = None) -> None:
    """Rewrite the warehouse into a fresh file if a withdrawal was applied (`core.erasure`), with
    the threads and spill folder of every stage and half their memory limit
    (`Settings.rewrite_memory_limit`). Run last among a night's writes: a later
    write (the release ledger) leaves freed blocks, which hold none of the erased rows but make the
    byte-level guarantee harder to check."""
    settings = settings or Settings()
    with spill_folder(home, "erasure") as spill:
        config = duckdb_config(settings, spill) | {"memory_limit": settings.rewrite_memory_limit}
        seconds = erasure.complete_pending(home.warehouse, config)
    if seconds is not None:
        progress.say(f"warehouse rewritten without erased rows in {seconds:.1f} s")


def _dbt_build(command: list[str], paths: DbtPaths, target: str, variables: dict[str, object],
               env: dict[str, str], settings: Settings) -> list[object]:
    """`invoke`, naming the setting to change when DuckDB ran out of memory in a model."""
    try:
        return invoke(command, paths, target, variables, env)
    except TransformError as error:
        if "out of memory" in str(error).lower():
            raise TransformError(f"{error}\n{out_of_memory_message('transform (dbt build)', settings)}") from error
        raise


def _deliveries(home: Home, settings: Settings) -> str | None:
    """The loaded deliveries the warehouse holds, as `<files>:<highest file id>` (the ledger only
    grows, so a new load, and with it any erasure of a withdrawn person, changes this); None for a
    warehouse without a ledger (written by other means: always built)."""
    with connect(home, settings, stage="transform", read_only=True) as connection:
        if not scalar(connection, "select count(*) from information_schema.tables "
                                  "where table_schema = 'ledger' and table_name = 'files'"):
            return None
        count, highest = one(connection,
            "select count(*), coalesce(max(file_id), 0) from ledger.files where status = 'loaded'"
        )
    return f"{count}:{highest}"


def _outputs_current(home: Home, docs: bool) -> bool:
    return (any(home.marts.glob("*.parquet")) and home.marts_db.exists()
            and (not docs or _docs_current(home)))


def _excluding(selectors: tuple[str, ...]) -> list[str]:
    return ["--exclude", *selectors] if selectors else []


def _variables(settings: Settings, cutoff: dt.date) -> dict[str, object]:
    variables: dict[str, object] = {"cutoff": cutoff.isoformat()}
    if settings.region_coverage_start is not None:
        variables["region_coverage_start"] = settings.region_coverage_start.isoformat()
    return variables


def project_fingerprint(project: Path) -> str:
    """A hash of every file of the dbt project that shapes the marts (not target/ or logs/, nor
    the `.user.yml` dbt writes beside profiles.yml on its first run: a random id per checkout)."""
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if path.is_file() and relative.parts[0] not in ("target", "logs", "dbt_packages", ".user.yml"):
            digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class _State:
    """What the last successful build on this warehouse and target ran with."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.saved: dict[str, Any] | None = json.loads(path.read_text()) if path.exists() else None

    @property
    def cutoff(self) -> str:
        return self.saved["cutoff"] if self.saved else ""

    def allows_nightly(self, variables: dict[str, object], cutoff: dt.date) -> bool:
        if not self.saved:
            return False
        return (
            self.saved["project"] == project_fingerprint(DBT_PROJECT_DIR)
            and self.saved["vars"] == {k: v for k, v in variables.items() if k != "cutoff"}
            and dt.date.fromisoformat(self.saved["cutoff"]) <= cutoff
        )

    def up_to_date(self, variables: dict[str, object], cutoff: dt.date, deliveries: str | None) -> bool:
        """The last build ran on the same deliveries with the same cutoff, vars and project."""
        return (
            self.saved is not None
            and self.allows_nightly(variables, cutoff)
            and self.saved["cutoff"] == cutoff.isoformat()
            and deliveries is not None
            and self.saved.get("deliveries") == deliveries
        )

    def forget(self) -> None:
        """A build that fails half-way leaves marts the next build must not trust."""
        self.path.unlink(missing_ok=True)

    def remember(self, variables: dict[str, object], cutoff: dt.date, deliveries: str | None) -> None:
        kept = {k: v for k, v in variables.items() if k not in ("cutoff", "previous_cutoff")}
        self.path.write_text(json.dumps({
            "cutoff": cutoff.isoformat(),
            "vars": kept,
            "project": project_fingerprint(DBT_PROJECT_DIR),
            "deliveries": deliveries,
        }))


def _docs_current(home: Home) -> bool:
    return all((home.docs / "dbt" / name).exists() for name in DOCS_FILES)


def _publish_docs(target_path: Path, destination: Path) -> None:
    """Copy the generated site (index + manifest + catalog, and the one-file static page)."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        shutil.copy2(target_path / name, destination / name)
