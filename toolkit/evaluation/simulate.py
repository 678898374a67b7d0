"""Synthetic series from known processes, seeded, for tests, calibration studies and benchmarks.

Every generator works on the transformed scale ``z`` (where the trend models live) on an annual grid,
then the series is observed in some years (regular or with gaps such as 2000, 2006, 2008, 2010, 2011,
...) and continues ``horizon`` years past the last observation so forecasts can be scored against the
true future values. Values on an indicator's own scale are ``get_transform(name).inverse(z)``.

Processes (parameters drawn from :func:`draw_params` unless given; all in z units per year):

``linear``
    ``z_t = a + b t + e_t``, iid ``N(0, sigma^2)`` noise.
``rw_drift``
    ``z_t = z_{t-1} + d + e_t``, iid ``N(0, sigma^2)`` increments.
``trend_ar1``
    ``z_t = a + b t + u_t``, ``u_t = rho u_{t-1} + e_t`` (stationary start).
``damped``
    Random walk whose drift decays: ``z_t = z_{t-1} + d0 phi^(t - t0) + e_t``.
``logistic``
    A percentage on an S-curve with a ceiling below 100, ``p_t = A / (1 + exp(-k (t - t_mid)))``,
    observed with iid noise on the logit scale (``z = logit(p/100) + e``): linear on the logit scale
    while far from the ceiling, then bending to ``logit(A/100)``.
``broken``
    A straight line whose slope changes at least ``window`` years before the end (plus iid noise).

These are the processes of the calibration study (``benchmarks/calibration.py``); the parameter ranges
are meant to resemble the Outline's series (slopes of a few per cent a year on the log or logit scale,
noise from a tenth of to about one year's change) and are listed in ``docs/methods.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toolkit.engine.models import fit_trend

__all__ = ["PROCESSES", "SimulatedSeries", "draw_params", "observation_years", "simulate", "calibration_records"]

PROCESSES: tuple[str, ...] = ("linear", "rw_drift", "trend_ar1", "damped", "logistic", "broken")


@dataclass(frozen=True)
class SimulatedSeries:
    """One simulated series: the observed part and its true continuation."""

    process: str
    years: np.ndarray          # observed years
    z: np.ndarray              # observed values (z scale)
    future_years: np.ndarray   # last observed year + 1 .. + horizon
    future_z: np.ndarray       # the process's values there (including observation noise)
    params: dict = field(default_factory=dict)


def _loguniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def draw_params(process: str, rng: np.random.Generator) -> dict:
    """Draw the parameters of ``process`` from the study's ranges (see module docstring)."""
    sign = rng.choice([-1.0, 1.0])
    if process == "linear":
        return {"level": rng.uniform(-2, 3), "slope": rng.uniform(-0.12, 0.12),
                "sigma": _loguniform(rng, 0.01, 0.1)}
    if process == "rw_drift":
        return {"level": rng.uniform(-2, 3), "drift": rng.uniform(-0.12, 0.12),
                "sigma": _loguniform(rng, 0.01, 0.06)}
    if process == "trend_ar1":
        return {"level": rng.uniform(-2, 3), "slope": rng.uniform(-0.12, 0.12),
                "sigma": _loguniform(rng, 0.01, 0.06), "rho": rng.uniform(0.2, 0.7)}
    if process == "damped":
        return {"level": rng.uniform(-2, 3), "drift0": sign * rng.uniform(0.04, 0.2),
                "phi": rng.uniform(0.8, 0.98), "sigma": _loguniform(rng, 0.01, 0.05)}
    if process == "logistic":
        return {"ceiling": rng.uniform(90.0, 99.5), "rate": rng.uniform(0.05, 0.25),
                "t_mid": rng.uniform(-10.0, 15.0), "sigma": _loguniform(rng, 0.01, 0.1)}
    if process == "broken":
        return {"level": rng.uniform(-2, 3), "slope": rng.uniform(-0.12, 0.12),
                "slope_change": rng.uniform(-0.08, 0.08), "sigma": _loguniform(rng, 0.01, 0.06)}
    raise ValueError(f"unknown process {process!r}; expected one of {PROCESSES}")


def observation_years(n: int, *, rng: np.random.Generator, start: int = 2000,
                      irregular: bool = False) -> np.ndarray:
    """``n`` observation years from ``start``: consecutive, or with gaps of 2-6 years early on.

    Irregular series look like the Outline's: a few sparse early years (2000, 2005, 2008, ...), then
    annual data.
    """
    if not irregular:
        return start + np.arange(n)
    n_sparse = int(rng.integers(1, max(2, n // 3) + 1))
    gaps = np.ones(n - 1, dtype=int)
    gaps[:n_sparse] = rng.integers(2, 7, size=n_sparse)
    return start + np.concatenate([[0], np.cumsum(gaps)])


def _path(process: str, t: np.ndarray, p: dict, rng: np.random.Generator) -> np.ndarray:
    """The process on the annual grid ``t`` (years since the start, 0, 1, 2, ...)."""
    n = t.size
    e = rng.normal(0.0, p.get("sigma", 0.0), size=n)
    if process == "linear":
        return p["level"] + p["slope"] * t + e
    if process == "rw_drift":
        return p["level"] + np.cumsum(np.r_[0.0, p["drift"] + e[1:]])
    if process == "trend_ar1":
        u = np.empty(n)
        u[0] = e[0] / np.sqrt(1.0 - p["rho"] ** 2)
        for i in range(1, n):
            u[i] = p["rho"] * u[i - 1] + e[i]
        return p["level"] + p["slope"] * t + u
    if process == "damped":
        steps = p["drift0"] * p["phi"] ** t[1:] + e[1:]
        return p["level"] + np.cumsum(np.r_[0.0, steps])
    if process == "logistic":
        share = p["ceiling"] / (1.0 + np.exp(-p["rate"] * (t - p["t_mid"])))
        share = np.clip(share, 0.05, 99.95) / 100.0
        return np.log(share / (1.0 - share)) + e
    if process == "broken":
        t_break = p["t_break"]
        return p["level"] + p["slope"] * t + p["slope_change"] * np.maximum(t - t_break, 0.0) + e
    raise ValueError(f"unknown process {process!r}; expected one of {PROCESSES}")


def simulate(process: str, n: int, *, rng: np.random.Generator, horizon: int = 5,
             irregular: bool = False, start: int = 2000, window: int = 6,
             **params) -> SimulatedSeries:
    """Simulate ``n`` observations of ``process`` and its next ``horizon`` annual values.

    Parameters not given are drawn by :func:`draw_params`. For ``broken`` the break year is drawn so
    that at least ``window`` observations follow it (the setting the ``recent`` model is built for).

    Examples
    --------
    >>> s = simulate("linear", 10, rng=np.random.default_rng(0), irregular=True)
    >>> s.years.size, s.future_years[0] == s.years[-1] + 1
    (10, True)
    """
    if n < 2:
        raise ValueError("n must be at least 2")
    p = draw_params(process, rng)
    p.update(params)
    years = observation_years(n, rng=rng, start=start, irregular=irregular)
    future = years[-1] + np.arange(1, horizon + 1)
    grid = np.arange(start, future[-1] + 1)
    if process == "broken" and "t_break" not in params:
        latest_break = years[max(n - window, 1)] - start
        p["t_break"] = float(rng.uniform(years[1] - start, max(latest_break, years[1] - start)))
    path = _path(process, (grid - start).astype(float), p, rng)
    return SimulatedSeries(process, years, path[years - start], future, path[future - start], p)


def calibration_records(process: str, n_series: int, *, rng: np.random.Generator, settings=None,
                        horizon: int = 5, lengths: tuple[int, int] = (8, 15),
                        irregular_share: float = 0.3):
    """Fit ``n_series`` simulated series of ``process`` and score their forecasts of the next years.

    Returns two tables (pandas DataFrames):

    ``pits``
        one row per series x model (``ensemble`` and every fitted candidate) x horizon 1..``horizon``:
        the predictive cdf at the true future value (PIT). An interval at level L covers the outcome
        iff ``(1-L)/2 <= pit <= (1+L)/2``.
    ``probs``
        one row per series x horizon: a target-like threshold ``z_n + u * h * pace`` (``pace`` the
        series' average slope, ``u ~ U(-0.5, 2)``: targets from "some slippage" to "twice the historical
        pace"), the ensemble's ``P(Z <= threshold)`` and whether the outcome was ``<= threshold``.

    Series lengths are uniform on ``lengths`` (inclusive); a share ``irregular_share`` has gaps.
    """
    import pandas as pd  # 0.4 s: the generators above stay numpy-only for the calibration workers

    pit_rows, prob_rows = [], []
    for i in range(n_series):
        n = int(rng.integers(lengths[0], lengths[1] + 1))
        irregular = bool(rng.random() < irregular_share)
        s = simulate(process, n, rng=rng, horizon=horizon, irregular=irregular)
        fit = fit_trend(s.years, s.z, settings)
        h = s.future_years - s.years[-1]
        ens = fit.predictive(s.future_years)
        preds = {"ensemble": ens} | {m: fit.model_predictive(m, s.future_years) for m in fit.components}
        for model, pred in preds.items():
            pit = pred.cdf(s.future_z)
            pit_rows += [(process, i, n, irregular, model, int(hh), float(p)) for hh, p in zip(h, pit)]
        pace = (s.z[-1] - s.z[0]) / (s.years[-1] - s.years[0])
        thr = s.z[-1] + rng.uniform(-0.5, 2.0, size=h.size) * h * pace
        p = ens.cdf(thr)
        prob_rows += [(process, i, int(hh), float(pp), bool(o)) for hh, pp, o in zip(h, p, s.future_z <= thr)]
    pits = pd.DataFrame(pit_rows, columns=["process", "series", "n", "irregular", "model", "horizon", "pit"])
    probs = pd.DataFrame(prob_rows, columns=["process", "series", "horizon", "p", "outcome"])
    return pits, probs
