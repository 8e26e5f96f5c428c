"""Fault injection for the kill tests: a pause at a named point, switched on by environment only.

Product code marks the moments a crash would hurt most with `pause_point("<name>")`. Unless
`SAMMEN_FAULT_PAUSE_AT` names that point this is one dictionary look-up and nothing else; when it
does, the process writes the file `SAMMEN_FAULT_MARKER` (so the test knows where it is) and sleeps
`SAMMEN_FAULT_PAUSE_SECONDS` (default 60), for the test to SIGKILL it right there. The tests
(e.g. tests/integration/test_publishing_swap.py) thus kill a real process at a real point.

Points: `publish.swap` (the staged folder is complete, the swap not yet made), `publish.swapped`
(swapped in, the old set not yet removed).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT_ENV = "SAMMEN_FAULT_PAUSE_AT"
MARKER_ENV = "SAMMEN_FAULT_MARKER"
SECONDS_ENV = "SAMMEN_FAULT_PAUSE_SECONDS"


def pause_point(name: str) -> None:
    """Pause here when the environment asks for this point (see the module docstring)."""
    if os.environ.get(PAUSE_AT_ENV) != name:
        return
    if marker := os.environ.get(MARKER_ENV):
        Path(marker).write_text(name + "\n", encoding="utf-8")
    time.sleep(float(os.environ.get(SECONDS_ENV, "60")))
