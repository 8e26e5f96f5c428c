"""Regional psychiatry: admissions and outpatient contacts (extracts.md, region)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from contracts.base import KeyedContract
from contracts.columns import Bool, Date, Identifier, PersonKey, RegionCode, Timestamp
from contracts.enums import AdmissionType, ContactKind, DiagnosisGroup, Setting
from contracts.rules import NotBefore, Rule


class AdmissionV1(KeyedContract):
    """One row per admission to a psychiatric ward."""

    title_da: ClassVar[str] = "Én række pr. indlæggelse på et psykiatrisk afsnit."

    dataset: ClassVar[str] = "admissions"
    source: ClassVar[str] = "region"
    natural_key: ClassVar[tuple[str, ...]] = ("admission_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (NotBefore("discharged_at", "admitted_at"),)

    admission_id: Identifier = Field(description="The admission's identifier in the region's system.", json_schema_extra={"da": "Indlæggelsens id i regionens system."})
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.", json_schema_extra={"da": "Pseudonym for personen: HMAC-SHA256 af CPR-nummeret, 64 hex-tegn med små bogstaver."})
    region_code: RegionCode = Field(description="1081 Nordjylland, 1082 Midtjylland, 1083 Syddanmark, 1084 Hovedstaden, 1085 Sjælland.", json_schema_extra={"da": "1081 Nordjylland, 1082 Midtjylland, 1083 Syddanmark, 1084 Hovedstaden, 1085 Sjælland."})
    department_code: Identifier = Field(description="The ward's department code.", json_schema_extra={"da": "Afsnittets afdelingskode."})
    admitted_at: Timestamp = Field(description="Start of the admission, Danish local time.", json_schema_extra={"da": "Indlæggelsens start, dansk lokaltid."})
    discharged_at: Timestamp | None = Field(None, description="End of the admission, Danish local time; null while still admitted; not before admitted_at.", json_schema_extra={"da": "Indlæggelsens slut, dansk lokaltid; tom mens personen er indlagt; ikke før admitted_at."})
    admission_type: AdmissionType = Field(description="acute or planned.", json_schema_extra={"da": "acute (akut) eller planned (planlagt)."})
    involuntary: Bool = Field(description="Admitted under the Mental Health Act's coercion rules.", json_schema_extra={"da": "Indlagt efter psykiatrilovens regler om tvang."})
    diagnosis_group: DiagnosisGroup | None = Field(None, description="ICD-10 F-block of the main diagnosis (F00-F09 ... F99).", json_schema_extra={"da": "ICD-10 F-blok for hoveddiagnosen (F00-F09 ... F99)."})


class OutpatientContactV1(KeyedContract):
    """One row per outpatient contact with regional psychiatry."""

    title_da: ClassVar[str] = "Én række pr. ambulant kontakt med regionspsykiatrien."

    dataset: ClassVar[str] = "outpatient_contacts"
    source: ClassVar[str] = "region"
    natural_key: ClassVar[tuple[str, ...]] = ("contact_id",)

    contact_id: Identifier = Field(description="The contact's identifier in the region's system.", json_schema_extra={"da": "Kontaktens id i regionens system."})
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.", json_schema_extra={"da": "Pseudonym for personen: HMAC-SHA256 af CPR-nummeret, 64 hex-tegn med små bogstaver."})
    region_code: RegionCode = Field(description="The region delivering the contact (1081-1085).", json_schema_extra={"da": "Regionen, der leverer kontakten (1081-1085)."})
    contact_on: Date = Field(description="Date of the contact.", json_schema_extra={"da": "Dato for kontakten."})
    contact_kind: ContactKind = Field(description="in_person, phone, video or outreach.", json_schema_extra={"da": "in_person (fremmøde), phone, video eller outreach (opsøgende)."})
    setting: Setting = Field(description="community_team, outpatient_clinic or emergency_room.", json_schema_extra={"da": "community_team (udgående team), outpatient_clinic (ambulatorium) eller emergency_room (skadestue)."})
