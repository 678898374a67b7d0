"""toolkit.engine.rates against the anchors' published (or derived) figures and hand-computed cases.

Figures and their sources: Eurostat's SDG monitoring methodology, UN ESCAP's Asia-Pacific SDG progress
assessment, and the UNICEF/UN IGME AARR technical note with the WHO/UNICEF nutrition targets (each test names
its figure; docs/methods.md, "Rates (anchor arithmetic)", lists them).
Published percentages are rounded, so they are checked to +-0.05 percentage points (``PP``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from toolkit.engine import rates

PP = 0.0005  # 0.05 percentage points, as a fraction


# --- UNICEF / UN IGME: continuous two-point AARR --------------------------------------------------

def test_mdg4_two_thirds_reduction_is_4_4_percent():
    # MDG 4: cut U5MR by two thirds 1990-2015 -> ln(3)/25 = 4.39% ("4.4%"); discrete would give 4.30%
    assert_allclose(rates.aarr_two_point(3.0, 1.0, 1990, 2015), math.log(3) / 25, rtol=1e-12)
    assert rates.aarr_two_point(3.0, 1.0, 1990, 2015) == pytest.approx(0.0439, abs=PP)
    assert rates.aarr_two_point(3.0, 1.0, 1990, 2015, form="discrete") == pytest.approx(0.0430, abs=PP)


def test_global_u5mr_48_to_30_is_15_67_percent():
    assert rates.aarr_two_point(48, 30, 2012, 2015) == pytest.approx(0.1567, abs=1e-4)
    assert rates.aarr_two_point(48, 30, 2012, 2015, form="discrete") == pytest.approx(0.1450, abs=1e-4)


@pytest.mark.parametrize("v0, v1, cont, disc", [(100, 90, 0.0042, None), (20, 10, 0.0277, 0.0273)])
def test_igme_25_year_examples(v0, v1, cont, disc):
    assert rates.aarr_two_point(v0, v1, 1990, 2015) == pytest.approx(cont, abs=PP)
    if disc is not None:
        assert rates.aarr_two_point(v0, v1, 1990, 2015, form="discrete") == pytest.approx(disc, abs=PP)


def test_two_point_aarr_is_positive_for_a_fall_and_negative_for_a_rise():
    assert rates.aarr_two_point(10, 5, 2000, 2010) > 0
    assert rates.aarr_two_point(5, 10, 2000, 2010) < 0


# --- Regression AARR (UNICEF technical note) ------------------------------------------------------

def test_regression_example_slope_gives_6_4_percent():
    # the note's example: b = -0.06613 -> 100 (1 - e^b) = 6.4%; a series with exactly that log-slope
    years = np.arange(2000, 2007)
    values = 30 * np.exp(-0.06613 * (years - 2000))
    assert rates.aarr(years, values) == pytest.approx(1 - math.exp(-0.06613), rel=1e-10)
    assert rates.aarr(years, values) == pytest.approx(0.064, abs=PP)
    assert rates.aarr(years, values, form="continuous") == pytest.approx(0.06613, rel=1e-10)


def test_exact_exponential_decline_recovers_its_rate():
    # DSIR's test: an exact 2.4% (discrete) decline; irregular years do not matter for an exact series
    years = np.array([2000, 2003, 2004, 2009, 2010, 2015])
    values = 80 * (1 - 0.024) ** (years - 2000)
    assert_allclose(rates.aarr(years, values), 0.024, rtol=1e-12)
    assert_allclose(rates.aarr_two_point(values[0], values[-1], 2000, 2015, form="discrete"), 0.024,
                    rtol=1e-12)


def test_regression_aarr_matches_hand_computed_ols():
    years = np.array([2000, 2002, 2005, 2006, 2010])
    values = np.array([50.0, 47.0, 41.0, 40.5, 33.0])
    t = years - years.mean()
    b = np.sum(t * (np.log(values) - np.log(values).mean())) / np.sum(t * t)
    assert_allclose(rates.aarr(years, values), 1 - math.exp(b), rtol=1e-12)


def test_regression_aarr_ignores_missing_points():
    assert_allclose(rates.aarr([2000, 2001, 2002, 2003], [10.0, np.nan, 10 * 0.9 ** 2, 10 * 0.9 ** 3]), 0.1,
                    rtol=1e-12)


# --- WHO / UNICEF nutrition targets (WHA 2025, baseline 2012) ---------------------------------------

def test_who_anaemia_required_rate_is_discrete_50_percent_cut():
    assert rates.required_aarr(1.0, 0.5, 2012, 2025, form="discrete") == pytest.approx(0.052, abs=PP)


def test_who_low_birthweight_required_rate_is_continuous_30_percent_cut():
    assert rates.required_aarr(1.0, 0.7, 2012, 2025) == pytest.approx(0.0274, abs=PP)


def test_who_exclusive_breastfeeding_rate_of_increase():
    # an increase: the required AARR is negative; WHO's AARI is its negative
    req = rates.required_aarr(38, 50, 2012, 2025)
    assert req < 0
    assert -req == pytest.approx(0.0211, abs=PP)


# --- Eurostat --------------------------------------------------------------------------------------

def test_eurostat_preschool_enrolment():
    # NBS: 56.6% (2010) -> 79.6% (2017), target 70% by 2020
    assert rates.cagr(56.6, 79.6, 2010, 2017) == pytest.approx(0.0499, abs=PP)
    assert rates.cagr(56.6, 70, 2010, 2020) == pytest.approx(0.0215, abs=PP)
    ratio = rates.eurostat_ratio(56.6, 79.6, 2010, 2017, 70, 2020)
    assert ratio == pytest.approx(2.32, abs=0.005)
    assert rates.eurostat_category(ratio) == "significant_progress"


def test_eurostat_infant_mortality_falling_target():
    ratio = rates.eurostat_ratio(13.1, 9.5, 2010, 2013, 10, 2020)
    assert ratio == pytest.approx(3.81, abs=0.005)
    assert rates.eurostat_category(ratio) == "significant_progress"


@pytest.mark.parametrize("ratio, category", [
    (0.95, "significant_progress"), (0.9499, "moderate_progress"), (0.6, "moderate_progress"),
    (0.59, "insufficient_progress"), (0.0, "insufficient_progress"), (-0.01, "moving_away"),
    (float("inf"), "significant_progress"), (float("nan"), None),
])
def test_eurostat_category_thresholds(ratio, category):
    assert rates.eurostat_category(ratio) == category


def test_eurostat_category_custom_thresholds():
    assert rates.eurostat_category(0.9, thresholds=(0.8, 0.5, 0.1)) == "significant_progress"
    assert rates.eurostat_category(0.05, thresholds=(0.8, 0.5, 0.1)) == "moving_away"


def test_eurostat_ratio_moving_away_is_negative():
    # IMR rising while the target requires a fall
    assert rates.eurostat_ratio(10, 11, 2010, 2015, 8, 2020) < 0


# --- years to target, on-track verdicts -----------------------------------------------------------

def test_unicef_mdg4_attainment_year_2028():
    # mean 1990-2012 AARR 2.86% takes U5MR from 48 (2012) to 30 in 2028.4
    assert 2012 + rates.years_to_target(48, 30, 0.0286) == pytest.approx(2028.4, abs=0.05)


def test_years_to_target_inverts_the_rate():
    for form in ("continuous", "discrete"):
        r = rates.required_aarr(40, 25, 2015, 2027, form=form)
        assert_allclose(rates.years_to_target(40, 25, r, form=form), 12.0, rtol=1e-12)
    # an increase: negative AARR
    r = rates.required_aarr(60, 80, 2015, 2025)
    assert_allclose(rates.years_to_target(60, 80, r), 10.0, rtol=1e-12)


def test_years_to_target_edge_cases():
    assert rates.years_to_target(30, 30, 0.05) == 0.0
    assert math.isnan(rates.years_to_target(30, 20, 0.0))        # never at rate 0
    assert math.isnan(rates.years_to_target(30, 20, -0.02))      # moving away
    assert math.isnan(rates.years_to_target(30, 20, 1.0, form="discrete"))


@pytest.mark.parametrize("obs, req, met, expected", [
    (0.05, 0.03, False, True), (0.02, 0.03, False, False),        # a fall is required
    (-0.04, -0.02, False, True), (-0.01, -0.02, False, False),    # a rise is required
    (0.01, 0.05, True, True), (float("nan"), 0.02, False, False),
])
def test_igme_on_track(obs, req, met, expected):
    assert rates.igme_on_track(obs, req, already_met=met) is expected


# --- undefined cases return NaN, never raise --------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: rates.aarr_two_point(0, 5, 2000, 2010),
    lambda: rates.aarr_two_point(-1, 5, 2000, 2010),
    lambda: rates.aarr_two_point(10, 5, 2010, 2010),
    lambda: rates.aarr([2000, 2001, 2002], [5, 0, 3]),
    lambda: rates.aarr([2000, 2000], [5, 4]),
    lambda: rates.aarr([2000], [5]),
    lambda: rates.required_aarr(10, 5, 2020, 2020),
    lambda: rates.required_aarr(10, 5, 2021, 2020),
    lambda: rates.required_aarr(10, 0, 2015, 2020),
    lambda: rates.cagr(0, 5, 2000, 2010),
    lambda: rates.cagr(5, 6, 2000, 2000),
    lambda: rates.eurostat_ratio(10, 9, 2010, 2015, 10, 2020),     # required CAGR is exactly 0
    lambda: rates.eurostat_ratio(10, 9, 2010, 2010, 8, 2020),
    lambda: rates.escap_wgm_forecast([2000, 2005], [10, 0], 2030),
    lambda: rates.escap_wgm_forecast([2000, 2005], [10, 8], 2005),
])
def test_undefined_cases_are_nan(call):
    assert math.isnan(call())


def test_bad_form_is_a_programming_error():
    with pytest.raises(ValueError, match="form must be one of"):
        rates.aarr_two_point(10, 5, 2000, 2010, form="geometric")
    with pytest.raises(ValueError, match="convention"):
        rates.escap_wgm_forecast([2000, 2001], [1, 2], 2030, convention="x")


# --- ESCAP weighted geometric growth -----------------------------------------------------------------

def test_wgm_on_constant_growth_extrapolates_exactly():
    years = np.array([2000, 2001, 2002, 2003, 2004])
    values = 50 * 1.03 ** (years - 2000)
    assert_allclose(rates.escap_wgm_forecast(years, values, 2030), 50 * 1.03 ** 30, rtol=1e-12)


def test_wgm_annualises_irregular_gaps():
    # constant 3% growth observed with gaps: still exact (a two-year ratio counts as two years)
    years = np.array([2000, 2004, 2006, 2007, 2010])
    values = 50 * 1.03 ** (years - 2000)
    assert_allclose(rates.escap_wgm_forecast(years, values, 2030), 50 * 1.03 ** 30, rtol=1e-12)


def test_wgm_formula_by_hand_on_annual_data():
    years = np.array([2010, 2011, 2012, 2013])
    v = np.array([20.0, 19.0, 17.5, 17.0])
    T = 2030
    w = (T - 2010) / (T - years[1:])
    growth = np.prod((v[1:] / v[:-1]) ** w) ** ((T - 2013) / w.sum())
    assert_allclose(rates.escap_wgm_forecast(years, v, T), v[-1] * growth, rtol=1e-12)
    # MENARO's code sums the weights over all points, including the first (weight 1)
    growth_m = np.prod((v[1:] / v[:-1]) ** w) ** ((T - 2013) / (w.sum() + 1.0))
    assert_allclose(rates.escap_wgm_forecast(years, v, T, convention="menaro"), v[-1] * growth_m, rtol=1e-12)


def test_wgm_weights_recent_growth_more():
    # slow growth early, fast late: the weighted forecast exceeds the unweighted geometric-mean one
    years = np.arange(2000, 2011)
    v = np.r_[100 * 1.01 ** np.arange(6), 100 * 1.01 ** 5 * 1.05 ** np.arange(1, 6)]
    plain = v[-1] * (v[-1] / v[0]) ** ((2030 - 2010) / 10)
    assert rates.escap_wgm_forecast(years, v, 2030) > plain
