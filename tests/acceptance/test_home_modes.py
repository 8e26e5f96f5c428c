"""GIVEN a process with the loose umask of a login shell (0022), WHEN `sammen synth` and
`sammen run` fill a fresh home (as `make demo` does: the session's demo run, tests/conftest.py),
THEN every folder and file under the home is owner-only, except the home itself (0750) and
published/ (0750 / 0640)."""

from __future__ import annotations

import stat

import pytest

from core.home import Home

pytestmark = pytest.mark.slow


def test_a_demo_home_is_owner_only_but_published(demo_home: Home):
    home = demo_home
    assert (home.published / "indicators.csv").exists()
    wrong = []
    for path in [home.root, *home.root.rglob("*")]:
        info = path.lstat()
        relative = path.relative_to(home.root)
        shared = path == home.root or relative.parts[0] == "published"
        if stat.S_ISDIR(info.st_mode):
            wanted = 0o750 if shared else 0o700
        else:
            wanted = 0o640 if shared else 0o600
        if stat.S_IMODE(info.st_mode) != wanted:
            wrong.append(f"{relative}: {oct(stat.S_IMODE(info.st_mode))} (wanted {oct(wanted)})")
    assert not wrong, "\n".join(wrong[:30])
