"""Forecast scores for comparing methods on short annual series: MASE, interval (Winkler) score, CRPS
from a quantile grid, Brier score, coverage.

Every function is plain NumPy and vectorised; the comparison with other libraries
(``benchmarks/peers.py``) and its tests (``tests/evaluation/test_peers_metrics.py``) use these and
nothing else, so every method is scored by the same arithmetic.

Conventions
-----------
* Scores are "lower is better" except coverage (which should equal the nominal level).
* ``naive_scale`` is the denominator of MASE (Hyndman & Koehler 2006): the in-sample mean absolute
  error of the no-change forecast one year ahead. The benchmark divides absolute errors, interval
  scores and CRPS by it, so all three are unit-free and can be pooled over indicators.
* CRPS from quantiles: ``CRPS(F, y) = 2 * integral_0^1 QS_tau(F^-1(tau), y) dtau`` (Gneiting & Raftery
  2007, eq. 41; Laio & Tamea 2007), approximated by the mean of the pinball losses on an equally
  spaced grid ``tau_i = i/(K+1)``. For a point forecast (all quantiles equal) it is the absolute error
  exactly; for a normal predictive it is within about 1% of the exact CRPS with K = 99 (about 1% above:
  each level weighs 1/99 rather than 1/100, which outweighs the tails beyond the outer quantiles that
  are left out). Every method is scored on the same grid, so the bias cancels in comparisons.

References
----------
.. [1] Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast accuracy.
       *International Journal of Forecasting* 22(4), 679-688.
.. [2] Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and estimation.
       *JASA* 102(477), 359-378 (interval score: eq. 43; CRPS as an integral of quantile scores: eq. 41).
.. [3] Winkler, R. L. (1972). A decision-theoretic approach to interval estimation. *JASA* 67(337), 187-191.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

__all__ = ["QUANTILE_GRID", "naive_scale", "mase", "pinball", "crps_from_quantiles", "crps_gaussian", "winkler",
           "covered", "brier", "cdf_from_quantiles"]

#: The default quantile levels for CRPS: 0.01, 0.02, ..., 0.99 (K = 99, equally spaced).
QUANTILE_GRID: np.ndarray = np.arange(1, 100) / 100.0


def naive_scale(years, values) -> float:
    """In-sample MAE of the no-change forecast one year ahead (the MASE denominator).

    Uses the pairs of consecutive observations exactly one year apart. A series with no such pair (only
    gaps) uses the mean absolute change per year over its consecutive pairs, ``|dz_i| / dt_i``. Returns
    NaN with fewer than two observations; 0 for a constant series (MASE is then undefined).
    """
    years = np.asarray(years, dtype=float).reshape(-1)
    values = np.asarray(values, dtype=float).reshape(-1)
    if years.size != values.size:
        raise ValueError(f"years ({years.size}) and values ({values.size}) differ in length")
    order = np.argsort(years, kind="stable")
    years, values = years[order], values[order]
    if years.size < 2:
        return float("nan")
    dt, dz = np.diff(years), np.abs(np.diff(values))
    annual = dt == 1
    if annual.any():
        return float(dz[annual].mean())
    return float((dz / dt).mean())


def mase(forecast, observed, scale: float) -> float:
    """Mean absolute scaled error: ``mean(|forecast - observed|) / scale`` (``scale`` from :func:`naive_scale`)."""
    err = np.abs(np.asarray(forecast, dtype=float) - np.asarray(observed, dtype=float))
    return float(err.mean() / scale)


def pinball(q, y, tau):
    """Quantile (pinball) loss of the ``tau`` quantile ``q`` at outcome ``y``: ``(1{y < q} - tau)(q - y)``."""
    q, y, tau = (np.asarray(a, dtype=float) for a in (q, y, tau))
    return ((y < q) - tau) * (q - y)


def crps_from_quantiles(quantiles, y, taus=QUANTILE_GRID):
    """CRPS approximated from predictive quantiles: ``2 * mean_i pinball(q_i, y, tau_i)``.

    ``quantiles`` has the levels ``taus`` on its last axis (shape ``(..., K)``); ``y`` broadcasts against
    its other axes. ``taus`` should be an equally spaced grid symmetric about 0.5 (:data:`QUANTILE_GRID`);
    then a point forecast scores its absolute error.
    """
    q = np.asarray(quantiles, dtype=float)
    taus = np.asarray(taus, dtype=float)
    if q.shape[-1] != taus.size:
        raise ValueError(f"{q.shape[-1]} quantiles for {taus.size} levels")
    y = np.asarray(y, dtype=float)[..., None]
    return 2.0 * pinball(q, y, taus).mean(axis=-1)


def crps_gaussian(mu, sigma, y):
    """Exact CRPS of a normal predictive ``N(mu, sigma^2)`` at ``y`` (Gneiting & Raftery 2007, eq. 21)."""
    mu, sigma, y = (np.asarray(a, dtype=float) for a in (mu, sigma, y))
    u = (y - mu) / sigma
    return sigma * (u * (2 * norm.cdf(u) - 1) + 2 * norm.pdf(u) - 1 / np.sqrt(np.pi))


def winkler(lo, hi, y, level: float):
    """Interval (Winkler) score of the central ``level`` interval ``[lo, hi]`` at outcome ``y``.

    ``(hi - lo) + 2/a (lo - y) 1{y < lo} + 2/a (y - hi) 1{y > hi}`` with ``a = 1 - level``: the width
    when the interval covers ``y``, plus a penalty proportional to the miss otherwise.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    lo, hi, y = (np.asarray(a, dtype=float) for a in (lo, hi, y))
    a = 1.0 - level
    return (hi - lo) + 2.0 / a * np.maximum(lo - y, 0.0) + 2.0 / a * np.maximum(y - hi, 0.0)


def covered(lo, hi, y):
    """Whether ``y`` lies inside ``[lo, hi]`` (closed interval)."""
    lo, hi, y = (np.asarray(a, dtype=float) for a in (lo, hi, y))
    return (lo <= y) & (y <= hi)


def brier(p, outcome) -> float:
    """Brier score: mean of ``(p - outcome)^2`` over events (``outcome`` 0/1 or bool)."""
    p = np.asarray(p, dtype=float)
    o = np.asarray(outcome, dtype=float)
    if p.shape != o.shape:
        raise ValueError(f"p {p.shape} and outcome {o.shape} differ in shape")
    return float(np.mean((p - o) ** 2))


def cdf_from_quantiles(quantiles, x, taus=QUANTILE_GRID, *, tail: float | None = None):
    """``P(Y <= x)`` read off predictive quantiles by linear interpolation between the levels.

    ``quantiles`` has shape ``(..., K)`` (increasing along the last axis), ``x`` broadcasts against the
    other axes. Outside the outer quantiles the probability is ``tail`` below and ``1 - tail`` above
    (default: half the outer level, e.g. 0.005 for :data:`QUANTILE_GRID`, the midpoint of what the
    grid can tell).
    """
    q = np.asarray(quantiles, dtype=float)
    taus = np.asarray(taus, dtype=float)
    lo_tail = taus[0] / 2 if tail is None else float(tail)
    hi_tail = 1 - (1 - taus[-1]) / 2 if tail is None else 1 - float(tail)
    x = np.broadcast_to(np.asarray(x, dtype=float), q.shape[:-1])
    flat_q = q.reshape(-1, q.shape[-1])
    out = np.array([np.interp(xx, qq, taus, left=lo_tail, right=hi_tail) for xx, qq in zip(x.reshape(-1), flat_q)])
    return out.reshape(q.shape[:-1])
