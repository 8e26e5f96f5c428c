"""Data contracts: the single source of truth for every dataset partners deliver (extracts.md v1.1)."""

from __future__ import annotations

from contracts.base import DatasetContract, KeyedContract, Violation
from contracts.columns import ColumnSpec, Kind
from contracts.datasets.municipality import (
    ActionPlanV1,
    ConsentWithdrawalV1,
    EnrolmentV1,
    PlanFollowUpV1,
    ServiceEpisodeV1,
    SurveyV1,
)
from contracts.datasets.ngo import AttendanceV1, SessionV1
from contracts.datasets.region import AdmissionV1, OutpatientContactV1

SPEC_VERSION = "1.1"

CONTRACTS: dict[str, type[DatasetContract]] = {
    contract.dataset: contract
    for contract in (
        AdmissionV1,
        OutpatientContactV1,
        EnrolmentV1,
        ServiceEpisodeV1,
        ActionPlanV1,
        PlanFollowUpV1,
        SurveyV1,
        ConsentWithdrawalV1,
        SessionV1,
        AttendanceV1,
    )
}

# Rows that must point to a resolved row of another dataset (extracts.md, "Order of resolution").
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("plan_follow_ups", "plan_id", "action_plans"),
    ("attendance", "session_id", "sessions"),
)


def contract_for(dataset: str) -> type[DatasetContract]:
    try:
        return CONTRACTS[dataset]
    except KeyError:
        known = ", ".join(CONTRACTS)
        raise KeyError(f"unknown dataset {dataset!r}; the contracts know: {known}") from None


def datasets_of(source: str) -> tuple[str, ...]:
    return tuple(name for name, contract in CONTRACTS.items() if contract.source == source)


__all__ = [
    "CONTRACTS",
    "REFERENCES",
    "SPEC_VERSION",
    "ColumnSpec",
    "DatasetContract",
    "KeyedContract",
    "Kind",
    "Violation",
    "contract_for",
    "datasets_of",
]
