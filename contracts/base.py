"""The base of every dataset contract.

A contract is a pydantic model: its fields are the dataset's columns (types from
`contracts.columns`, enumerations from `contracts.enums`, a description each), its class variables
the dataset's name, source, version and natural key, and `contract_rules` the rules spanning
several columns. `columns()` and `rules()` are what everything else is derived from; `explain()`
tells in plain words why one row breaks the contract (never repeating the value).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from contracts.columns import Bool, ColumnSpec, Kind
from contracts.reference import allowed_values
from contracts.rules import CheckKind, Rule

# Column-level rule names, shared by the bulk SQL checks and the explanations.
COLUMN_RULES: dict[str, CheckKind] = {
    "not_null": "completeness",
    "type": "conformance",
    "pattern": "conformance",
    "enum": "conformance",
    "sectors": "conformance",
    "reference": "conformance",
    "range": "plausibility",
}
TRUE_WORDS = frozenset({"true", "1", "ja"})
FALSE_WORDS = frozenset({"false", "0", "nej"})
_PYDANTIC_RULES = {
    "missing": "not_null",
    "string_pattern_mismatch": "pattern",
    "string_too_short": "not_null",
    "enum": "enum",
    "greater_than_equal": "range",
    "less_than_equal": "range",
}


@dataclass(frozen=True)
class Violation:
    column: str | None
    rule: str
    check_kind: CheckKind
    message: str

    def __str__(self) -> str:
        where = f"column {self.column}: " if self.column else ""
        return f"{where}{self.message} [{self.rule}, {self.check_kind}]"


class DatasetContract(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, use_enum_values=False)

    dataset: ClassVar[str]
    source: ClassVar[str]
    title_da: ClassVar[str] = ""  # the docstring's first line in Danish (partner documents)
    version: ClassVar[str] = "1.1"
    natural_key: ClassVar[tuple[str, ...]] = ()
    contract_rules: ClassVar[tuple[Rule, ...]] = ()

    @classmethod
    def keyed(cls) -> bool:
        return bool(cls.natural_key)

    @classmethod
    def columns(cls) -> tuple[ColumnSpec, ...]:
        return _columns(cls)

    @classmethod
    def column(cls, name: str) -> ColumnSpec:
        for column in cls.columns():
            if column.name == name:
                return column
        raise KeyError(f"{cls.dataset} has no column {name!r}")

    @classmethod
    def rules(cls) -> tuple[Rule, ...]:
        return cls.contract_rules

    @classmethod
    def qualified_name(cls) -> str:
        """Name and version, e.g. `admissions v1.1` (the contract's identity in documents)."""
        return f"{cls.dataset} v{cls.version}"

    @classmethod
    def explain(cls, row: dict[str, Any]) -> list[Violation]:
        """Why `row` (raw strings as read, or typed values) breaks the contract; [] if it does not."""
        try:
            instance = cls.model_validate(row, context={"skip_rules": True})
        except ValidationError as error:
            # the input is read only to tell a null from a malformed value; it is never kept
            return [_violation(detail) for detail in error.errors(include_input=True, include_url=False)]
        return instance.rule_violations()

    def rule_violations(self) -> list[Violation]:
        """Reference lists, sector tokens and cross-column rules, on typed values."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        found = [v for column in self.columns() if (v := _value_violation(column, values))]
        found += [
            Violation(None if len(rule.columns) > 1 else rule.columns[0], rule.name,
                      rule.check_kind, rule.description)
            for rule in self.rules()
            if not rule.check(values)
        ]
        return found

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        """As delivered → as stored: trim, empty is null, spellings of booleans and enumerations."""
        if not isinstance(data, dict):
            return data
        lowered = {str(key).strip().lower(): value for key, value in data.items()}
        return {column.name: _normalise_value(column, lowered.get(column.name)) for column in cls.columns()}

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> DatasetContract:
        if info.context and info.context.get("skip_rules"):
            return self
        if violations := self.rule_violations():
            raise PydanticCustomError("contract_rule", "{rules}", {"rules": "; ".join(map(str, violations))})
        return self


class KeyedContract(DatasetContract):
    """A dataset with a natural key: a later delivery supersedes, `deleted = true` retracts."""

    deleted: Bool | None = Field(
        default=None, description="true retracts the row's natural key (supersede semantics)",
        json_schema_extra={"da": "true trækker rækkens nøgle tilbage (en senere levering erstatter en tidligere)"},
    )


@cache
def _columns(contract: type[DatasetContract]) -> tuple[ColumnSpec, ...]:
    specs = [ColumnSpec.from_field(name, field) for name, field in contract.model_fields.items()]
    # `deleted` comes from KeyedContract and is listed last, as in the partner documents
    return tuple(sorted(specs, key=lambda spec: spec.name == "deleted"))


def _normalise_value(column: ColumnSpec, value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        lowered = value.lower()
        if column.kind is Kind.BOOL:
            return True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else value
        if column.kind is Kind.ENUM:
            return {v.lower(): v for v in column.enum_values or ()}.get(lowered, value)
        if column.kind is Kind.SECTORS:
            return "|".join(token.strip().lower() for token in value.split("|"))
        if column.reference == "programmes":
            return lowered
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _value_violation(column: ColumnSpec, values: dict[str, Any]) -> Violation | None:
    value = values.get(column.name)
    if value is None:
        return None
    if column.kind is Kind.SECTORS:
        tokens = value.split("|")
        if not all(token in (column.enum_values or ()) for token in tokens):
            return Violation(column.name, "sectors", "conformance",
                             "an unknown or empty sector token; allowed: " + ", ".join(column.enum_values or ()))
    if column.reference and value not in allowed_values(column.reference):
        return Violation(column.name, "reference", "conformance", f"not a known code of the {column.reference} list")
    return None


def _violation(detail: Any) -> Violation:
    column = str(detail["loc"][0]) if detail["loc"] else None
    error_type = detail["type"]
    if error_type == "contract_rule":
        return Violation(column, "contract_rule", "plausibility", detail["msg"])
    if detail.get("input") is None:
        return Violation(column, "not_null", "completeness", "a value is required")
    rule = _PYDANTIC_RULES.get(error_type, "type")
    return Violation(column, rule, COLUMN_RULES[rule], detail["msg"].removeprefix("Value error, "))
