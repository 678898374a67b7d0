"""Posterior model probabilities: the marginal likelihoods checked against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.linalg import null_space

from toolkit.engine.evidence import log_evidence, posterior_weights
from toolkit.engine.models import DAMPING_GRID, TrendSettings, fit_trend

YEARS = np.array([2005.0, 2008, 2010, 2011, 2013, 2014])
Z = np.array([3.40, 3.22, 3.11, 3.08, 2.97, 2.93])


def _brownian(years: np.ndarray) -> np.ndarray:
    since = years - years[0]
    return np.minimum.outer(since, since) + 1.0


def _reml(z: np.ndarray, X: np.ndarray, V: np.ndarray) -> float:
    """Restricted (error-contrast) log likelihood with the scale integrated out under 1/s^2, up to a constant
    that depends only on n and X: Harville's contrasts A (A'X = 0, A'A = I), a different route from the GLS
    formula of the module."""
    A = null_space(X.T)
    C = A.T @ V @ A
    y = A.T @ z
    return -0.5 * np.linalg.slogdet(C)[1] - 0.5 * (z.size - 2) * np.log(y @ np.linalg.solve(C, y))


def test_line_against_random_walk_is_the_restricted_likelihood_ratio():
    t = YEARS - YEARS[-1]
    X = np.column_stack([np.ones_like(t), t])
    expected = _reml(Z, X, _brownian(YEARS)) - _reml(Z, X, np.eye(t.size))
    ev = log_evidence(YEARS, Z, DAMPING_GRID)
    assert ev["drift"] - ev["linear"] == pytest.approx(expected, abs=1e-9)


def test_damped_against_line_is_the_integral_over_level_and_drift():
    """Flat priors on (level, last-year slope), 1/s^2 on the scale: integrating s^2 out by hand leaves
    |V|^-1/2 Q(beta)^(-n/2); its integral over beta is done numerically here."""
    t = YEARS - YEARS[-1]
    n = t.size
    phi = 0.9

    def log_integral(X, V):
        Vi = np.linalg.inv(V)
        beta = np.linalg.solve(X.T @ Vi @ X, X.T @ Vi @ Z)
        q0 = (Z - X @ beta) @ Vi @ (Z - X @ beta)

        def f(b1, b0):  # scaled by q0 so the integrand is O(1)
            r = Z - X @ np.array([b0, b1])
            return (r @ Vi @ r / q0) ** (-n / 2)

        val, _ = integrate.dblquad(f, beta[0] - 3, beta[0] + 3, beta[1] - 3, beta[1] + 3, epsabs=1e-12)
        return -0.5 * np.linalg.slogdet(V)[1] - n / 2 * np.log(q0) + np.log(val)

    x = (phi - phi ** (t + 1.0)) / (1.0 - phi)
    damped = log_integral(np.column_stack([np.ones(n), x]), _brownian(YEARS))
    linear = log_integral(np.column_stack([np.ones(n), t]), np.eye(n))
    ev = log_evidence(YEARS, Z, (phi,))
    assert ev["damped"] - ev["linear"] == pytest.approx(damped - linear, abs=1e-4)


def test_the_damped_member_averages_its_grid():
    per_phi = [log_evidence(YEARS, Z, (phi,))["damped"] for phi in DAMPING_GRID]
    assert log_evidence(YEARS, Z, DAMPING_GRID)["damped"] == pytest.approx(np.log(np.mean(np.exp(per_phi))))


def test_weights_are_posterior_probabilities_and_follow_the_evidence():
    ev = log_evidence(YEARS, Z, DAMPING_GRID)
    w = posterior_weights(YEARS, Z, ["linear", "recent", "drift", "damped"], DAMPING_GRID)
    total = sum(np.exp(v) for v in ev.values())
    assert w["recent"] == 0.0
    for m in ("linear", "drift", "damped"):
        assert w[m] == pytest.approx(np.exp(ev[m]) / total)
    # invariant to the affine changes of scale that leave every member's fit unchanged in kind
    w2 = posterior_weights(YEARS, 10 * Z - 3, ["linear", "drift"], DAMPING_GRID)
    w1 = posterior_weights(YEARS, Z, ["linear", "drift"], DAMPING_GRID)
    assert w2["linear"] == pytest.approx(w1["linear"])
    assert posterior_weights(YEARS, Z, ["recent"], DAMPING_GRID) == {"recent": 1.0}


def test_a_noisy_line_and_a_random_walk_are_told_apart_when_long():
    """20 points, slope 0.05 a year, noise (or shock) sd 0.03: the posterior odds classify as well as the most
    powerful invariant test can (at 15 points its best balanced accuracy is 0.86, docs/methods.md)."""
    rng = np.random.default_rng(11)
    years = np.arange(2000.0, 2020.0)
    names = ["linear", "drift"]
    on_lines = np.array([posterior_weights(years, 1 - 0.05 * (years - 2000) + rng.normal(0, 0.03, 20), names,
                                           DAMPING_GRID)["linear"] for _ in range(200)])
    on_walks = np.array([posterior_weights(years, 1 + np.cumsum(rng.normal(-0.05, 0.03, 20)), names,
                                           DAMPING_GRID)["linear"] for _ in range(200)])
    assert ((on_lines > 0.5).mean() + (on_walks < 0.5).mean()) / 2 > 0.85
    assert on_lines.mean() > 0.8 and on_walks.mean() < 0.2


def test_the_ensemble_uses_them_and_runs_the_backtest_only_when_read():
    years = np.arange(2005.0, 2017.0)
    z = 2.0 - 0.04 * (years - 2005) + np.random.default_rng(2).normal(0, 0.02, years.size)
    fit = fit_trend(years, z)
    assert fit.weights == pytest.approx(posterior_weights(years, z, list(fit.weights), DAMPING_GRID))
    assert fit._backtest is None                      # not needed for the weights
    assert fit.backtest is not None and set(fit.scores) == set(fit.weights)
    stacked = fit_trend(years, z, TrendSettings(selection="stacking"))
    assert stacked.name == "ensemble" and stacked.weights["recent"] > 0   # the earlier rule, kept selectable
