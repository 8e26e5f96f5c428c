"""Successive releases of a real home (spec 1.2): the real pipeline (`sammen.pipeline.run`: ingest,
dbt build, publish) release after release on a small synthetic home, then the attacker who keeps
every release (tests/helpers/releases.py).

Each scenario copies one base home after its first release and delivers what the scenario says.
With the release guard (the product) the attacker learns nothing; the same releases controlled
without it (the test-only seam `publishing.releases.GUARD_OFF_ENV`, on a scratch copy of the
warehouse) give the planted person away, so every test can fail.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from helpers.ingestion import csv_text, deliver
from helpers.releases import attack_releases, describe, read_published

from core.home import Home
from core.progress import Progress
from core.settings import Settings
from publishing import publish
from publishing.catalogue import load_catalogue
from publishing.releases import GUARD_OFF_ENV
from sammen.cli import main
from sammen.pipeline import run
from synthetic import generate

pytestmark = pytest.mark.slow

PERSONS = 250
CUTOFF = dt.date(2025, 11, 30)  # the base release; the data run to 2026-03-01
CATALOGUE = load_catalogue()
QUIET = Progress(quiet=True)


@dataclass
class Story:
    """A home and what each of its releases published, with and without the guard."""

    home: Home
    scratch: Path
    guarded: list[pd.DataFrame] = field(default_factory=list)
    unguarded: list[pd.DataFrame] = field(default_factory=list)

    def release(self, cutoff: dt.date = CUTOFF) -> None:
        run(self.home, Settings(cutoff=cutoff), QUIET)
        self.guarded.append(read_published(self.home.published))
        self.unguarded.append(self._without_guard(cutoff))

    def _without_guard(self, cutoff: dt.date) -> pd.DataFrame:
        """The same marts published as if no earlier release existed (the seam), on a copy."""
        scratch = Home.at(self.scratch / f"r{len(self.unguarded) + 1}").ensure()
        shutil.copy2(self.home.warehouse, scratch.warehouse)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(GUARD_OFF_ENV, "1")
            publish(scratch, Settings(cutoff=cutoff), QUIET)
        return read_published(scratch.published)

    def cohort(self) -> pd.DataFrame:
        with duckdb.connect(str(self.home.warehouse), read_only=True) as connection:
            return connection.sql(
                "select enrolment_id, person_key, programme, municipality_code::varchar as "
                "municipality, enrolled_on, pre_complete, post_days, "
                "count(*) over (partition by person_key) as enrolments from marts.cohort"
            ).df()

    def resolved(self, table: str, where: str, params: list) -> pd.DataFrame:
        with duckdb.connect(str(self.home.warehouse), read_only=True) as connection:
            return connection.execute(f"select * from resolved.{table} where {where}", params).df()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Story:
    """A 250-person home after its first release (cutoff 2025-11-30)."""
    root = tmp_path_factory.mktemp("releases")
    story = Story(Home.at(root / "home").ensure(), root / "scratch")
    generate(story.home, persons=PERSONS, seed=7, years=3, progress=QUIET)
    story.release()
    return story


@pytest.fixture
def story(base: Story, tmp_path: Path) -> Story:
    """A copy of the base home, its first release already published."""
    shutil.copytree(base.home.root, tmp_path / "home")
    return Story(Home.at(tmp_path / "home"), tmp_path / "scratch", list(base.guarded), list(base.unguarded))


def planted(story: Story, count: int, full_window: bool = False) -> pd.DataFrame:
    """`count` single-enrolment persons, each from a different one of the largest cells (year,
    programme, municipality), so each is the only one of the delivery in its cell."""
    cohort = story.cohort()
    cohort = cohort[cohort["enrolments"] == 1].assign(year=cohort["enrolled_on"].dt.year.astype(str))
    if full_window:
        cohort = cohort[cohort["pre_complete"] & (cohort["post_days"] == 365)]
    sizes = cohort.groupby(["year", "programme", "municipality"])["enrolment_id"].transform("size")
    cohort = cohort.assign(size=sizes).sort_values(["size", "enrolment_id"], ascending=[False, True])
    return cohort.drop_duplicates(["year", "programme", "municipality"]).head(count)


def reveals(leaks: set, persons: pd.DataFrame) -> bool:
    """Whether some leak is a cell (or margin) of a planted person's year, programme, municipality."""
    places = {
        (year, programme, municipality)
        for year, p, m in zip(persons["year"], persons["programme"], persons["municipality"], strict=True)
        for programme in (p, "all") for municipality in (m, "all")
    }
    cells = [leak[-2] for leak in leaks if leak[0] == "change"]
    return any((cell[1][:4], cell[2], cell[3]) in places for cell in cells)


def assert_guarded(story: Story, persons: pd.DataFrame | None) -> None:
    leaks = attack_releases(story.guarded, CATALOGUE)
    assert not leaks, describe(leaks)
    exposed = attack_releases(story.unguarded, CATALOGUE)
    assert exposed, "without the guard the releases should leak"
    if persons is not None:
        assert reveals(exposed, persons), describe(exposed)


def text(value: object) -> str:
    """A resolved value as a partner's CSV writes it (dates as YYYY-MM-DD)."""
    if pd.isna(value):
        return ""
    return value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value)


def withdraw(story: Story, persons: pd.DataFrame, day: int) -> None:
    rows = [{"person_key": key, "withdrawn_on": "2026-03-09"} for key in persons["person_key"]]
    deliver(story.home, f"consent_withdrawals__202603{day:02d}__withdrawn.csv", csv_text(rows))


def test_consent_withdrawals_of_one_then_two_then_five_persons(story: Story) -> None:
    # GIVEN the base release; WHEN one person withdraws, then two, then five in one delivery
    chosen = planted(story, 8)
    for day, (start, stop) in zip((10, 11, 12), ((0, 1), (1, 3), (3, 8)), strict=True):
        withdraw(story, chosen.iloc[start:stop], day)
        story.release()
    # THEN four releases, nothing learnable with the guard; without it, the withdrawn persons' cells
    assert_guarded(story, chosen)
    code = main(["releases", "--home", str(story.home.root)])
    assert code == 0


def test_a_late_delivery_adds_one_admission_and_one_attendance_to_a_closed_period(story: Story) -> None:
    person = planted(story, 1, full_window=True)
    key, enrolled = person["person_key"].iloc[0], person["enrolled_on"].iloc[0].date()
    # GIVEN an enrolment with full windows; WHEN the region delivers late an admission in its
    # pre window and an NGO a forgotten attendance after enrolment
    admitted = enrolled - dt.timedelta(days=100)
    admission = {
        "admission_id": "LATE-1", "person_key": key, "region_code": "1084", "department_code": "D1",
        "admitted_at": f"{admitted} 10:00", "discharged_at": f"{admitted + dt.timedelta(days=6)} 12:00",
        "admission_type": "acute", "involuntary": "false", "diagnosis_group": "F30-F39",
    }
    deliver(story.home, "admissions__20260310__late.csv", csv_text([admission]))
    session = story.resolved(
        "sessions", "held_on between ? and ? order by session_id limit 1",
        [enrolled + dt.timedelta(days=10), enrolled + dt.timedelta(days=60)],
    )
    if len(session):
        attendance = {"session_id": session["session_id"].iloc[0], "person_key": key,
                      "role": "participant", "arrived_with": "own"}
        deliver(story.home, "attendance__20260310__late.csv", csv_text([attendance]))
    story.release()
    assert_guarded(story, person)


def test_one_more_month_of_every_partner_three_months_in_a_row(story: Story) -> None:
    # GIVEN the base release (cutoff 2025-11-30); WHEN each partner's data reaches one month
    # further, three months in a row (the data are there; the cutoff says what is used)
    for cutoff in (dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28)):
        story.release(cutoff)
    assert_guarded(story, None)


def test_a_correction_moves_one_enrolment_to_another_municipality(story: Story) -> None:
    person = planted(story, 1)
    enrolment = story.resolved("enrolments", "enrolment_id = ?", [person["enrolment_id"].iloc[0]])
    others = story.cohort()
    target = next(m for m in others["municipality"].value_counts().index if m != person["municipality"].iloc[0])
    row = {column: text(value) for column, value in enrolment.iloc[0].items()}
    row["municipality_code"] = target
    # WHEN the municipality re-delivers the enrolment (supersede) under another municipality
    deliver(story.home, "enrolments__20260310__correction.csv", csv_text([row]))
    story.release()
    assert_guarded(story, person)
