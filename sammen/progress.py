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
    timings: dict[str, float] = field(default_factory=dict)

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
