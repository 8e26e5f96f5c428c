"""Small, hand-made inputs for the board report tests: an indicator table after disclosure
control, a catalogue and run info. Figures are invented; the shapes follow outcomes.md."""

from __future__ import annotations

import numpy as np
import pandas as pd

PROGRAMMES = ("people_need_people", "social_referral")
MUNICIPALITIES = ("101", "147", "751")
YEARS = ("2024", "2025")
QUARTERS = tuple(f"{y}-Q{q}" for y in YEARS for q in (1, 2, 3, 4))

# the hand-made catalogue's quarterly (activity) indicators
SAMPLE_ACTIVITY = ("new_enrolments", "active_participants", "attendances", "sessions_held")
TITLES: dict[str, tuple[str, str, str]] = {
    # id: (title_da, title_en, unit)
    "new_enrolments": ("Nye indskrivninger", "New enrolments", "count"),
    "active_participants": ("Aktive deltagere", "Active participants", "count"),
    "attendances": ("Fremmøder", "Attendances", "count"),
    "sessions_held": ("Afholdte aktiviteter", "Sessions held", "count"),
    "cohort_size": ("Forløb i årgangen", "Enrolments in the cohort", "count"),
    "stay_rate_pre": ("Indlæggelser pr. personår før", "Stays per person-year before", "rate"),
    "stay_rate_post": ("Indlæggelser pr. personår efter", "Stays per person-year after", "rate"),
    "bed_day_rate_pre": ("Sengedage pr. personår før", "Bed days per person-year before", "rate"),
    "bed_day_rate_post": ("Sengedage pr. personår efter", "Bed days per person-year after", "rate"),
    "involuntary_share_pre": ("Andel med tvang før", "Share with involuntary stay before", "share"),
    "involuntary_share_post": (
        "Andel med tvang efter",
        "Share with involuntary stay after",
        "share",
    ),
    "readmission_30d_share": ("Genindlagt inden 30 dage", "Readmitted within 30 days", "share"),
    "followed_psychiatry_7d_share": (
        "Opfølgning i psykiatrien inden 7 dage",
        "Psychiatric follow-up within 7 days",
        "share",
    ),
    "followed_cross_sector_7d_share": (
        "Tværsektoriel kontakt inden 7 dage",
        "Cross-sector contact within 7 days",
        "share",
    ),
    "follow_up_on_time_share": (
        "Opfølgning på handleplan til tiden",
        "Action-plan follow-ups on time",
        "share",
    ),
    "retained_3m_share": ("Deltager efter 3 måneder", "Taking part after 3 months", "share"),
    "retained_6m_share": ("Deltager efter 6 måneder", "Taking part after 6 months", "share"),
    "retained_12m_share": ("Deltager efter 12 måneder", "Taking part after 12 months", "share"),
    "volunteer_share": ("Blevet frivillig", "Became a volunteer", "share"),
    "action_plan_share": ("Har en handleplan", "Has an action plan", "share"),
    "arrived_own_share": ("Kommer af sig selv", "Arrives on their own", "share"),
    "swemwbs_change_mean": ("Trivsel (SWEMWBS)", "Well-being (SWEMWBS)", "mean"),
    "ucla3_change_mean": ("Ensomhed (UCLA-3)", "Loneliness (UCLA-3)", "mean"),
    "coherence_change_mean": ("Oplevet sammenhæng", "Perceived coherence", "mean"),
}
COHORT_IDS = [
    i
    for i in TITLES
    if i not in ("new_enrolments", "active_participants", "attendances", "sessions_held")
]
RETENTION_IDS = ("retained_3m_share", "retained_6m_share", "retained_12m_share")
# programme, municipality, year whose cohort is below 5 persons: everything there is suppressed
SMALL_COHORT = ("people_need_people", "147", "2025")
# single cells hidden by disclosure control (drawn in charts of municipality `all`)
HIDDEN_CELLS = {
    ("ucla3_change_mean", "2024", "social_referral", "all"),
    ("followed_psychiatry_7d_share", "2025", "social_referral", "all"),
    ("followed_cross_sector_7d_share", "2025", "social_referral", "all"),
}


def sample_catalogue() -> list[dict[str, str]]:
    return [
        {
            "id": i,
            "title_da": da,
            "title_en": en,
            "unit": unit,
            "kind": "activity" if i in SAMPLE_ACTIVITY else "cohort",
            "definition": f"Definition of {en.lower()}.",
            "numerator": "-",
            "denominator": "-",
        }
        for i, (da, en, unit) in TITLES.items()
    ]


def sample_run_info() -> dict[str, str]:
    return {
        "run_id": "run-20260105-01",
        "cutoff": "2025-12-31",
        "pipeline_version": "0.1.0",
        "generated_at": "2026-01-05T14:05:00",
    }


def _value(rng: np.random.Generator, indicator: str, cohort: int) -> tuple[float, float | None]:
    """(value, numerator) plausible for the indicator."""
    if "_share" in indicator:
        share = float(rng.uniform(0.3, 0.8))
        return share, round(share * cohort)
    if "_rate_" in indicator:
        base = 25.0 if "bed_day" in indicator else 0.9
        factor = 1.0 if indicator.endswith("_pre") else 0.6
        return float(base * factor * rng.uniform(0.7, 1.3)), None
    if indicator.endswith("_mean"):
        return float(rng.uniform(-2.5, 4.0)), None
    return float(cohort), float(cohort)


def sample_indicators(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for programme in (*PROGRAMMES, "all"):
        for municipality in (*MUNICIPALITIES, "all"):
            rows += _cohort_rows(rng, programme, municipality)
            rows += _activity_rows(rng, programme, municipality)
    return pd.DataFrame(rows)


def _cohort_rows(rng, programme: str, municipality: str) -> list[dict]:
    rows = []
    scale = 3 if programme == "all" else 1
    scale *= 3 if municipality == "all" else 1
    for year in YEARS:
        cohort = (
            3
            if (programme, municipality, year) == SMALL_COHORT
            else int(rng.integers(9, 25) * scale)
        )
        for indicator in COHORT_IDS:
            if indicator in RETENTION_IDS and year == "2025":
                continue  # windows not closed at the cutoff: no cell
            value, numerator = _value(rng, indicator, cohort)
            suppressed = (programme, municipality, year) == SMALL_COHORT or (
                indicator,
                year,
                programme,
                municipality,
            ) in HIDDEN_CELLS
            rows.append(
                _row(indicator, year, programme, municipality, value, numerator, cohort, suppressed)
            )
    return rows


def _activity_rows(rng, programme: str, municipality: str) -> list[dict]:
    rows = []
    for quarter in QUARTERS:
        for indicator in ("new_enrolments", "active_participants", "attendances", "sessions_held"):
            if indicator in ("attendances", "sessions_held") and municipality != "all":
                continue
            count = float(rng.integers(5, 60))
            person_level = indicator in ("new_enrolments", "active_participants")
            rows.append(
                _row(
                    indicator,
                    quarter,
                    programme,
                    municipality,
                    count,
                    count,
                    int(count) if person_level else None,
                    False,
                )
            )
    return rows


def _row(indicator, period, programme, municipality, value, numerator, persons, suppressed):
    denominator = persons if "_share" in indicator else None
    hidden = suppressed
    return {
        "indicator_id": indicator,
        "period": period,
        "programme": programme,
        "municipality": municipality,
        "numerator": None if hidden else numerator,
        "denominator": None if hidden else denominator,
        "value": None if hidden else value,
        "n_persons": None if hidden else persons,
        "suppressed": hidden,
        "suppression_reason": ("primary" if indicator == "cohort_size" else "secondary")
        if hidden
        else None,
    }
