"""The assessment engine: exact answers on noise-free series, edge cases, monotonicity, the CLI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.cli import main
from toolkit.contracts.results import RESULT_COLUMNS
from toolkit.core.paths import PROJECT_ROOT
from toolkit.engine.assess import assess_series, assess_unit, results_frame
from toolkit.engine.settings import AssessSettings
from toolkit.inputs.catalog import load_indicators, load_targets

INDICATORS = load_indicators()


def _obs(indicator_id: str, years, values, qualifiers=None, unit_id: str = "testland") -> pd.DataFrame:
    qualifiers = qualifiers or ["="] * len(years)
    return pd.DataFrame({"unit_id": unit_id, "indicator_id": indicator_id, "year": list(years),
                         "value": [float(v) for v in values], "qualifier": qualifiers,
                         "unit": INDICATORS.loc[indicator_id, "unit"], "source": "test", "note": ""})


def _target(indicator_id="imr", comparator="<", value=10.0, year=2020, kind="absolute", base_year=None):
    return pd.Series({"indicator_id": indicator_id, "comparator": comparator, "target_value": value,
                      "target_kind": kind, "base_year": base_year, "target_year": year, "target_set": "test"})


def _assess(obs, target, as_of, indicator_id="imr", **kwargs):
    return assess_series("testland", INDICATORS.loc[indicator_id], target, obs, as_of=as_of, target_set="test",
                         **kwargs).row


def test_exact_exponential_decline_gives_exact_rates_forecast_and_attainment_year():
    years = np.arange(2010, 2018)
    values = 16 * np.exp(-0.05 * (years - 2010))
    row = _assess(_obs("imr", years, values), _target(), as_of=2017)
    assert row["aarr_observed"] == pytest.approx(1 - math.exp(-0.05), rel=1e-9)
    latest = 16 * math.exp(-0.35)
    assert row["latest_value"] == pytest.approx(latest)
    # discrete form, like the regression AARR beside it: 1 - (10 / latest)^(1/3)
    assert row["aarr_required"] == pytest.approx(1 - (10 / latest) ** (1 / 3), rel=1e-9)
    assert row["forecast"] == pytest.approx(16 * math.exp(-0.5), rel=1e-4)
    assert row["lo95"] <= row["forecast"] <= row["hi95"]
    # Noise-free: the 80% interval collapses onto the line. The 95% interval may reach the damped trend,
    # which back-test stacking keeps at its prior floor weight (model uncertainty, docs/methods.md).
    assert row["hi80"] - row["lo80"] < 0.01
    assert row["p_attain"] > 0.99 and row["category"] == "on_track"
    # 16 e^{-0.05 (t-2010)} < 10  <=>  t > 2010 + 20 ln 1.6 = 2019.4
    assert row["attain_year"] == 2020 and row["attain_year_lo"] == 2020 and row["attain_year_hi"] == 2020
    assert row["met_latest"] == False  # noqa: E712


def test_series_already_past_its_target_is_met_with_the_first_year_of_the_run():
    years = [2010, 2011, 2012, 2013, 2014, 2015]
    values = [13.1, 12.1, 10.3, 9.5, 8.9, 8.1]  # real national IMR; NBS says the <10 target was first met in 2013
    row = _assess(_obs("imr", years, values), _target(), as_of=2015)
    assert row["met_latest"] == True  # noqa: E712
    assert row["attain_year"] == 2013 and row["attain_year_lo"] == 2013 and row["attain_year_hi"] == 2013
    assert row["p_attain"] > 0.9 and row["category"] == "on_track"


def test_observed_target_year_decides_achieved_or_not_achieved():
    years = list(range(2012, 2021))
    values = [91.8, 92.3, 92.6, 93.0, 93.4, 93.8, 94.2, 94.8, 95.2]  # real consolidation rate, target 95 by 2020
    row = _assess(_obs("compulsory_consolidation_9yr", years, values),
                  _target("compulsory_consolidation_9yr", ">=", 95), as_of=2020,
                  indicator_id="compulsory_consolidation_9yr")
    # an observation, not a forecast: the value and the verdict, no interval and no probability
    assert row["category"] == "achieved" and row["target_year_value"] == 95.2
    assert all(math.isnan(row[c]) for c in ("p_attain", "forecast", "lo80", "hi80", "lo95", "hi95"))
    row = _assess(_obs("compulsory_consolidation_9yr", years, values),
                  _target("compulsory_consolidation_9yr", ">=", 96), as_of=2020,
                  indicator_id="compulsory_consolidation_9yr")
    assert row["category"] == "not_achieved" and math.isnan(row["p_attain"])


def test_a_past_target_year_without_an_observation_is_a_nowcast_not_a_prospect():
    years = list(range(2010, 2019))
    values = [13.1, 12.1, 10.3, 9.5, 8.9, 8.1, 7.5, 6.8, 6.1]  # real national IMR to 2018; 2020 not in the data
    row = _assess(_obs("imr", years, values), _target("imr", "<", 10.0, year=2020), as_of=2020)
    assert row["category"] == "nowcast_met" and row["p_attain"] > 0.99 and "target_year_not_observed" in row["flags"]
    row = _assess(_obs("imr", years, values), _target("imr", "<", 3.0, year=2020), as_of=2020)
    assert row["category"] == "nowcast_not_met" and row["p_attain"] < 0.5  # 6.1 in 2018 cannot reach 3 by 2020


@pytest.mark.parametrize(("values", "comparator", "target", "expected"), [
    ([99.7, 99.75, 99.8, 99.85, 99.9], ">=", 98.0, "already_met"),  # hospital delivery, base meets >= 98
    ([15.0, 14.0, 13.0, 12.0, 11.0], "<=", 18.68, "already_met"),  # falling injury mortality below its target
    ([2.77, 3.1, 3.5, 3.9, 4.21], "<", 4.0, "no_longer_met"),  # Tibet's low birth weight rising past < 4
    ([6.0, 5.5, 5.0, 4.6, 4.2], "<", 4.0, "significant_progress"),  # an ordinary row keeps Eurostat's class
])
def test_the_eurostat_class_does_not_reverse_when_the_base_already_meets_the_target(values, comparator, target,
                                                                                     expected):
    row = _assess(_obs("imr", range(2014, 2019), values), _target("imr", comparator, target), as_of=2018)
    assert row["eurostat_category"] == expected
    if expected != "significant_progress":
        assert math.isnan(row["eurostat_ratio"])
    else:  # CAGR 2014-2018 (4.2/6)^(1/4) - 1 = -8.53%/yr against (4/6)^(1/6) - 1 = -6.54%/yr to 2020: 1.31
        actual = (4.2 / 6.0) ** (1 / 4) - 1
        required = (4.0 / 6.0) ** (1 / 6) - 1
        assert row["eurostat_ratio"] == pytest.approx(actual / required)


def test_an_attainment_year_at_the_first_observation_is_marked_as_censored():
    row = _assess(_obs("imr", [2013, 2014, 2015], [9.5, 8.9, 8.1]), _target(), as_of=2015)
    assert row["attain_year"] == 2013 and row["attain_year_censored"] is True  # met by 2013, perhaps earlier
    row = _assess(_obs("imr", [2010, 2011, 2012, 2013, 2014, 2015], [13.1, 12.1, 10.3, 9.5, 8.9, 8.1]), _target(),
                  as_of=2015)
    assert row["attain_year"] == 2013 and row["attain_year_censored"] is False  # 2012 was observed above 10


def test_rising_indicators_get_a_rate_of_increase_and_no_rate_once_met():
    years = np.arange(2010, 2019)
    values = 38 * 1.0211 ** (years - 2010)  # WHO's exclusive breastfeeding example: +2.11% a year
    row = _assess(_obs("ebf_0_6m", years, values), _target("ebf_0_6m", ">=", 60, year=2030), as_of=2018,
                  indicator_id="ebf_0_6m")
    latest = 38 * 1.0211 ** 8
    assert row["rate_kind"] == "aari" and row["aarr_observed"] == pytest.approx(0.0211, rel=1e-6)
    assert row["aarr_required"] == pytest.approx((60 / latest) ** (1 / 12) - 1, rel=1e-9)
    assert row["aarr_required"] > 0
    row = _assess(_obs("ebf_0_6m", years, values), _target("ebf_0_6m", ">=", 40, year=2030), as_of=2018,
                  indicator_id="ebf_0_6m")
    assert math.isnan(row["aarr_required"])  # 44.9 already meets >= 40: no rate is required


def test_a_published_base_level_is_used_before_a_trend_estimate():
    years = [2015, 2016, 2017, 2019]
    values = [15.82, 15.09, 13.18, 11.42]  # real national injury mortality; NBS: 2015 is 6.59 below 2010
    target = _target("injury_mortality_u18", "<=", -1 / 6, kind="relative_change", base_year=2010)
    target["base_value"], target["base_unit"] = 22.41, "testland"  # 15.82 + 6.59, as the base_source documents
    row = _assess(_obs("injury_mortality_u18", years, values), target, as_of=2019, indicator_id="injury_mortality_u18")
    assert row["target_value"] == pytest.approx(22.41 * 5 / 6) and row["base_value"] == 22.41  # 18.675, not 20.24
    assert "relative_target_base_published" in row["flags"]
    target["base_unit"] = "national"  # another unit's published level is never this unit's base
    row = _assess(_obs("injury_mortality_u18", years, values), target, as_of=2019, indicator_id="injury_mortality_u18")
    assert "relative_target_base_estimated" in row["flags"] and row["base_value"] != 22.41


def test_only_the_comparable_segment_after_a_series_break_is_fitted():
    obs = _obs("underweight_u5", [2000, 2015, 2016, 2017, 2018], [10, 1.49, 1.49, 1.4, 1.43])
    obs.loc[obs["year"] == 2015, "note"] = "series_break: routine series from 2015"
    row = _assess(obs, _target("underweight_u5", "<", 5.0), as_of=2018, indicator_id="underweight_u5")
    assert row["n_obs"] == 4 and row["first_year"] == 2015 and "series_break" in row["flags"]
    # regression AARR on 2015-2018 only: 1 - exp(b), b the OLS slope of ln(value) on year
    t = np.array([2015, 2016, 2017, 2018.0])
    b = np.polyfit(t, np.log([1.49, 1.49, 1.4, 1.43]), 1)[0]
    assert row["aarr_observed"] == pytest.approx(1 - math.exp(b))


def test_the_strongest_evidence_decides_when_the_latest_bound_does_not():
    obs = _obs("nip_vaccination", [2015, 2016, 2017, 2019], [99, 99, 99, 90], [">"] * 4)
    row = _assess(obs, _target("nip_vaccination", ">=", 95), as_of=2019, indicator_id="nip_vaccination")
    assert pd.isna(row["met_latest"])  # '> 90' (2019) decides nothing about '>= 95'
    assert (row["evidence_year"], row["evidence_value"], row["met_evidence"]) == (2017, 99.0, True)


def test_too_few_points_is_insufficient_data_with_no_forecast():
    row = _assess(_obs("imr", [2015, 2017, 2018], [8.0, 7.0, 6.5]), _target(), as_of=2018)
    assert row["category"] == "insufficient_data"
    assert math.isnan(row["forecast"]) and math.isnan(row["p_attain"]) and row["model"] == ""
    assert row["met_latest"] == True  # noqa: E712  the latest point still says where it stands


def test_published_bounds_are_never_fitted_as_points():
    obs = _obs("nip_vaccination", [2010, 2013, 2015, 2016, 2017], [90, 90, 99, 99, 99], [">"] * 5)
    row = _assess(obs, _target("nip_vaccination", ">=", 95), as_of=2017, indicator_id="nip_vaccination")
    assert row["n_obs"] == 0 and row["n_censored"] == 5
    assert row["category"] == "insufficient_data" and row["model"] == ""
    assert row["met_latest"] == True  # noqa: E712  'above 99' proves '>= 95'
    assert "censored" in row["flags"]
    # 'above 90' proves nothing about '>= 95'
    obs = _obs("nip_vaccination", [2019], [90], [">"])
    row = _assess(obs, _target("nip_vaccination", ">=", 95), as_of=2019, indicator_id="nip_vaccination")
    assert pd.isna(row["met_latest"])


def test_relative_target_from_observed_base_year():
    years = list(range(2010, 2017))
    values = [18.0, 17.5, 17.0, 16.4, 16.0, 15.5, 15.1]
    target = _target("injury_mortality_u18", "<=", -1 / 6, kind="relative_change", base_year=2010)
    row = _assess(_obs("injury_mortality_u18", years, values), target, as_of=2016, indicator_id="injury_mortality_u18")
    assert row["target_value"] == pytest.approx(18.0 * 5 / 6) and row["base_value"] == 18.0
    assert "relative_target_base_observed" in row["flags"]


def test_relative_target_with_missing_base_year_is_estimated_from_the_trend_and_flagged():
    years = np.arange(2012, 2019)
    values = 20 * np.exp(-0.04 * (years - 2010))
    target = _target("injury_mortality_u18", "<=", -1 / 6, kind="relative_change", base_year=2010)
    row = _assess(_obs("injury_mortality_u18", years, values), target, as_of=2018, indicator_id="injury_mortality_u18")
    assert row["target_value"] == pytest.approx(20 * 5 / 6, rel=1e-3)  # the noise-free trend recovers y_2010 = 20
    assert row["base_value"] == pytest.approx(20, rel=1e-3)
    assert "relative_target_base_estimated" in row["flags"]
    # 20 e^{-0.4} = 13.41 <= 16.67 with certainty on a noise-free line
    assert row["p_attain"] > 0.99


def test_series_moving_away_from_its_target_is_off_track_and_flagged():
    rng = np.random.default_rng(3)
    years = np.arange(2010, 2019)
    values = 6.0 * np.exp(0.04 * (years - 2010) + rng.normal(0, 0.01, len(years)))
    row = _assess(_obs("imr", years, values), _target("imr", "<", 5.0), as_of=2018)
    assert row["category"] == "off_track" and row["p_attain"] < 0.05
    assert "moving_away" in row["flags"]
    assert pd.isna(row["attain_year"])
    assert row["eurostat_category"] == "moving_away"


@settings(max_examples=25, deadline=None)
@given(shift=st.floats(min_value=0.0, max_value=3.0), start=st.floats(min_value=6.0, max_value=12.0))
def test_moving_the_target_further_away_never_raises_p_attain(shift, start):
    rng = np.random.default_rng(7)
    years = np.arange(2010, 2019)
    values = 14 * np.exp(-0.06 * (years - 2010) + rng.normal(0, 0.03, len(years)))
    obs = _obs("imr", years, values)
    near = _assess(obs, _target("imr", "<", start), as_of=2018)["p_attain"]
    far = _assess(obs, _target("imr", "<", start - shift * 0.5), as_of=2018)["p_attain"]
    assert far <= near + 1e-12


def test_results_frame_has_every_contract_column_and_no_target_rows():
    obs = pd.concat([_obs("imr", range(2010, 2016), [13, 12, 10.3, 9.5, 8.9, 8.1]),
                     _obs("kindergartens", range(2013, 2019), [1, 2, 3, 4, 5, 6])])
    targets = load_targets("outline-2011-2020")
    frame = results_frame(assess_unit("testland", obs, targets, as_of=2018))
    assert list(frame.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert len(frame) == len(targets) + 1
    assert frame.set_index("indicator_id").loc["kindergartens", "category"] == "no_target"
    assert (frame.set_index("indicator_id").drop(["imr", "kindergartens"])["category"] == "insufficient_data").all()


def test_settings_from_defaults_drive_categories():
    strict = AssessSettings(categories={"on_track": 0.999999, "likely": 0.99999, "at_risk": 0.9999})
    years = [2010, 2011, 2012, 2013, 2014]
    row = _assess(_obs("imr", years, [14, 13.1, 12.4, 11.8, 11.0]), _target(), as_of=2014, settings=strict)
    assert row["category"] in ("likely", "at_risk", "off_track")


def test_assess_cli_writes_every_contract_column(tmp_path):
    out = tmp_path / "r.csv"
    code = main(["assess", "--data", str(PROJECT_ROOT / "data/observations/national.csv"), "--targets",
                 "outline-2011-2020", "--as-of", "2015", "--units", "national", "--out", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    assert set(RESULT_COLUMNS) <= set(frame.columns)
    imr = frame.set_index("indicator_id").loc["imr"]
    assert imr["latest_value"] == 8.1 and imr["attain_year"] == 2013 and bool(imr["met_latest"])
    xlsx = tmp_path / "r.xlsx"
    assert main(["assess", "--data", str(PROJECT_ROOT / "data/observations/national.csv"), "--targets",
                 "outline-2011-2020", "--as-of", "2015", "--units", "全国", "--out", str(xlsx)]) == 0
    assert len(pd.read_excel(xlsx)) == len(frame)


def test_assess_cli_reports_bad_input_without_traceback(tmp_path, capsys):
    code = main(["assess", "--data", str(tmp_path / "missing.csv"), "--targets", "outline-2011-2020", "--as-of",
                 "2015", "--out", str(tmp_path / "r.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "missing.csv" in err and "Traceback" not in err
    assert not (tmp_path / "r.csv").exists()
