"""Persons and their enrolments: the cohorts every other dataset hangs on.

Shapes: enrolments grow over the years (density rising linearly by 85% from the first to the last
day), land on weekdays, age 18+ in the enrolment year (18 + a gamma tail, mean ~42), 4% of persons
enrol a second time 2-18 months later in another programme (15% of them in another
municipality: the first enrolment then ends as `moved`). Enrolment length depends on the
programme (a course is short, an open meeting place long); when the end lies after an extract,
that extract shows `ended_on` and `end_reason` as null.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.frame import NULL, Col, Table, chronological, pick, to_weekday, year_of
from synthetic.world import MUNICIPALITIES, PROGRAMMES, World

NEVER = np.iinfo(np.int32).max
END_REASONS = ("completed", "dropped_out", "moved", "died", "other")
REFERRAL_SOURCES = (
    "inpatient_ward", "community_team", "municipal_service", "general_practice", "ngo", "self", "other",
)
SEXES = {"female": 0.55, "male": 0.44, "unknown": 0.01}

# per programme (PROGRAMMES order)
DURATION_MEDIAN_DAYS = np.array([270, 420, 110, 200, 365])
END_REASON_WEIGHTS = np.array([
    [0.50, 0.33, 0.07, 0.02, 0.08],
    [0.55, 0.25, 0.08, 0.04, 0.08],
    [0.75, 0.15, 0.03, 0.01, 0.06],
    [0.55, 0.30, 0.06, 0.01, 0.08],
    [0.45, 0.35, 0.08, 0.02, 0.10],
])
REFERRAL_WEIGHTS = np.array([
    [0.15, 0.25, 0.25, 0.10, 0.10, 0.10, 0.05],
    [0.45, 0.35, 0.12, 0.05, 0.00, 0.01, 0.02],
    [0.05, 0.20, 0.20, 0.15, 0.20, 0.15, 0.05],
    [0.02, 0.08, 0.25, 0.45, 0.05, 0.10, 0.05],
    [0.03, 0.12, 0.25, 0.10, 0.20, 0.25, 0.05],
])
PSYCHIATRIC_HISTORY = np.array([0.75, 0.97, 0.60, 0.55, 0.60])
SECOND_ENROLMENT_SHARE = 0.04


@dataclass
class Population:
    """Per person (enrolled persons first, then region-only ones)."""

    municipality: np.ndarray  # municipality code of the first enrolment (or home, region-only)
    programme: np.ndarray  # first programme code index; NULL for region-only persons
    anchor: np.ndarray  # first enrolment day (a pseudo date for region-only persons)
    birth_year: np.ndarray
    sex: np.ndarray
    psychiatric: np.ndarray  # bool: known to regional psychiatry
    death: np.ndarray  # day of death, NEVER if alive; no event of the person lies after it
    wellbeing: np.ndarray  # latent, standard normal: drives survey scores

    @property
    def size(self) -> int:
        return int(self.anchor.size)


def ramped_days(rng: np.random.Generator, size: int, first: int, last: int) -> np.ndarray:
    """Days in [first, last] with a linearly rising density (programmes grow)."""
    a, b = 1.0, 0.85
    u = rng.random(size)
    t = (-a + np.sqrt(a * a + 2 * b * u * (a + b / 2))) / b
    return first + np.floor(t * (last - first + 1)).astype(np.int64)


def weekday_in(days: np.ndarray, last: int) -> np.ndarray:
    days = to_weekday(days)
    return np.where(days > last, days - 3, days)


def build_population(world: World) -> Population:
    rng = world.rng("population")
    enrolled, total = world.persons, world.persons + world.region_only
    codes = np.array(list(MUNICIPALITIES))
    weights = np.array([value[0] for value in MUNICIPALITIES.values()])
    municipality = codes[rng.choice(codes.size, total, p=weights / weights.sum())]
    programme = pick(rng, PROGRAMMES, total).astype(np.int64)
    programme[enrolled:] = NULL
    anchor = weekday_in(ramped_days(rng, total, world.enrol_start, world.enrol_end), world.enrol_end)
    age = 18 + np.minimum(np.floor(rng.gamma(2.2, 11.0, total)), 72).astype(np.int64)
    history = np.where(programme >= 0, PSYCHIATRIC_HISTORY[np.maximum(programme, 0)], 1.0)
    return Population(
        municipality=municipality,
        programme=programme,
        anchor=anchor,
        birth_year=year_of(anchor) - age,
        sex=pick(rng, SEXES, total).astype(np.int64),
        psychiatric=rng.random(total) < history,
        death=np.full(total, NEVER, dtype=np.int64),
        wellbeing=rng.standard_normal(total),
    )


def _durations(rng: np.random.Generator, programme: np.ndarray) -> np.ndarray:
    median = DURATION_MEDIAN_DAYS[programme]
    return np.maximum(np.round(median * rng.lognormal(0.0, 0.6, programme.size)), 0).astype(np.int64)


def _by_programme(rng: np.random.Generator, table: np.ndarray, programme: np.ndarray) -> np.ndarray:
    """A category per row drawn from its programme's row of weights (a loop per programme)."""
    out = np.zeros(programme.size, dtype=np.int64)
    for code in range(table.shape[0]):
        rows = np.flatnonzero(programme == code)
        out[rows] = pick(rng, list(table[code]), rows.size)
    return out


def build_enrolments(world: World, people: Population) -> Table:
    """All enrolments; also records deaths in `people` (an enrolment ended as `died`)."""
    rng = world.rng("enrolments")
    persons = np.arange(world.persons)
    first_start = people.anchor[persons]
    first_programme = people.programme[persons]
    first_end = first_start + _durations(rng, first_programme)
    first_reason = _by_programme(rng, END_REASON_WEIGHTS, first_programme)

    again = rng.random(persons.size) < SECOND_ENROLMENT_SHARE
    second_start = first_start + rng.integers(60, 541, persons.size)
    again &= (second_start <= world.enrol_end) & (first_reason != END_REASONS.index("died"))
    second = np.flatnonzero(again)
    second_start = weekday_in(second_start[second], world.enrol_end)
    second_programme = (first_programme[second] + rng.integers(1, 5, second.size)) % 5
    moved = rng.random(second.size) < 0.15
    other_place = np.array(list(MUNICIPALITIES))[rng.integers(0, len(MUNICIPALITIES), second.size)]
    second_municipality = np.where(moved, other_place, people.municipality[second])
    moved &= second_municipality != people.municipality[second]
    # the first enrolment ends shortly before the second starts
    handover = second_start - rng.integers(1, 31, second.size)
    cut = first_end[second] > handover
    first_end[second[cut]] = handover[cut]
    first_reason[second[cut]] = np.where(
        moved[cut], END_REASONS.index("moved"), END_REASONS.index("completed")
    )
    second_end = second_start + _durations(rng, second_programme)
    no_death = END_REASON_WEIGHTS * np.array([1, 1, 1, 0, 1])
    second_reason = _by_programme(rng, no_death, second_programme)

    died = first_reason == END_REASONS.index("died")
    people.death[persons[died]] = first_end[died]

    person = np.concatenate([persons, second])
    start = np.concatenate([first_start, second_start])
    order = chronological(start)
    person, start = person[order], start[order]
    programme = np.concatenate([first_programme, second_programme])[order]
    municipality = np.concatenate([people.municipality[persons], second_municipality])[order]
    end = np.concatenate([first_end, second_end])[order]
    reason = np.concatenate([first_reason, second_reason])[order]
    referral = _by_programme(rng, REFERRAL_WEIGHTS, programme)
    cols = {
        "enrolment_id": Col("id", np.arange(1, person.size + 1), prefix="ENR", width=7),
        "person_key": Col("key", person),
        "programme": Col("enum", programme, categories=tuple(PROGRAMMES)),
        "municipality_code": Col("int", municipality),
        "enrolled_on": Col("date", start),
        "ended_on": Col("date", end, revealed_on=end + 1),
        "end_reason": Col("enum", reason, categories=END_REASONS, revealed_on=end + 1),
        "referral_source": Col("enum", referral, categories=REFERRAL_SOURCES),
        "birth_year": Col("int", people.birth_year[person]),
        "sex": Col("enum", people.sex[person], categories=tuple(SEXES)),
    }
    extra = {"person": person, "programme": programme, "municipality": municipality,
             "start": start, "end": end, "reason": reason}
    return Table("enrolments", cols, known_from=start + 1, changes_on=end + 1, extra=extra)
