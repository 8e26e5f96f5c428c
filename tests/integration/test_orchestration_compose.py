"""docker-compose.yml is a valid, production-shaped stack whose secrets come from the environment.

Validated with `docker-compose config` (Debian's docker-compose package, installed by
scripts/system-deps.sh): it resolves anchors and interpolation and rejects schema errors.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
SECRETS = {
    "POSTGRES_PASSWORD": "test-pg",
    "REDIS_PASSWORD": "test-redis",
    "AIRFLOW_FERNET_KEY": "test-fernet",
    "AIRFLOW_API_SECRET_KEY": "test-api",
    "AIRFLOW_JWT_SECRET": "test-jwt",
}
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)


@pytest.fixture(scope="module", autouse=True)
def _docker_compose() -> None:
    """`make test` installs docker-compose (scripts/system-deps.sh): without it these tests fail,
    never skip (like Chromium, tests/conftest.py)."""
    assert shutil.which("docker-compose"), "docker-compose is not installed: run `make system-deps`"


def _config(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env.update(extra_env)
    return subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "--project-directory", str(REPO), "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _target(volume: str | dict) -> str:
    """A volume's container path, in the long or the short (`source:target[:mode]`) syntax."""
    return volume["target"] if isinstance(volume, dict) else volume.split(":")[1]


def test_compose_file_is_valid_and_has_the_production_shape():
    # GIVEN the secrets in the environment WHEN docker-compose resolves the file
    result = _config(SECRETS)
    # THEN it is valid
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    # AND it has the Airflow 3 components, PostgreSQL and Redis
    assert set(AIRFLOW_SERVICES) | {"postgres", "redis"} <= set(services)
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        targets = {_target(volume) for volume in services[name]["volumes"]}
        assert {"/sammen/landing", "/sammen/warehouse", "/sammen/published"} <= targets
    # AND the workers run Celery
    command = services["airflow-worker"]["command"]
    assert (command.split() if isinstance(command, str) else command) == ["celery", "worker"]


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(missing):
    # GIVEN every secret but one WHEN docker-compose resolves the file THEN it refuses, naming it
    result = _config({k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_no_secret_value_is_written_in_the_compose_file():
    # GIVEN the raw file WHEN looking at every setting that carries a secret
    text = COMPOSE.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    env = raw["x-airflow-common"]["environment"]
    secret_keys = [
        k for k in env if any(w in k for w in ("PASSWORD", "SECRET", "FERNET", "CONN", "URL"))
    ]
    # THEN each one is interpolated from the environment, never a literal
    assert secret_keys
    for key in secret_keys:
        if key == "AIRFLOW__CORE__EXECUTION_API_SERVER_URL":
            continue
        assert "${" in str(env[key]), key
