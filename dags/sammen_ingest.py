"""
### sammen ingest (one DAG per partner: region, municipality, ngo)

**Starts by itself** when a partner drops a file into `landing/<source>/`: the partner's landing
Asset has an `AssetWatcher` whose `LandingTrigger` polls the folder in the *triggerer* (no worker
slot is held while waiting) and **never deletes or changes a delivered file**.

Tasks
- `ingest`: validates and loads the landing files (contracts, quarantine, ledger, resolution) under
  the warehouse writer lock, in the one-slot pool `sammen_warehouse`. It emits an Asset event for
  every dataset that loaded new rows (`sammen_resolved_<dataset>`), which starts the transform DAG.
  Retried with exponential backoff; idempotent (a file already in the ledger is a duplicate).
- `verdict` (one mapped task per delivered file, named `<source>/<file>`): fails, naming file and reason, when the file was
  rejected. It fails only its own task: loaded datasets have already been announced, and the other
  partners' DAGs are separate. The rejected file is in `rejected/<source>/` (`rejected/restricted/` when it
  holds a CPR number) and in `ledger.files`.

Run by hand (Trigger DAG) to re-examine whatever is in the partner's landing folder.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from core.home import SOURCES
from orchestration import assets, defaults, tasks


def build(source: str):
    """One partner's ingestion DAG (the structure only: the work is in orchestration.tasks)."""

    @dag(
        dag_id=f"sammen_ingest_{source}",
        schedule=[assets.landing(source)],
        start_date=defaults.START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=defaults.DEFAULT_ARGS,
        doc_md=__doc__,
        tags=["sammen", "ingest", source],
    )
    def ingest_dag():
        @task(pool=defaults.WAREHOUSE_POOL, outlets=[assets.loaded_alias(source)])
        def ingest(triggering_asset_events=None, outlet_events=None) -> list[dict]:
            files = tasks.landed_files(source, triggering_asset_events)
            result = tasks.ingest(source, files)
            for dataset, rows in sorted(result["loaded"].items()):
                outlet_events[assets.loaded_alias(source)].add(
                    assets.resolved(dataset), extra={"rows_loaded": rows, "by": source}
                )
            return result["verdicts"]

        @task(retries=0, map_index_template="{{ verdict_file }}")
        def verdict(file: dict) -> str:
            get_current_context()["verdict_file"] = f"{file['source']}/{file['file']}"
            return tasks.check_verdict(file)

        verdict.expand(file=ingest())

    return ingest_dag()


for _source in SOURCES:
    build(_source)
