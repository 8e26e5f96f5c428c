"""A hostname for Airflow's `[core] hostname_callable`, per process: two Celery workers on one
machine would otherwise record the same host in task_instance.hostname."""

from __future__ import annotations

import os

ENV = "SAMMEN_TEST_WORKER_NAME"


def hostname() -> str:
    return os.environ[ENV]
