"""The readable summary of `sammen run` marks a hidden cell with the threshold the release used,
never a copy of the default (issue 13: one place for the disclosure threshold)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.home import Home
from core.progress import Progress
from sammen.pipeline import summary

HEADER = ("indicator_id,period,programme,municipality,numerator,denominator,value,n_persons,suppressed,"
          "suppression_reason,period_complete")


@pytest.mark.parametrize("threshold", [5, 8])
def test_a_hidden_cell_reads_below_the_threshold_in_force(tmp_path, threshold):
    # GIVEN a published table with one hidden (small count, complete cohort) and one shown
    # (unfinished cohort, marked `*`) headline cell
    home = Home.at(tmp_path / "home").ensure()
    home.published.mkdir(parents=True, exist_ok=True)
    (home.published / "indicators.csv").write_text(
        f"{HEADER}\ncohort_size,2024,all,all,,,,,true,primary,true\ncohort_size,2025,all,all,12,,12.0,12,false,,false\n",
        encoding="utf-8",
    )
    # WHEN the summary is written for a release made with `threshold`
    text = summary(home, dt.date(2025, 12, 31), Progress(quiet=True), threshold)
    rows = {line.split()[1]: line.split()[2] for line in text.splitlines() if line.startswith("cohort_size")}
    # THEN the hidden cell reads <threshold and the shown one its value
    assert rows == {"2024": f"<{threshold}", "2025*": "12"}


def test_an_unfinished_period_without_a_figure_is_left_out(tmp_path):
    # GIVEN a complete 2024, an unfinished 2025 with a figure and an unfinished 2026 without one
    home = Home.at(tmp_path / "home").ensure()
    home.published.mkdir(parents=True, exist_ok=True)
    (home.published / "indicators.csv").write_text(
        f"{HEADER}\nstay_rate_pre,2024,all,all,7,10,0.7,10,false,,true\n"
        "stay_rate_pre,2025,all,all,3,6,0.5,6,false,,false\nstay_rate_pre,2026,all,all,0,,,0,false,,false\n",
        encoding="utf-8",
    )
    # WHEN the summary is written
    text = summary(home, dt.date(2026, 3, 1), Progress(quiet=True), 5)
    periods = [line.split()[1] for line in text.splitlines() if line.startswith("stay_rate_pre")]
    # THEN it shows the complete year and the newest unfinished year that has a figure
    assert periods == ["2024", "2025*"]
