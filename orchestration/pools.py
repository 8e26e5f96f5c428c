"""Create the Airflow pools sammen needs (idempotent); used by `make airflow`, the compose init and tests.

python -m orchestration.pools          # needs AIRFLOW_HOME / AIRFLOW__DATABASE__* set
"""

from __future__ import annotations

from orchestration.defaults import (
    WAREHOUSE_POOL,
    WAREHOUSE_POOL_DESCRIPTION,
    WAREHOUSE_POOL_SLOTS,
)


def ensure_pools() -> None:
    """Create or update the single-slot warehouse pool in Airflow's metadata database."""
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        name=WAREHOUSE_POOL,
        slots=WAREHOUSE_POOL_SLOTS,
        description=WAREHOUSE_POOL_DESCRIPTION,
        include_deferred=False,
    )


if __name__ == "__main__":
    ensure_pools()
    print(f"pool {WAREHOUSE_POOL}: {WAREHOUSE_POOL_SLOTS} slot")
