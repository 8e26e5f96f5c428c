"""The closed value sets of extracts.md. Stored exactly as listed; matched case-insensitively."""

from __future__ import annotations

from enum import StrEnum


class AdmissionType(StrEnum):
    ACUTE = "acute"
    PLANNED = "planned"


class DiagnosisGroup(StrEnum):
    """ICD-10 F-blocks of the main diagnosis."""

    F00_F09 = "F00-F09"
    F10_F19 = "F10-F19"
    F20_F29 = "F20-F29"
    F30_F39 = "F30-F39"
    F40_F48 = "F40-F48"
    F50_F59 = "F50-F59"
    F60_F69 = "F60-F69"
    F70_F79 = "F70-F79"
    F80_F89 = "F80-F89"
    F90_F98 = "F90-F98"
    F99 = "F99"


class ContactKind(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    OUTREACH = "outreach"


class Setting(StrEnum):
    COMMUNITY_TEAM = "community_team"
    OUTPATIENT_CLINIC = "outpatient_clinic"
    EMERGENCY_ROOM = "emergency_room"


class EndReason(StrEnum):
    COMPLETED = "completed"
    DROPPED_OUT = "dropped_out"
    MOVED = "moved"
    DIED = "died"
    OTHER = "other"


class ReferralSource(StrEnum):
    INPATIENT_WARD = "inpatient_ward"
    COMMUNITY_TEAM = "community_team"
    MUNICIPAL_SERVICE = "municipal_service"
    GENERAL_PRACTICE = "general_practice"
    NGO = "ngo"
    SELF = "self"
    OTHER = "other"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class Service(StrEnum):
    HOUSING_SUPPORT = "housing_support"
    SUPPORTED_HOUSING = "supported_housing"
    CONTACT_PERSON = "contact_person"
    SUBSTANCE_TREATMENT = "substance_treatment"
    EMPLOYMENT_SUPPORT = "employment_support"
    ACTIVITY_CENTRE = "activity_centre"
    OTHER = "other"


class Sector(StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"
    JOBCENTRE = "jobcentre"
    NGO = "ngo"
    GENERAL_PRACTICE = "general_practice"
    HOUSING = "housing"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Instrument(StrEnum):
    SWEMWBS = "swemwbs"
    UCLA3 = "ucla3"
    COHERENCE = "coherence"


class Activity(StrEnum):
    GARDEN_COMMUNITY = "garden_community"
    PEER_GROUP = "peer_group"
    OPEN_MEETING_PLACE = "open_meeting_place"
    MOVEMENT = "movement"
    OTHER = "other"


class Role(StrEnum):
    PARTICIPANT = "participant"
    VOLUNTEER = "volunteer"
    STAFF = "staff"
    INTERN = "intern"


class ArrivedWith(StrEnum):
    OWN = "own"
    STAFF = "staff"
    GROUP = "group"
