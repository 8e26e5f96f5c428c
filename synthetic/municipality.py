"""Municipal data besides enrolments: service episodes, action plans and their follow-ups,
surveys and consent withdrawals.

Shapes:
- Service episodes: 55% of enrolled persons have one, 14% two, around enrolment (start ~ E-60
  ± 150 days), lognormal length (median 200 days); plus an episode within 0-14 days after 12% of
  the discharges after enrolment (housing support / contact person).
- Action plans: 92% of united_in_psychiatry enrolments and 4% of the others get a plan 20 days
  before to 40 days after E; united plans always name region and municipality. Plans close after
  a median 330 days, 80% completed, 20% cancelled; `status` is `active` while `closed_on` is
  unknown to the extract. ~10% of `sectors` are written with spaces around `|` (allowed: trimmed).
- Follow-ups every ~10 weeks from 6 weeks after creation until the plan closes; each is known
  70 days ahead (so future ones appear with `held_on` null). 72% held within a week, 13% late
  (8-35 days), 15% never.
- Surveys: 85% answer at baseline (E ± ~8 days, within [E-60, E+30]) and 60% at ~6 months
  (E+180 ± 20 days, within [E+120, E+270]), each instrument 93% of the time; scores from a
  latent well-being with a programme effect, clipped to the instrument's range.
- Consent withdrawals: 0.5% of enrolled persons (at least 2), one of them after the first
  municipal extract so the later extract carries a new one.
"""

from __future__ import annotations

import numpy as np

from synthetic.frame import NULL, Col, Table, chronological, pick, segments, to_weekday
from synthetic.persons import NEVER, Population
from synthetic.world import UNITED, World

SERVICES = {
    "housing_support": 0.30, "supported_housing": 0.08, "contact_person": 0.20,
    "substance_treatment": 0.10, "employment_support": 0.15, "activity_centre": 0.12, "other": 0.05,
}
SECTORS = ("region", "municipality", "jobcentre", "ngo", "general_practice", "housing")
STATUSES = ("active", "completed", "cancelled")
INSTRUMENTS = ("swemwbs", "ucla3", "coherence")
# per programme (PROGRAMMES order): mean change at follow-up per instrument
CHANGE = np.array([
    [1.8, -0.7, 0.3],
    [2.2, -0.4, 0.8],
    [1.5, -0.6, 0.2],
    [1.2, -0.5, 0.3],
    [1.0, -0.6, 0.2],
])
# united_in_psychiatry and the others: chance of each sector besides the ones always named
SECTOR_CHANCES = {
    True: np.array([1.0, 1.0, 0.35, 0.5, 0.45, 0.25]),
    False: np.array([0.4, 1.0, 0.2, 0.7, 0.2, 0.1]),
}


def sector_texts() -> tuple[str, ...]:
    """Text of every sector set: code = bit mask (bit i = SECTORS[i]) + 64 when spaced."""
    texts = []
    for spaced in (False, True):
        for mask in range(64):
            names = [name for bit, name in enumerate(SECTORS) if mask >> bit & 1]
            texts.append((" | " if spaced else "|").join(names) or "municipality")
    return tuple(texts)


def _bits(rng: np.random.Generator, chances: np.ndarray) -> np.ndarray:
    """Bit masks with bit i set with probability chances[row, i]."""
    draws = rng.random(chances.shape) < chances
    return (draws * (1 << np.arange(len(SECTORS)))).sum(axis=1).astype(np.int64)


def build_service_episodes(world: World, people: Population, admissions: Table) -> Table:
    rng = world.rng("service_episodes")
    enrolled = np.arange(world.persons)
    counts = (rng.random(enrolled.size) < 0.55).astype(np.int64) + (rng.random(enrolled.size) < 0.14)
    person, _ = segments(counts)
    start = people.anchor[person] + np.round(rng.normal(-60, 150, person.size)).astype(np.int64)
    service = pick(rng, SERVICES, person.size).astype(np.int64)
    length = np.round(200 * rng.lognormal(0, 0.8, person.size)).astype(np.int64)
    # episodes started shortly after a discharge following enrolment
    ends = np.flatnonzero(admissions.extra["stay_end"])
    who = admissions.extra["person"][ends]
    discharged = admissions.extra["discharge_day"][ends]
    after = (who < world.persons) & (discharged >= people.anchor[np.minimum(who, world.persons - 1)])
    chosen = np.flatnonzero(after & (rng.random(ends.size) < 0.12))
    person = np.concatenate([person, who[chosen]])
    start = np.concatenate([start, discharged[chosen] + rng.integers(0, 15, chosen.size)])
    service = np.concatenate([service, pick(rng, [0.5, 0.5], chosen.size) * 2])  # housing / contact
    length = np.concatenate([length, np.round(120 * rng.lognormal(0, 0.6, chosen.size))])
    start = to_weekday(np.maximum(start, world.history_start))
    end = np.minimum(start + length.astype(np.int64), people.death[person])
    keep = (start <= people.death[person]) & (start < world.extracts["municipality"].latest)
    person, start, end, service = person[keep], start[keep], end[keep], service[keep]
    order = chronological(start)
    person, start, end, service = person[order], start[order], end[order], service[order]
    cols = {
        "episode_id": Col("id", np.arange(1, person.size + 1), prefix="SEP", width=8),
        "person_key": Col("key", person),
        "municipality_code": Col("int", people.municipality[person]),
        "service": Col("enum", service, categories=tuple(SERVICES)),
        "started_on": Col("date", start),
        "ended_on": Col("date", end, revealed_on=end + 1),
    }
    return Table("service_episodes", cols, known_from=start + 1, changes_on=end + 1)


def build_action_plans(world: World, people: Population, enrolments: Table) -> Table:
    rng = world.rng("action_plans")
    programme = enrolments.extra["programme"]
    chance = np.where(programme == UNITED, 0.92, 0.04)
    chosen = np.flatnonzero(rng.random(programme.size) < chance)
    person = enrolments.extra["person"][chosen]
    created = to_weekday(enrolments.extra["start"][chosen] + rng.integers(-20, 41, chosen.size))
    closed = created + np.round(330 * rng.lognormal(0, 0.5, chosen.size)).astype(np.int64)
    closed = np.minimum(closed, people.death[person])
    status = np.where(rng.random(chosen.size) < 0.8, 1, 2)
    united = programme[chosen] == UNITED
    chances = np.where(united[:, None], SECTOR_CHANCES[True], SECTOR_CHANCES[False])
    sectors = _bits(rng, chances) + 64 * (rng.random(chosen.size) < 0.1)
    keep = (created <= people.death[person]) & (created < world.extracts["municipality"].latest)
    keep &= closed >= created
    rows = {"person": person, "created": created, "closed": closed, "status": status,
            "sectors": sectors, "municipality": enrolments.extra["municipality"][chosen]}
    rows = {name: values[keep] for name, values in rows.items()}
    order = chronological(rows["created"])
    rows = {name: values[order] for name, values in rows.items()}
    revealed = rows["closed"] + 1
    cols = {
        "plan_id": Col("id", np.arange(1, order.size + 1), prefix="PLAN", width=7),
        "person_key": Col("key", rows["person"]),
        "municipality_code": Col("int", rows["municipality"]),
        "created_on": Col("date", rows["created"]),
        "sectors": Col("enum", rows["sectors"], categories=sector_texts()),
        "status": Col("enum", rows["status"], categories=STATUSES, revealed_on=revealed, fallback=0),
        "closed_on": Col("date", rows["closed"], revealed_on=revealed),
    }
    extra = {"person": rows["person"], "created": rows["created"], "closed": rows["closed"],
             "sectors": rows["sectors"] % 64}
    return Table("action_plans", cols, known_from=rows["created"] + 1, changes_on=revealed,
                 extra=extra)


def build_plan_follow_ups(world: World, people: Population, plans: Table) -> Table:
    rng = world.rng("plan_follow_ups")
    created, closed = plans.extra["created"], plans.extra["closed"]
    horizon = np.minimum(closed, world.extracts["municipality"].latest + 70)
    first = created + 42
    counts = np.where(horizon >= first, (horizon - first) // 70 + 1, 0)
    plan, number = segments(counts)
    planned = to_weekday(first[plan] + 70 * number + rng.integers(-7, 8, plan.size))
    u = rng.random(plan.size)
    held = np.where(u < 0.72, planned + rng.integers(-3, 8, plan.size),
                    np.where(u < 0.85, planned + rng.integers(8, 36, plan.size), NEVER))
    person = plans.extra["person"][plan]
    held = np.where(held <= people.death[person], held, NEVER)
    present = plans.extra["sectors"][plan] & _bits(rng, np.full((plan.size, len(SECTORS)), 0.7))
    lowest = plans.extra["sectors"][plan] & -plans.extra["sectors"][plan]
    present = np.where(held == NEVER, NULL, np.where(present == 0, lowest, present))
    known = np.maximum(created[plan] + 1, planned - 69)
    order = chronological(planned)
    plan, planned, held, present, known = plan[order], planned[order], held[order], present[order], known[order]
    revealed = np.where(held == NEVER, NEVER, held + 1)
    cols = {
        "follow_up_id": Col("id", np.arange(1, plan.size + 1), prefix="FUP", width=8),
        "plan_id": Col("id", plan + 1, prefix="PLAN", width=7),
        "planned_on": Col("date", planned),
        "held_on": Col("date", np.where(held == NEVER, NULL, held), revealed_on=revealed),
        "sectors_present": Col("enum", present, categories=sector_texts(), revealed_on=revealed),
    }
    return Table("plan_follow_ups", cols, known_from=known, changes_on=revealed,
                 extra={"plan": plan})


def build_surveys(world: World, people: Population, enrolments: Table) -> Table:
    rng = world.rng("surveys")
    start, programme = enrolments.extra["start"], enrolments.extra["programme"]
    size = start.size
    baseline = rng.random(size) < 0.85
    follow = rng.random(size) < 0.60
    base_day = start + np.clip(np.round(rng.normal(0, 8, size)), -60, 30).astype(np.int64)
    follow_day = start + 180 + np.clip(np.round(rng.normal(0, 20, size)), -60, 90).astype(np.int64)
    enrolment = np.concatenate([np.flatnonzero(baseline), np.flatnonzero(follow)])
    day = np.concatenate([base_day[baseline], follow_day[follow]])
    is_follow = np.concatenate([np.zeros(baseline.sum(), bool), np.ones(follow.sum(), bool)])
    # one row per sitting and instrument
    sitting = np.repeat(np.arange(enrolment.size), len(INSTRUMENTS))
    instrument = np.tile(np.arange(len(INSTRUMENTS)), enrolment.size)
    person = enrolments.extra["person"][enrolment][sitting]
    day, is_follow = day[sitting], is_follow[sitting]
    wellbeing = people.wellbeing[person]
    change = CHANGE[programme[enrolment][sitting], instrument] * is_follow
    noise = rng.normal(0, 1, sitting.size)
    centre = np.array([19.5, 6.5, 2.7])[instrument]
    slope = np.array([4.0, -1.1, 0.5])[instrument]
    spread = np.array([2.0, 1.0, 0.8])[instrument]
    low, high = np.array([7, 3, 1])[instrument], np.array([35, 9, 5])[instrument]
    score = np.clip(np.round(centre + slope * wellbeing + spread * noise + change), low, high)
    keep = (rng.random(sitting.size) < 0.93) & (day <= people.death[person])
    keep &= day < world.extracts["municipality"].latest
    person, day, instrument, score = person[keep], day[keep], instrument[keep], score[keep]
    order = chronological(day)
    person, day, instrument, score = person[order], day[order], instrument[order], score[order]
    cols = {
        "response_id": Col("id", np.arange(1, day.size + 1), prefix="SRV", width=8),
        "person_key": Col("key", person),
        "answered_on": Col("date", day),
        "instrument": Col("enum", instrument, categories=INSTRUMENTS),
        "score": Col("int", score.astype(np.int64)),
    }
    return Table("surveys", cols, known_from=day + 1)


def build_consent_withdrawals(world: World, people: Population) -> Table:
    rng = world.rng("consent_withdrawals")
    first, latest = world.extracts["municipality"].first, world.extracts["municipality"].latest
    enrolled = np.arange(world.persons)
    eligible = enrolled[(people.death[enrolled] == NEVER) & (people.anchor[enrolled] < first - 14)]
    count = min(eligible.size, max(2, round(0.005 * world.persons)))
    person = np.sort(rng.choice(eligible, count, replace=False))
    lo = people.anchor[person] + 7
    day = lo + np.floor(rng.random(count) * (latest - 1 - lo)).astype(np.int64)
    if count >= 2:  # one withdrawal in each extract, whatever the draw
        day[0] = rng.integers(first, latest)
        day[1] = rng.integers(lo[1], first)
    order = chronological(day)
    person, day = person[order], day[order]
    cols = {"person_key": Col("key", person), "withdrawn_on": Col("date", day)}
    return Table("consent_withdrawals", cols, known_from=day + 1)
