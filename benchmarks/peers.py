"""The engine against the libraries a statistician would use instead, side by side in one run.

    .venv/bin/python benchmarks/peers.py [--series 300] [--workers 2] [--markdown FILE]

Methods (every one fitted on the SAME transformed scale as the engine, ``z = forward(y)`` from
``toolkit.engine.series.series_transform``; quantiles are computed on z and back-transformed with the
same ``inverse()`` where natural-scale numbers are shown):

* ``engine``: ``toolkit.engine.models.fit_trend`` with the production settings (``params/defaults.yaml``),
  the ensemble the reports use, its exact Student-t mixture quantiles (``Predictive.ppf``);
  ``engine_before``: the engine as it was before issue 14 (``selection="stacking"``: weights by stacking the
  back-test, line + random walk with drift for series too short for one), so that before and after are
  measured in one run.
* statsforecast: ``AutoETS(model="AZN")`` (additive errors, no season, trend N / A / Ad chosen by AICc),
  ``AutoARIMA()``, ``AutoTheta()`` (its intervals are simulated), ``RandomWalkWithDrift()``; library
  defaults otherwise, ``season_length=1``.
* statsmodels: ``ETSModel`` (error and trend additive; the undamped and damped variant each fitted, the
  lower AICc kept), ``ARIMA`` ((p, 1, q) with drift, p, q in {0, 1}, lowest AICc), ``ThetaModel``
  (no deseasonalising, theta = 2, its normal intervals), ``UnobservedComponents("local linear trend")``
  (three variances by maximum likelihood).
* ``bayes_llt``: a grid-Bayesian local linear trend written here (about 60 lines): level and slope
  random walks plus observation noise, the noise variance integrated out (Jeffreys prior), the initial
  level and slope flat (exact diffuse, by GLS), and the two signal-to-noise ratios averaged over a
  7 x 6 grid with a uniform prior, so the predictive is a Student-t mixture. It nests the engine's
  ``linear`` (both ratios 0) and ``drift`` (level ratio large, slope ratio 0).

Gaps. The national series have gaps (2000, 2006, 2008, 2010, ...). The state-space peers (statsmodels
ARIMA and UnobservedComponents, bayes_llt) take the gap years as missing values; the others need a
regular series and get the z values linearly interpolated between observed years (what R's
``forecast::na.interp`` does for non-seasonal series). The engine uses the irregular points as they are.

Data sets:

(a) rolling-origin hindcasts of the real national series: the indicators, origins (2012-2019), points
    and scale of ``toolkit.evaluation.hindcast.run_hindcast``; every later observed year up to 2020 is
    scored; Brier on the hindcast's 2020 target calls (P(target met in 2020) vs the outcome);
(b) simulated series with known truth (``toolkit.evaluation.simulate``, the draws of
    ``benchmarks/calibration.py``: same seed and stream, so series i is the calibration study's series
    i): 8-15 points, 30% with gaps, scored on the next 5 true values; Brier on the calibration study's
    target-like thresholds ``z_n + u h pace``;
(s) the same generator with 4-7 points (seed + 1): the series too short for the engine to back-test,
    where it uses its fixed short-series weights;
(c) origin 2020: data to 2020 (``data/observations/national.csv``), scored against the 2021-2024
    values of ``data/observations/national_2021_2025.csv``; Brier on "the latest observed value in
    2021-2024 meets the 2030 Outline target" (absolute targets only).

Metrics (``toolkit.evaluation.scores``), all on the z scale: MASE (|median - outcome| over the in-sample
no-change one-year-ahead MAE of the training points), coverage of the central 80% / 95% intervals,
Winkler (interval) score at 80% / 95% and CRPS (from the 99 quantiles 0.01..0.99), the last three
divided by the same naive scale; Brier score; failures (an exception or a non-finite quantile: the
failed forecast is replaced by statsforecast's RandomWalkWithDrift on that series, as statsforecast's
own ``fallback_model`` would, so every method is scored on the same series and the failure is
counted); time per series, in ms and relative to the engine. Probabilities are read off each method's
quantile grid (linear between levels, 0.005 / 0.995 beyond the outer ones), the same way for all. For (a) and (c) the natural-scale MAPE of the median is shown too. A bootstrap over
clusters (an indicator for (a) and (c), a simulated series for (b); 1000 replicates, seeded) gives
a 90% interval for each metric's difference to the engine.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread per worker process

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import norm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.contracts.observations import is_point  # noqa: E402
from toolkit.core.paths import OBSERVATIONS_DIR  # noqa: E402
from toolkit.engine.models import fit_trend  # noqa: E402
from toolkit.engine.predictive import Predictive  # noqa: E402
from toolkit.engine.series import GOOD_IF_LOW, series_transform  # noqa: E402
from toolkit.engine.settings import AssessSettings  # noqa: E402
from toolkit.engine.transforms import get_transform  # noqa: E402
from toolkit.evaluation import hindcast  # noqa: E402
from toolkit.evaluation.scores import (  # noqa: E402
    QUANTILE_GRID,
    cdf_from_quantiles,
    covered,
    crps_from_quantiles,
    naive_scale,
    winkler,
)
from toolkit.evaluation.simulate import PROCESSES, simulate  # noqa: E402
from toolkit.inputs.catalog import load_indicators, load_targets, target_met  # noqa: E402
from toolkit.inputs.observations import load_observations  # noqa: E402
from toolkit.inputs.params import load_defaults  # noqa: E402

CORE = ("linear", "rw_drift", "trend_ar1", "damped", "logistic")
SETTINGS = AssessSettings.from_params(load_defaults())
#: Quantile levels every method delivers: the CRPS grid 0.01..0.99 plus 0.025 / 0.975 for the 95% interval.
TAUS = np.unique(np.round(np.r_[QUANTILE_GRID, 0.025, 0.975], 6))
_IDX = {round(float(t), 6): i for i, t in enumerate(TAUS)}
I_MED, I10, I90, I025, I975 = (_IDX[t] for t in (0.5, 0.1, 0.9, 0.025, 0.975))
I_CRPS = np.array([_IDX[round(float(t), 6)] for t in QUANTILE_GRID])
#: statsforecast levels giving exactly those quantiles (lo-L is the (100-L)/200 quantile).
SF_LEVELS = sorted({int(round(abs(200 * t - 100))) for t in TAUS if abs(t - 0.5) > 1e-9})
Z_TAUS = norm.ppf(TAUS)

METHODS = ("engine", "engine_before", "sf_AutoETS", "sf_AutoARIMA", "sf_AutoTheta", "sf_RWD", "sm_ETS", "sm_ARIMA", "sm_Theta",
           "sm_LLT", "bayes_llt")
LABELS = {
    "engine": "engine (ensemble weighted by posterior model probabilities)",
    "engine_before": "the engine before issue 14 (weights by back-test stacking; selection: stacking)",
    "sf_AutoETS": "statsforecast AutoETS (AZN)",
    "sf_AutoARIMA": "statsforecast AutoARIMA",
    "sf_AutoTheta": "statsforecast AutoTheta",
    "sf_RWD": "statsforecast RandomWalkWithDrift",
    "sm_ETS": "statsmodels ETSModel A,A/Ad,N (AICc)",
    "sm_ARIMA": "statsmodels ARIMA (p,1,q)+drift (AICc)",
    "sm_Theta": "statsmodels ThetaModel",
    "sm_LLT": "statsmodels UnobservedComponents LLT",
    "bayes_llt": "grid-Bayesian local linear trend",
}
DATASETS = {"a": "hindcast", "b": "simulated", "s": "simulated_short", "c": "origin2020"}
#: Lengths of the simulated series: (b) those the calibration study uses, (s) too short to back-test.
LENGTHS = {"b": (8, 15), "s": (4, 7)}
#: Scored in place of a method whose fit failed on a series (if it failed too, the series is dropped).
FALLBACK = "sf_RWD"


# ---------------------------------------------------------------------------------------------- methods


def _steps(years: np.ndarray, fyears: np.ndarray) -> np.ndarray:
    h = np.round(fyears - years[-1]).astype(int)
    if (h < 1).any():
        raise ValueError("forecast years must follow the last observation")
    return h


def _regular(years: np.ndarray, z: np.ndarray) -> np.ndarray:
    """z on every year from the first to the last observation, linearly interpolated in the gaps."""
    grid = np.arange(years[0], years[-1] + 1)
    return np.interp(grid, years, z)


def _with_gaps(years: np.ndarray, z: np.ndarray) -> np.ndarray:
    """z on every year from the first to the last observation, NaN in the gaps."""
    out = np.full(int(years[-1] - years[0]) + 1, np.nan)
    out[np.round(years - years[0]).astype(int)] = z
    return out


def _gauss(mean, se) -> np.ndarray:
    return np.asarray(mean, float)[:, None] + np.asarray(se, float)[:, None] * Z_TAUS[None, :]


def m_engine(years, z, fyears):
    return fit_trend(years, z, SETTINGS.trend).predictive(fyears).ppf(TAUS)


#: The engine as it was before issue 14 (commit 42b0a89), kept as ``selection="stacking"``: weights from stacking
#: the back-test, and an equal mixture of the line and the random walk with drift for series too short for one.
BEFORE = replace(SETTINGS.trend, selection="stacking")


def m_engine_before(years, z, fyears):
    return fit_trend(years, z, BEFORE).predictive(fyears).ppf(TAUS)


def _sf(make):
    def run(years, z, fyears):
        h = _steps(years, fyears)
        out = make().forecast(y=_regular(years, z), h=int(h.max()), level=SF_LEVELS)
        cols = []
        for t in TAUS:
            if abs(t - 0.5) < 1e-9:
                cols.append(out["mean"])
            else:
                lv = int(round(abs(200 * t - 100)))
                cols.append(out[f"lo-{lv}"] if t < 0.5 else out[f"hi-{lv}"])
        return np.column_stack([np.asarray(c, dtype=float) for c in cols])[h - 1]
    return run


def _sf_models():
    try:
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, RandomWalkWithDrift  # ~1 s: peers only
    except ImportError as exc:
        raise SystemExit("benchmarks/peers.py needs the bench extra: .venv/bin/pip install -e '.[bench]'") from exc
    return {
        "sf_AutoETS": _sf(lambda: AutoETS(season_length=1, model="AZN")),
        "sf_AutoARIMA": _sf(lambda: AutoARIMA(season_length=1)),
        "sf_AutoTheta": _sf(lambda: AutoTheta(season_length=1)),
        "sf_RWD": _sf(RandomWalkWithDrift),
    }


def _aicc(res) -> float:
    value = float(getattr(res, "aicc", np.nan))
    return value if np.isfinite(value) else float(res.aic)


def m_sm_ets(years, z, fyears):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # ~0.3 s: only this peer needs it
    h = _steps(years, fyears)
    y = pd.Series(_regular(years, z))  # ETSModel's prediction needs an index (0.15: numpy input fails)
    fits = []
    for damped in (False, True):
        try:
            fits.append(ETSModel(y, error="add", trend="add", damped_trend=damped).fit(disp=False))
        except Exception:  # noqa: BLE001 - a variant that cannot be fitted is skipped, not fatal
            continue
    if not fits:
        raise RuntimeError("no ETS variant could be fitted")
    res = min(fits, key=_aicc)
    pred = res.get_prediction(start=len(y), end=len(y) + int(h.max()) - 1)
    return _gauss(np.asarray(pred.predicted_mean), np.sqrt(np.asarray(pred.var_pred_mean)))[h - 1]


def m_sm_arima(years, z, fyears):
    from statsmodels.tsa.arima.model import ARIMA  # ~0.3 s: only this peer needs it
    h = _steps(years, fyears)
    y = _with_gaps(years, z)
    fits = []
    for order in ((0, 1, 0), (1, 1, 0), (0, 1, 1), (1, 1, 1)):
        try:
            res = ARIMA(y, order=order, trend="t").fit()
        except Exception:  # noqa: BLE001 - an order that cannot be fitted is skipped
            continue
        if np.isfinite(_aicc(res)):
            fits.append(res)
    if not fits:
        raise RuntimeError("no ARIMA order could be fitted")
    fc = min(fits, key=_aicc).get_forecast(int(h.max()))
    return _gauss(fc.predicted_mean, fc.se_mean)[h - 1]


def m_sm_theta(years, z, fyears):
    from statsmodels.tsa.forecasting.theta import ThetaModel  # ~0.3 s: only this peer needs it
    h = _steps(years, fyears)
    res = ThetaModel(_regular(years, z), period=1, deseasonalize=False).fit()
    H = int(h.max())
    mean = np.asarray(res.forecast(H), dtype=float)
    pi = np.asarray(res.prediction_intervals(H, alpha=0.2), dtype=float)
    se = (pi[:, 1] - pi[:, 0]) / (2 * norm.ppf(0.9))  # its intervals are normal, centred on the forecast
    return _gauss(mean, se)[h - 1]


def m_sm_llt(years, z, fyears):
    from statsmodels.tsa.statespace.structural import UnobservedComponents  # ~0.3 s: only this peer needs it
    h = _steps(years, fyears)
    res = UnobservedComponents(_with_gaps(years, z), level="local linear trend").fit(disp=False)
    fc = res.get_forecast(int(h.max()))
    return _gauss(fc.predicted_mean, fc.se_mean)[h - 1]


#: Signal-to-noise ratios of the grid-Bayesian local linear trend: level and slope variances over the
#: observation variance. (0, 0) is the straight line with iid noise; (large, 0) a random walk with drift.
BAYES_Q_LEVEL = (0.0, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
BAYES_Q_SLOPE = (0.0, 0.001, 0.01, 0.1, 1.0, 10.0)


def bayes_llt_predictive(years, z, fyears) -> Predictive:
    """Grid-Bayesian local linear trend: a Student-t mixture over the signal-to-noise grid.

    Annual model ``mu_{t+1} = mu_t + nu_t + eta_t``, ``nu_{t+1} = nu_t + zeta_t``, ``z_t = mu_t + eps_t``
    with ``var(eta) = q_l s^2``, ``var(zeta) = q_s s^2``, ``var(eps) = s^2``. Given ``(q_l, q_s)``, ``z`` is
    a regression on ``[1, t]`` (the initial level and slope, flat prior = exact diffuse start) with
    correlated errors ``s^2 V(q)``; with ``p(s^2) ~ 1/s^2`` the marginal likelihood is
    ``|V|^-1/2 |X'V^-1 X|^-1/2 S^-(n-2)/2`` (``S`` the GLS residual sum of squares) and the predictive of a
    future observation is Student-t with ``n - 2`` df (kriging mean, GLS prediction variance).
    """
    years = np.asarray(years, float)
    fyears = np.asarray(fyears, float)
    t0 = years[0]
    s_obs, s_f = years - t0, fyears - t0
    s_all = np.r_[s_obs, s_f]
    k = np.arange(int(s_all.max()) + 1)
    a_eta = (k[None, :] < s_all[:, None]).astype(float)           # sum of level shocks before t
    a_zeta = np.maximum(s_all[:, None] - 1.0 - k[None, :], 0.0)  # slope shocks, weighted by years since
    g_eta, g_zeta = a_eta @ a_eta.T, a_zeta @ a_zeta.T
    n, nf = s_obs.size, s_f.size
    X = np.c_[np.ones(n + nf), s_all]
    Xo, Xf = X[:n], X[n:]
    df = n - 2.0
    locs, scales, logml = [], [], []
    eye = np.eye(n + nf)
    for ql in BAYES_Q_LEVEL:
        for qs in BAYES_Q_SLOPE:
            V = eye + ql * g_eta + qs * g_zeta
            L = np.linalg.cholesky(V[:n, :n])
            Xw = np.linalg.solve(L, Xo)
            zw = np.linalg.solve(L, z)
            A = Xw.T @ Xw
            beta = np.linalg.solve(A, Xw.T @ zw)
            r = zw - Xw @ beta
            S = max(float(r @ r), 1e-24)
            Cw = np.linalg.solve(L, V[:n, n:])                     # (n, nf)
            mean = Xf @ beta + Cw.T @ r
            D = Xf - Cw.T @ Xw
            var = np.diag(V[n:, n:]) - (Cw * Cw).sum(axis=0) + np.einsum("ij,jk,ik->i", D, np.linalg.inv(A), D)
            locs.append(mean)
            scales.append(np.sqrt(np.maximum(var, 0.0) * S / df))
            logml.append(-np.log(np.diag(L)).sum() - 0.5 * np.linalg.slogdet(A)[1] - 0.5 * df * np.log(S))
    logml = np.array(logml)
    w = np.exp(logml - logml.max())
    return Predictive(fyears, np.array(locs), np.array(scales), np.full(w.size, df), w / w.sum())


def m_bayes_llt(years, z, fyears):
    return bayes_llt_predictive(years, z, fyears).ppf(TAUS)


def method_table() -> dict:
    return {"engine": m_engine, "engine_before": m_engine_before, **_sf_models(), "sm_ETS": m_sm_ets, "sm_ARIMA": m_sm_arima,
            "sm_Theta": m_sm_theta, "sm_LLT": m_sm_llt, "bayes_llt": m_bayes_llt}


# ---------------------------------------------------------------------------------------------- tasks


@dataclass
class Task:
    """One training series and what is scored on it."""

    dataset: str
    task_id: str
    cluster: str                 # bootstrap unit: an indicator (a, c) or one simulated series (b)
    group: str                   # indicator id or process (per-group tables)
    years: np.ndarray            # training points (z scale)
    z: np.ndarray
    eval_years: np.ndarray       # scored future points
    eval_z: np.ndarray
    transform: str | None = None  # the indicator's scale (None: simulated z)
    cap: float | None = None
    event_years: np.ndarray = field(default_factory=lambda: np.zeros(0))
    event_thr: np.ndarray = field(default_factory=lambda: np.zeros(0))     # threshold on the z scale
    event_low: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # event is Z <= thr
    event_outcome: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    event_ref_p: np.ndarray = field(default_factory=lambda: np.zeros(0))   # the engine's own P (a: p_attain)


def _points(frame: pd.DataFrame) -> pd.DataFrame:
    keep = is_point(frame["qualifier"])
    return frame.loc[keep, ["year", "value"]].sort_values("year").reset_index(drop=True)


def hindcast_tasks() -> list[Task]:
    """(a): the indicators, origins and points of the hindcast; events = its 2020 target calls."""
    observations, targets = hindcast.load_national()
    _, calls = hindcast.run_hindcast(observations, targets, settings=SETTINGS)
    indicators = load_indicators()
    obs = observations[observations["unit_id"] == "national"]
    tasks = []
    for indicator_id in dict.fromkeys(targets["indicator_id"]):
        indicator = indicators.loc[indicator_id]
        points = _points(obs[obs["indicator_id"] == indicator_id])
        if len(points) < SETTINGS.min_points:
            continue
        name, transform = series_transform(indicator, SETTINGS)
        for origin in hindcast.ORIGINS:
            train = points[points["year"] <= origin]
            if len(train) < SETTINGS.min_points:
                continue
            test = points[(points["year"] > origin) & (points["year"] <= hindcast.LAST_YEAR)]
            c = calls[(calls["indicator_id"] == indicator_id) & (calls["origin"] == origin)] if len(calls) else calls
            if not len(test) and not len(c):
                continue
            tasks.append(Task(
                "hindcast", f"{indicator_id}@{origin}", indicator_id, indicator_id,
                train["year"].to_numpy(float), transform.forward(train["value"].to_numpy(float)),
                test["year"].to_numpy(float), np.atleast_1d(transform.forward(test["value"].to_numpy(float))),
                transform=name, cap=SETTINGS.saturating_cap,
                event_years=c["target_year"].to_numpy(float) if len(c) else np.zeros(0),
                event_thr=np.array([transform.forward(v) for v in c["target_value"]]) if len(c) else np.zeros(0),
                event_low=c["comparator"].isin(GOOD_IF_LOW).to_numpy(bool) if len(c) else np.zeros(0, bool),
                event_outcome=c["outcome"].to_numpy(bool) if len(c) else np.zeros(0, bool),
                event_ref_p=c["p_attain"].to_numpy(float) if len(c) else np.zeros(0)))
    return tasks


def simulated_tasks(n_series: int, seed: int, processes=CORE, horizon: int = 5, lengths=LENGTHS["b"],
                    irregular_share: float = 0.3, dataset: str = "simulated") -> list[Task]:
    """(b): the calibration study's series (same generator calls, same stream per process); (s) the same
    generator with ``lengths`` 4-7, the series the engine cannot back-test."""
    tasks = []
    for process in processes:
        rng = np.random.default_rng([seed, PROCESSES.index(process)])
        for i in range(n_series):
            n = int(rng.integers(lengths[0], lengths[1] + 1))
            irregular = bool(rng.random() < irregular_share)
            s = simulate(process, n, rng=rng, horizon=horizon, irregular=irregular)
            h = s.future_years - s.years[-1]
            pace = (s.z[-1] - s.z[0]) / (s.years[-1] - s.years[0])
            thr = s.z[-1] + rng.uniform(-0.5, 2.0, size=h.size) * h * pace
            tasks.append(Task(
                dataset, f"{process}#{i}", f"{process}#{i}", process, s.years.astype(float), s.z,
                s.future_years.astype(float), s.future_z, event_years=s.future_years.astype(float),
                event_thr=thr, event_low=np.ones(h.size, bool), event_outcome=s.future_z <= thr))
    return tasks


def origin2020_tasks(origin: int = 2020, last: int = 2024) -> list[Task]:
    """(c): data to 2020, scored on 2021-2024; events: latest 2021-2024 value meets the 2030 target."""
    old = load_observations([OBSERVATIONS_DIR / "national.csv"])
    new = load_observations([OBSERVATIONS_DIR / "national_2021_2025.csv"])
    targets = load_targets("outline-2021-2030")
    targets = targets[targets["target_kind"] == "absolute"].drop_duplicates("indicator_id").set_index("indicator_id")
    indicators = load_indicators()
    old, new = old[old["unit_id"] == "national"], new[new["unit_id"] == "national"]
    tasks = []
    for indicator_id in sorted(set(old["indicator_id"]) & set(new["indicator_id"])):
        train = _points(old[(old["indicator_id"] == indicator_id) & (old["year"] <= origin)])
        test = _points(new[new["indicator_id"] == indicator_id])
        test = test[(test["year"] > origin) & (test["year"] <= last)]
        if len(train) < SETTINGS.min_points or not len(test):
            continue
        indicator = indicators.loc[indicator_id]
        name, transform = series_transform(indicator, SETTINGS)
        ev = {}
        if indicator_id in targets.index:
            tg = targets.loc[indicator_id]
            latest = test.iloc[-1]
            ev = dict(event_years=np.array([float(latest["year"])]),
                      event_thr=np.array([transform.forward(float(tg["target_value"]))]),
                      event_low=np.array([tg["comparator"] in GOOD_IF_LOW]),
                      event_outcome=np.array([bool(target_met(float(latest["value"]), tg["comparator"],
                                                              float(tg["target_value"])))]))
        tasks.append(Task(
            "origin2020", f"{indicator_id}@{origin}", indicator_id, indicator_id,
            train["year"].to_numpy(float), transform.forward(train["value"].to_numpy(float)),
            test["year"].to_numpy(float), np.atleast_1d(transform.forward(test["value"].to_numpy(float))),
            transform=name, cap=SETTINGS.saturating_cap, **ev))
    return tasks


# ---------------------------------------------------------------------------------------------- running

_METHODS: dict | None = None


def _warm(methods: dict) -> None:
    """One fit of every method on a throwaway series, so imports and first-call set-up are not timed."""
    years = np.arange(2000.0, 2010.0)
    z = 0.05 * np.arange(10.0) + 0.01 * np.sin(np.arange(10.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in methods.values():
            try:
                f(years, z, np.array([2011.0, 2013.0]))
            except Exception:  # noqa: BLE001 - warm-up only
                pass


def run_tasks(tasks: list[Task], names: tuple[str, ...]) -> tuple[list, list, list]:
    """Fit every method on every task; rows of forecasts scores, event probabilities and status."""
    global _METHODS
    if _METHODS is None:
        _METHODS = {k: v for k, v in method_table().items() if k in names}
        _warm(_METHODS)
    f_rows, e_rows, s_rows = [], [], []
    for task in tasks:
        need = np.unique(np.r_[task.eval_years, task.event_years])
        scale = naive_scale(task.years, task.z)
        key = (task.dataset, task.task_id, task.cluster, task.group)
        quantiles: dict[str, np.ndarray] = {}
        for name in names:
            err = ""
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    q = np.asarray(_METHODS[name](task.years, task.z, need), dtype=float)
                if q.shape != (need.size, TAUS.size) or not np.isfinite(q).all():
                    err = "non-finite or misshapen quantiles"
            except Exception as exc:  # noqa: BLE001 - a failure is a result here
                err = f"{type(exc).__name__}: {str(exc)[:120]}"
            seconds = time.perf_counter() - t0
            s_rows.append((*key, name, not err, err, seconds))
            if not err:
                quantiles[name] = np.sort(q, axis=1)   # simulated quantiles can cross by rounding
        for name in names:
            # A failed fit is scored as the fallback's forecast (statsforecast's ``fallback_model`` practice),
            # so every method is scored on every series; failures are counted in the status rows.
            q = quantiles.get(name, quantiles.get(FALLBACK))
            if q is None:
                continue
            pos = np.searchsorted(need, task.eval_years)
            qe, y = q[pos], task.eval_z
            med = qe[:, I_MED]
            ape = np.full(y.size, np.nan)
            if task.transform is not None:
                tr = get_transform(task.transform, cap=task.cap)
                obs, fc = tr.inverse(y), tr.inverse(med)
                ape = np.abs(np.atleast_1d(fc) - np.atleast_1d(obs)) / np.abs(np.atleast_1d(obs)) * 100
            ae = np.abs(med - y) / scale
            in80 = covered(qe[:, I10], qe[:, I90], y)
            in95 = covered(qe[:, I025], qe[:, I975], y)
            w80 = winkler(qe[:, I10], qe[:, I90], y, 0.8) / scale
            w95 = winkler(qe[:, I025], qe[:, I975], y, 0.95) / scale
            crps = crps_from_quantiles(qe[:, I_CRPS], y) / scale
            width80 = (qe[:, I90] - qe[:, I10]) / scale
            horizon = np.round(task.eval_years - task.years[-1]).astype(int)
            for j in range(y.size):
                f_rows.append((*key, name, int(task.eval_years[j]), int(horizon[j]), ae[j], bool(in80[j]),
                               bool(in95[j]), w80[j], w95[j], crps[j], width80[j], ape[j]))
            if task.event_years.size:
                qv = q[np.searchsorted(need, task.event_years)]
                p_low = cdf_from_quantiles(qv[:, I_CRPS], task.event_thr)
                p = np.where(task.event_low, p_low, 1.0 - p_low)
                ref = task.event_ref_p if task.event_ref_p.size else np.full(p.size, np.nan)
                for j in range(p.size):
                    e_rows.append((*key, name, float(p[j]), bool(task.event_outcome[j]), float(ref[j])))
    return f_rows, e_rows, s_rows


F_COLS = ["dataset", "task_id", "cluster", "group", "method", "year", "horizon", "ae", "in80", "in95", "w80", "w95",
          "crps", "width80", "ape"]
E_COLS = ["dataset", "task_id", "cluster", "group", "method", "p", "outcome", "ref_p"]
S_COLS = ["dataset", "task_id", "cluster", "group", "method", "ok", "error", "seconds"]


def run_all(tasks: list[Task], names: tuple[str, ...], workers: int, chunk: int = 20):
    chunks = [tasks[i:i + chunk] for i in range(0, len(tasks), chunk)]
    f_rows, e_rows, s_rows = [], [], []
    if workers <= 1:
        results = (run_tasks(c, names) for c in chunks)
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(run_tasks, chunks, [names] * len(chunks))
    for f, e, s in results:
        f_rows += f
        e_rows += e
        s_rows += s
    if workers > 1:
        pool.shutdown()
    return (pd.DataFrame(f_rows, columns=F_COLS), pd.DataFrame(e_rows, columns=E_COLS),
            pd.DataFrame(s_rows, columns=S_COLS))


# ---------------------------------------------------------------------------------------------- summaries

METRICS = {"MASE": "ae", "CRPS": "crps", "W80": "w80", "W95": "w95", "cov80": "in80", "cov95": "in95"}


def paired(forecasts: pd.DataFrame, events: pd.DataFrame, status: pd.DataFrame, names):
    """Keep only the tasks every method was scored on (its own fit or the fallback's), so the comparison is
    paired; returns the kept rows and the number of tasks dropped."""
    scored = forecasts.groupby("task_id")["method"].nunique()
    scored_e = events.groupby("task_id")["method"].nunique()
    per_task = scored.reindex(status["task_id"].unique()).fillna(0).combine(
        scored_e.reindex(status["task_id"].unique()).fillna(0), max)
    good = set(per_task[per_task == len(names)].index)
    return forecasts[forecasts["task_id"].isin(good)], events[events["task_id"].isin(good)], len(per_task) - len(good)


def summary(forecasts, events, status, names, *, mape: bool) -> pd.DataFrame:
    rows = []
    engine_time = status.loc[status["method"] == "engine", "seconds"].sum()
    n_tasks = status["task_id"].nunique()
    for m in names:
        f = forecasts[forecasts["method"] == m]
        e = events[events["method"] == m]
        st = status[status["method"] == m]
        row = {"method": m, "series": n_tasks, "failed": int((~st["ok"]).sum()), "forecasts": len(f)}
        for label, col in METRICS.items():
            row[label] = float(f[col].astype(float).mean()) if len(f) else np.nan
        if mape:
            row["MAPE %"] = float(f["ape"].mean()) if len(f) else np.nan
        row["width80"] = float(f["width80"].mean()) if len(f) else np.nan
        row["Brier"] = float(((e["p"] - e["outcome"].astype(float)) ** 2).mean()) if len(e) else np.nan
        row["n events"] = len(e)
        row["ms/series"] = float(st["seconds"].mean() * 1000) if len(st) else np.nan
        row["time x engine"] = float(st["seconds"].sum() / engine_time) if engine_time > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def bootstrap_diffs(forecasts, events, names, reps: int, seed: int) -> pd.DataFrame:
    """Metric(method) - metric(engine) on the paired set, with a 90% interval from a cluster bootstrap."""
    clusters = sorted(set(forecasts["cluster"]) | set(events["cluster"]))
    cidx = {c: i for i, c in enumerate(clusters)}
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(clusters), size=(reps, len(clusters)))
    W = np.stack([np.bincount(d, minlength=len(clusters)) for d in draws]).astype(float)  # (R, C)

    def sums(frame, col, method):
        sub = frame[frame["method"] == method]
        idx = sub["cluster"].map(cidx).to_numpy()
        vals = sub[col].astype(float).to_numpy()
        return np.bincount(idx, vals, len(clusters)), np.bincount(idx, minlength=len(clusters)).astype(float)

    ev = events.assign(brier=(events["p"] - events["outcome"].astype(float)) ** 2)
    specs = [(k, forecasts, c) for k, c in METRICS.items()] + [("Brier", ev, "brier")]
    rows = []
    for m in names:
        if m == "engine":
            continue
        row = {"method": m}
        for label, frame, col in specs:
            s_m, n_m = sums(frame, col, m)
            s_e, n_e = sums(frame, col, "engine")
            if n_m.sum() == 0:
                row[label] = ""
                continue
            point = s_m.sum() / n_m.sum() - s_e.sum() / n_e.sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                rep = W @ s_m / (W @ n_m) - W @ s_e / (W @ n_e)
            lo, hi = np.nanpercentile(rep, [5, 95])
            row[label] = f"{point:+.3f} [{lo:+.3f}, {hi:+.3f}]"
        rows.append(row)
    return pd.DataFrame(rows)


def by_group(forecasts, names, col: str, *, relative_to_engine: bool = False) -> pd.DataFrame:
    table = forecasts.pivot_table(index="group", columns="method", values=col, aggfunc="mean")
    table = table[[m for m in names if m in table.columns]]
    if relative_to_engine:
        table = table.div(table["engine"], axis=0)
    table.loc["pooled"] = (forecasts.groupby("method")[col].mean() /
                           (forecasts.loc[forecasts["method"] == "engine", col].mean() if relative_to_engine else 1))
    n = forecasts[forecasts["method"] == "engine"].groupby("group").size()
    table.insert(0, "forecasts", n.reindex(table.index).fillna(n.sum()).astype(int))
    return table.reset_index()


def coverage_by_group(forecasts, names) -> pd.DataFrame:
    c80 = by_group(forecasts.assign(in80=forecasts["in80"].astype(float)), names, "in80")
    c95 = by_group(forecasts.assign(in95=forecasts["in95"].astype(float)), names, "in95")
    out = c80[["group", "forecasts"]].copy()
    for m in names:
        out[m] = [f"{a:.3f} / {b:.3f}" for a, b in zip(c80[m], c95[m])]
    return out


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    def cell(v):
        if isinstance(v, float | np.floating):
            return "" if not np.isfinite(v) else f"{v:.{digits}f}"
        return str(v)
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    sep = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def failure_table(status: pd.DataFrame) -> pd.DataFrame:
    bad = status[~status["ok"]]
    if not len(bad):
        return pd.DataFrame(columns=["data set", "method", "failures", "example"])
    g = bad.groupby(["dataset", "method"], sort=False)
    return pd.DataFrame({"failures": g.size(), "example": g["error"].first().str.slice(0, 90),
                         "first task": g["task_id"].first()}).reset_index().rename(columns={"dataset": "data set"})


# ---------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=300, help="simulated series per process (b)")
    ap.add_argument("--short-series", type=int, default=300,
                    help="simulated series per process of 4-7 points (s; seed + 1)")
    ap.add_argument("--processes", default=",".join(CORE), help="simulated processes (b, s)")
    ap.add_argument("--seed", type=int, default=20240601, help="simulation seed (that of benchmarks/calibration.py)")
    ap.add_argument("--boot", type=int, default=1000, help="bootstrap replicates")
    ap.add_argument("--boot-seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    ap.add_argument("--methods", default=",".join(METHODS), help="methods to run (engine always)")
    ap.add_argument("--markdown", help="also write the tables to this Markdown file")
    ap.add_argument("--csv", help="also write the raw rows (forecasts, events, status) as CSV to this folder")
    args = ap.parse_args(argv)
    names = tuple(dict.fromkeys(["engine", *[m for m in args.methods.split(",") if m]]))
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        ap.error(f"unknown methods {unknown}; choose from {METHODS}")

    started = time.perf_counter()
    processes = tuple(args.processes.split(","))
    tasks = {"a": hindcast_tasks(), "b": simulated_tasks(args.series, args.seed, processes),
             "s": simulated_tasks(args.short_series, args.seed + 1, processes, lengths=LENGTHS["s"],
                                  dataset=DATASETS["s"]),
             "c": origin2020_tasks()}
    everything = run_all([t for k in DATASETS for t in tasks[k]], names, args.workers)
    elapsed = time.perf_counter() - started
    F, E, S = everything
    if args.csv:
        folder = Path(args.csv)
        folder.mkdir(parents=True, exist_ok=True)
        for stem, frame in zip(("forecasts", "events", "status"), everything):
            frame.to_csv(folder / f"peers_{stem}.csv", index=False)

    command = " ".join([".venv/bin/python benchmarks/peers.py", *(sys.argv[1:] if argv is None else argv)])
    out = ["# The engine against the libraries (benchmarks/peers.py)\n",
           f"Command: `{command}`\n",
           f"Run time {elapsed:.0f} s with {args.workers} worker(s); {args.series} simulated series per process "
           f"({args.processes}), seed {args.seed}; bootstrap {args.boot} replicates (seed {args.boot_seed}) over "
           "clusters. Scores on the model (z) scale; MASE, Winkler (W80, W95), CRPS and width80 are divided by the "
           "in-sample naive one-year MAE; `time x engine` = method time / engine time over the same series. A "
           f"failed fit is scored as `{FALLBACK}`'s forecast of that series (counted under `failed`).\n",
           "Methods: " + "; ".join(f"`{m}` {LABELS[m]}" for m in names) + ".\n"]
    titles = {"a": "(a) Hindcasts of the real national series, origins 2012-2019, years to 2020",
              "b": "(b) Simulated series with known truth, 8-15 points (next 5 years)",
              "s": "(s) Simulated series too short to back-test, 4-7 points (next 5 years)",
              "c": "(c) Origin 2020, scored on the national values 2021-2024"}
    for key in DATASETS:
        ds = DATASETS[key]
        f, e, s = F[F["dataset"] == ds], E[E["dataset"] == ds], S[S["dataset"] == ds]
        if not len(s):
            continue
        fp, ep, dropped = paired(f, e, s, names)
        out.append(f"## {titles[key]}\n")
        out.append(f"{s['task_id'].nunique()} series (training sets), {len(fp) // max(len(names), 1)} scored "
                   f"forecasts per method on {s['task_id'].nunique() - dropped} series ({dropped} dropped: the method "
                   f"and its fallback both failed), {len(ep) // max(len(names), 1)} events for the Brier "
                   f"score, {fp['cluster'].nunique()} bootstrap clusters.\n")
        out.append("### Per method, pooled\n")
        out.append(markdown(summary(fp, ep, s, names, mape=key in "ac")))
        out.append("\n### Difference to the engine (method - engine), 90% cluster-bootstrap interval\n")
        out.append(markdown(bootstrap_diffs(fp, ep, names, args.boot, args.boot_seed)))
        group_word = "indicator" if key in "ac" else "process"
        out.append(f"\n### Scaled CRPS by {group_word}\n")
        out.append(markdown(by_group(fp, names, "crps")))
        out.append(f"\n### Coverage 80% / 95% by {group_word}\n")
        out.append(markdown(coverage_by_group(fp, names)))
        out.append(f"\n### Width of the 80% interval relative to the engine's, by {group_word}\n")
        out.append(markdown(by_group(fp, names, "width80", relative_to_engine=True)))
        if key == "a" and len(ep):
            eng = ep[ep["method"] == "engine"]
            gap = float(np.nanmax(np.abs(eng["p"] - eng["ref_p"]))) if len(eng) else np.nan
            out.append(f"\nCheck: the engine's P(met in 2020) read off its quantile grid differs from the "
                       f"hindcast's exact `p_attain` by at most {gap:.3f}.")
        out.append("")
    fails = failure_table(S)
    out.append(f"## Failures (an exception or a non-finite quantile; scored as `{FALLBACK}` instead)\n")
    out.append(markdown(fails) if len(fails) else "none")
    out.append("")
    text = "\n".join(out)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
        print(f"tables written to {args.markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
