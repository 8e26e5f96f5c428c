"""Run at image build (docker/Dockerfile): the image holds everything production needs.

Every top-level package of the installed `sammen` distribution imports from site-packages (not
from a copied folder), the dbt project and the DAG files are where the environment says, and the
CeleryExecutor imports. Exits non-zero, naming what is missing, otherwise."""

from __future__ import annotations

import importlib
import os
import sys
import sysconfig
from importlib import metadata
from pathlib import Path


def main() -> int:
    site = sysconfig.get_paths()["purelib"]
    problems = []
    packages = metadata.distribution("sammen").read_text("top_level.txt").split()
    for name in packages:
        module = importlib.import_module(name)
        if not str(module.__file__).startswith(site):
            problems.append(f"{name} imports from {module.__file__}, not from {site}")
    project = Path(os.environ["SAMMEN_DBT_PROJECT_DIR"])
    if not (project / "dbt_project.yml").is_file():
        problems.append(f"no dbt project in {project}")
    dags = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if not sorted(dags.glob("sammen_*.py")):
        problems.append(f"no DAG files in {dags}")
    importlib.import_module("airflow.providers.celery.executors.celery_executor")
    for problem in problems:
        print("image check:", problem, file=sys.stderr)
    print(f"image check: {len(packages)} packages ({', '.join(sorted(packages))}), dbt project, DAGs: "
          + ("FAILED" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
