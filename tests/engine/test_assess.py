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
    assert row["category"] == "achieved" and row["p_attain"] == 1.0 and row["forecast"] == 95.2
    row = _assess(_obs("compulsory_consolidation_9yr", years, values),
                  _target("compulsory_consolidation_9yr", ">=", 96), as_of=2020,
                  indicator_id="compulsory_consolidation_9yr")
    assert row["category"] == "not_achieved" and row["p_attain"] == 0.0


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
