"""Writing the synthetic extracts: two deliveries per source, every dataset in each.

Per source a full extract on its first extract day and a later delta extract (see
`synthetic.world` for the days). The delta carries what a partner system would send again:
rows that are new since the full extract, rows that changed (an admission discharged, an
enrolment ended, a plan closed, a follow-up held), a few retractions (`deleted = true`, the row
otherwise as delivered before), and for attendance the new sessions plus 3% of the sessions of
the previous 8 weeks re-delivered whole with corrections. `consent_withdrawals` is delivered as
the full list both times. Retracted plans take their follow-ups with them, and no session is
retracted, so no reference ever points to nothing: the data is clean.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from contracts import CONTRACTS, contract_for
from core.home import Home
from core.progress import Progress
from synthetic import municipality, ngo, persons, region
from synthetic.formats import DELIVERIES, ExtractWriter, file_name, modification_time
from synthetic.frame import Table, date_of
from synthetic.world import DEFAULT_END, World

BATCH_ROWS = 500_000
RETRACTED_SHARE = {
    "admissions": 0.003,
    "outpatient_contacts": 0.001,
    "enrolments": 0.002,
    "service_episodes": 0.003,
    "action_plans": 0.01,
    "plan_follow_ups": 0.003,
    "surveys": 0.002,
}


@dataclass
class SynthReport:
    """What was written: data files in delivery order per source, rows per file."""

    files: list[tuple[Path, str, int]] = field(default_factory=list)  # path, dataset, rows

    @property
    def paths(self) -> list[Path]:
        return [path for path, _, _ in self.files]

    def rows_by_dataset(self) -> dict[str, int]:
        totals = dict.fromkeys(CONTRACTS, 0)
        for _, dataset, rows in self.files:
            totals[dataset] += rows
        return totals

    def __str__(self) -> str:
        rows = sum(rows for _, _, rows in self.files)
        return f"wrote {len(self.files)} files, {rows:,} rows"


def generate(
    home: Home, persons: int = 2000, seed: int = 7, years: int = 3,
    progress: Progress | None = None, *, end: dt.date = DEFAULT_END,
) -> list[Path]:
    """Synthetic extracts for all ten datasets into `home.landing/<source>/`; the data files."""
    return synthesise(home, persons, seed, years, progress, end=end).paths


def synthesise(
    home: Home, persons: int = 2000, seed: int = 7, years: int = 3,
    progress: Progress | None = None, *, end: dt.date = DEFAULT_END,
) -> SynthReport:
    if persons < 10 or years < 1:
        raise ValueError("synthetic data needs at least 10 persons and 1 year")
    progress = progress or Progress(quiet=True)
    world = World(persons=persons, seed=seed, years=years, end=end)
    tables, attendance = _build(world, progress)
    retracted = _retractions(world, tables)
    delivery = _Delivery(home, world, progress)
    for dataset in CONTRACTS:
        if dataset == "attendance":
            delivery.attendance(attendance, tables["sessions"])
        elif dataset == "consent_withdrawals":
            delivery.full_lists(tables[dataset])
        else:
            extra = ngo.redelivered(world, tables["sessions"]) if dataset == "sessions" else None
            delivery.keyed(tables[dataset], retracted.get(dataset), extra)
    return delivery.report


def _build(world: World, progress: Progress) -> tuple[dict[str, Table], _AttendanceSource]:
    with progress.stage(f"synth: {world.persons:,} persons and their records"):
        people = persons.build_population(world)
        tables = {"enrolments": persons.build_enrolments(world, people)}
        tables["admissions"] = region.build_admissions(world, people)
        tables["outpatient_contacts"] = region.build_outpatient_contacts(
            world, people, tables["admissions"])
        tables["service_episodes"] = municipality.build_service_episodes(
            world, people, tables["admissions"])
        tables["action_plans"] = municipality.build_action_plans(world, people, tables["enrolments"])
        tables["plan_follow_ups"] = municipality.build_plan_follow_ups(
            world, people, tables["action_plans"])
        tables["surveys"] = municipality.build_surveys(world, people, tables["enrolments"])
        tables["consent_withdrawals"] = municipality.build_consent_withdrawals(world, people)
        participation, pairs = ngo.choose_participation(world, tables["enrolments"])
        series = ngo.build_series(world, pairs, participation)
        tables["sessions"] = ngo.build_sessions(series)
        # attendance is made while it is written, in chunks of persons
        attendance = _AttendanceSource(world, people, tables["enrolments"], series, participation)
    return tables, attendance


@dataclass
class _AttendanceSource:
    world: World
    people: persons.Population
    enrolments: Table
    series: ngo.Series
    participation: ngo.Participation

    def chunks(self) -> Iterator[Table]:
        yield from ngo.enrolled_attendance(self.world, self.people, self.enrolments, self.series,
                                           self.participation)
        yield ngo.anonymous_attendance(self.world, self.series)


def _unchanged_in_first(world: World, table: Table) -> np.ndarray:
    extracts = world.extracts[contract_for(table.dataset).source]
    first = table.rows_known_by(extracts.first)
    return np.setdiff1d(first, table.rows_new_or_changed(extracts.first, extracts.latest))


def _some(rng: np.random.Generator, candidates: np.ndarray, share: float) -> np.ndarray:
    count = min(candidates.size, max(1, round(share * candidates.size)))
    return np.sort(rng.choice(candidates, count, replace=False))


def _retractions(world: World, tables: dict[str, Table]) -> dict[str, np.ndarray]:
    """A few rows per keyed dataset retracted by the delta extract (never sessions or consent).

    A retracted plan takes all its follow-ups along, so it must have none that is new or
    changed after the full extract."""
    rng = world.rng("retractions")
    chosen: dict[str, np.ndarray] = {}
    follow_ups = tables["plan_follow_ups"]
    first = world.extracts["municipality"].first
    moving = (follow_ups.known_from > first) | (
        (follow_ups.changes_on > first) & (follow_ups.changes_on <= world.extracts["municipality"].latest))
    busy_plans = np.unique(follow_ups.extra["plan"][moving])
    for dataset, share in RETRACTED_SHARE.items():
        candidates = _unchanged_in_first(world, tables[dataset])
        if dataset == "action_plans":
            candidates = np.setdiff1d(candidates, busy_plans)
        chosen[dataset] = _some(rng, candidates, share)
    of_plans = np.flatnonzero(np.isin(follow_ups.extra["plan"], chosen["action_plans"]))
    chosen["plan_follow_ups"] = np.union1d(chosen["plan_follow_ups"], of_plans)
    return chosen


class _Delivery:
    """Writes the files of each source in delivery order and keeps the report."""

    def __init__(self, home: Home, world: World, progress: Progress) -> None:
        self.home, self.world, self.progress = home, world, progress
        self.report = SynthReport()
        self.positions: dict[tuple[str, int], int] = {}

    def writer(self, dataset: str, latest: bool) -> tuple[ExtractWriter, int]:
        source = contract_for(dataset).source
        extracts = self.world.extracts[source]
        day = extracts.latest if latest else extracts.first
        delivery = DELIVERIES[dataset][1 if latest else 0]
        path = self.home.landing_for(source) / file_name(dataset, date_of(day), delivery)
        return ExtractWriter(path, dataset, delivery), day

    def close(self, writer: ExtractWriter, day: int) -> None:
        source = contract_for(writer.dataset).source
        position = self.positions.get((source, day), 0)
        self.positions[(source, day)] = position + 1
        writer.close(modification_time(date_of(day), position))
        self.report.files.append((writer.path, writer.dataset, writer.rows))

    def write(self, writer: ExtractWriter, table: Table, rows: np.ndarray, as_of: int,
              deleted: np.ndarray | None = None) -> None:
        names = [c.name for c in contract_for(table.dataset).columns() if c.name != "deleted"]
        for lo in range(0, max(rows.size, 1), BATCH_ROWS):
            part = rows[lo:lo + BATCH_ROWS]
            flags = None if deleted is None else deleted[lo:lo + BATCH_ROWS]
            writer.write(table.to_arrow(names, part, as_of, self.world.keys, flags))

    def keyed(self, table: Table, retracted: np.ndarray | None, redelivered: np.ndarray | None) -> None:
        """The full extract, then the delta: new and changed rows, re-deliveries, retractions."""
        with self.progress.stage(f"synth: {table.dataset}"):
            writer, first = self.writer(table.dataset, latest=False)
            self.write(writer, table, table.rows_known_by(first), first)
            self.close(writer, first)
            writer, latest = self.writer(table.dataset, latest=True)
            again = table.rows_new_or_changed(first, latest)
            if redelivered is not None:
                again = np.union1d(again, redelivered)
            gone = np.array([], np.int64) if retracted is None else retracted
            rows = np.concatenate([again, gone])
            deleted = np.concatenate([np.zeros(again.size, bool), np.ones(gone.size, bool)])
            self.write(writer, table, rows, latest, deleted)
            self.close(writer, latest)
            self.progress.say(f"    {table.dataset}: {len(table):,} rows known, "
                              f"{again.size:,} re-delivered, {gone.size:,} retracted")

    def full_lists(self, table: Table) -> None:
        with self.progress.stage(f"synth: {table.dataset}"):
            for latest in (False, True):
                writer, day = self.writer(table.dataset, latest=latest)
                self.write(writer, table, table.rows_known_by(day), day)
                self.close(writer, day)

    def attendance(self, source: _AttendanceSource, sessions: Table) -> None:
        """Attendance per session: the full extract up to its day, the new sessions later, and
        the re-delivered sessions whole (corrected, with one late-registered volunteer each)."""
        redelivered = ngo.redelivered(self.world, sessions)
        with self.progress.stage("synth: attendance"):
            full, first = self.writer("attendance", latest=False)
            later, latest = self.writer("attendance", latest=True)
            for rows in source.chunks():
                day = ngo.session_days(rows, sessions)
                self.write(full, rows, np.flatnonzero(day < first), 0)
                self.write(later, rows, np.flatnonzero((day >= first) & (day < latest)), 0)
                corrected = ngo.corrected(rows, redelivered)
                self.write(later, corrected, np.arange(len(corrected)), 0)
            late = ngo.late_registrations(redelivered)
            self.write(later, late, np.arange(len(late)), 0)
            self.close(full, first)
            self.close(later, latest)
            self.progress.say(f"    attendance: {full.rows:,} rows, {later.rows:,} re-delivered "
                              f"({redelivered.size:,} sessions again)")
