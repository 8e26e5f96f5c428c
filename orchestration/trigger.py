"""LandingTrigger: an event trigger that fires when a partner drops a file, and never touches it.

Airflow 3's stock file event triggers (`FileDeleteTrigger`, `DirectoryFileDeleteTrigger`) delete the
file they find. A partner's delivery is the partnership's record and must never be destroyed by the
scheduler, so sammen watches its landing folders with this trigger instead:

- it lists `<SAMMEN_HOME>/landing/<source>/` every `poll_interval` seconds (in the triggerer: no
  worker slot is held while waiting);
- a data file (`.csv` / `.parquet`, any case; manifest sidecars are not data files) fires once its
  size and modification time stayed the same for two consecutive polls, so a file still being
  copied is not picked up half-written;
- files already announced are remembered in the asset's state store (`asset_state_store`, injected
  by the triggerer), keyed by name with a size/mtime signature, so a triggerer restart does not
  announce them again, and a file re-delivered under the same name with new content fires again;
- names that left the folder (ingestion moves files to archive/ or rejected/) are forgotten.

The sammen home is read from the environment (`SAMMEN_HOME`) when the trigger runs, not when the DAG
file is parsed: the serialized kwargs hold only the source name and the poll interval, so they are
deterministic and the same trigger is recognised across DAG re-parses.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent
from pydantic import JsonValue

DATA_SUFFIXES = (".csv", ".parquet")
SEEN_KEY = "announced"


def default_home() -> Path:
    """The sammen home the Airflow processes work on: env SAMMEN_HOME, else `<repo>/var`."""
    value = os.environ.get("SAMMEN_HOME")
    if value:
        return Path(value).expanduser().resolve()
    return Path(__file__).resolve().parents[1] / "var"


def is_data_file(path: Path) -> bool:
    """A delivered extract (not a manifest sidecar, not a hidden or temporary file)."""
    return (
        path.is_file()
        and not path.name.startswith(".")
        and path.name.lower().endswith(DATA_SUFFIXES)
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Name -> "size:mtime_ns" for every data file in `folder` (empty when it does not exist).

    A name holding a CPR number is redacted as the ledger stores it (`[cpr]`): these names go to
    Airflow's database (event payloads, the state store) and into task names."""
    from ingestion.files import redacted_name  # DAG parsing stays light (docs/architecture.md)

    if not folder.is_dir():
        return {}
    result: dict[str, str] = {}
    for path in folder.iterdir():
        try:
            if is_data_file(path):
                stat = path.stat()
                result[redacted_name(path.name)] = f"{stat.st_size}:{stat.st_mtime_ns}"
        except FileNotFoundError:  # moved away between listing and stat
            continue
    return result


def settled_new_files(
    previous: dict[str, str], current: dict[str, str], announced: dict[str, str]
) -> list[str]:
    """Files unchanged since the previous poll whose signature has not been announced yet."""
    return sorted(
        name
        for name, signature in current.items()
        if previous.get(name) == signature and announced.get(name) != signature
    )


class LandingTrigger(BaseEventTrigger):
    """Fire one event per batch of newly settled files in one partner's landing folder."""

    def __init__(self, source: str, poll_interval: float = 5.0) -> None:
        super().__init__()
        self.source = source
        self.poll_interval = float(poll_interval)
        self._memory: dict[str, str] = {}  # used when no state store is injected (tests, dags test)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "orchestration.trigger.LandingTrigger",
            {"source": self.source, "poll_interval": self.poll_interval},
        )

    def folder(self) -> Path:
        return default_home() / "landing" / self.source

    async def _load_announced(self) -> dict[str, str]:
        if self.asset_state_store is None:
            return dict(self._memory)
        stored = await self.asset_state_store.aget(SEEN_KEY, default={})
        return {str(name): str(seen) for name, seen in stored.items()} if isinstance(stored, dict) else {}

    async def _save_announced(self, announced: dict[str, str]) -> None:
        self._memory = dict(announced)
        if self.asset_state_store is None:
            return
        if announced:
            stored: dict[str, JsonValue] = dict(announced)
            await self.asset_state_store.aset(SEEN_KEY, stored)
        else:
            await self.asset_state_store.adelete(SEEN_KEY)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        folder = self.folder()
        self.log.info(
            "watching %s every %.1f s (files are never modified)", folder, self.poll_interval
        )
        announced = await self._load_announced()
        previous: dict[str, str] = {}
        while True:
            current = await asyncio.to_thread(snapshot, folder)
            new_files = settled_new_files(previous, current, announced)
            forgotten = set(announced) - set(current)
            if new_files:
                self.log.info("%d new file(s) in landing/%s", len(new_files), self.source)
                yield TriggerEvent(
                    {"source": self.source, "files": new_files, "folder": str(folder)}
                )
            if new_files or forgotten:
                announced = {k: v for k, v in announced.items() if k in current}
                announced.update({name: current[name] for name in new_files})
                await self._save_announced(announced)
            previous = current
            await asyncio.sleep(self.poll_interval)
