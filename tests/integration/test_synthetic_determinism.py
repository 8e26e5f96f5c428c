"""Same seed, same bytes (and modification times); another seed, other data; the CLI."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from core.home import Home
from sammen.cli import main
from synthetic import generate

PERSONS = 60


def fingerprint(root: Path) -> dict[str, tuple[str, float]]:
    return {
        str(path.relative_to(root)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime)
        for path in sorted(root.rglob("*")) if path.is_file()
    }


@pytest.fixture(scope="module")
def seven(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = Home.at(tmp_path_factory.mktemp("seven"))
    generate(home, persons=PERSONS, seed=7, years=2)
    return home


def test_the_same_seed_gives_byte_identical_files_and_modification_times(seven, tmp_path):
    # GIVEN a second generation with the same arguments into another home
    again = Home.at(tmp_path / "again")
    paths = generate(again, persons=PERSONS, seed=7, years=2)
    # THEN every file (manifests included) is byte-identical, with the same modification time
    assert paths
    assert fingerprint(again.landing) == fingerprint(seven.landing)


def test_another_seed_gives_other_data(seven, tmp_path):
    other = Home.at(tmp_path / "other")
    generate(other, persons=PERSONS, seed=8, years=2)
    mine, theirs = fingerprint(seven.landing), fingerprint(other.landing)
    changed = [name for name in mine if name in theirs and mine[name][0] != theirs[name][0]]
    assert len(changed) >= len(mine) // 2


def test_generate_returns_the_data_files_it_wrote(seven, tmp_path):
    home = Home.at(tmp_path / "listed")
    paths = generate(home, persons=PERSONS, seed=7, years=2)
    on_disk = {p for p in home.landing.rglob("*") if p.is_file() and not p.name.endswith(".json")}
    assert set(paths) == on_disk
    assert len(paths) == 20


def test_the_cli_writes_the_extracts_and_summarises_them(tmp_path, capsys):
    # WHEN `sammen synth` runs for a small home
    code = main(["synth", "--home", str(tmp_path / "cli"), "--persons", "30", "--seed", "3", "-v"])
    out, err = capsys.readouterr()
    # THEN it succeeds, shows progress (with -v: every step) and ends with one summary line
    # naming files and rows
    assert code == 0
    assert "==> synth" in err
    assert out.strip().startswith("sammen synth: wrote 20 files,")
    assert "rows" in out
    assert len(list((tmp_path / "cli" / "landing").rglob("*.parquet"))) >= 4


def test_the_cli_refuses_a_non_positive_person_count(tmp_path):
    with pytest.raises(SystemExit):
        main(["synth", "--home", str(tmp_path), "--persons", "0"])


def test_too_few_persons_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="at least 10 persons"):
        generate(Home.at(tmp_path), persons=5)


def test_progress_goes_to_the_given_stream(tmp_path):
    from core.progress import Progress

    stream = io.StringIO()
    generate(Home.at(tmp_path), persons=20, progress=Progress(stream=stream))
    assert "synth: attendance" in stream.getvalue()
