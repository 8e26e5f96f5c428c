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

    dataset: ClassVar[str] = "admissions"
    source: ClassVar[str] = "region"
    natural_key: ClassVar[tuple[str, ...]] = ("admission_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (NotBefore("discharged_at", "admitted_at"),)

    admission_id: Identifier = Field(description="The admission's identifier in the region's system.")
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.")
    region_code: RegionCode = Field(description="1081 Nordjylland, 1082 Midtjylland, 1083 Syddanmark, 1084 Hovedstaden, 1085 Sjælland.")
    department_code: Identifier = Field(description="The ward's department code.")
    admitted_at: Timestamp = Field(description="Start of the admission, Danish local time.")
    discharged_at: Timestamp | None = Field(None, description="End of the admission, Danish local time; null while still admitted; not before admitted_at.")
    admission_type: AdmissionType = Field(description="acute or planned.")
    involuntary: Bool = Field(description="Admitted under the Mental Health Act's coercion rules.")
    diagnosis_group: DiagnosisGroup | None = Field(None, description="ICD-10 F-block of the main diagnosis (F00-F09 ... F99).")


class OutpatientContactV1(KeyedContract):
    """One row per outpatient contact with regional psychiatry."""

    dataset: ClassVar[str] = "outpatient_contacts"
    source: ClassVar[str] = "region"
    natural_key: ClassVar[tuple[str, ...]] = ("contact_id",)

    contact_id: Identifier = Field(description="The contact's identifier in the region's system.")
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.")
    region_code: RegionCode = Field(description="The region delivering the contact (1081-1085).")
    contact_on: Date = Field(description="Date of the contact.")
    contact_kind: ContactKind = Field(description="in_person, phone, video or outreach.")
    setting: Setting = Field(description="community_team, outpatient_clinic or emergency_room.")
