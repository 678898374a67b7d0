"""Trend models on the transformed scale for short, irregularly spaced annual series.

Indicator series are short (4-20 points) and have gaps (2000, 2006, 2008, 2010, 2011, ...). Rich time
series models cannot be estimated from such data, so the candidates are four cheap, well-understood
models whose predictive distributions are exact (Student-t) under their own assumptions:

``linear``
    OLS trend ``z = a + b t + e``, iid normal errors. Predictive: Student-t with ``n - 2`` df and the
    classical prediction-interval scale ``s sqrt(1 + 1/n + (t0 - tbar)^2 / Sxx)`` (identical to
    statsmodels ``OLS(...).get_prediction().summary_frame()['obs_ci_*']``).
``recent``
    The same on the last ``recent_window`` points (a trend that may have changed).
``drift``
    Brownian motion with drift observed at irregular times. Increments ``dz_i ~ N(d dt_i, s^2 dt_i)``,
    so ``d = (z_n - z_1)/(t_n - t_1)``, ``s^2 = sum (dz_i - d dt_i)^2/dt_i / (m - 1)``, and the
    ``h``-year forecast ``z_n + d h`` has variance ``s^2 (h + h^2/(t_n - t_1))`` with ``m - 1`` df
    (``m`` increments). On annual data this is ARIMA(0,1,0) with drift plus parameter uncertainty.
``damped``
    Brownian motion whose drift decays by a factor ``phi`` per year (Gardner & McKenzie's damped
    trend with the level fully updated, i.e. ETS(A,Ad,N) with ``alpha = 1``): the forecast is
    ``z_n + d_n (phi + phi^2 + ... + phi^h)`` with ``d_n`` the drift in the last observed year. For a
    fixed ``phi`` the drift is a weighted regression of the increments (exact t predictive as for
    ``drift``); ``phi`` is not picked but averaged over the grid :data:`DAMPING_GRID`
    (0.80-0.98, the usual ETS bounds) with weights proportional to each member's profile
    likelihood of the in-sample one-step errors, ``SSE_phi^(-m/2)``, so the uncertainty about
    ``phi`` widens the predictive instead of being ignored.

All spreads have a floor :data:`toolkit.engine.predictive.SCALE_FLOOR` (1e-6 on the z scale) so an exactly noise-free series
(e.g. an exact exponential decline on the log scale) gives intervals that collapse to the line instead
of NaN. The predictive distributions themselves (:class:`~toolkit.engine.predictive.Predictive`) live in
:mod:`toolkit.engine.predictive`, model choice (back-testing and weights) in :mod:`toolkit.engine.selection`; see
``docs/methods.md`` for calibration and speed numbers.

References
----------
.. [1] Gardner, E. S. & McKenzie, E. (1985). Forecasting trends in time series. *Management Science*
       31(10), 1237-1246.
.. [2] Hyndman, R. J., Koehler, A. B., Ord, J. K. & Snyder, R. D. (2008). *Forecasting with
       Exponential Smoothing: The State Space Approach*. Springer (ETS(A,Ad,N), phi in [0.8, 0.98]).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from toolkit.contracts.params import MIN_TREND_POINTS, MODEL_NAMES, SELECTION_MODES
from toolkit.engine import evidence, selection
from toolkit.engine.predictive import SCALE_FLOOR, Predictive

__all__ = [
    "InsufficientDataError",
    "TrendSettings",
    "TrendFit",
    "fit_trend",
    "make_models",
    "LinearTrend",
    "RecentTrend",
    "DriftModel",
    "DampedTrend",
    "CANDIDATES",
    "DAMPING_GRID",
]

#: Names of the candidate models, in the order reports list them (defined with the params words).
CANDIDATES: tuple[str, ...] = MODEL_NAMES
#: Damping factors averaged by the ``damped`` model (Hyndman et al. bound phi to [0.8, 0.98]).
DAMPING_GRID: tuple[float, ...] = (0.80, 0.85, 0.90, 0.95, 0.98)


class InsufficientDataError(ValueError):
    """Too few points to fit a trend. A normal outcome (category ``insufficient_data``), not a user error."""


@dataclass(frozen=True)
class TrendSettings:
    """Options of :func:`fit_trend` (validated on construction).

    ``selection`` is ``"ensemble"`` (mixture weighted by the members' posterior probabilities,
    :mod:`toolkit.engine.evidence`), ``"stacking"`` (mixture weighted by back-test stacking, the earlier
    default), ``"best"`` (the candidate with the best back-test log score) or one candidate name.
    ``stacking`` and ``best`` give series shorter than ``min_backtest_points``
    :data:`toolkit.engine.selection.DEFAULT_WEIGHTS` instead of back-testing.
    """

    candidates: tuple[str, ...] = CANDIDATES
    recent_window: int = 6
    min_points: int = 4
    min_backtest_points: int = 8
    selection: str = "ensemble"
    backtest_horizon: int = 5      # held-out points at most this many years after the origin
    backtest_min_train: int = 5    # smallest training set of a back-test origin
    stacking_prior: float = 1.0    # Dirichlet pseudo-counts per model added to the stacking EM

    def __post_init__(self):
        object.__setattr__(self, "candidates", tuple(self.candidates))
        unknown = [c for c in self.candidates if c not in CANDIDATES]
        if unknown or not self.candidates:
            raise ValueError(f"unknown or no candidate models {unknown}; choose from {CANDIDATES}")
        if self.selection not in (*SELECTION_MODES, *self.candidates):
            raise ValueError(f"selection must be one of {SELECTION_MODES} or of {self.candidates}, "
                             f"got {self.selection!r}")
        if self.min_points < MIN_TREND_POINTS:
            raise ValueError(f"min_points must be at least {MIN_TREND_POINTS} (the drift model needs 3 increments)")
        if self.recent_window < MIN_TREND_POINTS:
            raise ValueError(f"recent_window must be at least {MIN_TREND_POINTS}")
        if self.backtest_min_train < self.min_points:
            raise ValueError("backtest_min_train must be at least min_points")
        if self.backtest_horizon < 1 or self.stacking_prior < 0:
            raise ValueError("backtest_horizon must be >= 1 and stacking_prior >= 0")


# --------------------------------------------------------------------------------------------------
# Candidate models. Each is vectorised over K training sets (rows of a 0/1 mask): the back-test fits
# every origin in one pass, the final fit is K = 1. ``predict`` returns component arrays
# loc (C, K, E), scale (C, K, E), df (C, K), weights (C, K) for evaluation times t_eval (K, E).
# --------------------------------------------------------------------------------------------------

def _last_index(W: np.ndarray) -> np.ndarray:
    return W.shape[1] - 1 - np.argmax(W[:, ::-1] > 0, axis=1)


class LinearTrend:
    """OLS straight line on all points of each training set (exact t prediction intervals)."""

    name = "linear"

    def estimate(self, t: np.ndarray, z: np.ndarray, W: np.ndarray) -> dict:
        nk = W.sum(axis=1)
        tb = W @ t / nk
        zb = W @ z / nk
        dt = t - tb[:, None]
        sxx = (W * dt * dt).sum(axis=1)
        b = (W * dt * (z - zb[:, None])).sum(axis=1) / sxx
        res = z - zb[:, None] - b[:, None] * dt
        df = nk - 2.0
        s2 = np.maximum((W * res * res).sum(axis=1) / df, SCALE_FLOOR ** 2)
        return {"nk": nk, "tb": tb, "zb": zb, "b": b, "sxx": sxx, "s": np.sqrt(s2), "df": df}

    def predict(self, p: dict, t_eval: np.ndarray):
        d = t_eval - p["tb"][:, None]
        loc = p["zb"][:, None] + p["b"][:, None] * d
        scale = p["s"][:, None] * np.sqrt(1.0 + 1.0 / p["nk"][:, None] + d * d / p["sxx"][:, None])
        return loc[None], scale[None], p["df"][None], np.ones((1, loc.shape[0]))


class RecentTrend(LinearTrend):
    """OLS straight line on the last ``window`` points of each training set."""

    name = "recent"

    def __init__(self, window: int = 6):
        self.window = int(window)

    def estimate(self, t, z, W):
        from_end = np.cumsum(W[:, ::-1], axis=1)[:, ::-1]
        return super().estimate(t, z, W * (from_end <= self.window))


class DriftModel:
    """Random walk with drift (Brownian motion with drift) on irregular spacing.

    Training sets must be runs of consecutive points (prefixes in the back-test).
    """

    name = "drift"

    @staticmethod
    def _increments(t, z, W):
        Wi = W[:, 1:] * W[:, :-1]
        last = _last_index(W)
        return Wi, np.diff(t), np.diff(z), t[last], z[last]

    def estimate(self, t, z, W) -> dict:
        Wi, dt, dz, t_last, z_last = self._increments(t, z, W)
        span = Wi @ dt
        d = Wi @ dz / span
        r = dz - d[:, None] * dt
        m = Wi.sum(axis=1)
        df = m - 1.0
        s2 = np.maximum((Wi * r * r / dt).sum(axis=1) / df, SCALE_FLOOR ** 2)
        return {"d": d, "span": span, "s": np.sqrt(s2), "df": df, "t_last": t_last, "z_last": z_last}

    def predict(self, p, t_eval):
        h = t_eval - p["t_last"][:, None]
        loc = p["z_last"][:, None] + p["d"][:, None] * h
        scale = p["s"][:, None] * np.sqrt(np.abs(h) + h * h / p["span"][:, None])
        return loc[None], scale[None], p["df"][None], np.ones((1, loc.shape[0]))


class DampedTrend(DriftModel):
    """Brownian motion whose drift decays by ``phi`` per year, averaged over a grid of ``phi``.

    With ``x_phi(t) = (phi - phi^(t - t_ref + 1))/(1 - phi)`` the cumulative drift between two years is
    ``d (x(t1) - x(t0))`` (``d`` = drift in year ``t_ref``), so for fixed ``phi`` the increments are a
    weighted regression through the origin: ``dz_i = d dx_i + e_i``, ``var(e_i) = s^2 dt_i``.
    """

    name = "damped"

    def __init__(self, grid: tuple[float, ...] = DAMPING_GRID):
        self.grid = np.asarray(grid, dtype=float)[:, None]

    def _x(self, t, t_ref: float):
        phi = self.grid.reshape((-1,) + (1,) * np.ndim(t))
        return (phi - phi ** (t - t_ref + 1.0)) / (1.0 - phi)

    def estimate(self, t, z, W) -> dict:
        t_ref = float(t[-1])
        Wi, dt, dz, t_last, z_last = self._increments(t, z, W)
        dx = np.diff(self._x(t, t_ref), axis=-1)             # (G, n-1)
        sxx = (dx * dx / dt) @ Wi.T                          # (G, K)
        d = ((dx * dz / dt) @ Wi.T) / sxx
        r = dz - d[..., None] * dx[:, None, :]               # (G, K, n-1)
        m = Wi.sum(axis=1)
        df = m - 1.0
        s2 = np.maximum((Wi * r * r / dt).sum(axis=-1) / df, SCALE_FLOOR ** 2)
        loglik = -0.5 * m * np.log(s2)                       # profile likelihood of phi
        w = np.exp(loglik - loglik.max(axis=0))
        return {"d": d, "sxx": sxx, "s": np.sqrt(s2), "df": df, "w": w / w.sum(axis=0),
                "t_last": t_last, "z_last": z_last, "x_last": self._x(t_last, t_ref), "t_ref": t_ref}

    def predict(self, p, t_eval):
        h = t_eval - p["t_last"][:, None]
        c = self._x(t_eval, p["t_ref"]) - p["x_last"][..., None]   # (G, K, E)
        loc = p["z_last"][:, None] + p["d"][..., None] * c
        scale = p["s"][..., None] * np.sqrt(np.abs(h) + c * c / p["sxx"][..., None])
        return loc, scale, np.broadcast_to(p["df"], p["w"].shape), p["w"]


def make_models(settings: TrendSettings) -> dict[str, object]:
    """Instantiate the candidate models named in ``settings``."""
    table = {"linear": LinearTrend, "recent": lambda: RecentTrend(settings.recent_window),
             "drift": DriftModel, "damped": DampedTrend}
    return {name: table[name]() for name in settings.candidates}


# --------------------------------------------------------------------------------------------------
# The fitted trend the engine uses
# --------------------------------------------------------------------------------------------------

@dataclass
class _Component:
    model: object
    params: dict


@dataclass
class TrendFit:
    """A fitted trend: the chosen model (or ``"ensemble"``) with its weights and back-test.

    ``predictive(years)`` gives the distribution of ``Z_year`` (in-sample years: the fitted trend with
    its prediction spread; future years: the forecast); ``fitted(years)`` its median for plotting.
    ``backtest`` is a long table (one row per model x origin x held-out point) or ``None`` when the
    series was too short to back-test.
    """

    name: str
    weights: dict[str, float]
    n_obs: int
    first_year: int
    last_year: int
    settings: TrendSettings
    components: dict[str, _Component] = field(repr=False)
    _backtest: selection.Backtest | None = field(default=None, repr=False)
    _origin: float = field(default=0.0, repr=False)   # the year t = 0 of the fitted parameters
    _run_backtest: Callable[[], selection.Backtest | None] | None = field(default=None, repr=False)

    def _backtested(self) -> selection.Backtest | None:
        """The back-test, run on first use when the weights did not need it (the ensemble's do not)."""
        if self._backtest is None and self._run_backtest is not None:
            self._backtest, self._run_backtest = self._run_backtest(), None
        return self._backtest

    @property
    def backtest(self):
        """Back-test table (pandas DataFrame), built on first access; ``None`` if too short to back-test."""
        bt = self._backtested()
        if bt is None:
            return None
        if not hasattr(self, "_backtest_df"):
            self._backtest_df = selection.backtest_frame(bt)
        return self._backtest_df

    @property
    def scores(self) -> dict[str, float]:
        """Mean back-test log score per model (empty when too short to back-test)."""
        bt = self._backtested()
        return {} if bt is None else dict(bt.mean_log_score)

    def predictive(self, years) -> Predictive:
        """Predictive distribution on the z scale for each of ``years`` (vectorised)."""
        years = np.asarray(years, dtype=float).reshape(-1)
        te = (years - self._origin)[None, :]
        locs, scales, dfs, ws = [], [], [], []
        for name, wt in self.weights.items():
            if wt <= 0:
                continue
            comp = self.components[name]
            loc, scale, df, w = comp.model.predict(comp.params, te)
            locs.append(loc[:, 0])
            scales.append(scale[:, 0])
            dfs.append(np.asarray(df)[:, 0])
            ws.append(wt * w[:, 0])
        return Predictive(years, np.concatenate(locs), np.concatenate(scales),
                          np.concatenate(dfs), np.concatenate(ws))

    def model_predictive(self, name: str, years) -> Predictive:
        """Predictive distribution of one candidate model on its own (whatever its weight)."""
        if name not in self.components:
            raise KeyError(f"model {name!r} was not fitted; fitted: {sorted(self.components)}")
        comp = self.components[name]
        years = np.asarray(years, dtype=float).reshape(-1)
        loc, scale, df, w = comp.model.predict(comp.params, (years - self._origin)[None, :])
        return Predictive(years, loc[:, 0], scale[:, 0], np.asarray(df)[:, 0], w[:, 0])

    def fitted(self, years) -> np.ndarray:
        """The point trend (predictive median) at ``years``."""
        return self.predictive(years).median()


def _prepare(years, z) -> tuple[np.ndarray, np.ndarray]:
    years = np.asarray(years, dtype=float).reshape(-1)
    z = np.asarray(z, dtype=float).reshape(-1)
    if years.shape != z.shape:
        raise ValueError(f"years ({years.size}) and z ({z.size}) differ in length")
    if not (np.isfinite(years).all() and np.isfinite(z).all()):
        raise ValueError("years and z must be finite (drop missing and censored points first)")
    order = np.argsort(years, kind="stable")
    years, z = years[order], z[order]
    if np.any(np.diff(years) == 0):
        raise ValueError("duplicate years in a series")
    return years, z


def fit_trend(years: np.ndarray, z: np.ndarray, settings: TrendSettings | None = None) -> TrendFit:
    """Fit the candidate trend models to ``z`` (already transformed) and choose or weight them.

    Parameters
    ----------
    years, z : array_like
        One observation per year (any order, irregular gaps allowed, no duplicates, finite).
    settings : TrendSettings, optional

    Returns
    -------
    TrendFit

    Raises
    ------
    InsufficientDataError
        Fewer than ``settings.min_points`` observations.
    ValueError
        Malformed input (lengths differ, non-finite values, duplicate years).
    """
    settings = settings or TrendSettings()
    years, z = _prepare(years, z)
    n = years.size
    if n < settings.min_points:
        raise InsufficientDataError(
            f"{n} observation(s); at least {settings.min_points} are needed to fit a trend")
    t = years - years[-1]
    models = make_models(settings)
    if (n <= settings.recent_window and "recent" in models and len(models) > 1
            and settings.selection != "recent"):
        del models["recent"]   # identical to 'linear' on a series no longer than the window

    def run_backtest() -> selection.Backtest | None:
        if n < settings.min_backtest_points:
            return None
        return selection.backtest(t, z, models, min_train=settings.backtest_min_train,
                                  horizon=settings.backtest_horizon, year_offset=years[-1])

    names = list(models)
    if settings.selection == "ensemble":
        weights, name, bt = evidence.posterior_weights(years, z, names, DAMPING_GRID), "ensemble", None
    else:
        bt = run_backtest() if settings.selection in ("stacking", "best") else None
        weights, name = selection.choose(names, bt, settings)
    W = np.ones((1, n))
    components = {m: _Component(mod, mod.estimate(t, z, W)) for m, mod in models.items()}
    return TrendFit(name=name, weights=weights, n_obs=n, first_year=int(years[0]),
                    last_year=int(years[-1]), settings=settings, components=components, _backtest=bt,
                    _origin=float(years[-1]), _run_backtest=None if bt is not None else run_backtest)
