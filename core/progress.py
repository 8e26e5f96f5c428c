"""Progress output for long work: one line when a stage starts, one when it ends, with timings.

Every line goes to the Python log (logger `sammen.progress`): progress at INFO, warnings (a
rejected file, a failed check) at WARNING. The `sammen` command shows that logger on stderr
(`sammen.cli.show_progress`); Airflow files it in the task log at the same levels (a line printed
to stderr would be filed at level `error` there). A `stream` given explicitly (tests, benchmarks)
receives the lines as well.

Messages never carry data values (no person_key, nothing from a row): counts and names only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

LOG = logging.getLogger("sammen.progress")


@dataclass
class Progress:
    stream: object | None = None  # an extra copy of every line (tests capture it); None: the log only
    quiet: bool = False
    verbose: bool = False  # `-v`: every file and check, not only what needs attention
    timings: dict[str, float] = field(default_factory=dict)
    _depth: int = 0  # stages open now: a stage inside a stage is a step, shown with -v only

    def say(self, message: str) -> None:
        """Progress: INFO."""
        self._emit(logging.INFO, message)

    def warn(self, message: str) -> None:
        """Something needs a person's attention but the work goes on: WARNING."""
        self._emit(logging.WARNING, message)

    def _emit(self, level: int, message: str) -> None:
        if self.quiet:
            return
        LOG.log(level, message)
        if self.stream is not None:
            prefix = "warning: " if level >= logging.WARNING else ""
            print(prefix + message, file=self.stream, flush=True)  # type: ignore[arg-type]

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
