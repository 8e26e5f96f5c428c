"""Helpers for the publishing tests: small indicator tables, record-level cohorts, stub marts
and a scratch dbt project that builds only `marts.indicators` over them.

The stub marts carry the columns outcomes.md gives the marts (the marts engineer's models are
the real thing; these stand in so the indicators SQL can be tested on its own, quickly).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from publishing.catalogue import Catalogue
from publishing.periods import windows

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt_project"
INDICATOR_MODELS = DBT_PROJECT / "models" / "marts" / "indicators"
ALL = "all"

# outcomes.md column lists of the marts (and the two staging models) the indicators read.
STUB_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "cohort": [
        ("enrolment_id", "varchar"), ("person_key", "varchar"), ("programme", "varchar"),
        ("municipality_code", "bigint"), ("enrolled_on", "date"), ("ended_on", "date"),
        ("age_band", "varchar"), ("sex", "varchar"), ("referral_source", "varchar"),
        ("pre_complete", "boolean"), ("post_days", "bigint"),
    ],
    "admission_outcomes": [("enrolment_id", "varchar")] + [
        (name, "bigint")
        for name in (
            "stays_pre", "stays_post", "acute_stays_pre", "acute_stays_post",
            "involuntary_stays_pre", "involuntary_stays_post", "bed_days_pre", "bed_days_post",
            "er_visits_pre", "er_visits_post", "outpatient_contacts_pre",
            "outpatient_contacts_post", "discharges_post_30d", "readmissions_30d",
        )
    ],
    "participation_outcomes": [
        ("enrolment_id", "varchar"), ("first_attended_on", "date"),
        ("days_to_first_attendance", "bigint"), ("sessions_12w", "bigint"),
        ("retained_3m", "boolean"), ("retained_6m", "boolean"), ("retained_12m", "boolean"),
        ("became_volunteer", "boolean"), ("first_volunteer_on", "date"),
        ("arrived_own_ever", "boolean"), ("attendances", "bigint"),
    ],
    "coherence_outcomes": [
        ("enrolment_id", "varchar"), ("has_action_plan", "boolean"), ("plan_sectors", "bigint"),
        ("follow_ups_due", "bigint"), ("follow_ups_on_time", "bigint"),
        ("discharges_post_7d", "bigint"), ("discharges_followed_psychiatry_7d", "bigint"),
        ("discharges_followed_cross_sector_7d", "bigint"),
        ("days_discharge_to_cross_sector", "double"),
    ],
    "wellbeing_outcomes": [
        ("enrolment_id", "varchar"), ("instrument", "varchar"), ("baseline", "bigint"),
        ("follow_up", "bigint"), ("change", "bigint"),
    ],
    "stg_ngo__sessions": [
        ("session_id", "varchar"), ("ngo_id", "varchar"), ("activity", "varchar"),
        ("site", "varchar"), ("held_on", "date"), ("programme", "varchar"),
    ],
    "stg_ngo__attendance": [
        ("session_id", "varchar"), ("person_key", "varchar"), ("role", "varchar"),
        ("arrived_with", "varchar"),
    ],
}


def key(n: int) -> str:
    """A person_key-shaped pseudonym (64 lowercase hex) for test person n."""
    return f"{n:064x}"


# ---------------------------------------------------------------------------------------------
# indicator tables shaped like marts.indicators


def cell(
    indicator: str, period: str, programme: str, municipality: str, numerator: int | None,
    denominator: int | None = None, n_persons: object = ...,
) -> dict[str, object]:
    """One marts.indicators row; value and (unless given, None included) n_persons follow from
    the counts as the spec says."""
    if denominator is None:
        value = numerator
    else:
        value = numerator / denominator if denominator else None
    persons = n_persons if n_persons is not ... else (numerator if denominator is None else denominator)
    return {
        "indicator_id": indicator, "period": period, "programme": programme,
        "municipality": municipality, "numerator": numerator, "denominator": denominator,
        "value": value, "n_persons": persons,
    }


@dataclass(frozen=True)
class Enrolment:
    person: int
    programme: str
    municipality: str
    enrolled_on: dt.date
    volunteer: bool = False
    attendances: int = 0
    arrived_own: bool = False
    full_window: bool = True
    stays_pre: int = 0


def random_enrolments(
    rng: random.Random, persons: int, programmes: Iterable[str], municipalities: Iterable[str],
    years: Iterable[int] = (2024,),
) -> list[Enrolment]:
    """Enrolments of `persons` persons; some persons enrol twice (other programme or place)."""
    programmes, municipalities, years = list(programmes), list(municipalities), list(years)
    found = []
    for person in range(persons):
        for _ in range(1 + (rng.random() < 0.15)):
            found.append(
                Enrolment(
                    person=person,
                    programme=rng.choice(programmes),
                    municipality=rng.choice(municipalities),
                    enrolled_on=dt.date(rng.choice(years), rng.randint(1, 12), rng.randint(1, 28)),
                    volunteer=rng.random() < 0.3,
                    attendances=rng.choice([0, 1, 4, 6, 9]),
                    arrived_own=rng.random() < 0.5,
                    full_window=rng.random() < 0.8,
                    stays_pre=rng.choice([0, 0, 1, 2]),
                )
            )
    return found


def indicators_from_enrolments(enrolments: list[Enrolment]) -> pd.DataFrame:
    """A marts.indicators-shaped table computed from records with grouping sets (as the model
    does): cohort_size, new_enrolments, volunteer_share, arrived_own_share and the full-window
    family's stay_rate_pre / bed_day_rate_pre (stand-in sums)."""
    frame = pd.DataFrame(
        {
            "person_key": [key(e.person) for e in enrolments],
            "programme": [e.programme for e in enrolments],
            "municipality": [e.municipality for e in enrolments],
            "year": [str(e.enrolled_on.year) for e in enrolments],
            "quarter": [f"{e.enrolled_on.year}-Q{(e.enrolled_on.month - 1) // 3 + 1}" for e in enrolments],
            "volunteer": [int(e.volunteer) for e in enrolments],
            "regular": [e.attendances >= 4 for e in enrolments],
            "own": [int(e.arrived_own and e.attendances >= 4) for e in enrolments],
            "in_window": [e.full_window for e in enrolments],
            "stays_pre": [e.stays_pre if e.full_window else 0 for e in enrolments],
        }
    )
    sql = """
        with e as (select * from frame)
        select 'cohort_size' as indicator_id, year as period, {grain},
            count(*) as numerator, null::bigint as denominator, count(*)::double as value,
            count(distinct person_key) as n_persons
        from e group by grouping sets ((year, programme, municipality), (year, programme),
                                       (year, municipality), (year))
        union all
        select 'new_enrolments', quarter, {grain}, count(*), null, count(*),
            count(distinct person_key)
        from e group by grouping sets ((quarter, programme, municipality), (quarter, programme),
                                       (quarter, municipality), (quarter))
        union all
        select 'volunteer_share', year, {grain}, sum(volunteer), count(*),
            sum(volunteer) / count(*), count(distinct person_key)
        from e group by grouping sets ((year, programme, municipality), (year, programme),
                                       (year, municipality), (year))
        union all
        select 'arrived_own_share', year, {grain}, sum(own) filter (where regular),
            count(*) filter (where regular),
            sum(own) filter (where regular) / nullif(count(*) filter (where regular), 0),
            count(distinct person_key) filter (where regular)
        from e group by grouping sets ((year, programme, municipality), (year, programme),
                                       (year, municipality), (year))
        union all
        select unnest(['stay_rate_pre', 'bed_day_rate_pre']), year, {grain},
            sum(stays_pre) filter (where in_window), count(*) filter (where in_window),
            sum(stays_pre) filter (where in_window) / nullif(count(*) filter (where in_window), 0),
            count(distinct person_key) filter (where in_window)
        from e group by grouping sets ((year, programme, municipality), (year, programme),
                                       (year, municipality), (year))
    """.format(
        grain="case when grouping(programme) = 1 then 'all' else programme end as programme, "
        "case when grouping(municipality) = 1 then 'all' else municipality end as municipality"
    )
    with duckdb.connect() as connection:
        connection.register("frame", frame)
        table = connection.sql(sql).df()
    table["numerator"] = table["numerator"].fillna(0)
    return table


# ---------------------------------------------------------------------------------------------
# stub marts and a scratch dbt project that builds only the indicators


def create_stub_marts(warehouse: Path, rows: Mapping[str, list[Mapping[str, object]]]) -> None:
    """Create `stub.<name>` tables (every name in STUB_COLUMNS) holding the given rows."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema if not exists stub")
        for name, columns in STUB_COLUMNS.items():
            ddl = ", ".join(f"{column} {kind}" for column, kind in columns)
            connection.execute(f"create or replace table stub.{name} ({ddl})")
            given = rows.get(name, [])
            if given:
                frame = pd.DataFrame([{c: row.get(c) for c, _ in columns} for row in given])
                names = ", ".join(c for c, _ in columns)
                casts = ", ".join(f"cast({c} as {kind})" for c, kind in columns)
                connection.register("given", frame)
                connection.execute(f"insert into stub.{name} ({names}) select {casts} from given")
                connection.unregister("given")


def published_text(path: Path) -> str:
    """A published file's text as a scanner must see it: Parquet read back, a workbook unzipped
    (its XML: cells, shared strings, document properties), anything else as bytes."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas().to_csv()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as workbook:
            return "\n".join(workbook.read(name).decode("utf-8", errors="replace")
                             for name in workbook.namelist())
    return path.read_bytes().decode("utf-8", errors="replace")


def scratch_dbt_project(root: Path) -> Path:
    """A dbt project with the real indicators folder and macros, and stub parents."""
    project = root / "dbt"
    shutil.rmtree(project, ignore_errors=True)
    (project / "models" / "stubs").mkdir(parents=True)
    shutil.copytree(DBT_PROJECT / "macros", project / "macros")
    shutil.copytree(INDICATOR_MODELS, project / "models" / "marts" / "indicators")
    for name in STUB_COLUMNS:
        (project / "models" / "stubs" / f"{name}.sql").write_text(f"select * from stub.{name}\n")
    lengths = windows()  # the real project's window lengths
    (project / "dbt_project.yml").write_text(
        "name: sammen\nversion: '1.0'\nconfig-version: 2\nprofile: sammen\n"
        f"vars:\n  cutoff: '2025-12-31'\n  window_days: {lengths.window_days}\n"
        f"  readmission_days: {lengths.readmission_days}\n"
        "models:\n  sammen:\n    stubs:\n      +schema: stubs\n      +materialized: view\n"
        "    marts:\n      +schema: marts\n      +materialized: table\n"
        "      +contract:\n        enforced: true\n"
    )
    (project / "profiles.yml").write_text(
        "sammen:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        "      path: \"{{ env_var('SAMMEN_WAREHOUSE') }}\"\n      threads: 1\n"
    )
    return project


def run_dbt(project: Path, warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the dbt CLI of this interpreter's venv on the scratch project."""
    dbt = Path(sys.executable).with_name("dbt")
    env = {
        **os.environ, "SAMMEN_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    return subprocess.run(
        [str(dbt), *args, "--project-dir", str(project), "--profiles-dir", str(project)],
        capture_output=True, text=True, env=env, timeout=300, cwd=project,
    )


def read_indicators(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql("select * from marts.indicators").df()


def lookup(table: pd.DataFrame) -> dict[tuple[str, str, str, str], dict[str, object]]:
    """(indicator, period, programme, municipality) -> row, for readable assertions."""
    keys = ["indicator_id", "period", "programme", "municipality"]
    return {tuple(row[k] for k in keys): row for row in table.to_dict("records")}


# ---------------------------------------------------------------------------------------------
# the attacker: what can be recovered from a published table by addition and subtraction

Quantity = tuple[tuple[str, str, str, str], str]  # (cell key, "numerator" | "denominator" | "n_persons")
QUANTITIES = ("numerator", "denominator", "n_persons")
FULL_POPULATION = ("cohort_size", "volunteer_share", "action_plan_share", "retained_3m_share",
                   "retained_6m_share", "retained_12m_share")


def attack(published: pd.DataFrame, catalogue: Catalogue, add_up_totals: bool = True) -> set[Quantity]:
    """Every suppressed count the attacker can pin down; against controlled output, none.

    Known: every published number, and what equal populations make public (cohort_size's count
    is the denominator of every share over all enrolments, n_persons alike; family members share
    denominator and n_persons). Equations, treated as exact (the attacker's best case, even where
    a person in two cells makes n_persons only roughly additive): each margin group (total = sum
    of members, per indicator, period and quantity) and the linked quarters (cohort_size = sum of
    the year's new_enrolments). Solving is repeated peeling: a known total minus its known
    members gives the one unknown member; every recovery feeds the other equations.

    With `add_up_totals` (default) the attacker also adds up a suppressed total whose members
    are all known: the spec's rules alone do not defend that (see publishing/disclosure.py).
    A count has no denominator to recover.
    """
    families = catalogue.families()
    counts = {spec.id for spec in catalogue.indicators if spec.unit == "count"}
    rows = published.to_dict("records")
    keys = ["indicator_id", "period", "programme", "municipality"]
    cells = {tuple(row[k] for k in keys): row for row in rows}
    known: set[Quantity] = set()
    hidden: set[Quantity] = set()
    for cell_key, row in cells.items():
        for quantity in QUANTITIES:
            if quantity == "denominator" and cell_key[0] in counts:
                continue
            (hidden if row["suppressed"] else known).add((cell_key, quantity))
    sums, equal = _equations(cells, families)
    _close(known, equal)
    secrets = hidden - known
    progress = True
    while progress:
        progress = False
        for total, members in sums:
            unknown = [term for term in members if term not in known]
            if total in known and len(unknown) == 1:
                known.add(unknown[0])
                progress = True
            elif add_up_totals and total not in known and not unknown:
                known.add(total)
                progress = True
        progress |= _close(known, equal)
    return secrets & known


def _close(known: set[Quantity], equal: list[set[Quantity]]) -> bool:
    """Equal populations: one known member makes every member known."""
    grew = False
    for group in equal:
        if not group <= known and any(term in known for term in group):
            known.update(group)
            grew = True
    return grew


def _equations(
    cells: Mapping[tuple[str, str, str, str], Mapping[str, object]],
    families: Mapping[str, Iterable[str]],
) -> tuple[list[tuple[Quantity, list[Quantity]]], list[set[Quantity]]]:
    sums: list[tuple[Quantity, list[Quantity]]] = []
    by_programme: dict[tuple[str, str, str], list[tuple[str, str, str, str]]] = {}
    by_municipality: dict[tuple[str, str, str], list[tuple[str, str, str, str]]] = {}
    for cell_key in cells:
        indicator, period, programme, municipality = cell_key
        if cells[cell_key].get("n_persons") is None and not cells[cell_key]["suppressed"]:
            continue  # not person-level
        if municipality != ALL:
            by_programme.setdefault((indicator, period, programme), []).append(cell_key)
        if programme != ALL:
            by_municipality.setdefault((indicator, period, municipality), []).append(cell_key)
    for (indicator, period, programme), members in by_programme.items():
        _add_sums(sums, cells, (indicator, period, programme, ALL), members)
    for (indicator, period, municipality), members in by_municipality.items():
        _add_sums(sums, cells, (indicator, period, ALL, municipality), members)
    quarters: dict[tuple[str, str, str], list[tuple[str, str, str, str]]] = {}
    for cell_key in cells:
        if cell_key[0] == "new_enrolments":
            quarters.setdefault((cell_key[1][:4], cell_key[2], cell_key[3]), []).append(cell_key)
    for (year, programme, municipality), members in quarters.items():
        total = ("cohort_size", year, programme, municipality)
        for quantity in ("numerator", "n_persons"):
            if total in cells:
                sums.append(((total, quantity), [(m, quantity) for m in members]))
    equal: list[set[Quantity]] = []
    for cell_key in cells:
        _, period, programme, municipality = cell_key
        if cell_key[0] == "cohort_size":
            counts = {(cell_key, "numerator")}
            persons = {(cell_key, "n_persons")}
            for indicator in FULL_POPULATION[1:]:
                other = (indicator, period, programme, municipality)
                if other in cells:
                    counts.add((other, "denominator"))
                    persons.add((other, "n_persons"))
            equal += [counts, persons]
        for members in families.values():
            members = list(members)
            if cell_key[0] == members[0]:
                others = [(m, period, programme, municipality) for m in members]
                present = [o for o in others if o in cells]
                equal += [{(o, "denominator") for o in present}, {(o, "n_persons") for o in present}]
    return sums, equal


def _add_sums(sums, cells, total_key, members) -> None:  # noqa: ANN001 - local helper
    if total_key not in cells:
        return
    for quantity in QUANTITIES:
        if quantity == "denominator" and cells[total_key].get("denominator") is None and not cells[total_key]["suppressed"]:
            continue
        sums.append(((total_key, quantity), [(m, quantity) for m in members]))
