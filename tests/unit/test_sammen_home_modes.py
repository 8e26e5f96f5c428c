"""Least privilege on disk: Home.ensure sets an owner-only umask and tightens an existing home
(finding 6 of issue 16: everything was 0644 in 0755 folders)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.home import Home


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask of a default login shell (0022), restored after the test."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _world_readable_home(root: Path, outside: Path) -> Home:
    """A home as sammen left it before issue 16: 0755 folders, 0644 files, and a symlink."""
    files = [
        "warehouse/sammen.duckdb", "marts/cohort.parquet", "archive/ngo/sessions__20250301.csv",
        "rejected/ngo/sessions__20250302.csv", "rejected/restricted/x.csv", "docs/dbt/index.html",
        "landing/ngo/sessions__20250303.csv", "published/indicators.csv", "published/sub/report.html",
    ]
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        path.write_text("x")
        path.chmod(0o644)
    (root / "landing/ngo/link.csv").symlink_to(outside)
    return Home.at(root)


def test_ensure_tightens_an_existing_world_readable_home(tmp_path, loose_umask):
    # GIVEN a home with 0755 folders and 0644 files, and a link in landing to a file outside it
    outside = tmp_path / "outside.csv"
    outside.write_text("not sammen's")
    outside.chmod(0o644)
    home = _world_readable_home(tmp_path / "home", outside)
    # WHEN a stage starts
    home.ensure()
    # THEN everything is owner-only but the home (passable) and published/ (group-readable)
    assert mode(home.root) == 0o750
    for path in home.root.rglob("*"):
        relative = path.relative_to(home.root)
        if path.is_symlink():
            continue
        shared = relative.parts[0] == "published"
        wanted = (0o750 if shared else 0o700) if path.is_dir() else (0o640 if shared else 0o600)
        assert mode(path) == wanted, f"{relative}: {oct(mode(path))}, wanted {oct(wanted)}"
    # and the link was not followed: its target outside the home kept its mode
    assert mode(outside) == 0o644


def test_after_ensure_new_files_are_owner_only(tmp_path, loose_umask):
    # GIVEN a process with a loose umask WHEN it prepares a home THEN what it writes next is 0600
    home = Home.at(tmp_path / "home").ensure()
    written = home.warehouse_dir / "new.bin"
    written.write_bytes(b"x")
    (home.marts / "new").mkdir()
    assert mode(written) == 0o600
    assert mode(home.marts / "new") == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_file_of_another_user_is_left_as_it_is_with_one_warning_naming_no_file(tmp_path, caplog):
    # GIVEN a partner's own file in landing, 0644, whose name holds a CPR-like number
    home = Home.at(tmp_path / "home").ensure()
    theirs = home.landing_for("ngo") / "sessions__20250301__0101901234.csv"
    theirs.write_text("x")
    theirs.chmod(0o644)
    os.chown(theirs, 12345, 12345)
    # WHEN a stage starts
    home.ensure()
    # THEN the file keeps its mode, the run goes on, and the warning names no file
    assert mode(theirs) == 0o644
    assert "1 path(s)" in caplog.text
    assert "0101901234" not in caplog.text
