"""toolkit.demo.county_panel: the synthetic county panel is seeded per unit, centred on its province, in bounds,
marked synthetic on every row and loadable.

Files are written to tmp dirs only (the full panel, data/demo/counties.csv, is git-ignored and not built here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.contracts.synthetic import SYNTHETIC_NOTE, synthetic_rows, synthetic_source
from toolkit.core.errors import UnknownUnitError
from toolkit.core.paths import DEMO_DIR, INDICATORS_CSV, UNITS_COUNTY_CSV, UNITS_PREFECTURE_CSV
from toolkit.demo import county_panel as counties
from toolkit.demo import panel as demo
from toolkit.engine.transforms import get_transform
from toolkit.inputs.observations import load_observations

INDICATORS = pd.read_csv(INDICATORS_CSV).set_index("indicator_id")
PROVINCE_PANEL = pd.read_csv(DEMO_DIR / "provinces.csv", dtype={"qualifier": str})
UNITS = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in (UNITS_PREFECTURE_CSV, UNITS_COUNTY_CSV)])
#: Provinces of every kind: a municipality (counties straight under it), the largest (204 units, Sichuan's imr
#: has a break), small ones, one with lagging last years (Hainan), one with provincial-level counties.
CENTRED = ("beijing", "sichuan", "ningxia", "hainan", "xinjiang", "guizhou")


@pytest.fixture(scope="module")
def ningxia() -> pd.DataFrame:
    return counties.generate_county_panel(within="ningxia")


@pytest.fixture(scope="module")
def centred() -> pd.DataFrame:
    return pd.concat([counties.generate_county_panel(within=p) for p in CENTRED], ignore_index=True)


def test_same_seed_same_bytes_and_another_seed_other_values(tmp_path, ningxia):
    first = counties.write_county_panel(tmp_path / "a.csv", within="ningxia").read_bytes()
    assert counties.write_county_panel(tmp_path / "b.csv", within="宁夏").read_bytes() == first
    other = counties.generate_county_panel(7, within="ningxia")
    merged = ningxia.merge(other, on=["unit_id", "indicator_id", "year"])
    assert len(merged) > 0.8 * len(ningxia) and (merged["value_x"] != merged["value_y"]).mean() > 0.5


def test_a_unit_is_the_same_whichever_subset_is_generated():
    sichuan = counties.generate_county_panel(within="sichuan")
    chengdu = counties.generate_county_panel(within="成都市")  # the prefecture and its 20 counties
    assert set(chengdu["unit_id"]) == {"chengdu"} | set(UNITS.loc[UNITS["parent"] == "chengdu", "unit_id"])
    assert len(set(chengdu["unit_id"])) == 21
    inside = sichuan[sichuan["unit_id"].isin(set(chengdu["unit_id"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(inside, chengdu.reset_index(drop=True))


def test_every_prefecture_and_county_of_the_province_is_generated(ningxia):
    expected = set(UNITS.loc[UNITS["gb_code"].str.startswith("64"), "unit_id"])
    assert len(expected) == 27 and set(ningxia["unit_id"]) == expected  # 5 prefectures, 22 counties
    per_unit = ningxia.groupby("unit_id").size()
    assert per_unit.min() > 0.8 * 29 * 15  # 29 indicators x 15 years, about a tenth of the years missing
    missing = 1 - len(ningxia) / (27 * PROVINCE_PANEL[PROVINCE_PANEL["unit_id"] == "ningxia"]
                                  .groupby("indicator_id")["year"].agg(lambda y: y.max() - y.min() + 1).sum())
    assert 0.05 < missing < 0.12  # MISSING_SHARE 0.10 minus the base years that are always kept


def test_values_respect_the_bounds_and_the_published_precision(centred):
    meta = INDICATORS.loc[centred["indicator_id"]]
    lower = meta["lower_bound"].to_numpy(float)
    upper = meta["upper_bound"].fillna(np.inf).to_numpy(float)
    values = centred["value"].to_numpy(float)
    assert (values > lower).all() and (values < upper).all()  # strictly inside, as the province panel
    decimals = centred["indicator_id"].map({i: s.decimals for i, s in demo.SPECS.items()}).to_numpy()
    assert np.allclose(np.round(values * 10.0 ** decimals), values * 10.0 ** decimals)


def test_every_row_is_marked_synthetic_as_the_province_panel(ningxia):
    assert (ningxia["source"] == synthetic_source(demo.DEFAULT_SEED)).all()
    assert (ningxia["note"] == SYNTHETIC_NOTE).all() and synthetic_rows(ningxia).all()
    assert set(ningxia["qualifier"]) == {"="}


def test_a_unit_has_values_only_within_its_provinces_years():
    hainan = counties.generate_county_panel(within="hainan")
    last = PROVINCE_PANEL[PROVINCE_PANEL["unit_id"] == "hainan"].groupby("indicator_id")["year"].max()
    assert (hainan["year"] <= hainan["indicator_id"].map(last)).all()
    assert hainan["year"].max() == 2022  # the province panel leaves Hainan's last two years out


def test_the_province_is_the_centre_of_its_counties_on_the_modelling_scale(centred):
    """For every province x indicator, the mean over its county rows of z(county) - z(province) is within five
    standard errors of 0. The standard error follows from the model: per county a level (sd LEVEL_SD x
    spread) and a slope (sd SLOPE_SD x spread per year, |t - 2015| <= 9) shared by its rows, per row noise
    (NOISE_FACTOR x noise) and rounding to the published step (sd step / sqrt(12) x dz/dv). Five standard
    errors: over the 174 cells (6 provinces x 29 indicators) the chance that any exceeds it by chance is 1e-4."""
    rows = centred.merge(UNITS[["unit_id", "level", "gb_code"]], on="unit_id")
    rows = rows[rows["level"] == "county"].assign(province=lambda f: f["gb_code"].str[:2])
    codes = {"beijing": "11", "sichuan": "51", "ningxia": "64", "hainan": "46", "xinjiang": "65", "guizhou": "52"}
    worst = 0.0
    for province, code in codes.items():
        mine = rows[rows["province"] == code]
        for ind, group in mine.groupby("indicator_id"):
            spec, meta = demo.SPECS[ind], INDICATORS.loc[ind]
            tf = get_transform(meta["transform"], floor=1e-9, eps=1e-9)
            published = PROVINCE_PANEL[(PROVINCE_PANEL["unit_id"] == province)
                                       & (PROVINCE_PANEL["indicator_id"] == ind)].sort_values("year")
            step = 10.0 ** -spec.decimals
            hi = meta["upper_bound"] - step if pd.notna(meta["upper_bound"]) else np.inf
            centre_values = np.clip(published["value"].to_numpy(float), meta["lower_bound"] + step, hi)
            centre = np.interp(group["year"], published["year"], tf.forward(centre_values))
            values = group["value"].to_numpy(float)
            offset = tf.forward(values) - centre
            n, r = group["unit_id"].nunique(), len(group)
            slope_of_z = np.abs(tf.forward(values + step / 2) - tf.forward(values - step / 2)) / step
            rounding = step / np.sqrt(12) * float(np.sqrt(np.mean(slope_of_z ** 2)))
            se = np.sqrt(((counties.LEVEL_SD * spec.spread) ** 2 + (9 * counties.SLOPE_SD * spec.spread) ** 2) / n
                         + ((counties.NOISE_FACTOR * spec.noise) ** 2 + rounding ** 2) / r)
            worst = max(worst, abs(offset.mean()) / se)
            assert abs(offset.mean()) < 5 * se, (province, ind, offset.mean(), se)
    print(f"largest offset: {worst:.2f} standard errors")
    assert worst > 1.0  # the test can fail: some cell is more than one standard error off, as chance has it


def test_load_observations_accepts_the_file_and_resolves_every_county_id(tmp_path):
    path = counties.write_county_panel(tmp_path / "counties.csv", within="ningxia")
    loaded = load_observations(path)
    assert len(loaded) == len(pd.read_csv(path))
    assert set(loaded["unit_id"]) == set(UNITS.loc[UNITS["gb_code"].str.startswith("64"), "unit_id"])


def test_an_unknown_province_for_within_is_refused():
    with pytest.raises(UnknownUnitError, match="unknown unit 'Atlantis'"):
        counties.generate_county_panel(within="Atlantis")
