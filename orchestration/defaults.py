"""Defaults shared by every sammen DAG: the writer pool, retries with backoff, the nightly time.

The DuckDB warehouse allows one writing process at a time. Every task that opens it runs in the
`sammen_warehouse` pool, which has a single slot, so Airflow never starts two of them at once;
inside the task, `core.lock.writer_lock` also guards against a `sammen run` started by hand.
"""

from __future__ import annotations

import datetime as dt

import pendulum

WAREHOUSE_POOL = "sammen_warehouse"
WAREHOUSE_POOL_SLOTS = 1
WAREHOUSE_POOL_DESCRIPTION = "DuckDB warehouse writers: one at a time"

START_DATE = pendulum.datetime(2026, 1, 1, tz="Europe/Copenhagen")
NIGHTLY_CRON = "0 3 * * *"  # transform at the latest at 03:00 Danish time
TIMEZONE = "Europe/Copenhagen"

DEFAULT_ARGS: dict[str, object] = {
    "owner": "sammen",
    "retries": 3,
    "retry_delay": dt.timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": dt.timedelta(minutes=10),
}
