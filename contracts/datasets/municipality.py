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

    dataset: ClassVar[str] = "enrolments"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("enrolment_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (
        NotBefore("ended_on", "enrolled_on"),
        AdultInYearOf("birth_year", "enrolled_on", 18),
    )

    enrolment_id: Identifier = Field(description="The enrolment's identifier.")
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.")
    programme: ProgrammeCode = Field(description="A code from the programme catalogue.")
    municipality_code: MunicipalityCode = Field(description="One of the 98 official municipality codes.")
    enrolled_on: Date = Field(description="Start of the enrolment: the cohort index date E.")
    ended_on: Date | None = Field(None, description="End of the enrolment (inclusive), not before enrolled_on; null while enrolled.")
    end_reason: EndReason | None = Field(None, description="completed, dropped_out, moved, died or other.")
    referral_source: ReferralSource = Field(description="Who referred the person to the programme.")
    birth_year: Int = Field(description="Year of birth; the person is 18 or older in the year of enrolment.")
    sex: Sex = Field(description="female, male or unknown.")


class ServiceEpisodeV1(KeyedContract):
    """A period of a municipal social service for the person."""

    dataset: ClassVar[str] = "service_episodes"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("episode_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (NotBefore("ended_on", "started_on"),)

    episode_id: Identifier = Field(description="The episode's identifier.")
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.")
    municipality_code: MunicipalityCode = Field(description="The municipality providing the service.")
    service: Service = Field(description="The kind of social service.")
    started_on: Date = Field(description="First day of the episode.")
    ended_on: Date | None = Field(None, description="Last day of the episode (inclusive), not before started_on; null while active.")


class ActionPlanV1(KeyedContract):
    """The coordinated cross-sector plan."""

    dataset: ClassVar[str] = "action_plans"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("plan_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (NotBefore("closed_on", "created_on"),)

    plan_id: Identifier = Field(description="The plan's identifier.")
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.")
    municipality_code: MunicipalityCode = Field(description="The municipality coordinating the plan.")
    created_on: Date = Field(description="Date the plan was made.")
    sectors: Sectors = Field(description="'|'-separated subset of region, municipality, jobcentre, ngo, general_practice, housing.")
    status: PlanStatus = Field(description="active, completed or cancelled, as of the extract.")
    closed_on: Date | None = Field(None, description="Date the plan was closed, not before created_on.")


class PlanFollowUpV1(KeyedContract):
    """A follow-up meeting of an action plan."""

    dataset: ClassVar[str] = "plan_follow_ups"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("follow_up_id",)

    follow_up_id: Identifier = Field(description="The follow-up's identifier.")
    plan_id: Identifier = Field(description="The plan followed up; must exist in action_plans.")
    planned_on: Date = Field(description="Date the follow-up is due.")
    held_on: Date | None = Field(None, description="Date the follow-up was held; null if not (yet) held.")
    sectors_present: Sectors | None = Field(None, description="'|'-separated sectors present, as in action_plans.sectors.")


class SurveyV1(KeyedContract):
    """A well-being survey answer."""

    dataset: ClassVar[str] = "surveys"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("response_id",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (
        RangeBy("score", "instrument", (("swemwbs", 7, 35), ("ucla3", 3, 9), ("coherence", 1, 5))),
    )

    response_id: Identifier = Field(description="The response's identifier.")
    person_key: PersonKey = Field(description="Pseudonym of the person: HMAC-SHA256 of the CPR number, 64 lower-case hex.")
    answered_on: Date = Field(description="Date of the answer.")
    instrument: Instrument = Field(description="swemwbs (raw sum of 7 items), ucla3 or coherence (single item).")
    score: Int = Field(description="swemwbs 7-35, ucla3 3-9, coherence 1-5.")


class ConsentWithdrawalV1(KeyedContract):
    """A person's withdrawal of consent: everything about the person is removed, for good."""

    dataset: ClassVar[str] = "consent_withdrawals"
    source: ClassVar[str] = "municipality"
    natural_key: ClassVar[tuple[str, ...]] = ("person_key",)
    contract_rules: ClassVar[tuple[Rule, ...]] = (
        NeverTrue("deleted", "a withdrawal of consent is final and cannot be retracted",
                  "en tilbagetrækning af samtykke er endelig og kan ikke trækkes tilbage"),
    )

    person_key: PersonKey = Field(description="Pseudonym of the person who withdrew consent.")
    withdrawn_on: Date = Field(description="Date of the withdrawal (it takes effect in the run that loads it).")
