"""One writer at a time: an exclusive advisory lock on `warehouse/sammen.lock`.

DuckDB allows one writing process per database file; two overlapping runs would fail midway.
Writers take this lock first: a second run waits up to `timeout` seconds, then exits with a
clear message, and never touches the warehouse.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from core.home import Home


class WarehouseBusy(RuntimeError):
    pass


@contextmanager
def writer_lock(home: Home, timeout: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock. Re-entrant within one process (nested stages)."""
    if timeout is None:
        timeout = float(os.environ.get("SAMMEN_LOCK_TIMEOUT", "600"))
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    home.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with open(home.lock_file, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another sammen process is writing to {home.warehouse} "
                        f"(waited {timeout:.0f} s); try again when it has finished"
                    ) from None
                time.sleep(0.2)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Held:
    depth = 0


_held = _Held()
