"""How probable each trend model is given the series: marginal likelihoods and posterior model probabilities.

The ensemble weights its members by their posterior probabilities (Bayesian model averaging). Each member is a
regression of ``z`` on a level and a slope with Gaussian errors of unknown scale:

``linear``
    ``z = a + b t + e``, ``e`` iid: design ``[1, t]``, covariance ``I``.
``drift``
    ``z = a + d t + B(t)``, ``B`` a Brownian motion (the random walk with drift at irregular times): design
    ``[1, t]``, covariance ``min(t_i, t_j)`` counted from the first year (plus a constant, which lies in the span
    of the design and changes nothing).
``damped``
    ``z = a + d x_phi(t) + B(t)`` with ``x_phi`` the damped trend's cumulative drift
    (:class:`toolkit.engine.models.DampedTrend`), for each ``phi`` of the damping grid; the member's likelihood is
    the average over the grid (a uniform prior on ``phi``).

With flat priors on the level and on the slope in the last year (the same meaning in every member: ``x_phi``
has slope ``phi`` per year at the last observation, ``t`` slope 1) and ``p(s^2) ~ 1/s^2``, the marginal likelihood
is ``|V|^-1/2 |X'V^-1 X|^-1/2 S^-(n-2)/2`` up to a constant common to all members, ``S`` the GLS residual sum of
squares; it does not change when ``V`` is multiplied by a constant, so an iid and a Brownian covariance compare
on the same footing. Between ``linear`` and ``drift`` (same design) this is the likelihood ratio of the maximal
invariant, the most powerful test of one against the other (``benchmarks/calibration.py --bound``).

``recent`` (a line on the last few points only) is not a model of the whole series, so it has no marginal
likelihood; it is chosen only by name or by the back-test (``selection = "best"``).

References
----------
.. [1] Hoeting, J. A., Madigan, D., Raftery, A. E. & Volinsky, C. T. (1999). Bayesian model averaging: a
       tutorial. *Statistical Science* 14(4), 382-417.
.. [2] Harville, D. A. (1974). Bayesian inference for variance components using only error contrasts.
       *Biometrika* 61(2), 383-385 (the restricted likelihood of a regression with correlated errors).
"""

from __future__ import annotations

import numpy as np

__all__ = ["EVIDENCE_MODELS", "log_evidence", "posterior_weights"]

#: Members that are models of the whole series, and so have a marginal likelihood.
EVIDENCE_MODELS: tuple[str, ...] = ("linear", "drift", "damped")
#: Floor of the residual sum of squares: an exactly noise-free series has a finite (very large) evidence.
_RSS_FLOOR = 1e-24


def _log_marginals(w1: np.ndarray, slopes: np.ndarray, wz: np.ndarray, log_det_v: float) -> np.ndarray:
    """``-1/2 log|V| - 1/2 log|X'V^-1 X| - (n-2)/2 log S`` for designs ``[1, slope_k]``, all whitened.

    ``w1`` (n,), ``slopes`` (k, n) and ``wz`` (n,) are ``L^-1`` times the level column, each slope column and
    ``z`` (``V = L L'``); the 2 x 2 normal equations are solved in closed form for all k designs at once.
    """
    a11 = w1 @ w1
    a12 = slopes @ w1
    a22 = np.einsum("kn,kn->k", slopes, slopes)
    b1 = w1 @ wz
    b2 = slopes @ wz
    det = a11 * a22 - a12 * a12
    rss = np.maximum(wz @ wz - (a22 * b1 * b1 - 2.0 * a12 * b1 * b2 + a11 * b2 * b2) / det, _RSS_FLOOR)
    return -0.5 * log_det_v - 0.5 * np.log(det) - 0.5 * (wz.size - 2) * np.log(rss)


def _whiten_brownian(columns: np.ndarray, dt: np.ndarray) -> np.ndarray:
    """``L^-1 c`` for ``V = 1 + min(s_i, s_j)``: a random walk started with unit variance, so the whitened
    vector is the first value followed by the increments divided by ``sqrt(dt)`` (no Cholesky needed)."""
    return np.concatenate([columns[..., :1], np.diff(columns, axis=-1) / np.sqrt(dt)], axis=-1)


def log_evidence(years: np.ndarray, z: np.ndarray, damping_grid: tuple[float, ...],
                 models: tuple[str, ...] = EVIDENCE_MODELS) -> dict[str, float]:
    """Log marginal likelihood of each of ``models`` (those of :data:`EVIDENCE_MODELS`) for one series."""
    years = np.asarray(years, dtype=float)
    z = np.asarray(z, dtype=float)
    t = years - years[-1]
    out: dict[str, float] = {}
    if "linear" in models:
        out["linear"] = float(_log_marginals(np.ones_like(t), t[None, :], z, 0.0)[0])
    if "drift" in models or "damped" in models:
        dt = np.diff(t)
        e1 = np.zeros_like(t)
        e1[0] = 1.0
        wz = _whiten_brownian(z, dt)
        log_det = float(np.log(dt).sum())
        if "drift" in models:
            out["drift"] = float(_log_marginals(e1, _whiten_brownian(t[None, :], dt), wz, log_det)[0])
        if "damped" in models:
            phi = np.asarray(damping_grid, dtype=float)[:, None]
            grid = _log_marginals(e1, _whiten_brownian((phi - phi ** (t + 1.0)) / (1.0 - phi), dt), wz, log_det)
            top = grid.max()
            out["damped"] = float(top + np.log(np.mean(np.exp(grid - top))))
    return out


def posterior_weights(years: np.ndarray, z: np.ndarray, names: list[str],
                      damping_grid: tuple[float, ...]) -> dict[str, float]:
    """Posterior probabilities of the candidates in ``names`` that have an evidence (equal prior odds); 0 for the
    others. If none has one (say, only ``recent`` is a candidate), equal weights."""
    members = tuple(m for m in names if m in EVIDENCE_MODELS)
    if not members:
        return dict.fromkeys(names, 1.0 / len(names))
    logs = log_evidence(years, z, damping_grid, members)
    values = np.array([logs[m] for m in members])
    w = np.exp(values - values.max())
    w /= w.sum()
    return {m: float(w[members.index(m)]) if m in members else 0.0 for m in names}
