"""
### sammen transform: dbt build of the marts

**Starts by itself** when any `sammen_resolved_<dataset>` Asset was updated by an ingest DAG, and
**at the latest nightly at 03:00 Danish time** (asset-or-time schedule), so the marts follow the
calendar (durations, "as of the cutoff") even on a day without deliveries.

Tasks (all in the one-slot pool `sammen_warehouse`, under the writer lock, retried with backoff)
- `cutoff`: the run's cutoff date (SAMMEN_CUTOFF, else the latest extract date in the ledger).
- `dbt_staging` -> `dbt_intermediate`: `dbt build` of one layer each (views and their tests), so a
  failing test points at its layer; a failed layer is retried or cleared on its own.
- `dbt_marts`: `transform.build` (full or nightly incremental build of the marts, dbt docs,
  Parquet export). Emits `sammen_marts` (with the cutoff), which starts the publish DAG.
"""

from __future__ import annotations

from airflow.sdk import AssetAny, AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from orchestration import assets, defaults, tasks


@dag(
    dag_id="sammen_transform",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(defaults.NIGHTLY_CRON, timezone=defaults.TIMEZONE),
        assets=AssetAny(*assets.all_resolved()),
    ),
    start_date=defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=defaults.DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["sammen", "transform", "dbt"],
)
def sammen_transform():
    @task(pool=defaults.WAREHOUSE_POOL)
    def cutoff() -> str:
        return tasks.compute_cutoff()

    @task(pool=defaults.WAREHOUSE_POOL)
    def dbt_layer(layer: str, cutoff: str) -> str:
        tasks.dbt_layer(layer, cutoff)
        return cutoff

    @task(pool=defaults.WAREHOUSE_POOL, outlets=[assets.MARTS])
    def dbt_marts(cutoff: str, outlet_events=None) -> str:
        tasks.dbt_layer("marts", cutoff)
        outlet_events[assets.MARTS].extra = {"cutoff": cutoff}
        return cutoff

    day = cutoff()
    staging = dbt_layer.override(task_id="dbt_staging")("staging", day)
    intermediate = dbt_layer.override(task_id="dbt_intermediate")("intermediate", staging)
    dbt_marts(intermediate)


sammen_transform()
