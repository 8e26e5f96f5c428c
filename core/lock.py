"""One writer at a time: an exclusive advisory lock (`flock`) on `warehouse/sammen.lock`.

DuckDB allows one writing process per database file; two overlapping runs would fail midway.
Writers take this lock first: a second run waits up to `timeout` seconds, then exits with a
clear message, and never touches the warehouse.

- The wait is the kernel's: a blocking `flock` (woken when the holder lets go, no polling),
  bounded by giving it up after `timeout` (see `_take`).
- Re-entrancy is explicit: the locks held are in a context variable, so a stage nested in
  `sammen run` (same thread, same context) finds its home's lock already held and goes on;
  another thread of the process is another writer and waits like another process.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO

from core.home import Home

_held: ContextVar[frozenset[Path]] = ContextVar("sammen_writer_locks_held", default=frozenset())


class WarehouseBusy(RuntimeError):
    pass


@contextmanager
def writer_lock(home: Home, timeout: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock (already held in this context: nothing more to take)."""
    if timeout is None:
        timeout = float(os.environ.get("SAMMEN_LOCK_TIMEOUT", "600"))
    home.warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = home.lock_file.resolve()
    if path in _held.get():
        yield
        return
    with open(path, "a+") as handle:
        if not _take(handle, timeout):
            raise WarehouseBusy(
                f"another sammen process is writing to {home.warehouse} "
                f"(waited {timeout:.0f} s); try again when it has finished"
            )
        token = _held.set(_held.get() | {path})
        try:
            yield
        finally:
            _held.reset(token)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take(handle: IO[str], timeout: float) -> bool:
    """Lock `handle` exclusively within `timeout` seconds; False if it stayed busy.

    Free: taken at once. Busy: a helper thread waits in a blocking `flock` on a duplicate of the
    descriptor (the same open file, so the lock it gets is `handle`'s). If the wait is given up,
    the helper lets the lock go the moment it gets it."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    duplicate = os.dup(handle.fileno())
    taken, decided, given_up = threading.Event(), threading.Lock(), threading.Event()

    def wait() -> None:
        try:
            fcntl.flock(duplicate, fcntl.LOCK_EX)
            with decided:
                if given_up.is_set():
                    fcntl.flock(duplicate, fcntl.LOCK_UN)
                else:
                    taken.set()
        finally:
            os.close(duplicate)

    threading.Thread(target=wait, name="sammen-writer-lock", daemon=True).start()
    taken.wait(timeout)
    with decided:
        if not taken.is_set():
            given_up.set()
    return taken.is_set()
