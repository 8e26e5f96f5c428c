"""Progress output for long work: one line when a stage starts, one when it ends, with timings.

Messages never carry data values (no person_key, nothing from a row): counts and names only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Progress:
    stream: object = field(default_factory=lambda: sys.stderr)  # looked up late: tests capture it
    quiet: bool = False
    verbose: bool = False  # `-v`: every file and check, not only what needs attention
    timings: dict[str, float] = field(default_factory=dict)
    _depth: int = 0  # stages open now: a stage inside a stage is a step, shown with -v only

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)  # type: ignore[arg-type]

    def detail(self, message: str) -> None:
        """A line only a verbose run shows (a file loaded as expected, a table of checks)."""
        if self.verbose:
            self.say(message)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        show = self.say if self._depth == 0 else self.detail
        show(f"==> {name} ...")
        started = time.perf_counter()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            elapsed = time.perf_counter() - started
            self.timings[name] = elapsed
            show(f"<== {name} done in {elapsed:.1f} s")
