"""No first-party import is optional: a package left out of an install must fail loudly, never
make ingestion skip its Great Expectations checks or publishing skip its report (issue 12)."""

from __future__ import annotations

import re
import tomllib

from core.settings import REPO_ROOT

FALLBACKS = re.compile(r"find_spec\(|except\s*\(?[^:\n]*(ImportError|ModuleNotFoundError)|inspect\.signature\(")


def _packages() -> list[str]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"]]


def test_no_import_fallback_or_signature_guessing_in_first_party_code():
    # GIVEN every module of the first-party packages and the DAG files
    files = [path for name in _packages() for path in (REPO_ROOT / name).rglob("*.py")]
    files += list((REPO_ROOT / "dags").glob("*.py"))
    assert len(files) > 30
    # WHEN they are searched for import fallbacks THEN there are none
    found = [f"{path.relative_to(REPO_ROOT)}:{number}"
             for path in files
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if FALLBACKS.search(line)]
    assert not found, found
