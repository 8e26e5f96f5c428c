"""The checks a contract implies, as plain data: the one list every derived artefact reads.

A contract states facts (a column is not nullable, takes one of these values, matches this
pattern, is the natural key, two columns obey a rule). `contract_checks()` turns those facts into
a flat list of `CheckSpec`s, each tagged with its OHDSI Data Quality Dashboard kind
(conformance / completeness / plausibility). The GX suite, the dbt column tests, the ODCS
quality rules and the partner document are renderings of this list, so none of them can state a
rule the contract does not, or miss one it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts import REFERENCES
from contracts.base import COLUMN_RULES, DatasetContract
from contracts.columns import ColumnSpec, Kind
from contracts.reference import allowed_values
from contracts.rules import CheckKind, Rule

# Columns whose values identify a person or a record: never listed in any check result.
IDENTIFIER_KINDS = frozenset({Kind.KEY, Kind.ID})
# How a DQD kind maps onto the dimension vocabulary of the Open Data Contract Standard.
ODCS_DIMENSIONS: dict[str, str] = {
    "conformance": "conformity",
    "completeness": "completeness",
    "plausibility": "accuracy",
}


@dataclass(frozen=True)
class CheckSpec:
    """One check a contract implies. `rule` is the COLUMN_RULES name, `unique`, `references`
    or `contract_rule`; `params` holds what the check needs (values, pattern, bounds, ...)."""

    name: str
    rule: str
    check_kind: CheckKind
    description: str
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    contract_rule: Rule | None = None


def stored_columns(contract: type[DatasetContract]) -> tuple[ColumnSpec, ...]:
    """The columns of `resolved.<dataset>` (and dbt's sources): the contract's, minus `deleted`,
    which only ever travels in deliveries (a retracted row is not resolved)."""
    return tuple(column for column in contract.columns() if column.name != "deleted")


def sectors_pattern(tokens: tuple[str, ...]) -> str:
    """A regex for a '|'-separated, non-empty list of the given tokens, as stored (trimmed)."""
    one = "(?:" + "|".join(re.escape(token) for token in tokens) + ")"
    return rf"^{one}(?:\|{one})*$"


def contract_checks(
    contract: type[DatasetContract],
    *,
    columns: tuple[ColumnSpec, ...] | None = None,
    home_config: Path | None = None,
) -> tuple[CheckSpec, ...]:
    """Every check of `contract` over `columns` (default: the stored columns), in column order,
    then key uniqueness, references to other datasets and the cross-column rules."""
    columns = stored_columns(contract) if columns is None else columns
    names = {column.name for column in columns}
    checks = [check for column in columns for check in _column_checks(column, home_config)]
    if len(contract.natural_key) == 1 and contract.natural_key[0] in names:
        key = contract.natural_key[0]
        checks.append(CheckSpec(
            f"{key}_unique", "unique", "conformance",
            f"{key} is the natural key: one current row per value", column=key,
        ))
    for dataset, column, target in REFERENCES:
        if dataset == contract.dataset and column in names:
            checks.append(CheckSpec(
                f"{column}_references_{target}", "references", "conformance",
                f"{column} must exist in {target}.{column}", column=column,
                params={"dataset": target, "column": column},
            ))
    for rule in contract.rules():
        if set(rule.columns) <= names:
            checks.append(CheckSpec(
                rule.name, "contract_rule", rule.check_kind, rule.description,
                column=rule.columns[0] if len(rule.columns) == 1 else None,
                params={"columns": list(rule.columns)}, contract_rule=rule,
            ))
    return tuple(checks)


def _column_checks(column: ColumnSpec, home_config: Path | None) -> list[CheckSpec]:
    checks = []

    def add(rule: str, description: str, **params: Any) -> None:
        checks.append(CheckSpec(
            f"{column.name}_{rule}", rule, COLUMN_RULES[rule], description, column=column.name,
            params=params,
        ))

    if not column.nullable:
        add("not_null", f"{column.name} must be present on every row")
    if column.pattern:
        add("pattern", f"{column.name} must match the pattern {column.pattern}", pattern=column.pattern)
    if column.kind is Kind.ENUM:
        add("enum", f"{column.name} must be one of the listed values",
            values=list(column.enum_values or ()))
    if column.kind is Kind.SECTORS:
        tokens = tuple(column.enum_values or ())
        add("sectors", f"{column.name} must be a '|'-separated list of: {', '.join(tokens)}",
            pattern=sectors_pattern(tokens), tokens=list(tokens))
    if column.reference:
        values = sorted(allowed_values(column.reference, home_config))
        add("reference", f"{column.name} must be a code of the {column.reference} list",
            reference=column.reference, values=values)
    if column.minimum is not None or column.maximum is not None:
        add("range", f"{column.name} must lie between {column.minimum} and {column.maximum}",
            minimum=column.minimum, maximum=column.maximum)
    return checks


def is_identifier(column: ColumnSpec) -> bool:
    """Values of these columns identify persons or records: no check result may list them."""
    return column.kind in IDENTIFIER_KINDS
