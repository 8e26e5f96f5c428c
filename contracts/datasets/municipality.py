"""Municipalities: enrolments, service episodes, action plans and follow-ups, surveys, withdrawals."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from contracts.base import KeyedContract
from contracts.columns import (
    Date,
    Identifier,
    Int,
    MunicipalityCode,
    PersonKey,
    ProgrammeCode,
    Sectors,
)
from contracts.enums import EndReason, Instrument, PlanStatus, ReferralSource, Service, Sex
from contracts.rules import AdultInYearOf, NeverTrue, NotBefore, RangeBy, Rule


class EnrolmentV1(KeyedContract):
    """Who takes part in which programme: this defines the cohorts."""

    title_da: ClassVar[str] = "Hvem der deltager i hvilket program: det definerer kohorterne."

    dataset: ClassVar[str] = "enrolments"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("enrolment_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (
        NotBefore("ended_on", "enrolled_on"),
        AdultInYearOf("birth_year", "enrolled_on", 18),
    )

    enrolment_id: Identifier = Field(description="The enrolment's identifier.", json_schema_extra={"da": "Forløbets id."})
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.", json_schema_extra={"da": "Pseudonym for personen: HMAC-SHA256 af CPR-nummeret, 64 hex-tegn med små bogstaver."})
    programme: ProgrammeCode = Field(description="A code from the programme catalogue.", json_schema_extra={"da": "En kode fra programkataloget."})
    municipality_code: MunicipalityCode = Field(description="One of the 98 official municipality codes.", json_schema_extra={"da": "En af de 98 officielle kommunekoder."})
    enrolled_on: Date = Field(description="Start of the enrolment: the cohort index date E.", json_schema_extra={"da": "Forløbets start: kohortens indeksdato E."})
    ended_on: Date | None = Field(None, description="End of the enrolment (inclusive), not before enrolled_on; null while enrolled.", json_schema_extra={"da": "Forløbets slut (inklusive), ikke før enrolled_on; tom mens forløbet varer."})
    end_reason: EndReason | None = Field(None, description="completed, dropped_out, moved, died or other.", json_schema_extra={"da": "completed, dropped_out, moved, died eller other."})
    referral_source: ReferralSource = Field(description="Who referred the person to the programme.", json_schema_extra={"da": "Hvem der henviste personen til programmet."})
    birth_year: Int = Field(description="Year of birth; the person is 18 or older in the year of enrolment.", json_schema_extra={"da": "Fødselsår; personen er 18 år eller ældre i året for forløbets start."})
    sex: Sex = Field(description="female, male or unknown.", json_schema_extra={"da": "female, male eller unknown."})


class ServiceEpisodeV1(KeyedContract):
    """A period of a municipal social service for the person."""

    title_da: ClassVar[str] = "En periode med en kommunal social indsats for personen."

    dataset: ClassVar[str] = "service_episodes"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("episode_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (NotBefore("ended_on", "started_on"),)

    episode_id: Identifier = Field(description="The episode's identifier.", json_schema_extra={"da": "Forløbets id."})
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.", json_schema_extra={"da": "Pseudonym for personen: HMAC-SHA256 af CPR-nummeret, 64 hex-tegn med små bogstaver."})
    municipality_code: MunicipalityCode = Field(description="The municipality providing the service.", json_schema_extra={"da": "Kommunen, der giver indsatsen."})
    service: Service = Field(description="The kind of social service.", json_schema_extra={"da": "Typen af social indsats."})
    started_on: Date = Field(description="First day of the episode.", json_schema_extra={"da": "Forløbets første dag."})
    ended_on: Date | None = Field(None, description="Last day of the episode (inclusive), not before started_on; null while active.", json_schema_extra={"da": "Forløbets sidste dag (inklusive), ikke før started_on; tom mens det er aktivt."})


class ActionPlanV1(KeyedContract):
    """The coordinated cross-sector plan."""

    title_da: ClassVar[str] = "Den koordinerede tværsektorielle plan."

    dataset: ClassVar[str] = "action_plans"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("plan_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (NotBefore("closed_on", "created_on"),)

    plan_id: Identifier = Field(description="The plan's identifier.", json_schema_extra={"da": "Planens id."})
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.", json_schema_extra={"da": "Pseudonym for personen: HMAC-SHA256 af CPR-nummeret, 64 hex-tegn med små bogstaver."})
    municipality_code: MunicipalityCode = Field(description="The municipality coordinating the plan.", json_schema_extra={"da": "Kommunen, der koordinerer planen."})
    created_on: Date = Field(description="Date the plan was made.", json_schema_extra={"da": "Dato, planen blev lavet."})
    sectors: Sectors = Field(description="'|'-separated subset of region, municipality, jobcentre, ngo, general_practice, housing.", json_schema_extra={"da": "'|'-adskilt delmængde af region, municipality, jobcentre, ngo, general_practice, housing."})
    status: PlanStatus = Field(description="active, completed or cancelled, as of the extract.", json_schema_extra={"da": "active, completed eller cancelled, på udtræksdatoen."})
    closed_on: Date | None = Field(None, description="Date the plan was closed, not before created_on.", json_schema_extra={"da": "Dato, planen blev lukket, ikke før created_on."})


class PlanFollowUpV1(KeyedContract):
    """A follow-up meeting of an action plan."""

    title_da: ClassVar[str] = "Et opfølgningsmøde for en handleplan."

    dataset: ClassVar[str] = "plan_follow_ups"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("follow_up_id",)

    follow_up_id: Identifier = Field(description="The follow-up's identifier.", json_schema_extra={"da": "Opfølgningens id."})
    plan_id: Identifier = Field(description="The plan followed up; must exist in action_plans.", json_schema_extra={"da": "Planen, der følges op; skal findes i action_plans."})
    planned_on: Date = Field(description="Date the follow-up is due.", json_schema_extra={"da": "Dato, opfølgningen skal holdes."})
    held_on: Date | None = Field(None, description="Date the follow-up was held; null if not (yet) held.", json_schema_extra={"da": "Dato, opfølgningen blev holdt; tom hvis den ikke (endnu) er holdt."})
    sectors_present: Sectors | None = Field(None, description="'|'-separated sectors present, as in action_plans.sectors.", json_schema_extra={"da": "'|'-adskilte sektorer, der deltog, som i action_plans.sectors."})


class SurveyV1(KeyedContract):
    """A well-being survey answer."""

    title_da: ClassVar[str] = "En besvarelse af et trivselsspørgeskema."

    dataset: ClassVar[str] = "surveys"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("response_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (
        RangeBy("score", "instrument", (("swemwbs", 7, 35), ("ucla3", 3, 9), ("coherence", 1, 5))),
    )

    response_id: Identifier = Field(description="The response's identifier.", json_schema_extra={"da": "Besvarelsens id."})
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.", json_schema_extra={"da": "Pseudonym for personen: HMAC-SHA256 af CPR-nummeret, 64 hex-tegn med små bogstaver."})
    answered_on: Date = Field(description="Date of the answer.", json_schema_extra={"da": "Dato for besvarelsen."})
    instrument: Instrument = Field(description="swemwbs (raw sum of 7 items), ucla3 or coherence (single item).", json_schema_extra={"da": "swemwbs (rå sum af 7 spørgsmål), ucla3 eller coherence (ét spørgsmål)."})
    score: Int = Field(description="swemwbs 7-35, ucla3 3-9, coherence 1-5.", json_schema_extra={"da": "swemwbs 7-35, ucla3 3-9, coherence 1-5."})


class ConsentWithdrawalV1(KeyedContract):
    """A person's withdrawal of consent: everything about the person is removed, for good."""

    title_da: ClassVar[str] = "En persons tilbagetrækning af samtykke: alt om personen fjernes, for altid."

    dataset: ClassVar[str] = "consent_withdrawals"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("person_key",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (
        NeverTrue("deleted", "a withdrawal of consent is final and cannot be retracted",
                  "en tilbagetrækning af samtykke er endelig og kan ikke trækkes tilbage"),
    )

    person_key: PersonKey = Field(description="Pseudonym of the person who withdrew consent.", json_schema_extra={"da": "Pseudonym for personen, der trak sit samtykke tilbage."})
    withdrawn_on: Date = Field(description="Date of the withdrawal (it takes effect in the run that loads it).", json_schema_extra={"da": "Dato for tilbagetrækningen (den virker fra den kørsel, der indlæser den)."})
