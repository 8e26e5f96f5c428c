"""Everything derived from the contracts: Arrow schemas, the GX suite, dbt sources, ODCS YAML and
partner documents. Nothing here states a column, type or rule of its own: each module renders
`contracts.derive.checks.contract_checks()` and `DatasetContract.columns()`.
"""
