"""toolkit.demo.panel: the synthetic panel is deterministic, committed up to date, plausible and has its hard cases.

Files are written to tmp dirs only: the committed data/demo/provinces.csv is never touched by tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.contracts.synthetic import synthetic_source
from toolkit.core.paths import DEMO_DIR, INDICATORS_CSV, OBSERVATIONS_DIR, TARGETS_DIR, UNITS_CSV
from toolkit.demo import panel as demo

OTHER_SEED = 7
PROVINCES = list(pd.read_csv(UNITS_CSV, dtype=str).query("level == 'province'")["unit_id"])
INDICATORS = pd.read_csv(INDICATORS_CSV).set_index("indicator_id")
TARGETS = pd.concat([pd.read_csv(TARGETS_DIR / f"{name}.csv") for name in demo.TARGET_SETS])
NATIONAL = pd.read_csv(OBSERVATIONS_DIR / "national.csv")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> bytes:
    """A fresh file with the default seed (written once for the module)."""
    return demo.write_demo_data(out_dir=tmp_path_factory.mktemp("demo")).read_bytes()


@pytest.fixture(scope="module")
def panel(written, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("panel") / "provinces.csv"
    path.write_bytes(written)
    return pd.read_csv(path, dtype={"qualifier": str})


def series(panel: pd.DataFrame, unit_id: str, indicator_id: str) -> pd.Series:
    rows = panel[(panel["unit_id"] == unit_id) & (panel["indicator_id"] == indicator_id)]
    return rows.set_index("year")["value"].sort_index()


def shortfall(value: float, indicator_id: str, target_set: str = "outline-2011-2020") -> float:
    """How far a value is from satisfying its absolute target (0 when met)."""
    t = pd.read_csv(TARGETS_DIR / f"{target_set}.csv").set_index("indicator_id").loc[indicator_id]
    gap = t["target_value"] - value
    return max(0.0, gap if t["comparator"] in (">", ">=") else -gap)


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_gives_identical_bytes(written, tmp_path):
    assert demo.write_demo_data(out_dir=tmp_path).read_bytes() == written


def test_different_seed_gives_different_values(panel):
    other = demo.generate_demo_data(OTHER_SEED)
    assert len(other) > 0.8 * len(panel)
    merged = panel.merge(other, on=["unit_id", "indicator_id", "year"])
    assert (merged["value_x"] != merged["value_y"]).mean() > 0.5
    assert other["source"].str.contains(f"seed {OTHER_SEED}").all()


def test_committed_file_is_up_to_date(written):
    committed = DEMO_DIR / "provinces.csv"
    assert committed.is_file(), "data/demo/provinces.csv is missing: run `make demo-data`"
    assert committed.read_bytes() == written, (
        "data/demo/provinces.csv is stale (toolkit.demo.panel changed since it was generated): run `make demo-data` "
        "and commit the result")


def test_returns_the_written_path(tmp_path):
    path = demo.write_demo_data(seed=OTHER_SEED, out_dir=tmp_path / "sub")
    assert path == tmp_path / "sub" / "provinces.csv" and path.is_file()


def test_generated_frame_matches_the_file(panel):
    frame = demo.generate_demo_data()
    pd.testing.assert_frame_equal(frame, panel, check_dtype=False)


def test_file_is_small(written):
    assert len(written) < 1_800_000  # 31 provinces x 29 indicators x 2010-2024, about 12,000 rows


# --------------------------------------------------------------------------- contract and plausibility


def test_columns_units_indicators_years(panel):
    assert list(panel.columns) == demo.OBS_COLUMNS == ["unit_id", "indicator_id", "year", "value", "qualifier", "unit",
                                                       "source", "note"]
    assert sorted(panel["unit_id"].unique()) == sorted(PROVINCES)
    assert set(panel["indicator_id"]) == set(TARGETS["indicator_id"])
    assert set(panel["indicator_id"]) <= set(INDICATORS.index)
    assert panel["year"].between(2010, 2024).all() and panel["year"].max() == 2024
    assert not panel.duplicated(["unit_id", "indicator_id", "year"]).any()
    assert (panel["unit"] == panel["indicator_id"].map(INDICATORS["unit"])).all()


def test_every_value_within_the_indicator_bounds(panel):
    lo = panel["indicator_id"].map(INDICATORS["lower_bound"])
    hi = panel["indicator_id"].map(INDICATORS["upper_bound"]).fillna(np.inf)
    assert panel["value"].notna().all()
    assert ((panel["value"] >= lo) & (panel["value"] <= hi)).all()


def test_every_row_says_it_is_synthetic(panel):
    assert panel["source"].eq(synthetic_source(demo.DEFAULT_SEED)).all()
    assert panel["source"].str.startswith("SYNTHETIC demonstration data (toolkit.demo, seed 20240601)").all()
    assert panel["note"].str.startswith("not official statistics").all()


@pytest.mark.parametrize(("indicator_id", "year"), [
    ("imr", 2015), ("u5mr", 2015), ("mmr", 2015), ("preschool_ger_3yr", 2015),
    ("compulsory_consolidation_9yr", 2016), ("senior_high_ger", 2017),
])
def test_provinces_scatter_around_the_real_national_series(panel, indicator_id, year):
    national = NATIONAL.query("indicator_id == @indicator_id and year == @year")["value"].item()
    median = panel.query("indicator_id == @indicator_id and year == @year")["value"].median()
    assert abs(median / national - 1) < 0.25


def test_median_imr_2015_is_close_to_the_national_8_1(panel):
    assert abs(panel.query("indicator_id == 'imr' and year == 2015")["value"].median() / 8.1 - 1) < 0.25


def test_regions_differ_in_the_documented_direction(panel):
    region = pd.read_csv(UNITS_CSV).set_index("unit_id")["region"]
    rows = panel.query("year == 2015").assign(region=lambda f: f["unit_id"].map(region))
    means = rows.groupby(["indicator_id", "region"])["value"].mean().unstack()
    assert means.loc["imr", "west"] > means.loc["imr", "east"]  # west: higher mortality
    assert means.loc["preschool_ger_3yr", "west"] < means.loc["preschool_ger_3yr", "east"]  # lower enrolment
    assert means.loc["myopia_primary", "east"] > means.loc["myopia_primary", "west"]  # myopia: east worse


def test_about_a_tenth_of_ordinary_years_are_missing(panel):
    hard = {(h.unit_id, h.indicator_id) for h in demo.HARD_CASES}
    ordinary = panel[~panel["unit_id"].isin(list(demo.LAST_YEARS_MISSING))
                     & ~panel[["unit_id", "indicator_id"]].apply(tuple, axis=1).isin(hard)]
    counts = ordinary.groupby(["unit_id", "indicator_id"]).size()
    share_missing = 1 - counts.mean() / len(demo.YEARS)
    assert 0.03 < share_missing < 0.15


def test_relative_target_base_year_is_kept(panel):
    for ind in ("injury_mortality_u18", "anaemia_students"):
        years = panel.query("indicator_id == @ind").groupby("unit_id")["year"].min()
        assert (years == 2010).all(), ind


def test_vaccination_is_mostly_published_as_bounds(panel):
    nip = panel[panel["indicator_id"] == "nip_vaccination"]
    bound_only = nip.groupby("unit_id")["qualifier"].apply(lambda q: (q == ">").all())
    assert bound_only.sum() >= 20
    assert set(nip.loc[nip["qualifier"] == ">", "value"]) <= set(demo.NIP_BOUNDS)
    for unit_id in demo.NIP_POINT_PROVINCES:
        assert (nip.loc[nip["unit_id"] == unit_id, "qualifier"] == "=").all()


def test_loads_with_the_observation_loader(tmp_path, written):
    data = pytest.importorskip("toolkit.inputs.observations")
    path = tmp_path / "provinces.csv"
    path.write_bytes(written)
    obs = data.load_observations([path])
    assert len(obs) == written.count(b"\n") - 1


# --------------------------------------------------------------------------- hard cases


def test_moving_away_series_ends_further_from_target(panel):
    for h in (h for h in demo.HARD_CASES if h.kind == "moving_away"):
        s = series(panel, h.unit_id, h.indicator_id)
        assert shortfall(s.iloc[-1], h.indicator_id) > shortfall(s.iloc[0], h.indicator_id) + 2, h


def test_plateau_short_of_target(panel):
    s = series(panel, "yunnan", "compulsory_consolidation_9yr")
    late = s.loc[demo.PLATEAU_FROM:]
    assert late.max() - late.min() < 1.5 and (late < 95).all()
    assert s.loc[demo.PLATEAU_FROM] - s.iloc[0] > 3


def test_structural_break(panel):
    s = np.log(series(panel, "sichuan", "imr"))
    steps = s.diff()
    assert steps.loc[demo.BREAK_YEAR] > 0.2 > steps.drop(demo.BREAK_YEAR).max()


def test_province_with_too_little_data(panel):
    counts = panel[panel["unit_id"] == demo.SPARSE_UNIT].groupby("indicator_id").size()
    assert counts.loc[list(demo.SPARSE_INDICATORS)].between(2, 3).all()
    assert (counts.loc[list(demo.SPARSE_INDICATORS)] < 4).sum() >= 5


def test_values_at_a_bound(panel):
    assert (series(panel, "shanghai", "hospital_delivery").loc[2016:] == 100.0).all()
    assert (series(panel, "beijing", "neonatal_tetanus").loc[2017:] == 0.0).all()


def test_latest_years_missing_in_some_provinces(panel):
    latest = panel.groupby("unit_id")["year"].max()
    for unit_id, lag in demo.LAST_YEARS_MISSING.items():
        assert latest.loc[unit_id] == 2024 - lag


def test_the_live_cycles_base_year_is_never_a_gap(panel):
    """The mid-term view starts from the observed 2020 value: every ordinary series publishes it."""
    series = panel.groupby(["unit_id", "indicator_id"])["year"].apply(set)
    sparse = {(demo.SPARSE_UNIT, i) for i in demo.SPARSE_INDICATORS}
    lacking = [key for key, years in series.items() if key not in sparse and demo.CYCLE_BASE_YEAR not in years]
    assert lacking == []


def test_hard_case_rows_say_so(panel):
    for h in demo.HARD_CASES:
        notes = panel.query("unit_id == @h.unit_id and indicator_id == @h.indicator_id")["note"]
        assert notes.str.contains(f"hard case: {h.kind}").all(), h


def test_readme_documents_seed_model_and_every_hard_case():
    text = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    assert str(demo.DEFAULT_SEED) in text and "python -m toolkit demo-data" in text
    for h in demo.HARD_CASES:
        assert h.unit_id in text and h.indicator_id in text, h
    for ind in demo.SPECS:
        assert f"`{ind}`" in text, ind
    for unit_id in demo.LAST_YEARS_MISSING:
        assert unit_id in text
