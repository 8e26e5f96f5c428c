"""Declared outputs: only aggregates reach published/, atomically, with no person-key-like text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from publishing.outputs import DECLARED, PublishedFolder, UndeclaredOutput, UnsafeOutput, declared


def test_every_declared_output_is_an_aggregate_and_the_list_is_the_issue_list() -> None:
    assert set(DECLARED) == {
        "indicators.csv", "indicators_excel.csv", "indicators.xlsx", "indicators.parquet",
        "indicators.json", "catalogue.yaml", "manifest.json", "report.html", "methods.md",
    }
    assert {output.sensitivity for output in DECLARED.values()} == {"aggregate"}


def test_an_undeclared_name_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    # GIVEN a published folder from an earlier run
    target = tmp_path / "published"
    target.mkdir()
    (target / "indicators.csv").write_text("old\n")
    # WHEN a writer tries an undeclared file THEN it is refused and the old folder stays
    with pytest.raises(UndeclaredOutput, match="persons.csv"):
        with PublishedFolder(target) as folder:
            folder.write_text("indicators.csv", "new\n")
            folder.write_text("persons.csv", "x\n")
    assert (target / "indicators.csv").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["published"]


def test_a_file_dropped_beside_the_writer_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "published"
    with pytest.raises(UndeclaredOutput, match="extra.txt"):
        with PublishedFolder(target) as folder:
            (folder.staging / "extra.txt").write_text("sneaked in")
    assert not target.exists()


def test_a_person_level_declaration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from publishing import outputs

    monkeypatch.setitem(
        outputs.DECLARED, "cohort.parquet",
        outputs.DeclaredOutput("cohort.parquet", "person_level", "never leaves the warehouse"),
    )
    with pytest.raises(UndeclaredOutput, match="declared person_level"):
        declared("cohort.parquet")


def test_a_64_hex_string_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeOutput, match="indicators.json"):
        with PublishedFolder(tmp_path / "published") as folder:
            folder.write_text("indicators.json", '{"k": "' + "ab" * 32 + '"}')
    assert not (tmp_path / "published").exists()


def test_a_64_hex_string_inside_a_workbook_is_refused(tmp_path: Path) -> None:
    # GIVEN a workbook whose (compressed) cells hold a 64-hex string WHEN published THEN refused
    workbook = Workbook()
    workbook.active.append(["note", "cd" * 32])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert b"cd" * 32 not in buffer.getvalue()  # invisible to a scan of the raw bytes
    with pytest.raises(UnsafeOutput, match="indicators.xlsx"):
        with PublishedFolder(tmp_path / "published") as folder:
            folder.write_bytes("indicators.xlsx", buffer.getvalue())
    assert not (tmp_path / "published").exists()


def test_a_failed_write_leaves_the_previous_folder(tmp_path: Path) -> None:
    target = tmp_path / "published"
    target.mkdir()
    (target / "manifest.json").write_text("{}")
    with pytest.raises(RuntimeError, match="boom"):
        with PublishedFolder(target) as folder:
            folder.write_text("indicators.csv", "half")
            raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published"]


def test_a_successful_write_replaces_the_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "published"
    target.mkdir()
    (target / "stale.txt").write_text("from someone else")
    with PublishedFolder(target) as folder:
        folder.write_text("indicators.csv", "a,b\n")
        digest = folder.digests()["indicators.csv"]
    assert sorted(p.name for p in target.iterdir()) == ["indicators.csv"]
    assert len(digest) == 64
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published"]
