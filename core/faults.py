"""Fault injection for the tests: a pause at a named point, or a named safeguard switched off, by
environment only. It is the one place test-only behaviour enters product code.

Product code marks the moments a crash would hurt most with `pause_point("<name>")`. Unless
`SAMMEN_FAULT_PAUSE_AT` names that point this is one dictionary look-up and nothing else; when it
does, the process writes the file `SAMMEN_FAULT_MARKER` (so the test knows where it is) and sleeps
`SAMMEN_FAULT_PAUSE_SECONDS` (default 60), for the test to SIGKILL it right there. The tests
(e.g. tests/integration/test_publishing_swap.py) thus kill a real process at a real point.

Points: `ingest.load` (a file's rows inserted, its load transaction not yet committed),
`publish.swap` (the staged folder is complete, the swap not yet made), `publish.swapped`
(swapped in, the old set not yet removed).

`switched_off("<name>")` is true when `SAMMEN_FAULT_SWITCH_OFF` names that safeguard, so a test can
show the harm the safeguard prevents. Safeguards: `release_guard` (a publish ignores earlier
releases, every release controlled as if it were the first; the release is recorded with
release_guard = false; tests/integration/test_publishing_release_scenarios.py). The product has no
option for either: only these environment variables, which no deployment sets.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT_ENV = "SAMMEN_FAULT_PAUSE_AT"
MARKER_ENV = "SAMMEN_FAULT_MARKER"
SECONDS_ENV = "SAMMEN_FAULT_PAUSE_SECONDS"
SWITCH_OFF_ENV = "SAMMEN_FAULT_SWITCH_OFF"


def pause_point(name: str) -> None:
    """Pause here when the environment asks for this point (see the module docstring)."""
    if os.environ.get(PAUSE_AT_ENV) != name:
        return
    if marker := os.environ.get(MARKER_ENV):
        Path(marker).write_text(name + "\n", encoding="utf-8")
    time.sleep(float(os.environ.get(SECONDS_ENV, "60")))


def switched_off(safeguard: str) -> bool:
    """Has the environment switched this safeguard off (see the module docstring)?"""
    return os.environ.get(SWITCH_OFF_ENV) == safeguard
