"""The synthetic partnership's fixed facts: calendar, places, programmes, pseudonyms.

Decisions where the brief leaves room (written here once, tested in tests/unit/test_synthetic_*):
- The calendar is fixed, not taken from the clock, so a seed always gives the same bytes.
  The region's latest extract is `end` (default 2026-03-03), the municipality's one day later,
  the NGOs' one day earlier, so the run cutoff is `end - 2 days`. Each source also has an earlier
  full extract: region 7 days, municipality 28 days, NGOs 14 days before its latest one.
- Enrolments spread over `years` years up to the municipality's latest extract; region history
  starts 245 days before the first enrolment (so enrolments of the first ~4 months have an
  incomplete pre window), municipal and NGO history 8 weeks before it.
- `persons` counts enrolled persons; the region also delivers 5% more persons who were referred
  but never enrolled (their rows join nothing, as in real extracts).
- person_key = HMAC-SHA256 (hex) of a fake 10-digit number under a fixed synthetic key. The fake
  numbers never appear in any file.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from functools import cached_property

import duckdb
import numpy as np
import pyarrow as pa

from core import linkage
from synthetic.frame import day_of

DEFAULT_END = dt.date(2026, 3, 3)
SYNTHETIC_HMAC_KEY = b"sammen synthetic partnership key (not a real key)"
REGION_ONLY_SHARE = 0.05

# source -> (days after `end` of the latest extract, days between first and latest extract)
EXTRACT_PLAN: dict[str, tuple[int, int]] = {"region": (0, 7), "municipality": (1, 28), "ngo": (-1, 14)}

# municipality code -> (weight, region code, name used in site names)
MUNICIPALITIES: dict[int, tuple[float, int, str]] = {
    101: (0.20, 1084, "København"),
    147: (0.05, 1084, "Frederiksberg"),
    265: (0.06, 1085, "Roskilde"),
    330: (0.06, 1085, "Slagelse"),
    376: (0.05, 1085, "Guldborgsund"),
    420: (0.04, 1083, "Assens"),
    479: (0.05, 1083, "Svendborg"),
    561: (0.07, 1083, "Esbjerg"),
    575: (0.04, 1083, "Vejen"),
    621: (0.07, 1083, "Kolding"),
    751: (0.13, 1082, "Aarhus"),
    851: (0.09, 1081, "Aalborg"),
    # small ones: their cells are below the disclosure threshold, so suppression has work
    492: (0.0035, 1083, "Ærø"),
    741: (0.003, 1082, "Samsø"),
    825: (0.0025, 1081, "Læsø"),
}
REGION_CODES: tuple[int, ...] = (1081, 1082, 1083, 1084, 1085)
REGION_ABBREVIATIONS: dict[int, str] = {1081: "NJ", 1082: "MJ", 1083: "SD", 1084: "HS", 1085: "SJ"}
DEPARTMENTS_PER_REGION = 8

PROGRAMMES: dict[str, float] = {
    "people_need_people": 0.30,
    "united_in_psychiatry": 0.12,
    "road_to_everyday_life": 0.16,
    "social_referral": 0.22,
    "open_meeting_place": 0.20,
}
PNP, UNITED, ROAD, REFERRAL, OMP = range(5)


@dataclass(frozen=True)
class Extracts:
    """The two extract days (day numbers) of one source."""

    first: int
    latest: int


@dataclass
class World:
    persons: int
    seed: int
    years: int
    end: dt.date = DEFAULT_END

    def rng(self, stream: str) -> np.random.Generator:
        """An independent, seed-determined random stream per generator part."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    @cached_property
    def extracts(self) -> dict[str, Extracts]:
        end = day_of(self.end)
        return {
            source: Extracts(first=end + offset - gap, latest=end + offset)
            for source, (offset, gap) in EXTRACT_PLAN.items()
        }

    @property
    def enrol_end(self) -> int:
        return self.extracts["municipality"].latest

    @property
    def enrol_start(self) -> int:
        return self.enrol_end - round(365.25 * self.years) + 1

    @property
    def region_start(self) -> int:
        return self.enrol_start - 245

    @property
    def history_start(self) -> int:
        """Municipal and NGO history begins a little before the first enrolment."""
        return self.enrol_start - 56

    @property
    def cutoff(self) -> int:
        return min(extract.latest for extract in self.extracts.values()) - 1

    @property
    def region_only(self) -> int:
        return int(round(self.persons * REGION_ONLY_SHARE))

    @cached_property
    def keys(self) -> pa.Array:
        """person_key of every synthetic person (enrolled ones first, then region-only ones)."""
        count = self.persons + self.region_only
        base = int(self.rng("fake-ids").integers(1_000_000_000, 8_000_000_000))
        return hmac_sha256_hex(SYNTHETIC_HMAC_KEY, base, count)


def hmac_sha256_hex(key: bytes, first: int, count: int) -> pa.Array:
    """HMAC-SHA256 hex (`core.linkage`, as `sammen pseudonymise`) of the decimal text of
    first .. first+count-1, in bulk."""
    with duckdb.connect() as con:
        con.execute("SET threads TO 2")
        con.execute("SET enable_progress_bar = false")
        person_key = linkage.register(con, key)
        result = con.execute(
            f"SELECT {person_key}(CAST(n AS VARCHAR)) AS k FROM range($first, $first + $count) AS numbers(n) ORDER BY n",
            {"first": first, "count": count},
        ).to_arrow_table()
    return result.column("k").combine_chunks().cast(pa.string())
