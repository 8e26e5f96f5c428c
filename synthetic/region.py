"""Regional psychiatry: admissions and outpatient contacts.

Shapes: a person's stays arrive as a Poisson process whose rate depends on the programme
(united_in_psychiatry highest) and a gamma-distributed frailty; the rate is 1.6x in the year
before enrolment (crises lead to referral) and 0.85x after it. Stays last a lognormal time
(median ~21 days acute, ~14 planned); 12% of longer stays are split by a transfer to another
department of the same region 20 minutes to 3 h 50 after the first discharge. Acute admissions
come at any hour, planned ones on weekday mornings. Stays of one person never overlap.
Outpatient contacts: routine community-team / clinic contacts on weekdays, emergency-room visits
tied to the admission rate, and follow-up contacts after 55% of discharges within 1-7 days.

An event on day D is in extracts dated D + 1 or later (the source is read at the start of the
extract day), a discharge fills in `discharged_at` the same way.
"""

from __future__ import annotations

import numpy as np

from synthetic.frame import MINUTES_PER_DAY, Col, Table, chronological, pick, segments, to_weekday
from synthetic.persons import Population
from synthetic.world import (
    DEPARTMENTS_PER_REGION,
    MUNICIPALITIES,
    REGION_ABBREVIATIONS,
    REGION_CODES,
    Extracts,
    World,
)

ADMISSION_TYPES = ("acute", "planned")
DIAGNOSIS_GROUPS = {
    "F00-F09": 0.01, "F10-F19": 0.08, "F20-F29": 0.30, "F30-F39": 0.25, "F40-F48": 0.15,
    "F50-F59": 0.03, "F60-F69": 0.12, "F70-F79": 0.005, "F80-F89": 0.01, "F90-F98": 0.04,
    "F99": 0.005,
}
CONTACT_KINDS = ("in_person", "phone", "video", "outreach")
SETTINGS = ("community_team", "outpatient_clinic", "emergency_room")
ADMISSION_RATE = np.array([0.45, 1.4, 0.35, 0.3, 0.3])  # stays per year, by programme
REGION_ONLY_RATE = 0.9
ROUTINE_CONTACTS = np.array([5.0, 10.0, 4.0, 3.0, 4.0])  # per year, by programme
REGION_ONLY_CONTACTS = 6.0
DEPARTMENTS = tuple(
    f"{REGION_ABBREVIATIONS[code]}-PSY-{number:02d}"
    for code in REGION_CODES
    for number in range(1, DEPARTMENTS_PER_REGION + 1)
)


def events_in(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, per_year: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A Poisson process per person on days [lo, hi): (person index, day) of every event."""
    length = np.maximum(hi - lo, 0)
    counts = rng.poisson(per_year * length / 365.25)
    person, _ = segments(counts)
    day = lo[person] + np.floor(rng.random(person.size) * length[person]).astype(np.int64)
    return person, day


def home_region(people: Population) -> np.ndarray:
    lookup = np.zeros(1000, dtype=np.int64)
    for code, values in MUNICIPALITIES.items():
        lookup[code] = values[1]
    return lookup[people.municipality]


def admission_rates(rng: np.random.Generator, people: Population) -> np.ndarray:
    base = np.where(people.programme >= 0, ADMISSION_RATE[np.maximum(people.programme, 0)],
                    REGION_ONLY_RATE)
    return people.psychiatric * base * rng.gamma(0.8, 1 / 0.8, people.size)


def _stay_starts(
    world: World, people: Population, rates: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stay start days: before the pre window, in it (1.6x) and after enrolment (0.85x)."""
    start, latest = world.region_start, world.extracts["region"].latest
    pre = people.anchor - 365
    windows = (
        (np.full(people.size, start), np.maximum(pre, start), 1.0),
        (np.maximum(pre, start), np.minimum(people.anchor, latest), 1.6),
        (people.anchor, np.full(people.size, latest), 0.85),
    )
    found = [events_in(rng, lo, hi, rates * factor) for lo, hi, factor in windows]
    person = np.concatenate([person for person, _ in found])
    day = np.concatenate([day for _, day in found])
    return person, day


def _without_overlaps(
    person: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stays sorted by person and start, >= 3 days apart, each ending a day before the next.

    Returns the kept stays' positions in the input and their (possibly shortened) ends.
    """
    span = int(start.max() - start.min()) + 1 if start.size else 1
    kept = np.argsort(person * span + (start - (start.min() if start.size else 0)))
    while True:
        who, when = person[kept], start[kept]
        close = (who[1:] == who[:-1]) & (when[1:] - when[:-1] < 3 * MINUTES_PER_DAY)
        if not close.any():
            break
        keep = np.ones(kept.size, bool)
        keep[1:][close] = False
        kept = kept[keep]
    who, when = person[kept], start[kept]
    following = np.append(when[1:], np.iinfo(np.int64).max)
    same = np.append(who[1:] == who[:-1], False)
    return kept, np.where(same, np.minimum(end[kept], following - MINUTES_PER_DAY), end[kept])


def build_admissions(world: World, people: Population) -> Table:
    rng = world.rng("admissions")
    rates = admission_rates(rng, people)
    person, day = _stay_starts(world, people, rates, rng)
    acute = rng.random(person.size) < 0.78
    day = np.where(acute, day, to_weekday(day))
    minute = np.where(acute, rng.integers(0, MINUTES_PER_DAY, person.size),
                      rng.integers(8 * 60, 14 * 60, person.size))
    start = day * MINUTES_PER_DAY + minute
    median = np.where(acute, 21.0, 14.0)
    length = np.maximum(median * rng.lognormal(0.0, 0.9, person.size), 0.3) * MINUTES_PER_DAY
    kept, end = _without_overlaps(person, start, start + length.astype(np.int64))
    person, start, acute = person[kept], start[kept], acute[kept]
    alive = start // MINUTES_PER_DAY <= people.death[person]
    person, start, end, acute = person[alive], start[alive], end[alive], acute[alive]
    end = np.minimum(end, (people.death[person] + 1) * MINUTES_PER_DAY - 1)
    rows = _admission_rows(people, rng, person, start, end, acute)
    _discharge_one_before(rows, world.extracts["region"], rng)
    return _admission_table(rows)


def _admission_rows(
    people: Population, rng: np.random.Generator, person: np.ndarray, start: np.ndarray,
    end: np.ndarray, acute: np.ndarray,
) -> dict[str, np.ndarray]:
    """Admission rows from stays: transfers split a stay into two admissions; by admission time."""
    stays = person.size
    involuntary = rng.random(stays) < np.where(acute, 0.16, 0.03)
    region = home_region(people)[person]
    elsewhere = rng.random(stays) < 0.05
    region = np.where(elsewhere, np.array(REGION_CODES)[rng.integers(0, 5, stays)], region)
    region_index = np.searchsorted(np.array(REGION_CODES), region)
    department = region_index * DEPARTMENTS_PER_REGION + rng.integers(0, DEPARTMENTS_PER_REGION, stays)
    transfer = (end - start > 3 * MINUTES_PER_DAY) & (rng.random(stays) < 0.12)
    split = start + ((end - start) * rng.uniform(0.2, 0.7, stays)).astype(np.int64)
    moved_at = split + rng.integers(20, 231, stays)  # within 4 hours: one stay
    t = np.flatnonzero(transfer)
    other = (department[t] % DEPARTMENTS_PER_REGION + rng.integers(1, DEPARTMENTS_PER_REGION, t.size)) % DEPARTMENTS_PER_REGION
    diagnosis = pick(rng, DIAGNOSIS_GROUPS, people.size).astype(np.int64)[person]
    rows = {
        "person": np.concatenate([person, person[t]]),
        "admitted": np.concatenate([start, moved_at[t]]),
        "discharged": np.concatenate([np.where(transfer, split, end), end[t]]),
        "acute": np.concatenate([acute, rng.random(t.size) < 0.3]),
        "involuntary": np.concatenate([involuntary, involuntary[t] & (rng.random(t.size) < 0.8)]),
        "region": np.concatenate([region, region[t]]),
        "department": np.concatenate([department, region_index[t] * DEPARTMENTS_PER_REGION + other]),
        "diagnosis": np.concatenate([diagnosis, diagnosis[t]]),
        "stay_end": np.concatenate([~transfer, np.ones(t.size, bool)]),
    }
    rows["diagnosis"] = np.where(rng.random(rows["person"].size) < 0.05, -1, rows["diagnosis"])
    order = np.argsort(rows["admitted"], kind="stable")
    return {name: values[order] for name, values in rows.items()}


def _discharge_one_before(rows: dict[str, np.ndarray], extracts: Extracts,
                          rng: np.random.Generator) -> None:
    """Make sure the delta extract fills in at least one discharge (supersede material)."""
    admit_day = rows["admitted"] // MINUTES_PER_DAY
    discharge_day = rows["discharged"] // MINUTES_PER_DAY
    open_then = rows["stay_end"] & (admit_day < extracts.first) & (discharge_day >= extracts.first)
    if not open_then.any() or (open_then & (discharge_day < extracts.latest)).any():
        return
    chosen = np.flatnonzero(open_then)[np.argmin(discharge_day[open_then])]
    day = rng.integers(extracts.first, extracts.latest)
    rows["discharged"][chosen] = day * MINUTES_PER_DAY + 10 * 60


def _admission_table(rows: dict[str, np.ndarray]) -> Table:
    admit_day = rows["admitted"] // MINUTES_PER_DAY
    discharge_day = rows["discharged"] // MINUTES_PER_DAY
    cols = {
        "admission_id": Col("id", np.arange(1, admit_day.size + 1), prefix="ADM", width=8),
        "person_key": Col("key", rows["person"]),
        "region_code": Col("int", rows["region"]),
        "department_code": Col("enum", rows["department"], categories=DEPARTMENTS),
        "admitted_at": Col("ts", rows["admitted"]),
        "discharged_at": Col("ts", rows["discharged"], revealed_on=discharge_day + 1),
        "admission_type": Col("enum", np.where(rows["acute"], 0, 1), categories=ADMISSION_TYPES),
        "involuntary": Col("bool", rows["involuntary"].astype(np.int64)),
        "diagnosis_group": Col("enum", rows["diagnosis"], categories=tuple(DIAGNOSIS_GROUPS)),
    }
    extra = {"person": rows["person"], "discharge_day": discharge_day, "stay_end": rows["stay_end"]}
    return Table("admissions", cols, known_from=admit_day + 1, changes_on=discharge_day + 1,
                 extra=extra)


def build_outpatient_contacts(world: World, people: Population, admissions: Table) -> Table:
    rng = world.rng("outpatient_contacts")
    latest = world.extracts["region"].latest
    lo = np.full(people.size, world.region_start)
    hi = np.minimum(np.full(people.size, latest), people.death + 1)
    mean = np.where(people.programme >= 0, ROUTINE_CONTACTS[np.maximum(people.programme, 0)],
                    REGION_ONLY_CONTACTS)
    routine_rate = people.psychiatric * rng.gamma(1.2, mean / 1.2)
    routine_person, routine_day = events_in(rng, lo, hi, routine_rate)
    er_rate = people.psychiatric * (0.05 + 0.25 * admission_rates(rng, people))
    er_person, er_day = events_in(rng, lo, hi, er_rate)
    follow_person, follow_day = _after_discharge(rng, admissions)
    person = np.concatenate([routine_person, follow_person, er_person])
    day = np.concatenate([to_weekday(routine_day), to_weekday(follow_day), er_day])
    setting = np.concatenate([
        pick(rng, [0.55, 0.45], routine_person.size),
        pick(rng, [0.65, 0.35], follow_person.size),
        np.full(er_person.size, SETTINGS.index("emergency_room")),
    ]).astype(np.int64)
    kind = pick(rng, [0.60, 0.25, 0.10, 0.05], person.size).astype(np.int64)
    kind[setting == SETTINGS.index("emergency_room")] = 0
    keep = (day < latest) & (day >= world.region_start) & (day <= people.death[person])
    person, day, setting, kind = person[keep], day[keep], setting[keep], kind[keep]
    order = chronological(day)
    person, day, setting, kind = person[order], day[order], setting[order], kind[order]
    cols = {
        "contact_id": Col("id", np.arange(1, day.size + 1), prefix="OPC", width=9),
        "person_key": Col("key", person),
        "region_code": Col("int", home_region(people)[person]),
        "contact_on": Col("date", day),
        "contact_kind": Col("enum", kind, categories=CONTACT_KINDS),
        "setting": Col("enum", setting, categories=SETTINGS),
    }
    return Table("outpatient_contacts", cols, known_from=day + 1)


def _after_discharge(rng: np.random.Generator, admissions: Table) -> tuple[np.ndarray, np.ndarray]:
    """Follow-up contacts: 55% within 1-7 days of a discharge, else 35% within 8-21 days."""
    ends = np.flatnonzero(admissions.extra["stay_end"])
    person = admissions.extra["person"][ends]
    discharge = admissions.extra["discharge_day"][ends]
    u = rng.random(ends.size)
    soon, later = u < 0.55, (u >= 0.55) & (u < 0.55 + 0.45 * 0.35)
    delay = np.where(soon, rng.integers(1, 8, ends.size), rng.integers(8, 22, ends.size))
    chosen = soon | later
    return person[chosen], discharge[chosen] + delay[chosen]
