"""
### sammen publish: disclosure-controlled indicators and the board report

**Starts by itself** when the transform DAG updated the `sammen_marts` Asset.

Task `publish` (one-slot pool `sammen_warehouse`, writer lock, retried with backoff): applies
disclosure control to `marts.indicators` and writes `published/` (aggregates only) and the board
report, with the cutoff the marts were built with. Emits `sammen_published`.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from orchestration import assets, defaults, tasks


@dag(
    dag_id="sammen_publish",
    schedule=[assets.MARTS],
    start_date=defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=defaults.DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["sammen", "publish"],
)
def sammen_publish():
    @task(pool=defaults.WAREHOUSE_POOL, outlets=[assets.PUBLISHED])
    def publish(triggering_asset_events=None) -> dict:
        return tasks.publish(tasks.cutoff_from_events(triggering_asset_events))

    publish()


sammen_publish()
