"""Whether a published cell's period is finished at the cutoff (`period_complete`).

- Activity indicators (period = calendar quarter, `2026-Q1`): complete when the quarter's last
  day is on or before the cutoff.
- Cohort indicators (period = enrolment year, `2025`): complete when every window of every
  enrolment of the year has closed, i.e. for the year's last possible enrolment E = 31 December:
  the post window [E, E + window_days) and the windows after a discharge on its last day D:
  the readmission window (D + readmission_days) and the search for the first cross-sector contact
  ([D, D + follow_up_days], `days_discharge_to_cross_sector`) lie on or before the cutoff:
  `31 December + window_days + max(readmission_days, follow_up_days) <= cutoff + 1 day`. This is
  the "settled" horizon of the nightly build (macros/windows.sql `settled_after_days`). The post
  window is the longest window counted from enrolment (retention ends at E + 360, well-being at
  E + 270, the action plan at E + 365); the 7-day follow-ups close earlier. Decision (spec silent): one rule for every cohort indicator of
  a year, cohort_size included, so a board compares the indicators of one finished cohort; until
  then the year's cells are published, marked unfinished (their values may still change).

The window lengths are the dbt project's vars (`dbt_project.yml`: window_days,
readmission_days, follow_up_days), the same numbers the marts are computed with.

Decision: the release ledger does not store `period_complete`: it follows from the period and
the release's cutoff, which the ledger keeps, so a re-issued release gets the same column.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from core.settings import DBT_PROJECT_DIR
from publishing.catalogue import Catalogue

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Windows:
    window_days: int
    readmission_days: int
    follow_up_days: int

    @property
    def cohort_days(self) -> int:
        """Days from the last enrolment of a year (31 December) until all its windows closed."""
        return self.window_days + max(self.readmission_days, self.follow_up_days)


@cache
def windows(project: Path = DBT_PROJECT_DIR) -> Windows:
    """The window lengths the dbt project computes the marts with."""
    variables = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    return Windows(*(int(variables[name]) for name in ("window_days", "readmission_days", "follow_up_days")))


def period_end(period: str) -> dt.date:
    """The last day of a quarter (`2026-Q1`) or year (`2025`)."""
    quarter = QUARTER.match(period)
    if quarter:
        year, number = int(quarter[1]), int(quarter[2])
        following = dt.date(year + number // 4, number % 4 * 3 + 1, 1)
        return following - dt.timedelta(days=1)
    if YEAR.match(period):
        return dt.date(int(period), 12, 31)
    raise ValueError(f"not a period (YYYY or YYYY-Qn): {period!r}")


def cohort_closes_on(year: str) -> dt.date:
    """The first cutoff at which the cohort of `year` is complete."""
    return period_end(year) + dt.timedelta(days=windows().cohort_days - 1)


def is_complete(kind: str, period: str, cutoff: dt.date) -> bool:
    if kind == "cohort":
        return cohort_closes_on(period) <= cutoff
    return period_end(period) <= cutoff


def completeness(table: pd.DataFrame, catalogue: Catalogue, cutoff: dt.date) -> pd.Series:
    """`period_complete` for every row (computed once per indicator kind and period)."""
    kinds = table["indicator_id"].map({spec.id: spec.kind for spec in catalogue.indicators})
    pairs = pd.DataFrame({"kind": kinds, "period": table["period"]})
    distinct = pairs.drop_duplicates().reset_index(drop=True)
    distinct["complete"] = [
        is_complete(kind, period, cutoff)
        for kind, period in distinct[["kind", "period"]].itertuples(index=False, name=None)
    ]
    flags = pairs.merge(distinct, on=["kind", "period"], how="left")["complete"]
    return pd.Series(flags.to_numpy(dtype=bool), index=table.index, name="period_complete")
