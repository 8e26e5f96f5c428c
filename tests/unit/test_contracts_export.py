"""The generated files committed in the repo are what the contracts generate now: regenerate them
into a temporary folder and compare (a contract changed without `sammen contracts export` fails)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from contracts import CONTRACTS
from contracts.derive.dbt import sources_path, sources_yaml
from contracts.derive.export import contract_files
from contracts.derive.partners import sources
from core.home import Home
from sammen import contracts_cli

REPO = Path(__file__).resolve().parents[2]
REGENERATE = "run `sammen contracts export --dbt` in the repo and commit the result"


@pytest.mark.parametrize("name", list(contract_files()))
def test_committed_contract_documents_are_up_to_date(name):
    committed = REPO / "docs" / "contracts" / name
    assert committed.exists(), f"{committed} missing: {REGENERATE}"
    assert committed.read_text(encoding="utf-8") == contract_files()[name], f"{name} differs: {REGENERATE}"


@pytest.mark.parametrize("source", sources())
def test_committed_dbt_sources_are_up_to_date(source):
    committed = sources_path(REPO / "dbt_project", source)
    assert committed.read_text(encoding="utf-8") == sources_yaml(source), f"{committed} differs: {REGENERATE}"


def test_no_stale_documents_are_committed():
    expected = set(contract_files())
    committed = {path.name for path in (REPO / "docs" / "contracts").iterdir()}
    assert committed == expected


def _run(argv):
    parser = argparse.ArgumentParser()
    contracts_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_export_command_writes_documents_and_dbt_sources(tmp_path, capsys):
    # GIVEN an empty folder WHEN `sammen contracts export --out DIR --dbt` runs
    assert _run(["contracts", "export", "--out", str(tmp_path / "out"), "--dbt",
                 "--dbt-project", str(tmp_path / "dbt")]) == 0
    # THEN every dataset has its two documents and every source its sources YAML
    for dataset in CONTRACTS:
        assert (tmp_path / "out" / f"{dataset}.odcs.yaml").read_text(encoding="utf-8").strip()
        assert (tmp_path / "out" / f"{dataset}.md").exists()
    for source in sources():
        assert sources_path(tmp_path / "dbt", source).exists()
    assert str(tmp_path / "out" / "README.md") in capsys.readouterr().out


def test_export_into_a_home_uses_its_docs_folder(tmp_path):
    Home.at(tmp_path).ensure()  # an existing home: `--home` never creates one
    assert _run(["contracts", "export", "--home", str(tmp_path)]) == 0
    assert (tmp_path / "docs" / "contracts" / "admissions.odcs.yaml").exists()
