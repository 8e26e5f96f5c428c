"""The ten datasets of the data-sharing agreement, copied by hand from spec/extracts.md ("Datasets"):
the test oracle for everything derived from the contracts. Nothing here is read from the product.

Each table is the spec's: column, then its type as the spec writes it (`key`, `id`, `text`,
`date`, `ts`, `bool`, `int`, or the enumeration's values), `?` for a nullable column. Every keyed
dataset (all but `attendance`) also carries the optional `deleted bool?` (spec: "Every keyed dataset
may carry an optional `deleted bool?` column").

Two spellings are the product's decisions, written here on purpose:
- `diagnosis_group` is `text?` in the spec, its note listing the ICD-10 F-blocks; the contract makes
  it an enumeration of exactly those blocks.
- `sectors` / `sectors_present` are `text` in the spec, "`|`-separated subset of region,
  municipality, jobcentre, ngo, general_practice, housing": written `sectors` here.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALARS = {"key", "id", "text", "date", "ts", "bool", "int", "sectors"}
# architecture.md, "Column names everywhere are the spec's": the SQL type of each spec type
SQL_TYPE = {"key": "VARCHAR", "id": "VARCHAR", "text": "VARCHAR", "enum": "VARCHAR", "sectors": "VARCHAR",
            "date": "DATE", "ts": "TIMESTAMP", "bool": "BOOLEAN", "int": "BIGINT"}
SECTORS = ("region", "municipality", "jobcentre", "ngo", "general_practice", "housing")
# the note of region_code: 1081 Nordjylland, 1082 Midtjylland, 1083 Syddanmark, 1084 Hovedstaden, 1085 Sjælland
REGION_CODES = (1081, 1082, 1083, 1084, 1085)
# "Default programme catalogue" (the spec's list, in its order)
PROGRAMMES = ("people_need_people", "united_in_psychiatry", "road_to_everyday_life", "social_referral",
              "open_meeting_place")
# municipality_code: "one of the 98 official municipality codes"; a few well-known ones
MUNICIPALITY_COUNT = 98
SOME_MUNICIPALITIES = (101, 147, 461, 751, 851)  # København, Frederiksberg, Odense, Aarhus, Aalborg

_TABLES = {
    "admissions": ("region", "admission_id", """
        admission_id    | id
        person_key      | key
        region_code     | int
        department_code | id
        admitted_at     | ts
        discharged_at   | ts?
        admission_type  | acute, planned
        involuntary     | bool
        diagnosis_group | F00-F09, F10-F19, F20-F29, F30-F39, F40-F48, F50-F59, F60-F69, F70-F79, F80-F89, F90-F98, F99 ?
    """),
    "outpatient_contacts": ("region", "contact_id", """
        contact_id   | id
        person_key   | key
        region_code  | int
        contact_on   | date
        contact_kind | in_person, phone, video, outreach
        setting      | community_team, outpatient_clinic, emergency_room
    """),
    "enrolments": ("municipality", "enrolment_id", """
        enrolment_id      | id
        person_key        | key
        programme         | text
        municipality_code | int
        enrolled_on       | date
        ended_on          | date?
        end_reason        | completed, dropped_out, moved, died, other ?
        referral_source   | inpatient_ward, community_team, municipal_service, general_practice, ngo, self, other
        birth_year        | int
        sex               | female, male, unknown
    """),
    "service_episodes": ("municipality", "episode_id", """
        episode_id        | id
        person_key        | key
        municipality_code | int
        service           | housing_support, supported_housing, contact_person, substance_treatment, employment_support, activity_centre, other
        started_on        | date
        ended_on          | date?
    """),
    "action_plans": ("municipality", "plan_id", """
        plan_id           | id
        person_key        | key
        municipality_code | int
        created_on        | date
        sectors           | sectors
        status            | active, completed, cancelled
        closed_on         | date?
    """),
    "plan_follow_ups": ("municipality", "follow_up_id", """
        follow_up_id    | id
        plan_id         | id
        planned_on      | date
        held_on         | date?
        sectors_present | sectors?
    """),
    "surveys": ("municipality", "response_id", """
        response_id | id
        person_key  | key
        answered_on | date
        instrument  | swemwbs, ucla3, coherence
        score       | int
    """),
    "consent_withdrawals": ("municipality", "person_key", """
        person_key   | key
        withdrawn_on | date
    """),
    "sessions": ("ngo", "session_id", """
        session_id | id
        ngo_id     | id
        activity   | garden_community, peer_group, open_meeting_place, movement, other
        site       | text
        held_on    | date
        programme  | text?
    """),
    "attendance": ("ngo", None, """
        session_id   | id
        person_key   | key?
        role         | participant, volunteer, staff, intern
        arrived_with | own, staff, group ?
    """),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of SCALARS, or "enum"
    nullable: bool
    values: tuple[str, ...] = ()  # an enumeration's values, in the spec's order

    @property
    def sql_type(self) -> str:
        return SQL_TYPE[self.type]


@dataclass(frozen=True)
class Dataset:
    name: str
    source: str
    key: str | None  # the natural key; None: attendance, replaced per session
    columns: tuple[Column, ...]  # deleted included where keyed

    @property
    def delivered(self) -> tuple[Column, ...]:
        """The columns as stored in resolved.* (without `deleted`)."""
        return tuple(c for c in self.columns if c.name != "deleted")

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def listed_values(self) -> dict[str, list[object]]:
        """The values the spec lists for a column: an enumeration's, and the five region codes."""
        listed: dict[str, list[object]] = {c.name: list(c.values) for c in self.delivered if c.type == "enum"}
        if any(c.name == "region_code" for c in self.columns):
            listed["region_code"] = list(REGION_CODES)
        return listed


def _column(line: str) -> Column:
    name, written = (part.strip() for part in line.split("|", 1))
    nullable = written.endswith("?")
    written = written.rstrip("?").strip()
    if written in SCALARS:
        return Column(name, written, nullable)
    return Column(name, "enum", nullable, tuple(value.strip() for value in written.split(",")))


def _dataset(name: str, source: str, key: str | None, table: str) -> Dataset:
    columns = [_column(line) for line in table.strip().splitlines()]
    if key is not None:
        columns.append(Column("deleted", "bool", True))
    return Dataset(name, source, key, tuple(columns))


EXTRACTS = {name: _dataset(name, *spec) for name, spec in _TABLES.items()}
