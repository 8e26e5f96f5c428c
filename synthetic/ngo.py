"""Civil-society partners: weekly sessions and who attended them.

Shapes:
- Each activity runs as weekly series (one site each) on a fixed weekday: gardens on Tuesdays,
  peer groups on Wednesdays, open meeting places on Mondays or Thursdays, movement on Fridays,
  bridge-builder cafés (`other`) on Thursdays. A municipality gets one series of an activity per
  150 enrolments that use it; with fewer than 40 its persons go to the series of the region's
  municipality with the most. No sessions in Christmas week or two weeks in July.
- An enrolment attends with a programme-dependent chance (90% people_need_people ... 35%
  united_in_psychiatry) at a series of a matching activity in its municipality, from the first
  session ~10 days after E, for a lognormal number of weeks (median 18: attendance attrition),
  each week with a personal chance (Beta(5, 2.5), mean 2/3). Dropping out, moving or dying ends
  it; completing lets it go on 12 more weeks. 30% of those staying 20+ weeks become volunteers
  after week 12 and stay longer. Persons arrive with staff (85%) or a group (15%) first and on
  their own after a geometric number of weeks (mean ~7; 20% never). 4% of `arrived_with` unknown.
- Attendees who are not enrolled have no person_key: two staff (municipality and region) in
  every garden session, one at meeting places, movement and cafés; volunteers and neighbours
  (Poisson) everywhere, at least one in peer groups; sometimes an intern.
- A person attends a session once, even with two enrolments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from synthetic.frame import NULL, Col, Table, pick, segments
from synthetic.persons import END_REASONS, NEVER, Population
from synthetic.world import MUNICIPALITIES, PROGRAMMES, World

ACTIVITIES = ("garden_community", "peer_group", "open_meeting_place", "movement", "other")
GARDEN, PEER, MEETING, MOVEMENT, CAFE = range(5)
NGO_IDS = ("ngo.haveforeningen", "ngo.peernetvaerket", "ngo.moedestederne", "ngo.motion", "ngo.broen")
ACTIVITY_PROGRAMME = np.array([0, 2, 4, NULL, 3])  # PROGRAMMES codes; movement belongs to none
WEEKDAYS = {GARDEN: (1,), PEER: (2,), MEETING: (0, 3), MOVEMENT: (4,), CAFE: (3,)}
SITES = {
    GARDEN: ("Sct. Hans Have", "Æblehaven", "Gården på Ålholm", "Kløverhaven", "Søndermarkens Have"),
    PEER: ("Østerbro Fælleshus", "Medborgerhuset Æblelunden", "Kulturhuset Ørnen"),
    MEETING: ("Værestedet Bølgen", "Mødestedet Fyrtårnet", "Caféen på Torvet", "Østerbro Fælleshus"),
    MOVEMENT: ("Hallen i Ørbæk", "Idrætscentret Søparken", "Strandparken"),
    CAFE: ("Biblioteket, læsesalen", "Kulturhuset Ørnen", "Brobyggercaféen"),
}
ROLES = ("participant", "volunteer", "staff", "intern")
ARRIVED = ("own", "staff", "group")
ATTEND_CHANCE = np.array([0.90, 0.35, 0.85, 0.70, 0.80])  # by programme
ACTIVITY_WEIGHTS = np.array([  # by programme, over ACTIVITIES
    [1.00, 0.00, 0.00, 0.00, 0.00],
    [0.40, 0.00, 0.40, 0.20, 0.00],
    [0.00, 0.85, 0.15, 0.00, 0.00],
    [0.15, 0.00, 0.15, 0.30, 0.40],
    [0.00, 0.00, 1.00, 0.00, 0.00],
])
ENROLMENTS_PER_SERIES = 150
LOCAL_SERIES_FROM = 40  # fewer enrolments of an activity: they go to the region's largest site
STAFF_PER_SESSION = np.array([2, 0, 1, 1, 1])
NEIGHBOURS_PER_SESSION = np.array([1.5, 1.0, 1.0, 0.5, 0.5])
MIN_VOLUNTEERS = np.array([0, 1, 0, 0, 0])
PERSON_CHUNK = 200_000


@dataclass
class Series:
    """Weekly session series and their week slots (a slot in a holiday week has no session)."""

    activity: np.ndarray
    municipality: np.ndarray
    start: np.ndarray  # day of the first slot
    slot_offset: np.ndarray  # index of the series' first slot in the slot arrays
    slots: np.ndarray  # number of slots
    pair_offset: dict[int, tuple[int, int]]  # (activity, municipality) code -> (first series, count)
    slot_session: np.ndarray  # per slot: session index, NULL in holiday weeks
    session_series: np.ndarray
    session_day: np.ndarray


@dataclass
class Participation:
    """Which enrolments attend and at which series."""

    enrolment: np.ndarray
    series: np.ndarray


def pair_code(activity: np.ndarray, municipality: np.ndarray) -> np.ndarray:
    return activity.astype(np.int64) * 1000 + municipality


def holiday(days: np.ndarray) -> np.ndarray:
    """Christmas / New Year and two weeks in July: no sessions."""
    dates = days.astype("datetime64[D]")
    day_of_year = (dates - dates.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    return (day_of_year >= 357) | (day_of_year <= 1) | ((day_of_year >= 195) & (day_of_year <= 208))


def choose_participation(world: World, enrolments: Table) -> tuple[Participation, np.ndarray]:
    """The attending enrolments, their activity, and the pair code of each."""
    rng = world.rng("participation")
    programme = enrolments.extra["programme"]
    attends = np.flatnonzero(rng.random(programme.size) < ATTEND_CHANCE[programme])
    activity = np.zeros(attends.size, dtype=np.int64)
    for code in range(len(PROGRAMMES)):
        rows = np.flatnonzero(programme[attends] == code)
        activity[rows] = pick(rng, list(ACTIVITY_WEIGHTS[code]), rows.size)
    pairs = pair_code(activity, enrolments.extra["municipality"][attends])
    return Participation(attends, np.zeros(attends.size, np.int64)), gathered(pairs)


def gathered(pairs: np.ndarray) -> np.ndarray:
    """Send the persons of small (activity, municipality) pairs to the region's largest one."""
    codes, counts = np.unique(pairs, return_counts=True)
    region = {code: values[1] for code, values in MUNICIPALITIES.items()}
    largest: dict[tuple[int, int], tuple[int, int]] = {}
    for code, count in zip(codes.tolist(), counts.tolist(), strict=True):  # a loop per pair
        group = (code // 1000, region[code % 1000])
        largest[group] = max(largest.get(group, (0, code)), (count, code))
    target = np.array([code if count >= LOCAL_SERIES_FROM else largest[(code // 1000, region[code % 1000])][1]
                       for code, count in zip(codes.tolist(), counts.tolist(), strict=True)])
    return target[np.searchsorted(codes, pairs)]


def build_series(world: World, pairs: np.ndarray, participation: Participation) -> Series:
    rng = world.rng("series")
    codes, counts = np.unique(pairs, return_counts=True)
    per_pair = -(-counts // ENROLMENTS_PER_SERIES)
    pair, index = segments(per_pair)
    activity, municipality = codes[pair] // 1000, codes[pair] % 1000
    day = np.array([WEEKDAYS[code][0] for code in range(len(ACTIVITIES))])[activity]
    day = np.where((activity == MEETING) & (rng.random(pair.size) < 0.5), WEEKDAYS[MEETING][1], day)
    first = world.history_start + rng.integers(0, 8, pair.size) * 7
    start = first + (day - (first + 3) % 7) % 7
    last = world.extracts["ngo"].latest - 1
    slots = np.maximum((last - start) // 7 + 1, 0)
    slot_offset = np.cumsum(slots) - slots
    slot_series, slot_number = segments(slots)
    slot_day = start[slot_series] + 7 * slot_number
    held = ~holiday(slot_day)
    slot_session = np.where(held, np.cumsum(held) - 1, NULL)
    starts = np.cumsum(per_pair) - per_pair
    pair_offset = {int(c): (int(s), int(n)) for c, s, n in zip(codes, starts, per_pair, strict=True)}
    # each attending enrolment picks one series of its pair
    position = np.searchsorted(codes, pairs)
    participation.series = starts[position] + np.floor(
        rng.random(pairs.size) * per_pair[position]).astype(np.int64)
    return Series(activity, municipality, start, slot_offset, slots, pair_offset, slot_session,
                  slot_series[held], slot_day[held])


def site_names(series: Series) -> tuple[str, ...]:
    """One site text per series: a Danish place name and the municipality (a loop per series)."""
    names = []
    municipality_order = {code: i for i, code in enumerate(MUNICIPALITIES)}
    number_in_pair: dict[tuple[int, int], int] = {}
    for activity, municipality in zip(series.activity.tolist(), series.municipality.tolist(),
                                      strict=True):
        j = number_in_pair.get((activity, municipality), 0)
        number_in_pair[(activity, municipality)] = j + 1
        bases = SITES[activity]
        base = bases[(j + municipality_order[municipality]) % len(bases)]
        suffix = f" {j // len(bases) + 1}" if j >= len(bases) else ""
        names.append(f"{base}{suffix}, {MUNICIPALITIES[municipality][2]}")
    return tuple(names)


def build_sessions(series: Series) -> Table:
    activity = series.activity[series.session_series]
    cols = {
        "session_id": Col("id", np.arange(1, series.session_day.size + 1), prefix="SES", width=8),
        "ngo_id": Col("enum", activity, categories=NGO_IDS),
        "activity": Col("enum", activity, categories=ACTIVITIES),
        "site": Col("enum", series.session_series, categories=site_names(series)),
        "held_on": Col("date", series.session_day),
        "programme": Col("enum", ACTIVITY_PROGRAMME[activity], categories=tuple(PROGRAMMES)),
    }
    return Table("sessions", cols, known_from=series.session_day + 1)


def attendance_table(session: np.ndarray, person: np.ndarray, role: np.ndarray,
                     arrived: np.ndarray) -> Table:
    cols = {
        "session_id": Col("id", session + 1, prefix="SES", width=8),
        "person_key": Col("key", person),
        "role": Col("enum", role, categories=ROLES),
        "arrived_with": Col("enum", arrived, categories=ARRIVED),
    }
    return Table("attendance", cols, known_from=np.zeros(session.size, np.int64))


def enrolled_attendance(
    world: World, people: Population, enrolments: Table, series: Series,
    participation: Participation,
) -> Iterator[Table]:
    """Attendance rows of enrolled persons, in chunks of persons (so memory stays flat)."""
    rng = world.rng("attendance")
    person = enrolments.extra["person"][participation.enrolment]
    order = np.argsort(person, kind="stable")
    bounds = np.searchsorted(person[order], np.arange(0, world.persons + PERSON_CHUNK, PERSON_CHUNK))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if hi > lo:
            chosen = order[lo:hi]
            yield _attendance_of(rng, people, enrolments, series,
                                 participation.enrolment[chosen], participation.series[chosen])


def _weeks_engaged(
    rng: np.random.Generator, enrolments: Table, people: Population, enrolment: np.ndarray,
    person: np.ndarray, first_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Weeks from the first session on, capped by the enrolment's end and by death."""
    size = enrolment.size
    weeks = np.maximum(np.round(18 * rng.lognormal(0, 0.9, size)), 1).astype(np.int64)
    volunteer = (weeks >= 20) & (rng.random(size) < 0.3)
    weeks = np.where(volunteer, np.round(weeks * 1.8).astype(np.int64), weeks)
    reason, end = enrolments.extra["reason"][enrolment], enrolments.extra["end"][enrolment]
    stops = np.isin(reason, [END_REASONS.index(r) for r in ("dropped_out", "moved", "died")])
    stop_day = np.minimum(np.where(stops, end, end + 84), people.death[person])
    weeks = np.minimum(weeks, np.maximum((stop_day - first_day) // 7 + 1, 0))
    latest_start = np.maximum((weeks * 0.6).astype(np.int64), 12) + 1
    volunteer_from = np.where(volunteer, rng.integers(12, latest_start), NEVER)
    return weeks, volunteer_from


def _attendance_of(
    rng: np.random.Generator, people: Population, enrolments: Table, series: Series,
    enrolment: np.ndarray, chosen_series: np.ndarray,
) -> Table:
    """One row per week a person came, from the first session on; then one per person and session."""
    size = enrolment.size
    person = enrolments.extra["person"][enrolment]
    wanted = enrolments.extra["start"][enrolment] + np.round(rng.exponential(10, size))
    first_slot = np.maximum(-(-(wanted - series.start[chosen_series]) // 7), 0).astype(np.int64)
    first_day = series.start[chosen_series] + 7 * first_slot
    weeks, volunteer_from = _weeks_engaged(rng, enrolments, people, enrolment, person, first_day)
    chance = rng.beta(5, 2.5, size)
    switch = np.where(rng.random(size) < 0.2, NEVER, rng.geometric(0.15, size))
    early = np.where(rng.random(size) < 0.85, ARRIVED.index("staff"), ARRIVED.index("group"))

    row, week = segments(weeks)
    slot = first_slot[row] + week
    inside = slot < series.slots[chosen_series[row]]
    session = np.full(row.size, NULL, np.int64)
    session[inside] = series.slot_session[series.slot_offset[chosen_series[row[inside]]] + slot[inside]]
    came = (session >= 0) & ((week == 0) | (rng.random(row.size) < chance[row]))
    row, week, session = row[came], week[came], session[came]
    role = np.where(week >= volunteer_from[row], ROLES.index("volunteer"), ROLES.index("participant"))
    arrived = np.where(week >= switch[row], ARRIVED.index("own"), early[row])
    arrived = np.where(rng.random(row.size) < 0.04, NULL, arrived)
    who = person[row]
    # one row per person and session, even for a person attending under two enrolments
    _, first = np.unique(session * people.size + who, return_index=True)
    return attendance_table(session[first], who[first], role[first], arrived[first])


def anonymous_attendance(world: World, series: Series) -> Table:
    """Staff, volunteers, neighbours and interns who are not enrolled: no person_key."""
    rng = world.rng("anonymous-attendance")
    activity = series.activity[series.session_series]
    sessions = activity.size
    staff = STAFF_PER_SESSION[activity]
    volunteers = np.maximum(rng.poisson(NEIGHBOURS_PER_SESSION[activity]), MIN_VOLUNTEERS[activity])
    interns = (rng.random(sessions) < 0.1).astype(np.int64)
    counts = np.stack([staff, volunteers, interns], axis=1)  # per session: staff, volunteer, intern
    session, position = segments(counts.sum(axis=1))
    role = np.where(position < staff[session], ROLES.index("staff"),
                    np.where(position < staff[session] + volunteers[session],
                             ROLES.index("volunteer"), ROLES.index("intern")))
    arrived = np.where((role == ROLES.index("volunteer")) & (rng.random(session.size) < 0.7),
                       ARRIVED.index("own"), NULL)
    return attendance_table(session, np.full(session.size, NULL), role, arrived)


def redelivered(world: World, sessions: Table) -> np.ndarray:
    """Sessions of the 8 weeks before the first NGO extract that the later extract re-delivers (3%)."""
    rng = world.rng("redelivered-sessions")
    first = world.extracts["ngo"].first
    held = sessions.cols["held_on"].data
    recent = np.flatnonzero((held >= first - 56) & (held < first))
    count = min(recent.size, max(1, round(0.03 * recent.size)))
    return np.sort(rng.choice(recent, count, replace=False))


def corrected(rows: Table, sessions: np.ndarray) -> Table:
    """Rows of re-delivered sessions as the later extract has them: unknown arrivals are `own`."""
    keep = np.flatnonzero(np.isin(rows.cols["session_id"].data - 1, sessions))
    arrived = rows.cols["arrived_with"].data[keep]
    return attendance_table(
        rows.cols["session_id"].data[keep] - 1,
        rows.cols["person_key"].data[keep],
        rows.cols["role"].data[keep],
        np.where(arrived < 0, ARRIVED.index("own"), arrived),
    )


def late_registrations(sessions: np.ndarray) -> Table:
    """One volunteer per re-delivered session who had not been registered the first time."""
    return attendance_table(sessions, np.full(sessions.size, NULL),
                            np.full(sessions.size, ROLES.index("volunteer")),
                            np.full(sessions.size, ARRIVED.index("own")))


def session_days(rows: Table, sessions: Table) -> np.ndarray:
    return sessions.cols["held_on"].data[rows.cols["session_id"].data - 1]
