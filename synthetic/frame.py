"""Columnar building blocks of the generator: days as integers, coded columns, one table type.

Every generated dataset is a `Table` of numpy arrays (integers only: day numbers, minute
numbers, category codes, row numbers) plus, per row, the day it becomes known to the source
system (`known_from`) and the day it changes once (`changes_on`, e.g. a discharge filling in
`discharged_at`). Strings are made only when a slice is turned into Arrow for writing, so
1.5 million persons fit in memory and no Python loop ever runs per row.

A negative integer is null in every coded column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL = -1
EPOCH = dt.date(1970, 1, 1)
MINUTES_PER_DAY = 24 * 60


def day_of(date: dt.date) -> int:
    """The day number (days since 1970-01-01) of a date."""
    return (date - EPOCH).days


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def to_weekday(days: np.ndarray) -> np.ndarray:
    """Move Saturdays back to Friday and Sundays on to Monday: offices work on weekdays."""
    days = np.asarray(days, dtype=np.int64)
    day = weekday(days)
    return days + np.where(day == 5, -1, 0) + np.where(day == 6, 1, 0)


def segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes: each element's group and its position inside the group."""
    counts = np.asarray(counts, dtype=np.int64)
    group = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(group.size, dtype=np.int64) - np.repeat(starts, counts)
    return group, position


def pick(rng: np.random.Generator, weights: dict[str, float] | list[float], size: int) -> np.ndarray:
    """Category codes drawn with the given weights (dict order = code order)."""
    values = np.array(list(weights.values()) if isinstance(weights, dict) else weights, float)
    bounds = np.cumsum(values / values.sum())
    codes = np.searchsorted(bounds, rng.random(size), side="right")
    return np.minimum(codes, values.size - 1).astype(np.int16)


def chronological(days: np.ndarray) -> np.ndarray:
    """A stable order by day (ties keep their order): a radix sort on 16-bit day offsets."""
    days = np.asarray(days)
    if days.size == 0:
        return np.zeros(0, dtype=np.int64)
    offset = days - days.min()
    narrow = np.int16 if offset.max() < np.iinfo(np.int16).max else np.int64
    return np.argsort(offset.astype(narrow), kind="stable")


NARROW = {"id": np.int64, "key": np.int32, "enum": np.int32, "date": np.int32, "ts": np.int64,
          "int": np.int32, "bool": np.int8}


@dataclass
class Col:
    """One coded column. `revealed_on`: the value is unknown (null, or `fallback`) before that day."""

    kind: str  # id | key | enum | date | ts | int | bool
    data: np.ndarray
    prefix: str = ""
    width: int = 0
    categories: tuple[str, ...] = ()
    revealed_on: np.ndarray | None = None
    fallback: int | None = None

    def __post_init__(self) -> None:
        # narrow integers keep 1.5 million persons' records in a few GB
        self.data = np.asarray(self.data).astype(NARROW[self.kind], copy=False)
        if self.revealed_on is not None:
            self.revealed_on = np.asarray(self.revealed_on).astype(np.int32, copy=False)

    def values_as_of(self, rows: np.ndarray, as_of: int) -> np.ndarray:
        data = self.data[rows]
        if self.revealed_on is not None:
            hidden = self.revealed_on[rows] > as_of
            data = np.where(hidden, NULL if self.fallback is None else self.fallback, data)
        return data

    def arrow(self, rows: np.ndarray, as_of: int, keys: pa.Array) -> pa.Array:
        data = self.values_as_of(rows, as_of)
        null = data < 0
        mask = null if null.any() else None
        if self.kind == "id":
            digits = pc.utf8_lpad(pa.array(data, pa.int64()).cast(pa.string()), self.width, "0")
            return pc.binary_join_element_wise(self.prefix, digits, "")
        if self.kind in ("key", "enum"):
            lookup = keys if self.kind == "key" else pa.array(self.categories, pa.string())
            return pc.take(lookup, pa.array(data, pa.int64(), mask=mask))
        if self.kind == "date":
            return pa.array(data.astype(np.int32), pa.int32(), mask=mask).view(pa.date32())
        if self.kind == "ts":
            seconds = data.astype(np.int64) * 60
            return pa.array(seconds, pa.int64(), mask=mask).view(pa.timestamp("s"))
        if self.kind == "int":
            return pa.array(data.astype(np.int64), pa.int64(), mask=mask)
        if self.kind == "bool":
            return pa.array(data == 1, pa.bool_(), mask=mask)
        raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    """One dataset's rows as the source system will know them by its latest extract date."""

    dataset: str
    cols: dict[str, Col]
    known_from: np.ndarray
    changes_on: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # helper arrays, never written

    def __post_init__(self) -> None:
        self.known_from = np.asarray(self.known_from).astype(np.int32, copy=False)
        if self.changes_on is not None:
            self.changes_on = np.asarray(self.changes_on).astype(np.int32, copy=False)

    def __len__(self) -> int:
        return int(self.known_from.size)

    def rows_known_by(self, day: int) -> np.ndarray:
        return np.flatnonzero(self.known_from <= day)

    def rows_new_or_changed(self, after: int, by: int) -> np.ndarray:
        """Rows a delta extract on day `by` re-delivers after a full extract on day `after`."""
        new = (self.known_from > after) & (self.known_from <= by)
        if self.changes_on is None:
            return np.flatnonzero(new)
        changed = (self.known_from <= after) & (self.changes_on > after) & (self.changes_on <= by)
        return np.flatnonzero(new | changed)

    def to_arrow(
        self, names: list[str], rows: np.ndarray, as_of: int, keys: pa.Array,
        deleted: np.ndarray | None = None,
    ) -> pa.Table:
        """The named columns of `rows` as delivered on day `as_of` (`deleted` appended if given)."""
        arrays = [self.cols[name].arrow(rows, as_of, keys) for name in names]
        if deleted is not None:
            arrays.append(pa.array(deleted, pa.bool_()))
            names = [*names, "deleted"]
        return pa.table(arrays, names=names)
