"""What a killed publish leaves beside published/ is repaired or removed by the next publish; the
fallback for filesystems without an atomic exchange still ends with one complete folder."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from publishing import outputs
from publishing.outputs import PublishedFolder


def _set(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "indicators.csv").write_text(text)
    return folder


def test_the_next_publish_removes_leftover_staging_and_old_folders(tmp_path):
    # GIVEN a published set and the folders two killed publishes left beside it
    target = _set(tmp_path / "published", "old\n")
    _set(tmp_path / ".published.staging-41", "half\n")
    _set(tmp_path / ".published.old-42", "older\n")
    # WHEN the next publish succeeds
    with PublishedFolder(target) as folder:
        folder.write_text("indicators.csv", "new\n")
    # THEN only published/ is left, with the new set, group-readable
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published"]
    assert (target / "indicators.csv").read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert stat.S_IMODE((target / "indicators.csv").stat().st_mode) == 0o640


def test_a_publish_after_a_kill_between_the_fallback_renames_puts_the_old_set_back(tmp_path):
    # GIVEN what a kill between the fallback's two renames leaves: no published/, the old set aside
    target = tmp_path / "published"
    _set(tmp_path / ".published.old-42", "old\n")
    # WHEN the next publish fails THEN published/ is the old set again, not missing
    with pytest.raises(RuntimeError, match="boom"):
        with PublishedFolder(target):
            raise RuntimeError("boom")
    assert (target / "indicators.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published"]


def test_without_an_atomic_exchange_the_two_renames_still_replace_the_set(tmp_path, monkeypatch):
    # GIVEN a filesystem without RENAME_EXCHANGE (simulated: every filesystem here has it)
    monkeypatch.setattr(outputs, "_exchange", lambda first, second: False)
    target = _set(tmp_path / "published", "old\n")
    # WHEN a publish succeeds THEN the new set is in place and nothing is left beside it
    with PublishedFolder(target) as folder:
        folder.write_text("indicators.csv", "new\n")
    assert (target / "indicators.csv").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published"]
