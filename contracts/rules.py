"""Rules that span more than one column. Each is declared once in a contract and renders itself
both as a SQL predicate (the bulk check in DuckDB / PostgreSQL) and as a Python check (pydantic's
explanation of a rejected row), so the two can never drift apart.

Every predicate is TRUE when the row passes; a NULL operand passes (nullability is checked
separately, as completeness).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from contracts.sql import literal

CheckKind = Literal["conformance", "completeness", "plausibility"]


@dataclass(frozen=True)
class Rule:
    check_kind: ClassVar[CheckKind] = "plausibility"

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def description(self) -> str:
        raise NotImplementedError

    @property
    def columns(self) -> tuple[str, ...]:
        raise NotImplementedError

    def sql(self) -> str:
        raise NotImplementedError

    def check(self, row: dict[str, Any]) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class NotBefore(Rule):
    """`later >= earlier` (an end date before its start is quarantined)."""

    later: str
    earlier: str

    @property
    def name(self) -> str:
        return f"{self.later}_not_before_{self.earlier}"

    @property
    def description(self) -> str:
        return f"{self.later} must not be before {self.earlier}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.later, self.earlier)

    def sql(self) -> str:
        return f"({self.later} is null or {self.earlier} is null or {self.later} >= {self.earlier})"

    def check(self, row: dict[str, Any]) -> bool:
        later, earlier = row.get(self.later), row.get(self.earlier)
        return later is None or earlier is None or later >= earlier


@dataclass(frozen=True)
class AdultInYearOf(Rule):
    """The person is `age` or older in the year of `date_column` (year - birth_year >= age)."""

    birth_year: str
    date_column: str
    age: int = 18

    @property
    def name(self) -> str:
        return f"adult_in_year_of_{self.date_column}"

    @property
    def description(self) -> str:
        return f"the person must be {self.age} or older in the year of {self.date_column}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.birth_year, self.date_column)

    def sql(self) -> str:
        return (
            f"({self.birth_year} is null or {self.date_column} is null or "
            f"extract(year from {self.date_column}) - {self.birth_year} >= {self.age})"
        )

    def check(self, row: dict[str, Any]) -> bool:
        year, date = row.get(self.birth_year), row.get(self.date_column)
        return year is None or not isinstance(date, dt.date) or date.year - year >= self.age


@dataclass(frozen=True)
class RangeBy(Rule):
    """`column` lies in the inclusive range given for the value of `by`."""

    column: str
    by: str
    ranges: tuple[tuple[str, int, int], ...]

    @property
    def name(self) -> str:
        return f"{self.column}_in_range_for_{self.by}"

    @property
    def description(self) -> str:
        ranges = ", ".join(f"{value} {low}-{high}" for value, low, high in self.ranges)
        return f"{self.column} must lie in the range of its {self.by} ({ranges})"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.by)

    def sql(self) -> str:
        cases = " ".join(
            f"when {self.by} = {literal(value)} then {self.column} between {low} and {high}"
            for value, low, high in self.ranges
        )
        return f"({self.column} is null or {self.by} is null or (case {cases} else true end))"

    def check(self, row: dict[str, Any]) -> bool:
        value, by = row.get(self.column), row.get(self.by)
        if value is None or by is None:
            return True
        by = getattr(by, "value", by)
        return all(low <= value <= high for name, low, high in self.ranges if name == by)


@dataclass(frozen=True)
class NeverTrue(Rule):
    """`column` must not be true (a consent withdrawal cannot be retracted)."""

    column: str
    reason: str
    reason_da: str = ""  # the reason in Danish, for partners (contracts.messages)

    check_kind: ClassVar[CheckKind] = "conformance"

    @property
    def name(self) -> str:
        return f"{self.column}_not_allowed"

    @property
    def description(self) -> str:
        return f"{self.column} = true is not allowed: {self.reason}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def sql(self) -> str:
        return f"({self.column} is null or not {self.column})"

    def check(self, row: dict[str, Any]) -> bool:
        return row.get(self.column) is not True
