"""The browser helper's promise: without Chromium a browser test fails, with the fix in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import browser


def test_missing_chromium_fails_and_names_make_system_deps(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN no Chromium where the helper looks
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    # WHEN a browser is started THEN it raises an AssertionError (a failure, not a skip)
    with pytest.raises(AssertionError, match="make system-deps"):
        with browser.Browser():
            pass
    assert not list(tmp_path.iterdir())  # nothing started, nothing left behind
