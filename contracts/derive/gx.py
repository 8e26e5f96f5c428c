"""The Great Expectations suite of a dataset, derived from its contract.

Two halves, so that the contract side stays fast and testable without importing GX (a slow
import):

- `expectation_specs(contract)` lists the expectations as plain data (GX class name, keyword
  arguments, meta with the DQD `check_kind`), one per `CheckSpec` plus column existence;
- `batch_query(contract, table)` is the DuckDB query that produces the batch: the stored columns,
  plus one boolean column per check GX cannot express over a single frame (references to other
  datasets, cross-column rules), computed with the very SQL the contract's rules render;
- `build_suite(name, specs)` turns specs into a `gx.ExpectationSuite` (imports GX).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.base import DatasetContract
from contracts.columns import ColumnSpec
from contracts.derive.checks import CheckSpec, contract_checks, is_identifier, stored_columns
from contracts.sql import ident

# Prefix of the computed boolean columns of a batch (one per reference / contract rule check).
CHECK_COLUMN_PREFIX = "_check__"


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation as data: `gx.expectations.<expectation>(**kwargs, meta=meta)`."""

    expectation: str
    kwargs: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")

    @property
    def check_kind(self) -> str:
        return self.meta["check_kind"]

    @property
    def check_name(self) -> str:
        return self.meta["check_name"]


def suite_name(contract: type[DatasetContract]) -> str:
    return f"{contract.dataset}.contract"


def check_column(check: CheckSpec) -> str:
    """The computed boolean column holding the outcome of a batch-computed check."""
    return f"{CHECK_COLUMN_PREFIX}{check.name}"


def batch_query(
    contract: type[DatasetContract],
    table: str,
    *,
    missing: frozenset[str] = frozenset(),
    schema: str = "resolved",
    home_config: Path | None = None,
) -> str:
    """DuckDB SQL reading `table` as a GX batch: stored columns + one boolean per computed check.

    References point to `<schema>.<target>`; targets named in `missing` (no such table yet) are
    left out, as `expectation_specs(..., missing=...)` leaves out their expectations."""
    select = [ident(column.name) for column in stored_columns(contract)]
    for check in _computed(contract, missing, home_config):
        select.append(f"{_predicate(check, schema)} as {ident(check_column(check))}")
    return f"select {', '.join(select)} from {table}"


def expectation_specs(
    contract: type[DatasetContract],
    *,
    home_config: Path | None = None,
    missing: frozenset[str] = frozenset(),
) -> tuple[ExpectationSpec, ...]:
    """The suite as data; references to the datasets in `missing` are left out."""
    columns = stored_columns(contract)
    specs = [
        ExpectationSpec("ExpectColumnToExist", {"column": column.name},
                        _meta(contract, f"{column.name}_exists", "conformance", "exists", column))
        for column in columns
    ]
    by_name = {column.name: column for column in columns}
    computed = {check.name for check in _computed(contract, missing, home_config)}
    for check in contract_checks(contract, home_config=home_config):
        if check.rule in ("references", "contract_rule"):
            if check.name not in computed:
                continue
            expectation, kwargs = "ExpectColumnValuesToBeInSet", {
                "column": check_column(check), "value_set": [True]}
        else:
            expectation, kwargs = _column_expectation(check)
        specs.append(ExpectationSpec(
            expectation, kwargs,
            _meta(contract, check.name, check.check_kind, check.rule, by_name.get(check.column or "")),
        ))
    return tuple(specs)


def build_suite(name: str, specs: tuple[ExpectationSpec, ...], meta: dict[str, Any] | None = None):
    """A `gx.ExpectationSuite` holding `specs` (imports GX: call it only when validating).

    For a contract: `build_suite(suite_name(c), expectation_specs(c))`."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=name, meta=meta or {})
    for spec in specs:
        suite.add_expectation(getattr(gxe, spec.expectation)(**spec.kwargs, meta=spec.meta))
    return suite


def _column_expectation(check: CheckSpec) -> tuple[str, dict[str, Any]]:
    column = {"column": check.column}
    if check.rule == "not_null":
        return "ExpectColumnValuesToNotBeNull", column
    if check.rule in ("pattern", "sectors"):
        return "ExpectColumnValuesToMatchRegex", {**column, "regex": check.params["pattern"]}
    if check.rule in ("enum", "reference"):
        return "ExpectColumnValuesToBeInSet", {**column, "value_set": check.params["values"]}
    if check.rule == "range":
        bounds = {"min_value": check.params["minimum"], "max_value": check.params["maximum"]}
        return "ExpectColumnValuesToBeBetween", {**column, **bounds}
    if check.rule == "unique":
        return "ExpectColumnValuesToBeUnique", column
    raise ValueError(f"no GX expectation for check {check.name} ({check.rule})")


def _computed(contract: type[DatasetContract], missing: frozenset[str],
              home_config: Path | None) -> tuple[CheckSpec, ...]:
    """Checks evaluated in SQL while the batch is read (GX then expects them all true)."""
    return tuple(
        check for check in contract_checks(contract, home_config=home_config)
        if check.rule == "contract_rule"
        or (check.rule == "references" and check.params["dataset"] not in missing)
    )


def _predicate(check: CheckSpec, schema: str) -> str:
    if check.contract_rule is not None:
        return check.contract_rule.sql()
    target, column = check.params["dataset"], check.params["column"]
    name = ident(column)
    return f"({name} is null or {name} in (select {name} from {schema}.{target}))"


def _meta(contract: type[DatasetContract], name: str, kind: str, rule: str,
          column: ColumnSpec | None) -> dict[str, Any]:
    return {
        "check_kind": kind,
        "check_name": name,
        "rule": rule,
        "dataset": contract.dataset,
        # values of identifier columns are never listed in results (see validation.scrub)
        "identifier": bool(column is not None and is_identifier(column)),
    }
