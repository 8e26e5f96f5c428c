"""The indicator table, the catalogue and the reference names, read once into lookups.

The report shows only what the disclosure-controlled indicator table holds: a cell is looked up
by (indicator_id, period, programme, municipality) and nothing is ever summed or derived from
other cells. A suppressed cell is carried as suppressed even if a value slipped through, so the
report cannot reveal it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from contracts.reference import municipalities, programmes
from publishing.report.i18n import Text

ALL = "all"
REQUIRED_COLUMNS = (
    "indicator_id",
    "period",
    "programme",
    "municipality",
    "value",
    "n_persons",
    "suppressed",
)
YEAR = re.compile(r"^\d{4}$")
KINDS = ("count", "share", "rate", "mean")
QUARTER = re.compile(r"^\d{4}-Q[1-4]$")


@dataclass(frozen=True)
class Cell:
    """One published cell; `value` is None when suppressed or when there is nothing to show."""

    value: float | None
    n_persons: int | None
    suppressed: bool
    carried_from: str | None = None  # release id whose value the cell shows (release guard)
    reason: str | None = None  # suppression_reason of a suppressed cell
    complete: bool = True  # period_complete: the period had ended at the cutoff


def indicator_kind(indicator_id: str) -> str:
    """How a value reads, from the naming scheme of outcomes.md (`_share`, `_rate_`, `_mean`)."""
    if "_share" in indicator_id:  # involuntary_share_pre/post too
        return "share"
    if "_rate_" in indicator_id:
        return "rate"
    if indicator_id.endswith("_mean"):
        return "mean"
    return "count"


class Indicators:
    """Lookup over the published indicator rows."""

    def __init__(self, frame: pd.DataFrame) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(
                f"indicator table for the report lacks column(s) {', '.join(missing)}"
                f" (expected the layout of outcomes.md 'Indicators')"
            )
        self._cells: dict[tuple[str, str, str, str], Cell] = {}
        self._complete: dict[tuple[str, str], bool] = {}  # (indicator, period) -> complete
        keys = frame[["indicator_id", "period", "programme", "municipality"]].astype(str)
        keys = keys.apply(lambda column: column.str.strip())
        values = _nullable(frame["value"])
        persons = _nullable(frame["n_persons"])
        suppressed = _nullable(frame["suppressed"])
        carried, reasons, complete = (
            _nullable(frame[column]) if column in frame else [None] * len(frame)
            for column in ("carried_from", "suppression_reason", "period_complete")
        )
        for key, value, n, flag, source, reason, done in zip(
            keys.itertuples(index=False, name=None), values, persons, suppressed, carried,
            reasons, complete, strict=True,
        ):
            self._cells[key] = cell = _cell(value, n, flag, source, reason, done)
            period = key[:2]
            self._complete[period] = self._complete.get(period, True) and cell.complete

    def cell(self, indicator: str, period: str, programme: str, municipality: str) -> Cell | None:
        return self._cells.get((indicator, period, programme, municipality))

    def keys(self) -> Iterable[tuple[str, str, str, str]]:
        return self._cells.keys()

    def programmes(self) -> set[str]:
        return {programme for _, _, programme, _ in self._cells if programme != ALL}

    def municipalities(self, programme: str, indicators: Iterable[str]) -> set[str]:
        wanted = set(indicators)
        return {m for i, _, p, m in self._cells if p == programme and i in wanted and m != ALL}

    def periods(
        self, indicators: Iterable[str], programme: str, municipality: str = ALL
    ) -> list[str]:
        """Periods (sorted) in which any of the indicators has a cell for this programme."""
        wanted = set(indicators)
        return sorted(
            {
                t
                for i, t, p, m in self._cells
                if i in wanted and p == programme and m == municipality
            }
        )

    def complete(self, indicators: Iterable[str], period: str) -> bool:
        """Whether the period had ended at the cutoff (for any cell of these indicators)."""
        return all(self._complete.get((indicator, period), True) for indicator in indicators)

    def latest_year(self, indicator: str, programme: str, municipality: str = ALL) -> str | None:
        """The latest complete cohort year with a cell; the latest year when none is complete."""
        years = [t for t in self.periods([indicator], programme, municipality) if YEAR.match(t)]
        finished = [t for t in years if self._cells[(indicator, t, programme, municipality)].complete]
        return (finished or years)[-1] if years else None


def _nullable(column: pd.Series) -> list[Any]:
    """The column as Python values with None for every kind of missing (NaN, NA, NaT)."""
    return column.astype(object).where(column.notna(), None).tolist()


def _cell(
    value: Any, n_persons: Any, suppressed: Any, carried_from: Any = None, reason: Any = None,
    complete: Any = None,
) -> Cell:
    """Decision: a table without `period_complete` (an older publication) reads as complete."""
    done = bool(complete) if complete is not None else True
    hidden = bool(suppressed) if suppressed is not None else False
    if hidden:
        return Cell(None, None, True, reason=str(reason) if reason else None, complete=done)
    number = float(value) if value is not None and math.isfinite(float(value)) else None
    persons = int(n_persons) if n_persons is not None else None
    return Cell(number, persons, False, str(carried_from) if carried_from else None, None, done)


def catalogue_entries(catalogue: Any) -> dict[str, Mapping[str, Any]]:
    """The catalogue by indicator id; accepts a list, `{"indicators": [...]}` or `{id: entry}`."""
    if catalogue is None:
        return {}
    if hasattr(catalogue, "model_dump"):  # publishing.catalogue.Catalogue, already validated
        catalogue = catalogue.model_dump()
    entries: Any = catalogue
    if isinstance(catalogue, Mapping):
        entries = catalogue.get("indicators", catalogue)
    if isinstance(entries, Mapping):
        return {str(key): {"id": key, **(entry or {})} for key, entry in entries.items()}
    if isinstance(entries, list | tuple):  # a Catalogue model dumps its entries as a tuple
        return {str(e["id"]): e for e in entries if isinstance(e, Mapping) and "id" in e}
    raise ValueError("catalogue for the report must be a list of indicators or a mapping")


def catalogue_kind(entries: Mapping[str, Mapping[str, Any]], indicator: str) -> str:
    """The catalogue's unit (count, share, rate, mean); the id's naming scheme without one."""
    unit = entries.get(indicator, {}).get("unit")
    return unit if unit in KINDS else indicator_kind(indicator)


def indicator_title(entries: Mapping[str, Mapping[str, Any]], indicator: str) -> Text:
    """The catalogue's titles; the id itself when the catalogue does not (yet) hold it."""
    entry = entries.get(indicator, {})
    english = str(entry.get("title_en") or indicator)
    return Text(str(entry.get("title_da") or english), english)


def definition(entry: Mapping[str, Any]) -> Text:
    """The definition; `definition_da`/`definition_en` when given, else the one `definition`."""
    plain = str(entry.get("definition") or "")
    english = str(entry.get("definition_en") or plain)
    return Text(str(entry.get("definition_da") or english), english)


def programme_names(run_info: Mapping[str, Any]) -> tuple[list[str], dict[str, Text]]:
    """Programme order and titles: run_info["programmes"] if given, else the catalogue in force."""
    entries = run_info.get("programmes")
    if entries is None:
        entries = programmes()
    order = [str(e["code"]) for e in entries]
    names = {
        str(e["code"]): Text(
            str(e.get("title_da") or e.get("title_en") or e["code"]),
            str(e.get("title_en") or e.get("title_da") or e["code"]),
        )
        for e in entries
    }
    return order, names


def municipality_names(run_info: Mapping[str, Any]) -> dict[str, str]:
    """Municipality names by code as text: run_info["municipalities"] if given, else the 98."""
    names = run_info.get("municipalities")
    if names is None:
        names = municipalities()
    return {str(code): str(name) for code, name in names.items()}
