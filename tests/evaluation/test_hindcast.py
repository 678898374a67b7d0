"""Hindcasts: exact answers on noise-free series, no look-ahead, and the summaries' arithmetic."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.core.i18n import language
from toolkit.engine.settings import AssessSettings
from toolkit.evaluation.hindcast import (
    CALL_METHODS,
    MODEL_LABELS,
    call_accuracy,
    coverage_by_model,
    error_by_model_horizon,
    mape_table,
    run_hindcast,
)
from toolkit.reports.method_evaluation.fragments import calls_table, key_numbers

YEARS = np.arange(2010, 2021)
SETTINGS = AssessSettings()


def _frame(indicator_id: str, years, values, unit: str) -> pd.DataFrame:
    return pd.DataFrame({"unit_id": "national", "indicator_id": indicator_id, "year": [int(y) for y in years],
                         "value": [float(v) for v in values], "qualifier": "=", "unit": unit, "source": "test",
                         "note": ""})


def _targets() -> pd.DataFrame:
    return pd.DataFrame({"indicator_id": ["imr", "compulsory_consolidation_9yr"], "comparator": ["<", ">="],
                         "target_value": [10.0, 95.0], "target_kind": "absolute", "base_year": np.nan,
                         "target_year": 2020, "target_set": "test"})


def _national(imr=None, consolidation=None) -> pd.DataFrame:
    """An exact exponential decline (IMR, log scale) and an exact logistic rise (consolidation, logit scale)."""
    imr = 20 * np.exp(-0.08 * (YEARS - 2010)) if imr is None else imr  # 8.99 in 2020: target < 10 met
    z = math.log(90 / 10) + 0.09 * (YEARS - 2010)
    consolidation = 100 / (1 + np.exp(-z)) if consolidation is None else consolidation  # 95.6 in 2020: met
    return pd.concat([_frame("imr", YEARS, imr, "per_mille"),
                      _frame("compulsory_consolidation_9yr", YEARS, consolidation, "percent")], ignore_index=True)


@pytest.fixture(scope="module")
def exact():
    return run_hindcast(_national(), _targets(), settings=SETTINGS)


def test_every_origin_and_later_year_is_scored_once_per_method(exact):
    errors, calls = exact
    # 2012 has only 3 points (2010-2012), fewer than the engine's min_points (4): the first origin is 2013
    n_pairs = sum(2020 - origin for origin in range(2013, 2020))  # forecast years after each origin
    per_method = errors.groupby(["indicator_id", "model"]).size()
    assert (per_method == n_pairs).all() and len(per_method) == 2 * 9  # 4 models, ensemble, 3 rules, naive
    assert set(errors["horizon"]) == set(range(1, 8))
    assert len(calls) == 2 * 7 and set(calls["origin"]) == set(range(2013, 2020))


def test_trend_models_are_exact_on_an_exact_series_and_their_intervals_cover(exact):
    errors, _ = exact
    exact_models = errors[errors["model"].isin(["linear", "recent", "drift", "ensemble"])]
    assert exact_models["ape"].max() < 1e-3
    assert exact_models["in80"].all() and exact_models["in95"].all()
    coverage = coverage_by_model(errors).set_index("model")
    assert coverage.loc[["linear", "recent", "drift", "ensemble"], ["cover80", "cover95"]].eq(1.0).all().all()
    # the published rules reproduce an exact exponential decline exactly as well
    imr_rules = errors[(errors["indicator_id"] == "imr") & errors["model"].isin(["escap_wgm", "igme_aarr",
                                                                                  "eurostat_cagr"])]
    assert imr_rules["ape"].max() < 1e-6
    assert errors.loc[errors["model"] == "naive", "ape"].min() > 0  # no-change is wrong on a trend


def test_all_calls_are_right_on_an_exact_decline(exact):
    _, calls = exact
    imr = calls[calls["indicator_id"] == "imr"]
    assert imr["outcome"].all()
    for method in CALL_METHODS:
        assert imr[f"{method}_call"].astype(bool).all(), method
    accuracy = call_accuracy(imr).set_index("method")
    assert accuracy["accuracy"].eq(1.0).all() and accuracy["n"].eq(7).all()
    assert accuracy.loc["ours", "brier"] < 1e-4 and accuracy.loc["eurostat", "brier"] == 0


def test_no_observation_after_an_origin_leaks_into_its_forecasts_or_calls(exact):
    errors, calls = exact
    rng = np.random.default_rng(1)
    imr = 20 * np.exp(-0.08 * (YEARS - 2010))
    perturbed = np.where(YEARS > 2015, imr * rng.uniform(0.5, 1.5, YEARS.size), imr)
    errors2, calls2 = run_hindcast(_national(imr=perturbed), _targets(), origins=[2014, 2015], settings=SETTINGS)
    cols = ["indicator_id", "origin", "year", "model", "forecast", "lo80", "hi80", "lo95", "hi95"]
    before = errors.loc[errors["origin"].isin([2014, 2015]), cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, errors2[cols].reset_index(drop=True))
    assert not np.allclose(errors.loc[errors["origin"] == 2015, "observed"],
                           errors2.loc[errors2["origin"] == 2015, "observed"])
    call_cols = ["indicator_id", "origin", "p_attain", "forecast", "eurostat_ratio", "aarr_observed",
                 "aarr_required", "escap_forecast", "ours_call", "igme_call"]
    pd.testing.assert_frame_equal(calls.loc[calls["origin"].isin([2014, 2015]), call_cols].reset_index(drop=True),
                                  calls2[call_cols].reset_index(drop=True))


def test_origins_with_too_few_points_are_skipped_and_unobserved_target_years_make_no_call():
    obs = _national()
    obs = obs[~((obs["indicator_id"] == "imr") & (obs["year"] < 2013))]  # imr starts 2013: 4 points by 2016
    obs = obs[~((obs["indicator_id"] == "compulsory_consolidation_9yr") & (obs["year"] == 2020))]
    errors, calls = run_hindcast(obs, _targets(), origins=[2015, 2016, 2017], settings=SETTINGS)
    assert sorted(errors.loc[errors["indicator_id"] == "imr", "origin"].unique()) == [2016, 2017]
    assert set(calls["indicator_id"]) == {"imr"}
    assert errors.loc[errors["indicator_id"] == "compulsory_consolidation_9yr", "year"].max() == 2019


def test_published_bounds_never_enter_a_fit():
    obs = _national()
    bound = obs[(obs["indicator_id"] == "imr") & (obs["year"] == 2013)].assign(qualifier="<", value=1.0)
    errors, _ = run_hindcast(pd.concat([obs[~obs.index.isin(bound.index)], bound]), _targets(), origins=[2016],
                             settings=SETTINGS)
    assert 2013 not in set(errors["year"]) and errors.loc[errors["indicator_id"] == "imr", "n_points"].iloc[0] == 6


def test_summaries_compute_mape_coverage_and_brier_by_hand():
    errors = pd.DataFrame({
        "indicator_id": "x", "origin": 2015, "model": ["linear"] * 3 + ["naive"] * 3,
        "kind": ["model"] * 3 + ["baseline"] * 3, "horizon": [1, 1, 2] * 2, "ape": [1.0, 3.0, 10.0, 2.0, 2.0, 4.0],
        "in80": pd.array([True, False, True, pd.NA, pd.NA, pd.NA], dtype="boolean"),
        "in95": pd.array([True, True, True, pd.NA, pd.NA, pd.NA], dtype="boolean")})
    summary = error_by_model_horizon(errors).set_index(["model", "horizon"])
    assert summary.loc[("linear", "1"), "mape"] == 2.0
    assert summary.loc[("linear", "all"), "mape"] == pytest.approx(14 / 3)
    assert summary.loc[("naive", "2"), "n"] == 1
    wide = mape_table(errors)
    assert list(wide.index) == ["linear", "naive"] and list(wide.columns) == ["n", "h=1", "h=2", "all"]
    coverage = coverage_by_model(errors).set_index("model")
    assert list(coverage.index) == ["linear"] and coverage.loc["linear", "cover80"] == pytest.approx(2 / 3)
    calls = pd.DataFrame({"indicator_id": "x", "origin": [2015, 2016], "outcome": [True, False],
                          "p_attain": [0.8, 0.4], "ours_call": [True, False], "eurostat_call": [True, True],
                          "igme_call": [False, False], "escap_call": pd.array([True, pd.NA], dtype="boolean")})
    acc = call_accuracy(calls).set_index("method")
    assert acc.loc["ours", "brier"] == pytest.approx((0.04 + 0.16) / 2)
    assert acc.loc["eurostat", "accuracy"] == 0.5 and acc.loc["eurostat", "brier"] == 0.5
    assert acc.loc["escap", "n"] == 1 and acc.loc["escap", "accuracy"] == 1.0


def test_key_numbers_and_calls_table_are_plain_and_rounded(exact):
    errors, calls = exact
    text = key_numbers(errors, calls)
    assert "MAPE ensemble: 0.00% (n=56)" in text and "coverage linear: 80% -> 1.00, 95% -> 1.00" in text
    assert "calls ours: 14/14 right, accuracy 1.00, Brier 0.000" in text
    table = calls_table(calls)
    assert set(table["outcome"]) == {"met"} and len(table) == len(calls)


def test_the_calls_carry_the_observed_target_year_value(exact):
    _, calls = exact
    imr = calls[calls["indicator_id"] == "imr"]
    assert imr["observed"].to_numpy() == pytest.approx(20 * math.exp(-0.08 * 10))  # 8.99 in 2020, every origin


def test_labels_are_english_in_the_code_and_the_benchmark_prints_english(tmp_path, capsys):
    """MODEL_LABELS and CALL_METHODS hold the English text (CSV files, benchmarks); pages translate them."""
    assert MODEL_LABELS["linear"] == "linear trend" and CALL_METHODS["ours"] == "toolkit: P(attain) >= 0.5"
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "hindcast.py"
    spec = importlib.util.spec_from_file_location("bench_hindcast", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with language("zh"):  # the process edition of a report kernel must not leak into the benchmark's output
        assert module.main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "- Point forecasts: the ensemble's mean absolute percentage error (MAPE) is" in printed
    assert "| ensemble (what reports use) |" in printed
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in printed)
