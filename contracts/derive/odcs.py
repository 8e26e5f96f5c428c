"""Open Data Contract Standard (ODCS v3.1.0) YAML per dataset, derived from its contract.

The document describes the delivery as partners send it (every column of the contract, `deleted`
included), one `schema` object per dataset. Quality rules are the contract's checks
(`contracts.derive.checks`): column rules as ODCS library metrics (`nullValues`,
`invalidValues` with `validValues` or `pattern`, `duplicateValues`), references and cross-column
rules as SQL counting the rows that break them. ODCS's `dimension` vocabulary differs from the
OHDSI Data Quality Dashboard's, so each rule carries both: `dimension` (mapped) and the DQD kind
as the custom property `checkKind`.
"""

from __future__ import annotations

from typing import Any

import yaml

from contracts import CONTRACTS
from contracts.base import DatasetContract
from contracts.columns import ColumnSpec, Kind
from contracts.derive.checks import ODCS_DIMENSIONS, CheckSpec, contract_checks
from contracts.derive.partners import PARTNERS, summary
from contracts.limits import FILE_LIMITS

API_VERSION = "v3.1.0"
LOGICAL_TYPES: dict[Kind, str] = {
    Kind.KEY: "string",
    Kind.ID: "string",
    Kind.DATE: "date",
    Kind.TS: "timestamp",
    Kind.BOOL: "boolean",
    Kind.INT: "integer",
    Kind.ENUM: "string",
    Kind.TEXT: "string",
    Kind.SECTORS: "string",
}
# Per-rule dimension where ODCS has a closer word than the DQD kind's default mapping.
RULE_DIMENSIONS = {"unique": "uniqueness", "references": "consistency"}


def semantic_version(contract: type[DatasetContract]) -> str:
    """ODCS versions are semantic: contract version `1.1` is `1.1.0`."""
    parts = contract.version.split(".")
    return ".".join((parts + ["0", "0"])[:3])


def odcs_document(contract: type[DatasetContract]) -> dict[str, Any]:
    checks = contract_checks(contract, columns=contract.columns())
    return {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": f"sammen-{contract.dataset}".replace("_", "-"),
        "name": contract.dataset,
        "version": semantic_version(contract),
        "status": "active",
        "domain": contract.source,
        "dataProduct": "sammen",
        "tags": ["sammen", contract.source],
        "description": {
            "purpose": summary(contract),
            "usage": _usage(contract),
            "limitations": (
                "Pseudonymised: person_key (HMAC-SHA256 of the CPR number under the partnership's "
                "key) is the only person identifier. A file in which any field looks like a CPR "
                "number is rejected whole, and so is one whose header, manifest or Parquet/Arrow "
                "metadata holds one. Names, addresses, phone numbers and free-text notes "
                "are not part of any dataset. " + " ".join(FILE_LIMITS.partner_rules())
            ),
        },
        "schema": [{
            "name": contract.dataset,
            "physicalName": contract.dataset,
            "physicalType": "table",
            "logicalType": "object",
            "description": summary(contract),
            "properties": [_property(contract, column, checks) for column in contract.columns()],
            "quality": [_quality(contract, check) for check in checks if check.column is None],
        }],
        "customProperties": [
            {"property": "naturalKey", "value": list(contract.natural_key)},
            {"property": "contract", "value": contract.qualified_name()},
            # file-level limits (contracts.limits), machine-readable beside the prose above
            {"property": "maxColumns", "value": FILE_LIMITS.max_columns},
            {"property": "maxRowBytes", "value": FILE_LIMITS.max_line_bytes},
            {"property": "maxFieldBytes", "value": FILE_LIMITS.max_field_bytes},
        ],
    }


def odcs_yaml(contract: type[DatasetContract]) -> str:
    header = (
        f"# GENERATED from contracts/ ({contract.qualified_name()}): do not edit by hand.\n"
        "# Regenerate with `sammen contracts export`.\n"
    )
    return header + yaml.safe_dump(odcs_document(contract), sort_keys=False, allow_unicode=True, width=100)


def odcs_documents() -> dict[str, dict[str, Any]]:
    return {name: odcs_document(contract) for name, contract in CONTRACTS.items()}


def _usage(contract: type[DatasetContract]) -> str:
    usage = (
        f"Delivered by {PARTNERS[contract.source]} into landing/{contract.source}/ as "
        f"{contract.dataset}__YYYYMMDD[__text].csv or .parquet (YYYYMMDD = extract date)."
    )
    if contract.natural_key:
        usage += (f" Natural key {', '.join(contract.natural_key)}: the latest delivery wins; "
                  "deleted = true retracts the key.")
    if replaced_per := getattr(contract, "replaced_per", None):
        usage += f" Replaced per {replaced_per}: a later file replaces all rows of its {replaced_per}s."
    return usage


def _property(contract: type[DatasetContract], column: ColumnSpec,
              checks: tuple[CheckSpec, ...]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": column.name,
        "physicalName": column.name,
        "logicalType": LOGICAL_TYPES[column.kind],
        "physicalType": column.duckdb_type,
        "description": column.description,
        "required": not column.nullable,
    }
    if column.name in contract.natural_key:
        entry["primaryKey"] = True
        entry["primaryKeyPosition"] = contract.natural_key.index(column.name) + 1
        entry["unique"] = len(contract.natural_key) == 1
    if options := _type_options(column):
        entry["logicalTypeOptions"] = options
    if column.kind is Kind.KEY:
        entry["classification"] = "pseudonymised"
    references = [check for check in checks if check.column == column.name and check.rule == "references"]
    if references:
        entry["relationships"] = [
            {"type": "foreignKey", "to": f"{check.params['dataset']}.{check.params['column']}"}
            for check in references
        ]
    quality = [_quality(contract, check) for check in checks if check.column == column.name]
    if quality:
        entry["quality"] = quality
    return entry


def _type_options(column: ColumnSpec) -> dict[str, Any]:
    if column.kind in (Kind.KEY, Kind.ID) and column.pattern:
        return {"pattern": column.pattern}
    if column.kind is Kind.DATE:
        return {"format": "yyyy-MM-dd"}
    if column.kind is Kind.TS:
        return {"format": "yyyy-MM-dd HH:mm[:ss]", "timezone": False, "defaultTimezone": "Europe/Copenhagen"}
    if column.kind is Kind.INT:
        bounds = {"minimum": column.minimum, "maximum": column.maximum}
        return {"format": "i64", **{key: value for key, value in bounds.items() if value is not None}}
    if column.kind is Kind.TEXT:
        return {"minLength": 1}
    return {}


def _quality(contract: type[DatasetContract], check: CheckSpec) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": check.name,
        "name": check.name,
        "description": check.description,
        "dimension": RULE_DIMENSIONS.get(check.rule, ODCS_DIMENSIONS[check.check_kind]),
        "severity": "error",
    }
    rule.update(_measure(contract, check))
    rule["customProperties"] = [{"property": "checkKind", "value": check.check_kind}]
    return rule


def _measure(contract: type[DatasetContract], check: CheckSpec) -> dict[str, Any]:
    """How ODCS states the check: a library metric where one fits, else SQL."""
    if check.rule == "not_null":
        return {"type": "library", "metric": "nullValues", "mustBe": 0}
    if check.rule in ("pattern", "sectors"):
        return {"type": "library", "metric": "invalidValues",
                "arguments": {"pattern": check.params["pattern"]}, "mustBe": 0}
    if check.rule in ("enum", "reference"):
        return {"type": "library", "metric": "invalidValues",
                "arguments": {"validValues": check.params["values"]}, "mustBe": 0}
    if check.rule == "unique":
        return {"type": "library", "metric": "duplicateValues", "mustBe": 0}
    if check.rule == "range":
        predicate = f"{check.column} between {check.params['minimum']} and {check.params['maximum']}"
    elif check.rule == "references":
        target, column = check.params["dataset"], check.params["column"]
        predicate = f"{column} is null or {column} in (select {column} from {target})"
    else:
        assert check.contract_rule is not None
        predicate = check.contract_rule.sql()
    return {"type": "sql", "query": f"select count(*) from {contract.dataset} where not ({predicate})",
            "mustBe": 0}
