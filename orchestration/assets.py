"""The Airflow Assets that chain sammen's DAGs: landing folder -> resolved dataset -> marts -> published.

Names are stable identifiers (`sammen_...`), URIs use a private `sammen://` scheme: they describe
what changed, not where a given installation keeps it (the home comes from SAMMEN_HOME at run time).

    sammen_landing_<source>     updated by the LandingTrigger watcher when a partner drops a file
    sammen_resolved_<dataset>   updated by an ingest DAG for every dataset it loaded new rows into
    sammen_marts                updated by the transform DAG after the marts layer built
    sammen_published            updated by the publish DAG
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAlias, AssetWatcher

from contracts import CONTRACTS
from orchestration.trigger import LandingTrigger

POLL_INTERVAL_SECONDS = 5.0

MARTS = Asset(name="sammen_marts", uri="sammen://warehouse/marts", group="sammen")
PUBLISHED = Asset(name="sammen_published", uri="sammen://published", group="sammen")


def datasets_of(source: str) -> list[str]:
    """The datasets a partner delivers, from the contracts (one fact, one place)."""
    return [name for name, contract in CONTRACTS.items() if contract.source == source]


def landing(source: str, poll_interval: float = POLL_INTERVAL_SECONDS) -> Asset:
    """The partner's landing folder, watched in the triggerer (files are never deleted)."""
    return Asset(
        name=f"sammen_landing_{source}",
        uri=f"sammen://landing/{source}",
        group="sammen",
        watchers=[
            AssetWatcher(
                name=f"sammen_landing_{source}_watcher",
                trigger=LandingTrigger(source=source, poll_interval=poll_interval),
            )
        ],
    )


def resolved(dataset: str) -> Asset:
    """One dataset's resolved table (`resolved.<dataset>`), the dbt source it feeds."""
    return Asset(
        name=f"sammen_resolved_{dataset}",
        uri=f"sammen://warehouse/resolved/{dataset}",
        group="sammen",
    )


def all_resolved() -> list[Asset]:
    return [resolved(dataset) for dataset in CONTRACTS]


def loaded_alias(source: str) -> AssetAlias:
    """Alias an ingest task emits through: only datasets that really loaded rows get an event."""
    return AssetAlias(name=f"sammen_loaded_by_{source}", group="sammen")
