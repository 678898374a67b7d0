"""Speed of the trend engine: series per second per core, with model weighting on.

Per series (11 points, or ``--length``): ``fit_trend`` with the production settings (four candidates,
weights from the members' posterior probabilities), ``predictive`` over 30 future years, one ``cdf`` and
four ``ppf`` calls, i.e. what the assessment needs for one unit x indicator. Timed in the same run on the
same series: the same with ``selection="stacking"`` (the earlier default, which back-tests every series
of 8 or more points), and a plain statsmodels OLS fit plus ``get_prediction(...).summary_frame()`` over
the same 30 years (one model, no selection), so the ratios are comparable across machines.

Run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_models.py --series 2000 --repeat 3 [--length 6]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.engine.models import TrendSettings, fit_trend  # noqa: E402
from toolkit.evaluation.simulate import PROCESSES, simulate  # noqa: E402

STACKING = TrendSettings(selection="stacking")


def make_series(n_series: int, seed: int, length: int = 11):
    rng = np.random.default_rng(seed)
    return [simulate(PROCESSES[i % len(PROCESSES)], length, rng=rng, irregular=bool(rng.random() < 0.3))
            for i in range(n_series)]


def run_engine(series, settings: TrendSettings | None = None) -> float:
    t0 = time.perf_counter()
    for s in series:
        fit = fit_trend(s.years, s.z, settings)
        pred = fit.predictive(s.years[-1] + np.arange(1.0, 31.0))
        pred.cdf(float(s.z[-1]))
        for q in (0.1, 0.9, 0.025, 0.975):
            pred.ppf(q)
    return time.perf_counter() - t0


def run_baseline(series) -> float:
    import statsmodels.api as sm

    t0 = time.perf_counter()
    for s in series:
        res = sm.OLS(s.z, sm.add_constant(s.years.astype(float))).fit()
        res.get_prediction(sm.add_constant(s.years[-1] + np.arange(1.0, 31.0))).summary_frame(alpha=0.2)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--length", type=int, default=11, help="points per series (4-7: too short to back-test)")
    args = ap.parse_args(argv)
    series = make_series(args.series, args.seed, args.length)
    run_engine(series[:50])                      # warm-up (imports, caches)
    run_engine(series[:50], STACKING)
    run_baseline(series[:50])
    engine = min(run_engine(series) for _ in range(args.repeat))
    stacking = min(run_engine(series, STACKING) for _ in range(args.repeat))
    base = min(run_baseline(series) for _ in range(args.repeat))
    n = len(series)
    print(f"series: {n} x {args.length} points, {len(PROCESSES)} processes, best of {args.repeat}")
    print(f"engine   (fit_trend + predictive 30y + cdf + 4 ppf):             {n / engine:8.0f} series/s "
          f"({1e3 * engine / n:.2f} ms/series)")
    print(f"stacking (the earlier default: + back-test):                     {n / stacking:8.0f} series/s "
          f"({1e3 * stacking / n:.2f} ms/series)")
    print(f"baseline (statsmodels OLS fit + get_prediction 30y):            {n / base:8.0f} series/s "
          f"({1e3 * base / n:.2f} ms/series)")
    print(f"engine / stacking time ratio: {engine / stacking:.2f}")
    print(f"engine / baseline time ratio: {engine / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
