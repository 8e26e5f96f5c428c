"""LandingTrigger: announces settled new files once, never touches them, survives restarts."""

from __future__ import annotations

import asyncio
import os

import pytest

from orchestration.trigger import LandingTrigger, settled_new_files, snapshot


class FakeStore:
    """Stands in for the asset_state_store the triggerer injects."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    async def aget(self, key, default=None):
        return self.values.get(key, default)

    async def aset(self, key, value):
        self.values[key] = value

    async def adelete(self, key):
        self.values.pop(key, None)


async def _events(trigger: LandingTrigger, polls: int) -> list[dict]:
    """Run the trigger for `polls` polls and collect its event payloads."""
    found: list[dict] = []

    async def consume():
        async for event in trigger.run():
            found.append(event.payload)

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(trigger.poll_interval * (polls - 0.5))
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return found


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMMEN_HOME", str(tmp_path))
    folder = tmp_path / "landing" / "region"
    folder.mkdir(parents=True)
    return folder


def test_serialize_is_deterministic_and_holds_no_path():
    # GIVEN two triggers built alike THEN they serialize identically, without the home path
    a, b = LandingTrigger("region", 5), LandingTrigger("region", 5.0)
    assert a.serialize() == b.serialize()
    assert a.serialize() == (
        "orchestration.trigger.LandingTrigger",
        {"source": "region", "poll_interval": 5.0},
    )


def test_settled_new_files_waits_for_a_stable_signature_and_skips_announced():
    previous = {"a.csv": "1:1", "b.csv": "1:1", "c.csv": "1:1"}
    current = {"a.csv": "1:1", "b.csv": "2:2", "c.csv": "1:1", "d.csv": "1:1"}
    # a: settled and new; b: still growing; c: announced already; d: first sighting
    assert settled_new_files(previous, current, {"c.csv": "1:1"}) == ["a.csv"]


def test_snapshot_ignores_manifests_hidden_files_and_folders(landing):
    (landing / "admissions__20260301.csv").write_text("x")
    (landing / "admissions__20260301.csv.manifest.json").write_text("{}")
    (landing / ".admissions__20260302.csv.part").write_text("x")
    (landing / "sub.csv").mkdir()
    (landing / "outpatient_contacts__20260301.PARQUET").write_bytes(b"x")
    assert sorted(snapshot(landing)) == [
        "admissions__20260301.csv",
        "outpatient_contacts__20260301.PARQUET",
    ]


def test_snapshot_redacts_a_cpr_number_in_a_name(landing):
    # GIVEN a file whose name holds a CPR number WHEN the folder is listed for Airflow
    (landing / "admissions__20260301__0812901240.csv").write_text("x")
    names = sorted(snapshot(landing))
    # THEN the name goes to Airflow's database redacted, as the ledger stores it (the leak is
    # checked first, as a boolean: a failure must not print the number)
    leaked = any("0812901240" in name for name in names)
    assert not leaked
    assert names == ["admissions__20260301__[cpr].csv"]


def test_new_file_fires_once_and_is_never_deleted(landing):
    # GIVEN a file in landing and a trigger with a state store
    data = landing / "admissions__20260301.csv"
    data.write_text("admission_id\nA1\n")
    before = data.read_bytes(), os.stat(data).st_mtime_ns
    store = FakeStore()
    trigger = LandingTrigger("region", poll_interval=0.05)
    trigger.asset_state_store = store
    # WHEN it runs for several polls
    events = asyncio.run(_events(trigger, polls=6))
    # THEN one event names the file, the file is untouched, and it is remembered
    assert events == [
        {"source": "region", "files": ["admissions__20260301.csv"], "folder": str(landing)}
    ]
    assert (data.read_bytes(), os.stat(data).st_mtime_ns) == before
    assert list(store.values["announced"]) == ["admissions__20260301.csv"]


def test_restart_does_not_announce_again_but_a_changed_file_does(landing):
    data = landing / "surveys__20260301.csv"
    data.write_text("v1")
    store = FakeStore()
    first = LandingTrigger("region", poll_interval=0.05)
    first.asset_state_store = store
    assert len(asyncio.run(_events(first, polls=4))) == 1
    # WHEN a new trigger (triggerer restart) starts with the same store THEN nothing fires
    second = LandingTrigger("region", poll_interval=0.05)
    second.asset_state_store = store
    assert asyncio.run(_events(second, polls=4)) == []
    # WHEN the partner re-delivers the same name with new content THEN it fires again
    data.write_text("version two")
    third = LandingTrigger("region", poll_interval=0.05)
    third.asset_state_store = store
    assert [e["files"] for e in asyncio.run(_events(third, polls=4))] == [["surveys__20260301.csv"]]


def test_files_moved_away_are_forgotten(landing):
    data = landing / "enrolments__20260301.csv"
    data.write_text("x")
    store = FakeStore()
    trigger = LandingTrigger("region", poll_interval=0.05)
    trigger.asset_state_store = store

    async def scenario():
        task = asyncio.ensure_future(_events(trigger, polls=8))
        await asyncio.sleep(0.2)
        data.unlink()  # ingestion moved it to archive/
        return await task

    assert len(asyncio.run(scenario())) == 1
    assert "announced" not in store.values
