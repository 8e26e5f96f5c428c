"""The image installs sammen as a package (docker/Dockerfile: a wheel built from the checkout), so
what the wheel holds is what production runs. Without a Docker engine here, the same wheel is built
and every first-party package is imported from it in a clean venv (no checkout on sys.path, no
editable install), with the third-party packages of the current venv (offline, no download)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from core.settings import REPO_ROOT

pytestmark = [pytest.mark.slow]
UV = Path(sys.executable).with_name("uv")
# What the source tree has that is no part of the package (and large).
NOT_SOURCE = shutil.ignore_patterns(".venv", "var", "build", "dist", "*.egg-info", ".git", "target", "logs",
                                    "tests", "docs", "__pycache__", ".pytest_cache", ".ruff_cache",
                                    ".mypy_cache", ".coverage-data", "test-artifacts")


def _packages() -> list[str]:
    """The first-party packages, as pyproject.toml lists them for setuptools (one place)."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"]]


def _uv(*args: str, cwd: Path) -> None:
    result = subprocess.run([str(UV), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_wheel_holds_every_package_and_they_import_from_it(tmp_path):
    # GIVEN a wheel built from a copy of the checkout (offline: setuptools from uv's cache)
    source = tmp_path / "source"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    _uv("build", "--wheel", "--offline", "--out-dir", str(tmp_path / "dist"), str(source), cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("sammen-*.whl")
    # AND a clean venv with only that wheel, seeing the current venv's third-party packages
    # through a plain path (.pth lines that are paths do not run the editable install's finder)
    clean = tmp_path / "clean"
    _uv("venv", "--offline", "--python", sys.executable, str(clean), cwd=tmp_path)
    _uv("pip", "install", "--offline", "--no-deps", "--python", str(clean / "bin" / "python"), str(wheel),
        cwd=tmp_path)
    site = next((clean / "lib").glob("python3.*/site-packages"))
    (site / "zz_current_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    # WHEN every first-party package and each of its modules is imported there, from elsewhere
    packages = _packages()
    script = (
        "import importlib, pkgutil, sys\n"
        f"site = {str(site)!r}\n"
        "for name in sys.argv[1:]:\n"
        "    package = importlib.import_module(name)\n"
        "    assert package.__file__.startswith(site), (name, package.__file__)\n"
        "    for module in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "print('ok', len(sys.argv) - 1)\n"
    )
    result = subprocess.run([str(clean / "bin" / "python"), "-c", script, *packages], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)

    # THEN all of them import from the wheel, and the command line runs from it
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["ok", str(len(packages))]
    assert set(packages) >= {"sammen", "core", "contracts", "ingestion", "validation", "transform", "publishing",
                             "orchestration", "synthetic"}
    command = subprocess.run([str(clean / "bin" / "sammen"), "--help"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
    assert command.returncode == 0 and "transform" in command.stdout
    assert (site / "publishing" / "catalogue.yaml").exists()
    # the methods handbook publish copies: the file docs/methods.md, not the checkout's link to it
    packaged = site / "publishing" / "methods.md"
    assert not packaged.is_symlink() and packaged.read_bytes() == (REPO_ROOT / "docs" / "methods.md").read_bytes()


def test_the_dockerfile_installs_the_package_and_copies_the_rest_explicitly():
    # GIVEN the image recipe
    recipe = (REPO_ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
    copied = re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+)", recipe, re.M)
    # THEN no first-party package is copied as a folder, the package is installed from a wheel,
    # the dbt project and the DAGs are copied, and the build checks all of them
    assert not set(copied) & set(_packages())
    assert re.search(r"pip wheel[^\n]*/tmp/src", recipe)
    assert "-e ." not in recipe
    assert {"dbt_project", "dags"} <= {path.rstrip("/") for path in copied}
    assert "check_image.py" in recipe
