"""The limits of the batch-level checks, in one place, with the reason for each.

The spec sets none of these; they are judgement calls a data manager can read and change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    # A delivery with less than half the rows of the previous delivery of the same dataset is
    # more likely a broken export (a filter, a truncated file) than a real change.
    min_rows_ratio: float = 0.5
    # Datasets whose deliveries vary in size by nature: attendance comes per session or per NGO,
    # withdrawals are rare events. Their row counts are not compared.
    rows_ratio_exempt: frozenset[str] = frozenset({"attendance", "consent_withdrawals"})
    # Freshness: partners deliver at least quarterly; a source whose latest extract is older than
    # this (days, against the run date) is stale.
    max_extract_age_days: int = 120
    # ... or lags the freshest source by more than this (days): outcomes across sectors would
    # compare periods one source has not covered yet.
    max_source_lag_days: int = 45
    # Distributions are only judged on enough rows to mean something.
    min_rows_for_distribution: int = 20
    # admissions: share of acute admissions, share involuntary, mean length of completed stays.
    acute_share: tuple[float, float] = (0.2, 0.98)
    involuntary_share: tuple[float, float] = (0.0, 0.5)
    mean_stay_days: tuple[float, float] = (1.0, 90.0)
    # enrolments: mean age at enrolment (adults in mental-health programmes).
    mean_age_at_enrolment: tuple[float, float] = (22.0, 70.0)
    # surveys: mean score per instrument, well inside the instrument's range: a mean at either
    # end means a scale was reversed, rescaled or filled with defaults.
    mean_score: tuple[tuple[str, float, float], ...] = (
        ("swemwbs", 14.0, 30.0),
        ("ucla3", 3.5, 8.0),
        ("coherence", 1.5, 4.5),
    )
    # attendance: share of rows for participants (not volunteers, staff, interns).
    participant_share: tuple[float, float] = (0.3, 1.0)


DEFAULT_THRESHOLDS = Thresholds()
