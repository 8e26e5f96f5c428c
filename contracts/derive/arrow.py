"""The Arrow schema of a dataset, derived from its contract (the reader casts every file to it)."""

from __future__ import annotations

import pyarrow as pa

from contracts import CONTRACTS
from contracts.base import DatasetContract
from contracts.derive.checks import stored_columns


def arrow_schema(contract: type[DatasetContract], *, with_deleted: bool = True) -> pa.Schema:
    """The typed columns in contract order with explicit nullability, plus the contract's
    identity in the schema metadata (so a Parquet file written with it says what it holds).

    `with_deleted=False` gives the shape of `resolved.<dataset>` (no retraction column)."""
    columns = contract.columns() if with_deleted else stored_columns(contract)
    return pa.schema(
        [column.arrow_field for column in columns],
        metadata={"dataset": contract.dataset, "contract_version": contract.version},
    )


def arrow_schemas(*, with_deleted: bool = True) -> dict[str, pa.Schema]:
    """The schema of every dataset by name, in spec order."""
    return {name: arrow_schema(contract, with_deleted=with_deleted) for name, contract in CONTRACTS.items()}
