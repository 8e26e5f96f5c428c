"""A night with nothing new does nothing (issue 11): no resolution, no GX, no dbt; a night with a
new delivery builds again."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from core.home import Home
from core.progress import Progress
from core.settings import Settings
from sammen.pipeline import run
from synthetic.delivery import synthesise

pytestmark = pytest.mark.slow


def _run(home: Home) -> Progress:
    progress = Progress(quiet=True)
    run(home, Settings(), progress)
    return progress


def _dbt_builds(progress: Progress) -> list[str]:
    return [name for name in progress.timings if name.startswith("dbt build")]


def _gx_checks(home: Home) -> int:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute("select count(*) from ledger.checks where engine = 'gx'").fetchone()[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Home, Home]:
    """A home after one full `sammen run` of every source's first delivery; the later deliveries
    are kept aside in `later` (a second home's landing)."""
    home = Home.at(tmp_path_factory.mktemp("nothing-new")).ensure()
    later = Home.at(tmp_path_factory.mktemp("later")).ensure()
    synthesise(home, persons=150, seed=5, years=2, progress=Progress(quiet=True))
    for source in home.landing.iterdir():
        files = sorted(source.iterdir())
        first = min(path.name.split("__")[1][:8] for path in files)
        for path in files:
            if path.name.split("__")[1][:8] != first:
                shutil.move(path, later.landing_for(source.name) / path.name)
    _run(home)
    return home, later


def test_a_run_with_nothing_new_skips_batch_checks_and_dbt(built):
    # GIVEN a warehouse built from every file delivered so far
    home, _ = built
    checks = _gx_checks(home)
    published = (home.published / "indicators.csv").read_bytes()
    # WHEN sammen runs again with no new file
    progress = _run(home)
    # THEN no dbt build ran, Great Expectations judged nothing again, the publication is the same
    assert _dbt_builds(progress) == []
    assert _gx_checks(home) == checks
    assert (home.published / "indicators.csv").read_bytes() == published


def test_a_run_with_a_new_delivery_builds_again(built):
    # GIVEN the built warehouse WHEN the partners' later deliveries arrive and sammen runs
    home, later = built
    checks = _gx_checks(home)
    for source in later.landing.iterdir():
        for path in source.iterdir():
            shutil.move(path, home.landing_for(source.name) / path.name)
    progress = _run(home)
    # THEN the marts are built again (nightly) and GX judged the new state
    assert len(_dbt_builds(progress)) == 1
    assert _gx_checks(home) > checks
