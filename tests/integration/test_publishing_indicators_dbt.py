"""The indicators model built by dbt (unit tests, contract, data tests included) over stub marts
holding a small cohort that exercises every indicator; then published end to end."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pytest
from helpers.publishing import (
    create_stub_marts,
    key,
    lookup,
    read_indicators,
    run_dbt,
    scratch_dbt_project,
)

from core.home import Home
from core.progress import Progress
from core.settings import Settings
from publishing import publish
from publishing.catalogue import load_catalogue

pytestmark = pytest.mark.slow
CUTOFF = "2025-12-31"
PROGRAMMES = ["people_need_people", "social_referral"]
MUNICIPALITIES = [101, 147, 751]


def stub_rows(seed: int = 3) -> dict[str, list[dict]]:
    """60 persons enrolled 2024-2025 (some twice, in another municipality), with outcomes."""
    rng = random.Random(seed)
    rows: dict[str, list[dict]] = {name: [] for name in (
        "cohort", "admission_outcomes", "participation_outcomes", "coherence_outcomes",
        "wellbeing_outcomes", "stg_ngo__sessions", "stg_ngo__attendance")}
    for n in range(60):
        for copy in range(1 + (n % 7 == 0)):
            enrolment = f"e{n}_{copy}"
            enrolled = dt.date(2024 + (n % 2), 1 + n % 12, 1 + n % 27)
            rows["cohort"].append({
                "enrolment_id": enrolment, "person_key": key(n), "programme": PROGRAMMES[n % 2],
                "municipality_code": MUNICIPALITIES[(n + copy) % 3], "enrolled_on": enrolled,
                "ended_on": None, "pre_complete": n % 5 != 0,
                "post_days": min(365, (dt.date(2026, 1, 1) - enrolled).days),
            })
            rows["admission_outcomes"].append({
                "enrolment_id": enrolment, "stays_pre": rng.randint(0, 2), "stays_post": rng.randint(0, 2),
                "bed_days_pre": rng.randint(0, 30), "bed_days_post": rng.randint(0, 30),
                "involuntary_stays_pre": rng.randint(0, 1), "involuntary_stays_post": rng.randint(0, 1),
                "discharges_post_30d": (d := rng.randint(0, 2)), "readmissions_30d": rng.randint(0, d),
            })
            rows["participation_outcomes"].append({
                "enrolment_id": enrolment, "retained_3m": rng.random() < 0.6,
                "retained_6m": rng.random() < 0.5, "retained_12m": rng.random() < 0.4,
                "became_volunteer": rng.random() < 0.3, "arrived_own_ever": rng.random() < 0.5,
                "attendances": rng.choice([0, 2, 4, 8]),
            })
            rows["coherence_outcomes"].append({
                "enrolment_id": enrolment, "has_action_plan": rng.random() < 0.5,
                "follow_ups_due": (f := rng.randint(0, 3)), "follow_ups_on_time": rng.randint(0, f),
                "discharges_post_7d": (s := rng.randint(0, 2)),
                "discharges_followed_psychiatry_7d": rng.randint(0, s),
                "discharges_followed_cross_sector_7d": rng.randint(0, s),
            })
            for instrument in ("swemwbs", "ucla3", "coherence"):
                if rng.random() < 0.7:
                    rows["wellbeing_outcomes"].append({
                        "enrolment_id": enrolment, "instrument": instrument, "baseline": 10,
                        "follow_up": 10 + (c := rng.randint(-3, 4)), "change": c,
                    })
    for s in range(40):
        held = dt.date(2024, 1, 1) + dt.timedelta(days=18 * s)
        rows["stg_ngo__sessions"].append({
            "session_id": f"s{s}", "ngo_id": "ngo1", "activity": "other", "site": "Have",
            "held_on": held, "programme": PROGRAMMES[s % 2] if s % 5 else None,
        })
        for n in rng.sample(range(60), 12):
            rows["stg_ngo__attendance"].append({"session_id": f"s{s}", "person_key": key(n), "role": "participant"})
        rows["stg_ngo__attendance"].append({"session_id": f"s{s}", "person_key": None, "role": "volunteer"})
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[dict]]]:
    root = tmp_path_factory.mktemp("indicators")
    home = Home.at(root / "home").ensure()
    rows = stub_rows()
    create_stub_marts(home.warehouse, rows)
    project = scratch_dbt_project(root)
    result = run_dbt(project, home.warehouse, "build", "--vars", f"{{cutoff: '{CUTOFF}'}}")
    assert result.returncode == 0, result.stdout[-5000:]
    return home.warehouse, rows


def test_model_computes_every_catalogue_indicator(built: tuple[Path, dict]) -> None:
    table = read_indicators(built[0])
    assert set(table["indicator_id"]) == set(load_catalogue().ids)


def test_cohort_totals_come_from_records_not_cells(built: tuple[Path, dict]) -> None:
    warehouse, rows = built
    cells = lookup(read_indicators(warehouse))
    cohort = pd.DataFrame(rows["cohort"])
    cohort["year"] = cohort["enrolled_on"].map(lambda d: str(d.year))
    for year, frame in cohort.groupby("year"):
        total = cells[("cohort_size", year, "all", "all")]
        assert total["numerator"] == len(frame)
        assert total["n_persons"] == frame["person_key"].nunique()
        members = [cells[("cohort_size", year, "all", str(m))]["n_persons"]
                   for m in frame["municipality_code"].unique()]
        assert sum(members) > total["n_persons"]  # persons enrolled in two municipalities


def test_shares_and_means_match_a_computation_from_records(built: tuple[Path, dict]) -> None:
    warehouse, rows = built
    cells = lookup(read_indicators(warehouse))
    cohort = pd.DataFrame(rows["cohort"])
    admissions = pd.DataFrame(rows["admission_outcomes"]).merge(cohort, on="enrolment_id")
    year = admissions[admissions["enrolled_on"].map(lambda d: d.year) == 2024]
    readmission = cells[("readmission_30d_share", "2024", "all", "all")]
    assert readmission["numerator"] == year["readmissions_30d"].sum()
    assert readmission["denominator"] == year["discharges_post_30d"].sum()
    assert readmission["n_persons"] == year.loc[year["discharges_post_30d"] > 0, "person_key"].nunique()
    full = year[year["pre_complete"] & (year["post_days"] == 365)]
    rate = cells[("bed_day_rate_pre", "2024", "all", "all")]
    assert rate["denominator"] == len(full)
    assert rate["value"] == pytest.approx(full["bed_days_pre"].sum() / len(full))
    wellbeing = pd.DataFrame(rows["wellbeing_outcomes"]).merge(cohort, on="enrolment_id")
    swemwbs = wellbeing[(wellbeing["instrument"] == "swemwbs")
                        & (wellbeing["enrolled_on"].map(lambda d: d.year) == 2024)]
    mean = cells[("swemwbs_change_mean", "2024", "all", "all")]
    assert mean["value"] == pytest.approx(swemwbs["change"].mean())
    # means: numerator = the sum of the values, denominator = how many, n_persons = whose
    assert (mean["numerator"], mean["denominator"]) == (swemwbs["change"].sum(), len(swemwbs))
    assert mean["n_persons"] == swemwbs["person_key"].nunique()


def test_cohort_populations_match_a_computation_from_records(built: tuple[Path, dict]) -> None:
    """Rates and involuntary shares over the full-window enrolments (pre_complete and
    post_days = 365), n_persons their distinct persons; volunteer and action-plan shares over
    all; arrived_own_share over enrolments with 4+ attendances."""
    warehouse, rows = built
    cells = lookup(read_indicators(warehouse))
    cohort = pd.DataFrame(rows["cohort"])
    year = cohort[cohort["enrolled_on"].map(lambda d: d.year) == 2024]
    frame = (year.merge(pd.DataFrame(rows["admission_outcomes"]), on="enrolment_id")
             .merge(pd.DataFrame(rows["participation_outcomes"]), on="enrolment_id")
             .merge(pd.DataFrame(rows["coherence_outcomes"]), on="enrolment_id"))
    full = frame[frame["pre_complete"] & (frame["post_days"] == 365)]
    assert 0 < len(full) < len(frame)  # the fixture must leave some enrolments out
    rate = cells[("stay_rate_post", "2024", "all", "all")]
    assert (rate["numerator"], rate["denominator"]) == (full["stays_post"].sum(), len(full))
    assert rate["n_persons"] == full["person_key"].nunique()
    involuntary = cells[("involuntary_share_pre", "2024", "all", "all")]
    assert involuntary["numerator"] == (full["involuntary_stays_pre"] > 0).sum()
    assert involuntary["denominator"] == len(full)
    for indicator, column in (("volunteer_share", "became_volunteer"),
                              ("action_plan_share", "has_action_plan")):
        share = cells[(indicator, "2024", "all", "all")]
        assert (share["numerator"], share["denominator"]) == (frame[column].sum(), len(frame))
        assert share["n_persons"] == frame["person_key"].nunique()
    regular = frame[frame["attendances"] >= 4]
    own = cells[("arrived_own_share", "2024", "all", "all")]
    assert (own["numerator"], own["denominator"]) == (regular["arrived_own_ever"].sum(), len(regular))
    assert own["n_persons"] == regular["person_key"].nunique()
    follow = cells[("followed_cross_sector_7d_share", "2024", "all", "all")]
    assert follow["numerator"] == frame["discharges_followed_cross_sector_7d"].sum()
    assert follow["denominator"] == frame["discharges_post_7d"].sum()
    assert follow["n_persons"] == frame.loc[frame["discharges_post_7d"] > 0, "person_key"].nunique()


def test_retention_only_for_closed_years_and_counts_have_no_denominator(built: tuple[Path, dict]) -> None:
    table = read_indicators(built[0])
    # cutoff 2025-12-31: 2024-12-31 + 360 = 2025-12-26 <= 2026-01-01, but 2025 is still open
    assert set(table.loc[table["indicator_id"] == "retained_12m_share", "period"]) == {"2024"}
    counts = table[table["indicator_id"].isin(["cohort_size", "new_enrolments", "active_participants",
                                                "attendances", "sessions_held"])]
    assert counts["denominator"].isna().all()
    assert (counts["value"] == counts["numerator"]).all()
    shares = table[table["indicator_id"].str.endswith("_share")]["value"].dropna()
    assert shares.between(0, 1).all()


def test_sessions_and_attendances_only_under_municipality_all(built: tuple[Path, dict]) -> None:
    table = read_indicators(built[0])
    activity = table[table["indicator_id"].isin(["attendances", "sessions_held"])]
    assert set(activity["municipality"]) == {"all"}
    assert activity["n_persons"].isna().all()
    sessions = pd.DataFrame(built[1]["stg_ngo__sessions"])
    total = table[(table["indicator_id"] == "sessions_held") & (table["programme"] == "all")]
    assert total["numerator"].sum() == len(sessions)


def test_built_indicators_publish_cleanly(built: tuple[Path, dict]) -> None:
    warehouse, _ = built
    home = Home.at(warehouse.parent.parent)
    report = publish(home, Settings(cutoff=dt.date.fromisoformat(CUTOFF)), Progress(quiet=True))
    assert report.cells == len(read_indicators(warehouse))
    assert (home.published / "indicators.csv").exists()
