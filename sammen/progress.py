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
    timings: dict[str, float] = field(default_factory=dict)

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)  # type: ignore[arg-type]

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.say(f"==> {name} ...")
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.timings[name] = elapsed
            self.say(f"<== {name} done in {elapsed:.1f} s")
