"""The same chain as tests/acceptance/test_orchestration_scheduler.py, on CeleryExecutor.

Redis (127.0.0.1:6379) is the broker, the local PostgreSQL holds the metadata and the Celery
results; two Celery workers run as separate processes (one task at a time each, on a queue of this
test's own). Files dropped into landing are ingested, transformed and published by themselves; the
broken file fails only its own verdict task; verdicts run on both workers; and the warehouse pool
still lets one writer run at a time. Every process started is stopped, the queue's keys deleted.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid

import pytest
from acceptance.test_orchestration_scheduler import (
    BAD_FILE,
    _drop,
    _runs,
    _synthetic_extracts,
    _wait_for,
)
from helpers import orchestration as af
from helpers import worker_name

from sammen.home import SOURCES, Home
from sammen.settings import REPO_ROOT

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow]

DEADLINE_SECONDS = 7 * 60
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
WORKERS = ("sammen-w1", "sammen-w2")
BROKER = "redis://127.0.0.1:6379/0"
POOL = "sammen_warehouse"


def _celery_env(env: dict[str, str], metadata_db: str, queue: str) -> dict[str, str]:
    return env | {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": BROKER,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg://postgres@127.0.0.1:5432/{metadata_db}",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
        "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
        # a busy 2-core machine answers the workers' calls to the execution API slowly
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": "10",
        "PYTHONPATH": str(REPO_ROOT / "tests"),
    }


def _worker(env: dict[str, str], log_dir, name: str, queue: str) -> af.Processes:
    processes = af.Processes(env | {worker_name.ENV: name,
                                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "helpers.worker_name.hostname"}, log_dir)
    processes.start(name, ["celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", queue,
                           "--concurrency", "1", "--skip-serve-logs"])
    return processes


def _delete_queue(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(BROKER)
    keys = [key for pattern in (queue, f"*{queue}*") for key in client.keys(pattern)]
    if keys:
        client.delete(*keys)


def test_celery_workers_run_the_chain_with_one_warehouse_writer_at_a_time(tmp_path, metadata_db):
    # GIVEN Airflow on CeleryExecutor with two workers, watching an empty sammen home
    deadline = time.monotonic() + DEADLINE_SECONDS
    home = Home.at(tmp_path / "home").ensure()
    delivery = _synthetic_extracts(tmp_path / "delivery")
    queue = f"sammen_test_{os.getpid()}"
    env = _celery_env(af.environment(tmp_path / "airflow", home.root, metadata_db, api_port=af.free_port()),
                      metadata_db, queue)
    af.run_cli(["pools", "set", POOL, "1", "DuckDB warehouse writers"], env)
    logs = tmp_path / "logs"
    with contextlib.ExitStack() as stack:
        processes = stack.enter_context(af.airflow_components(env, logs, COMPONENTS))
        workers = [_worker(env, logs, name, queue) for name in WORKERS]
        for worker in workers:
            stack.callback(worker.stop)
        stack.callback(_delete_queue, queue)
        everything = af.Processes(env, logs, {**processes.procs, **{k: v for w in workers for k, v in w.procs.items()}})
        _wait_for(lambda: len(af.query(metadata_db, "select 1 from trigger where triggerer_id is not null"))
                  >= len(SOURCES), everything, deadline, "the landing watchers to be registered")

        # WHEN partners drop their files (one of them broken)
        dropped = _drop(delivery, home)

        # THEN the chain runs by itself on the workers and publishes
        _wait_for(lambda: ("sammen_publish", "success") in _runs(metadata_db, "sammen_publish"),
                  everything, deadline, f"sammen_publish to succeed after dropping {dropped} files")
        _wait_for(lambda: all(state in ("success", "failed") for _, state in _runs(metadata_db, "sammen_ingest")),
                  everything, deadline, "the ingest runs to finish")

    assert (home.published / "indicators.csv").exists()
    # the broken file failed its own verdict task, nothing else failed
    failed = af.query(metadata_db, "select task_id, rendered_map_index from task_instance where state = 'failed'")
    assert failed == [("verdict", f"ngo/{BAD_FILE}")]
    # verdicts ran on both workers
    hosts = af.query(metadata_db, "select distinct hostname from task_instance where task_id = 'verdict'")
    assert {host for (host,) in hosts} == set(WORKERS)
    # every task ran through Celery on this test's queue
    queues = af.query(metadata_db, "select distinct queue from task_instance where start_date is not null")
    assert queues == [(queue,)]
    # one warehouse writer at a time: the pool's task instances that ran never overlap (a skipped
    # one, e.g. of the scheduled transform run before any delivery, gets start = end and no slot)
    writers = af.query(metadata_db, "select task_id, start_date, end_date from task_instance "
                                    "where pool = %s and state in ('success', 'failed') order by start_date",
                       (POOL,))
    assert len(writers) >= 3
    for (before, _, ended), (after, started, _) in zip(writers, writers[1:], strict=False):
        assert ended is not None and started >= ended, f"{after} started before {before} ended"
