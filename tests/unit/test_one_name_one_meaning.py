"""Issue 13: a name the project had given to two different things now means one thing."""

from __future__ import annotations

import ast

import pytest

from core.settings import REPO_ROOT

PACKAGES = ("core", "sammen", "contracts", "bench", "dags", "ingestion", "synthetic", "transform", "publishing", "orchestration", "validation")


def _definitions(name: str) -> list[str]:
    return [
        str(path.relative_to(REPO_ROOT))
        for package in PACKAGES
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name
    ]


@pytest.mark.parametrize(("name", "home"), [
    ("CheckResult", "core/ledger.py"),  # validation's is BatchCheckResult
    ("redact", "validation/results.py"),  # transform's is dbt_message_without_values
    ("is_cpr_like", "core/identifiers.py"),  # the one CPR definition
])
def test_the_name_is_defined_once(name, home):
    assert _definitions(name) == [home]
