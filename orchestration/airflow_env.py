"""Airflow configuration for sammen, as environment variables (Airflow reads AIRFLOW__SECTION__KEY).

One place for the settings `make airflow`, the real-scheduler tests and the compose stack share:

    python -m orchestration.airflow_env AIRFLOW_HOME SAMMEN_HOME [SQL_ALCHEMY_CONN]

prints `export NAME=value` lines for a shell to eval. Secrets (database passwords, the API's JWT
secret, Fernet key) are never written here: they come from the caller's environment.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGS_FOLDER = REPO_ROOT / "dags"


def airflow_env(
    airflow_home: str | Path,
    sammen_home: str | Path,
    *,
    sql_alchemy_conn: str | None = None,
    executor: str = "LocalExecutor",
    parallelism: int = 4,
    api_port: int = 8080,
) -> dict[str, str]:
    """The environment for every Airflow process of one sammen installation.

    Parallelism is low on purpose: the warehouse has one writer at a time anyway, and LocalExecutor
    would otherwise fork 32 workers on a 2-core machine.
    """
    airflow_home = Path(airflow_home).resolve()
    env = {
        "AIRFLOW_HOME": str(airflow_home),
        "SAMMEN_HOME": str(Path(sammen_home).resolve()),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(parallelism),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__TRIGGERER__CAPACITY": "50",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    if sql_alchemy_conn:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sql_alchemy_conn
        if sql_alchemy_conn.startswith("postgresql"):
            # Airflow derives an asyncpg URL by default; psycopg 3 (installed) does async as well.
            _, rest = sql_alchemy_conn.split("://", 1)
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = f"postgresql+psycopg://{rest}"
    return env


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    conn = argv[2] if len(argv) == 3 else None
    for name, value in airflow_env(argv[0], argv[1], sql_alchemy_conn=conn).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
