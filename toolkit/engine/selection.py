"""Back-testing and the back-test's weight rules: stacking, and the best single model.

statsmodels has no rolling-origin cross-validation, so the expanding-window loop is written here, and
vectorised: every origin is a row of a 0/1 training mask and each candidate model fits all origins in
one pass (see :mod:`toolkit.engine.models`). The default ``ensemble`` does not use it for its weights
(they are posterior probabilities, :mod:`toolkit.engine.evidence`); the back-test is then a diagnostic,
run when the fit's ``backtest`` is first read.

Rules (documented in ``docs/methods.md``, "Model choice")
---------------------------------------------------------
* Origins: training sets are the first ``k`` points for ``k = backtest_min_train .. n-1``. Each origin
  forecasts the later points that lie at most ``backtest_horizon`` years after its last year.
* Score: the log predictive density (log score, a strictly proper score) of each held-out ``z``.
* ``stacking`` weights (the earlier default ensemble): *stacking* of the predictive distributions
  ([1]_): the weights maximise the back-test log score of the mixture, ``sum_j log sum_m w_m p_m(z_j)``,
  with a symmetric Dirichlet prior adding ``stacking_prior`` pseudo-counts per model (shrinks towards
  equal weights when the back-test is short). Solved by EM, which is the closed-form update
  ``w_m <- (sum_j r_mj + a) / (J + M a)`` with responsibilities ``r_mj``.
* ``best``: the model with the highest mean back-test log score.
* Series shorter than ``min_backtest_points``: :data:`DEFAULT_WEIGHTS`, an equal mixture of the
  straight line and the random walk with drift; ``best`` then means ``linear``.

References
----------
.. [1] Yao, Y., Vehtari, A., Simpson, D. & Gelman, A. (2018). Using stacking to average Bayesian
       predictive distributions. *Bayesian Analysis* 13(3), 917-1007.
.. [2] Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and review.
       *International Journal of Forecasting* 16(4), 437-450 (rolling-origin evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import stdtr

from toolkit.engine.predictive import SCALE_FLOOR, t_logconst

__all__ = ["Backtest", "backtest", "stacking_weights", "choose", "backtest_frame", "DEFAULT_WEIGHTS"]

#: Weights used when a series is too short to back-test.
DEFAULT_WEIGHTS: dict[str, float] = {"linear": 0.5, "drift": 0.5}


@dataclass
class Backtest:
    """Raw back-test arrays (K origins x E held-out slots; ``valid`` marks real slots)."""

    models: list[str]
    origin_t: np.ndarray       # (K,) time of each origin's last training point
    n_train: np.ndarray        # (K,)
    t_eval: np.ndarray         # (K, E)
    z_eval: np.ndarray         # (K, E)
    valid: np.ndarray          # (K, E) bool
    log_score: np.ndarray      # (M, K, E) log predictive density of the outcome
    mean: np.ndarray           # (M, K, E) predictive mean (point forecast for error tables)
    year_offset: float
    _pit_parts: dict           # model -> (u, df, w) to compute PIT values lazily (reports only)

    @property
    def n_points(self) -> int:
        return int(self.valid.sum())

    @property
    def mean_log_score(self) -> dict[str, float]:
        v = self.valid
        return {m: float(self.log_score[i][v].mean()) for i, m in enumerate(self.models)}

    def pit(self) -> np.ndarray:
        """(M, K, E) predictive cdf at each outcome (probability integral transform)."""
        out = []
        for m in self.models:
            u, df, w = self._pit_parts[m]
            out.append((w[..., None] * stdtr(df[..., None], u)).sum(axis=0))
        return np.stack(out)


def _score(model, params, t_eval, z_eval):
    """Log score and mean of one model's predictive mixture at the held-out points (+ PIT parts)."""
    loc, scale, df, w = model.predict(params, t_eval)
    scale = np.maximum(scale, SCALE_FLOOR)
    df = np.asarray(df, dtype=float)
    u = (z_eval - loc) / scale
    logc = t_logconst(df)
    with np.errstate(divide="ignore"):
        a = ((logc + np.log(w))[..., None] - (df[..., None] + 1) / 2 * np.log1p(u * u / df[..., None])
             - np.log(scale))
    if a.shape[0] == 1:
        lp = a[0]
    else:
        m = a.max(axis=0)
        lp = m + np.log(np.exp(a - m).sum(axis=0))
    mean = (w[..., None] * loc).sum(axis=0)
    return lp, mean, (u, df, w)


def backtest(t: np.ndarray, z: np.ndarray, models: dict, *, min_train: int, horizon: float,
             year_offset: float = 0.0) -> Backtest | None:
    """Expanding-window back-test of every model; ``None`` if there is no origin."""
    n = t.size
    ks = np.arange(min_train, n)
    if ks.size == 0:
        return None
    K, E = ks.size, n - min_train
    W = (np.arange(n)[None, :] < ks[:, None]).astype(float)
    j = ks[:, None] + np.arange(E)[None, :]                  # held-out index per slot
    jj = np.minimum(j, n - 1)
    origin_t = t[ks - 1]
    t_eval = t[jj]
    valid = (j < n) & (t_eval - origin_t[:, None] <= horizon)
    t_eval = np.where(valid, t_eval, origin_t[:, None] + 1.0)
    z_eval = np.where(valid, z[jj], 0.0)
    names = list(models)
    ls = np.empty((len(names), K, E))
    mean = np.empty_like(ls)
    parts = {}
    for i, name in enumerate(names):
        mod = models[name]
        ls[i], mean[i], parts[name] = _score(mod, mod.estimate(t, z, W), t_eval, z_eval)
    return Backtest(names, origin_t, ks, t_eval, z_eval, valid, ls, mean, year_offset, parts)


def stacking_weights(log_score: np.ndarray, *, prior: float = 1.0, tol: float = 1e-5,
                     max_iter: int = 500) -> np.ndarray:
    """Stacking weights for ``log_score`` of shape ``(n_models, n_points)`` (EM, Dirichlet prior)."""
    M, J = log_score.shape
    w = np.full(M, 1.0 / M)
    p = np.exp(log_score - log_score.max(axis=0))   # per-point shift: responsibilities unchanged
    denom = J + M * prior
    for _ in range(max_iter):
        # responsibilities r_mj = w_m p_mj / sum_k w_k p_kj, summed over j in one mat-vec
        w_new = (w * (p @ (1.0 / (w @ p))) + prior) / denom
        if np.abs(w_new - w).max() < tol:
            return w_new
        w = w_new
    return w


def choose(names: list[str], bt: Backtest | None, settings) -> tuple[dict[str, float], str]:
    """Weights per model and the fit's name (``"ensemble"`` or a model) under ``settings.selection``
    (``stacking``, ``best`` or a model name; the default ``ensemble`` is weighted by :mod:`toolkit.engine.evidence`)."""
    sel = settings.selection
    if sel not in ("stacking", "best"):
        return {sel: 1.0}, sel
    if bt is None:
        w = {m: DEFAULT_WEIGHTS.get(m, 0.0) for m in names}
        if sum(w.values()) == 0:
            w = dict.fromkeys(names, 1.0)
        total = sum(w.values())
        w = {m: v / total for m, v in w.items()}
        if sel == "best":
            top = max(names, key=lambda m: (w[m], -names.index(m)))
            return {top: 1.0}, top
        return w, "ensemble"
    if sel == "best":
        scores = bt.mean_log_score
        top = max(bt.models, key=lambda m: (scores[m], -bt.models.index(m)))
        return {top: 1.0}, top
    w = stacking_weights(bt.log_score[:, bt.valid], prior=settings.stacking_prior)
    return dict(zip(bt.models, w.tolist())), "ensemble"


def backtest_frame(bt: Backtest):
    """Long table of a back-test: one row per model x origin x held-out point (for reports)."""
    import pandas as pd  # 0.4 s: the numeric core needs no pandas; only this report table does

    k_idx, e_idx = np.nonzero(bt.valid)
    pits = bt.pit()
    rows = []
    for i, m in enumerate(bt.models):
        z = bt.z_eval[k_idx, e_idx]
        mean = bt.mean[i, k_idx, e_idx]
        pit = pits[i, k_idx, e_idx]
        rows.append(pd.DataFrame({
            "model": m,
            "origin_year": (bt.origin_t[k_idx] + bt.year_offset).astype(int),
            "n_train": bt.n_train[k_idx],
            "year": (bt.t_eval[k_idx, e_idx] + bt.year_offset).astype(int),
            "horizon": (bt.t_eval[k_idx, e_idx] - bt.origin_t[k_idx]).astype(int),
            "z_obs": z,
            "z_mean": mean,
            "error": z - mean,
            "log_score": bt.log_score[i, k_idx, e_idx],
            "pit": pit,
            "in80": (pit >= 0.1) & (pit <= 0.9),
            "in95": (pit >= 0.025) & (pit <= 0.975),
        }))
    return pd.concat(rows, ignore_index=True)
