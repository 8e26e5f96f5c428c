"""`period_complete`: whether a published cell's period had ended at the cutoff.

Expected dates are worked out here from outcomes.md's words ("Windows per enrolment": the post
window [E, E + 365); a readmission counts when discharge + 30 <= cutoff; "Coherence outcome": the
first cross-sector contact after a discharge D is looked for in [D, min(D + 90, cutoff)]), not
from the code."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
import yaml

from core.settings import DBT_PROJECT_DIR
from publishing.catalogue import load_catalogue
from publishing.periods import cohort_closes_on, completeness, is_complete, windows

DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("period", "last_day"),
    [("2026-Q1", dt.date(2026, 3, 31)), ("2025-Q4", dt.date(2025, 12, 31)),
     ("2024-Q1", dt.date(2024, 3, 31)), ("2025-Q3", dt.date(2025, 9, 30))],
)
def test_a_quarter_is_complete_from_its_last_day_on(period: str, last_day: dt.date) -> None:
    assert is_complete("activity", period, last_day)
    assert not is_complete("activity", period, last_day - DAY)


def test_a_cohort_is_complete_once_the_last_window_of_its_last_enrolment_has_closed() -> None:
    # GIVEN the year's last possible enrolment E = 31 December 2024: its post window is
    # [E, E + 365), so its last day is 30 December 2025; a stay discharged that day has its first
    # cross-sector contact looked for up to discharge + 90 (its readmission only up to + 30), so
    # its days_discharge_to_cross_sector is final from cutoff 30 March 2026
    last_discharge = dt.date(2024, 12, 31) + 364 * DAY
    closes = last_discharge + 90 * DAY
    assert closes == dt.date(2026, 3, 30)
    # THEN cohort 2024 is complete from that cutoff on, not a day earlier
    assert cohort_closes_on("2024") == closes
    assert is_complete("cohort", "2024", closes)
    assert not is_complete("cohort", "2024", closes - DAY)
    # AND a cohort whose year has ended is not complete yet: its enrolments' windows are open
    assert not is_complete("cohort", "2025", dt.date(2026, 2, 28))


def test_the_window_lengths_are_the_ones_the_dbt_models_use() -> None:
    # GIVEN the dbt project's vars and the models that open the windows
    variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert windows().window_days == variables["window_days"]
    assert windows().readmission_days == variables["readmission_days"]
    assert windows().follow_up_days == variables["follow_up_days"]
    # THEN the models read the lengths from those vars and do not write the numbers again
    windowed = (DBT_PROJECT_DIR / "models/intermediate/int_enrolments_windowed.sql").read_text()
    discharges = (DBT_PROJECT_DIR / "models/intermediate/int_discharges_followed_up.sql").read_text()
    macros = (DBT_PROJECT_DIR / "macros/windows.sql").read_text()
    code = [re.sub(r"--.*", "", text) for text in (windowed, discharges)]
    assert "outcome_window_days()" in code[0] and "365" not in code[0]
    assert "var('readmission_days')" in code[1] and ", 30)" not in code[1]
    assert "follow_up_days()" in code[1] and "90)" not in code[1]
    assert 'var("window_days")' in macros and 'var("follow_up_days")' in macros


def test_completeness_is_given_per_row_by_the_indicator_kind() -> None:
    # GIVEN a quarter and a cohort year with the same year, and a cutoff after both have ended
    # as calendar periods but before the 2025 cohort's windows closed
    table = pd.DataFrame({
        "indicator_id": ["new_enrolments", "cohort_size", "retained_3m_share", "new_enrolments"],
        "period": ["2025-Q4", "2025", "2024", "2026-Q2"],
    })
    flags = completeness(table, load_catalogue(), dt.date(2026, 4, 1))
    assert flags.tolist() == [True, False, True, False]
    assert flags.dtype == bool


def test_a_period_that_is_neither_a_quarter_nor_a_year_is_refused() -> None:
    with pytest.raises(ValueError, match="not a period"):
        is_complete("activity", "2025-13", dt.date(2026, 1, 1))
