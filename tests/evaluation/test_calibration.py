"""Honest intervals: a seeded, reduced version of benchmarks/calibration.py (a few seconds).

Goal (docs/methods.md, "Calibration"): 80% intervals cover 75-85% and 95% intervals 92-97% of the
next five years' values, for each model on its own process and for the ensemble. With 200 series per
process (1000 correlated coverage indicators, about 400 effective) the bands below add three standard
errors to the goal on each side; they stay centred on it.

At full scale (``benchmarks/calibration.py --series 2000``) the ensemble misses on two processes: too
wide on the straight line (0.867 / 0.979) and slightly too narrow at 80% on logistic curves (0.737);
the random walk sits near the lower edge (0.756 / 0.933). With 8-15 points even the most powerful
invariant test tells a line from a random walk apart in only 70-86% of series, so no weighting rule is
calibrated for both (docs/methods.md, "Calibration"); a test pins the direction of the miss on the line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.engine.models import TrendSettings
from toolkit.evaluation.simulate import calibration_records

N_SERIES = 200
CORE = ("linear", "rw_drift", "trend_ar1", "damped", "logistic")
OWN = {"linear": "linear", "recent": "linear", "drift": "rw_drift", "damped": "damped"}
SE = {0.8: 0.02, 0.95: 0.011}           # about one standard error of a coverage from ~400 effective points
GOAL = {0.8: (0.75, 0.85), 0.95: (0.92, 0.97)}


def band(level: float, n_se: float = 3.0) -> tuple[float, float]:
    lo, hi = GOAL[level]
    return lo - n_se * SE[level], hi + n_se * SE[level]


def _pits(seed: int, lengths: tuple[int, int]) -> pd.DataFrame:
    frames = []
    for k, process in enumerate(CORE):
        p, _ = calibration_records(process, N_SERIES, rng=np.random.default_rng([seed, k]),
                                   settings=TrendSettings(), lengths=lengths)
        frames.append(p)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def pits() -> pd.DataFrame:
    return _pits(7, (8, 15))


def coverage(pit: pd.Series, level: float) -> float:
    a = (1 - level) / 2
    return float(((pit >= a) & (pit <= 1 - a)).mean())


@pytest.mark.parametrize("level", [0.8, 0.95])
@pytest.mark.parametrize("model", list(OWN))
def test_each_model_is_calibrated_on_its_own_process(pits, model, level):
    sel = pits[(pits["model"] == model) & (pits["process"] == OWN[model])]
    lo, hi = band(level)
    assert lo <= coverage(sel["pit"], level) <= hi


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_ensemble_is_calibrated_pooled_over_processes(pits, level):
    sel = pits[pits["model"] == "ensemble"]
    lo, hi = band(level, n_se=3.0 / np.sqrt(len(CORE)))   # five times the sample: tighter band
    assert lo <= coverage(sel["pit"], level) <= hi


@pytest.mark.parametrize("level", [0.8, 0.95])
@pytest.mark.parametrize("process", CORE)
def test_ensemble_is_calibrated_on_each_process(pits, process, level):
    sel = pits[(pits["model"] == "ensemble") & (pits["process"] == process)]
    lo, hi = band(level)
    assert lo <= coverage(sel["pit"], level) <= hi


def test_ensemble_errs_on_the_safe_side_where_it_errs(pits):
    """Where the goal is out of reach the ensemble should be too wide, not too narrow: the straight
    line (conservative) and the random walk (only slightly narrow) bracket the goal."""
    ens = pits[pits["model"] == "ensemble"]
    assert coverage(ens[ens["process"] == "linear"]["pit"], 0.8) >= 0.80
    assert coverage(ens[ens["process"] == "rw_drift"]["pit"], 0.95) >= band(0.95)[0]


# --- series too short to back-test (4-7 points): the fixed short-series weights ----------------------

@pytest.fixture(scope="module")
def pits_short() -> pd.DataFrame:
    return _pits(8, (4, 7))


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_short_series_ensemble_is_calibrated_pooled(pits_short, level):
    """Full scale (2000 series per process): 0.811 / 0.953 with the posterior weights; 0.739 / 0.921 with the
    earlier fixed line + drift mixture, whose 80% level this band excludes."""
    sel = pits_short[pits_short["model"] == "ensemble"]
    lo, hi = band(level, n_se=3.0 / np.sqrt(len(CORE)))
    assert lo <= coverage(sel["pit"], level) <= hi


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_short_series_cover_a_slowing_trend(pits_short, level):
    """On a slowing trend the earlier fixed line + drift mixture covered 0.455 / 0.792 of outcomes (full
    scale), the posterior weights 0.725 / 0.916, inside these bands though short of the goal."""
    sel = pits_short[(pits_short["model"] == "ensemble") & (pits_short["process"] == "damped")]
    lo, hi = band(level)
    assert lo <= coverage(sel["pit"], level) <= hi
