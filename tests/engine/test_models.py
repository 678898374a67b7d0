"""toolkit.engine.models / toolkit.engine.predictive / toolkit.engine.selection: exact formulas, statsmodels cross-checks, properties.

statsmodels is the reference implementation here; the package itself uses closed-form numpy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from scipy.special import stdtr

from toolkit.core.errors import ToolkitError
from toolkit.engine import rates
from toolkit.engine.models import DampedTrend, DriftModel, InsufficientDataError, TrendSettings, fit_trend
from toolkit.engine.predictive import SCALE_FLOOR, Predictive, _TMix
from toolkit.engine.selection import DEFAULT_WEIGHTS, stacking_weights
from toolkit.evaluation.simulate import simulate

IRREGULAR = np.array([2000, 2006, 2008, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017])
FUTURE = np.arange(2018, 2031)


@pytest.fixture
def noisy():
    """IMR-like series on the log scale: 5%/year decline plus noise, irregular years."""
    rng = np.random.default_rng(20240601)
    z = np.log(32.0) - 0.05 * (IRREGULAR - 2000) + rng.normal(0, 0.04, IRREGULAR.size)
    return IRREGULAR.astype(float), z


def single(name: str, **kw) -> TrendSettings:
    return TrendSettings(selection=name, **kw)


# --- linear: exactly statsmodels OLS prediction intervals ------------------------------------------

@pytest.mark.parametrize("alpha", [0.2, 0.05])
def test_linear_matches_statsmodels_ols_obs_ci(noisy, alpha):
    years, z = noisy
    fit = fit_trend(years, z, single("linear"))
    all_years = np.r_[years, FUTURE].astype(float)
    res = sm.OLS(z, sm.add_constant(years)).fit()
    frame = res.get_prediction(sm.add_constant(all_years)).summary_frame(alpha=alpha)
    pred = fit.predictive(all_years)
    qs = pred.ppf(np.array([alpha / 2, 1 - alpha / 2]))
    assert_allclose(pred.median(), frame["mean"], rtol=1e-10)
    assert_allclose(qs[:, 0], frame["obs_ci_lower"], rtol=1e-9)
    assert_allclose(qs[:, 1], frame["obs_ci_upper"], rtol=1e-9)
    assert fit.name == "linear" and fit.weights == {"linear": 1.0}


def test_recent_is_ols_on_the_last_window(noisy):
    years, z = noisy
    fit = fit_trend(years, z, single("recent", recent_window=6))
    res = sm.OLS(z[-6:], sm.add_constant(years[-6:])).fit()
    frame = res.get_prediction(sm.add_constant(FUTURE.astype(float))).summary_frame(alpha=0.2)
    pred = fit.predictive(FUTURE)
    assert_allclose(pred.median(), frame["mean"], rtol=1e-10)
    assert_allclose(pred.ppf(0.9), frame["obs_ci_upper"], rtol=1e-9)


# --- drift: Brownian motion with drift --------------------------------------------------------------

def test_drift_by_hand_on_irregular_years(noisy):
    years, z = noisy
    fit = fit_trend(years, z, single("drift"))
    dt, dz = np.diff(years), np.diff(z)
    span = years[-1] - years[0]
    d = (z[-1] - z[0]) / span
    s2 = np.sum((dz - d * dt) ** 2 / dt) / (dz.size - 1)
    h = FUTURE - years[-1]
    pred = fit.predictive(FUTURE)
    assert_allclose(pred.median(), z[-1] + d * h, rtol=1e-12)
    scale = np.sqrt(s2 * (h + h**2 / span))
    assert_allclose(pred.ppf(0.9), z[-1] + d * h + scale * stats.t.ppf(0.9, dz.size - 1), rtol=1e-10)
    # the fitted in-sample line joins the first and the last observation
    assert_allclose(fit.fitted(years[[0, -1]]), z[[0, -1]], rtol=1e-12)


def test_drift_matches_statsmodels_arima_010_with_drift():
    """On annual data the drift model is ARIMA(0,1,0) with drift; statsmodels' interval omits the
    drift's estimation error and uses the ML variance SSE/m, ours adds h^2/T and uses SSE/(m-1)."""
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.default_rng(7)
    z = np.cumsum(np.r_[1.0, 0.05 + rng.normal(0, 0.03, 11)])
    years = 2008.0 + np.arange(z.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ARIMA(z, order=(0, 1, 0), trend="t").fit()
    frame = res.get_forecast(5).summary_frame()
    fit = fit_trend(years, z, single("drift"))
    comp = fit.components["drift"].params
    m = z.size - 1
    h = np.arange(1, 6)
    assert_allclose(fit.predictive(years[-1] + h).median(), frame["mean"], rtol=1e-4)
    sm_var = frame["mean_se"].to_numpy() ** 2
    ours_process_var = comp["s"][0] ** 2 * (m - 1) / m * h
    assert_allclose(ours_process_var, sm_var, rtol=2e-3)


# --- damped: Gardner-McKenzie damped trend with the level fully updated ------------------------------

def test_damped_single_phi_matches_statsmodels_holt():
    """For one phi the damped model is Holt's damped trend with alpha=1, beta=0: statsmodels Holt with
    our initial trend reproduces our forecasts, and our drift minimises its one-step SSE."""
    from statsmodels.tsa.holtwinters import Holt

    phi, n = 0.9, 12
    rng = np.random.default_rng(3)
    z = np.cumsum(np.r_[2.0, 0.2 * phi ** np.arange(1, n) + rng.normal(0, 0.02, n - 1)])
    t = np.arange(n, dtype=float) - (n - 1)
    model = DampedTrend(grid=(phi,))
    p = model.estimate(t, z, np.ones((1, n)))
    loc, _, _, _ = model.predict(p, np.arange(1.0, 6.0)[None, :])

    def holt(b0):
        h = Holt(z, damped_trend=True, initialization_method="known",
                 initial_level=z[0] - phi * b0, initial_trend=b0)
        return h.fit(smoothing_level=1.0, smoothing_trend=0.0, damping_trend=phi, optimized=False)

    b0 = p["d"][0, 0] * phi ** (-n)
    assert_allclose(holt(b0).forecast(5), loc[0, 0], rtol=1e-10)
    sse = p["s"][0, 0] ** 2 * p["df"][0]
    assert_allclose(holt(b0).sse, sse, rtol=1e-10)
    assert holt(b0 * 1.01).sse > sse and holt(b0 * 0.99).sse > sse


def test_damped_forecast_flattens_and_weights_favour_true_phi():
    # a noise-free drift decaying by 0.85 a year: the 0.85 member gets (almost) all the weight
    years = np.arange(2005, 2018, dtype=float)
    z = np.r_[0.0, np.cumsum(0.3 * 0.85 ** np.arange(1, years.size))]
    fit = fit_trend(years, z, single("damped"))
    grid_w = fit.components["damped"].params["w"][:, 0]
    assert grid_w[1] == pytest.approx(1.0, abs=1e-6)
    pred = fit.predictive(np.arange(2018, 2060))
    steps = np.diff(pred.median())
    assert np.all(steps > 0) and np.all(np.diff(steps) < 0)          # still rising, ever slower
    assert_allclose(pred.median()[-1], z[-1] + 0.3 * 0.85 ** 12 * 0.85 / 0.15, rtol=1e-3)


def test_drift_is_the_undamped_limit_of_damped(noisy):
    years, z = noisy
    drift = fit_trend(years, z, single("drift")).predictive(FUTURE)
    near = fit_trend(years, z, single("damped")).components["damped"]
    almost = DampedTrend(grid=(0.999999,))
    t = years - years[-1]
    p = almost.estimate(t, z, np.ones((1, t.size)))
    loc, scale, _, _ = almost.predict(p, (FUTURE - years[-1])[None, :].astype(float))
    assert_allclose(loc[0, 0], drift.median(), rtol=1e-4)
    assert near.params["w"].shape[0] == 5


# --- zero noise: exact exponential decline --------------------------------------------------------

@pytest.mark.parametrize("selection", ["ensemble", "best", "linear", "recent", "drift"])
def test_exact_exponential_decline_gives_exact_forecast(selection):
    years = np.array([2000, 2003, 2005, 2006, 2007, 2008, 2009, 2010, 2011, 2012, 2013], dtype=float)
    rate = 0.06                                     # continuous AARR, 6% a year
    z = np.log(40.0) - rate * (years - 2000)
    assert_allclose(rates.aarr(years, np.exp(z), form="continuous"), rate, rtol=1e-12)
    fit = fit_trend(years, z, TrendSettings(selection=selection))
    pred = fit.predictive(FUTURE)
    truth = np.log(40.0) - rate * (FUTURE - 2000)
    med = pred.median()
    lo, hi = pred.interval(0.95)
    assert np.isfinite(np.c_[med, lo, hi]).all()
    if fit.name in ("linear", "recent", "drift"):
        assert_allclose(med, truth, rtol=1e-9)
        assert np.all(hi - lo < 1e-3)               # intervals collapse to the line (scale floor)
    else:                                           # ensemble: the damped member bends the median
        assert np.all(np.abs(med - truth) < 0.05 * (FUTURE - 2013))
    assert_allclose(fit.fitted(years[-3:]), z[-3:], atol=1e-6)
    assert np.isfinite(pred.cdf(truth)).all()


def test_zero_noise_cdf_is_a_step_at_the_line():
    years = np.arange(2010, 2020, dtype=float)
    z = 1.0 + 0.1 * (years - 2010)
    pred = fit_trend(years, z, single("linear")).predictive(np.array([2025.0]))
    assert pred.cdf(2.5 + 1e-3)[0] == pytest.approx(1.0)
    assert pred.cdf(2.5 - 1e-3)[0] == pytest.approx(0.0)
    assert pred.cdf(2.5)[0] == pytest.approx(0.5)
    assert pred.scale.min() >= SCALE_FLOOR


# --- properties (hypothesis) ---------------------------------------------------------------------

series_strategy = st.builds(
    lambda seed, n, process, irregular: simulate(process, n, rng=np.random.default_rng(seed), irregular=irregular),
    seed=st.integers(0, 2**31), n=st.integers(4, 16),
    process=st.sampled_from(["linear", "rw_drift", "damped", "logistic"]), irregular=st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=series_strategy, gap=st.floats(0.0, 3.0), q=st.lists(st.floats(0.001, 0.999), min_size=2, max_size=6))
def test_monotone_cdf_and_ppf(s, gap, q):
    fit = fit_trend(s.years, s.z)
    years = np.r_[s.years[-1] + np.array([1, 5, 15])].astype(float)
    pred = fit.predictive(years)
    thr = pred.median()
    # moving a "below" threshold further down never raises P(Z <= threshold) (= P(attain) for '<=')
    assert np.all(pred.cdf(thr - gap) <= pred.cdf(thr) + 1e-12)
    assert np.all(pred.cdf(thr + gap) >= pred.cdf(thr) - 1e-12)
    qs = np.sort(np.asarray(q))
    x = pred.ppf(qs)
    assert np.all(np.diff(x, axis=1) >= -1e-9)
    assert_allclose(pred.cdf(x), np.broadcast_to(qs, x.shape), atol=1e-8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=series_strategy, offset=st.floats(-2.0, 2.0))
def test_ensemble_cdf_lies_between_its_components(s, offset):
    fit = fit_trend(s.years, s.z)
    years = np.array([s.years[-1] + 1.0, s.years[-1] + 10.0])
    z = fit.predictive(years).median() + offset
    ens = fit.predictive(years).cdf(z)
    comps = np.array([fit.model_predictive(m, years).cdf(z) for m, w in fit.weights.items() if w > 0])
    assert np.all(ens >= comps.min(axis=0) - 1e-12) and np.all(ens <= comps.max(axis=0) + 1e-12)


# --- the Predictive object -------------------------------------------------------------------------

def test_predictive_shapes_and_mixture_ppf_against_brute_force(noisy):
    years, z = noisy
    fit = fit_trend(years, z)
    pred = fit.predictive(FUTURE)
    n = FUTURE.size
    assert pred.cdf(0.5).shape == (n,)
    assert pred.cdf(np.linspace(1, 2, n)).shape == (n,)
    assert pred.cdf(np.ones((n, 3))).shape == (n, 3)
    assert pred.ppf(0.9).shape == (n,)
    assert pred.ppf([0.1, 0.5, 0.9]).shape == (n, 3)
    assert pred.median().shape == (n,)
    # brute force: invert the mixture cdf on a fine grid for one year
    grid = np.linspace(-3, 5, 400_001)
    j = 7
    F = sum(w * stdtr(df, (grid - loc[j]) / sc[j])
            for w, df, loc, sc in zip(pred.weights, pred.df, pred.loc, pred.scale))
    for q in (0.025, 0.1, 0.5, 0.9, 0.975):
        assert pred.ppf(q)[j] == pytest.approx(grid[np.searchsorted(F, q)], abs=5e-5)
    assert pred.ppf(0.0)[0] == -np.inf and pred.ppf(1.0)[0] == np.inf
    with pytest.raises(ValueError, match="values for"):
        pred.cdf(np.ones(n + 1))


def test_pdf_and_logpdf_agree_with_the_cdf(noisy):
    years, z = noisy
    pred = fit_trend(years, z).predictive(FUTURE[:4])
    x = pred.median()
    h = 1e-5
    assert_allclose(pred.pdf(x), (pred.cdf(x + h) - pred.cdf(x - h)) / (2 * h), rtol=1e-5)
    assert_allclose(np.exp(pred.logpdf(x)), pred.pdf(x), rtol=1e-10)


def test_sample_has_the_right_marginals(noisy):
    years, z = noisy
    pred = fit_trend(years, z).predictive(np.array([2020.0, 2030.0]))
    draws = pred.sample(20_000, np.random.default_rng(1))
    assert draws.shape == (20_000, 2)
    pit = pred.cdf(draws.T)                        # (n_years, n_draws)
    for j in range(2):
        assert stats.kstest(pit[j], "uniform").pvalue > 0.001


def test_integer_df_t_cdf_matches_scipy():
    df = np.arange(1, 61, dtype=float)
    u = np.linspace(-40, 40, 801)[None, :, None] * np.ones((df.size, 1, 1))
    cdf, pdf, slope = _TMix(df).cdf_pdf(u, slope=True)
    assert_allclose(cdf, stdtr(df[:, None, None], u), atol=2e-15)
    assert_allclose(pdf, stats.t.pdf(u, df[:, None, None]), rtol=1e-12, atol=1e-300)
    mixed = _TMix(np.array([3.5, 250.0]))          # non-integer or large df: the scipy path
    assert not mixed.exact
    v = np.array([[[-1.0]], [[2.0]]])
    assert_allclose(mixed.cdf(v)[:, 0, 0], stdtr([3.5, 250.0], [-1.0, 2.0]))


def test_predictive_drops_negligible_components():
    p = Predictive([2020], [[0.0], [5.0]], [[1.0], [1.0]], [5, 5], [1.0, 1e-9])
    assert p.weights.size == 1


# --- model choice -----------------------------------------------------------------------------------

def test_short_series_use_the_documented_default(noisy):
    """Too short to back-test: stacking falls back to its fixed weights, the ensemble's posterior weights
    need no back-test (tests/engine/test_evidence.py)."""
    years, z = noisy
    fit = fit_trend(years[-6:], z[-6:], TrendSettings(selection="stacking"))
    assert fit.backtest is None and fit.name == "ensemble"
    used = {m: w for m, w in fit.weights.items() if w > 0}
    assert used == DEFAULT_WEIGHTS
    ensemble = fit_trend(years[-6:], z[-6:])
    assert ensemble.backtest is None and set(ensemble.weights) == {"linear", "drift", "damped"}
    assert "recent" not in fit.components          # identical to linear on 6 points
    assert fit_trend(years[-6:], z[-6:], TrendSettings(selection="best")).name == "linear"


def test_backtest_table_and_weights(noisy):
    years, z = noisy
    fit = fit_trend(years, z)
    bt = fit.backtest
    assert isinstance(bt, pd.DataFrame)
    assert set(bt["model"]) == {"linear", "recent", "drift", "damped"}
    assert {"origin_year", "year", "horizon", "error", "log_score", "pit", "in80", "in95"} <= set(bt.columns)
    assert bt["horizon"].between(1, 5).all()
    assert (bt["year"] > bt["origin_year"]).all()
    assert bt["n_train"].min() == 5
    # origins 2011 (5 points) .. 2016 (10 points); each forecasts the later points within 5 years
    assert sorted(bt["origin_year"].unique()) == [2011, 2012, 2013, 2014, 2015, 2016]
    assert len(bt) == 4 * sum(min(5, 2017 - o) for o in range(2011, 2017))
    assert sum(fit.weights.values()) == pytest.approx(1.0)
    assert set(fit.scores) == set(fit.weights)
    best = fit_trend(years, z, TrendSettings(selection="best"))
    assert best.name == max(fit.scores, key=fit.scores.get) and best.weights == {best.name: 1.0}


def test_backtest_prefers_drift_on_random_walks_and_linear_on_lines():
    # on average over seeded series of 20 points (one series can look like either: see docs/methods.md)
    rng = np.random.default_rng(11)
    years = np.arange(2000, 2020, dtype=float)
    walk, line = [], []
    for _ in range(30):
        w = fit_trend(years, np.cumsum(rng.normal(0.02, 0.1, years.size))).weights
        walk.append(w["drift"] + w["damped"] - w["linear"] - w["recent"])
        w = fit_trend(years, 0.05 * (years - 2000) + rng.normal(0, 0.05, years.size)).weights
        line.append(w["linear"] + w["recent"] - w["drift"] - w["damped"])
    assert np.mean(walk) > 0.2 and np.mean(line) > 0.2


def test_stacking_weights():
    rng = np.random.default_rng(0)
    good = rng.normal(0, 0.1, 40)
    ls = np.stack([good, good - 3.0])                 # model 0 is far better everywhere
    assert stacking_weights(ls, prior=0.0)[0] > 0.99
    w = stacking_weights(ls, prior=1.0)
    assert w.sum() == pytest.approx(1.0) and w[0] > 0.9
    equal = stacking_weights(np.zeros((3, 10)), prior=1.0)
    assert_allclose(equal, 1 / 3)


def test_candidate_subset_and_single_model(noisy):
    years, z = noisy
    fit = fit_trend(years, z, TrendSettings(candidates=("linear", "drift")))
    assert set(fit.weights) == {"linear", "drift"}
    with pytest.raises(KeyError, match="not fitted"):
        fit.model_predictive("damped", FUTURE)


# --- input checks -------------------------------------------------------------------------------------

def test_too_short_raises_insufficient_data_not_a_user_error():
    with pytest.raises(InsufficientDataError, match="3 observation"):
        fit_trend([2000, 2001, 2002], [1.0, 2.0, 3.0])
    assert issubclass(InsufficientDataError, ValueError)
    assert not issubclass(InsufficientDataError, ToolkitError)


@pytest.mark.parametrize("years, z, match", [
    ([2000, 2001, 2001, 2003], [1, 2, 3, 4], "duplicate years"),
    ([2000, 2001, 2002, 2003], [1, np.nan, 3, 4], "finite"),
    ([2000, 2001, 2002, 2003], [1, 2, 3], "differ in length"),
])
def test_malformed_input(years, z, match):
    with pytest.raises(ValueError, match=match):
        fit_trend(years, z)


def test_unsorted_input_is_sorted(noisy):
    years, z = noisy
    order = np.random.default_rng(0).permutation(years.size)
    a = fit_trend(years, z).predictive(FUTURE).median()
    b = fit_trend(years[order], z[order]).predictive(FUTURE).median()
    assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    ({"candidates": ("linear", "arima")}, "unknown or no candidate"),
    ({"selection": "theta"}, "selection must be"),
    ({"min_points": 3}, "min_points"),
    ({"recent_window": 3}, "recent_window"),
    ({"candidates": ("linear",), "selection": "drift"}, "selection must be"),
])
def test_settings_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrendSettings(**kwargs)


def test_drift_model_vectorised_over_origins_equals_separate_fits(noisy):
    years, z = noisy
    t = years - years[-1]
    W = (np.arange(t.size)[None, :] < np.array([5, 8, 11])[:, None]).astype(float)
    model = DriftModel()
    batch = model.estimate(t, z, W)
    for row, k in enumerate([5, 8, 11]):
        alone = model.estimate(t[:k], z[:k], np.ones((1, k)))
        assert_allclose(batch["d"][row], alone["d"][0], rtol=1e-12)
        assert_allclose(batch["s"][row], alone["s"][0], rtol=1e-12)

