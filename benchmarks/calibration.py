"""Calibration study: do the trend models' intervals and probabilities mean what they say?

Simulates series of 8-15 points (30% with gaps) from known processes (toolkit.evaluation.simulate), fits them with
the production settings, and scores the forecasts of the next 5 years against the true values:

* coverage of the central 80% and 95% intervals, per process x model (``ensemble`` and each candidate),
  pooled over horizons 1-5, plus the ensemble per horizon and per series length;
* reliability of the probabilities ``P(Z_T <= threshold)`` for target-like thresholds: binned predicted
  vs observed frequency and the Brier score (with the climatological reference).

Run (about a minute per 1000 series per process on one core)::

    .venv/bin/python benchmarks/calibration.py --series 2000 --seed 20240601

The numbers quoted in docs/methods.md ("Calibration") come from exactly that command.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.engine.models import TrendSettings  # noqa: E402
from toolkit.evaluation.simulate import PROCESSES, calibration_records  # noqa: E402

#: The processes the brief's calibration goal refers to ("broken" is an extra stress test).
CORE = ("linear", "rw_drift", "trend_ar1", "damped", "logistic")
#: Each model's own process (the one its predictive distribution is exact for).
OWN = {"linear": "linear", "recent": "linear", "drift": "rw_drift", "damped": "damped"}
GOAL = {0.8: (0.75, 0.85), 0.95: (0.92, 0.97)}


def covered(pit: pd.Series, level: float) -> pd.Series:
    a = (1 - level) / 2
    return (pit >= a) & (pit <= 1 - a)


def coverage_table(pits: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    g = pits.assign(c80=covered(pits["pit"], 0.8), c95=covered(pits["pit"], 0.95)).groupby(by)
    return g.agg(n=("pit", "size"), cov80=("c80", "mean"), cov95=("c95", "mean"))


def reliability(probs: pd.DataFrame, bins: int = 10) -> tuple[pd.DataFrame, float, float]:
    edges = np.linspace(0, 1, bins + 1)
    b = np.clip(np.digitize(probs["p"], edges) - 1, 0, bins - 1)
    table = probs.assign(bin=b).groupby("bin").agg(n=("p", "size"), predicted=("p", "mean"),
                                                   observed=("outcome", "mean"))
    table.index = [f"{edges[i]:.1f}-{edges[i + 1]:.1f}" for i in table.index]
    brier = float(np.mean((probs["p"] - probs["outcome"]) ** 2))
    base = probs["outcome"].mean()
    return table, brier, float(base * (1 - base))


def _invariant_loglik(t: np.ndarray, z: np.ndarray, cov: np.ndarray) -> float:
    """Log density of the maximal invariant (affine in z, any trend a + b t) under N(a + b t, s^2 cov)."""
    X = np.c_[np.ones_like(t), t]
    L = np.linalg.cholesky(cov)
    Xi, zi = np.linalg.solve(L, X), np.linalg.solve(L, z)
    A = Xi.T @ Xi
    r = zi - Xi @ np.linalg.solve(A, Xi.T @ zi)
    return float(-np.log(np.diag(L)).sum() - 0.5 * np.linalg.slogdet(A)[1] - 0.5 * (t.size - 2) * np.log(r @ r))


def discrimination_bound(lengths=(8, 10, 12, 15), n_series: int = 2000, seed: int = 3) -> pd.DataFrame:
    """How well *any* rule can tell "line + iid noise" from "random walk with drift".

    The Neyman-Pearson likelihood ratio on the maximal invariant (the data up to intercept, slope and
    scale, which neither model's forecast depends on) is the most powerful invariant test; its best
    balanced accuracy bounds how often a weighting rule can give the right model the weight.
    """
    from toolkit.evaluation.simulate import simulate

    rows = []
    for n in lengths:
        rng = np.random.default_rng([seed, n])
        t = np.arange(1.0, n + 1.0)
        brown = np.minimum.outer(t, t)
        llr = {}
        for process in ("linear", "rw_drift"):
            llr[process] = np.array([
                _invariant_loglik(t, z, brown) - _invariant_loglik(t, z, np.eye(n))
                for z in (simulate(process, n, rng=rng).z for _ in range(n_series))])
        cuts = np.quantile(np.r_[llr["linear"], llr["rw_drift"]], np.linspace(0.01, 0.99, 197))
        acc = [((llr["rw_drift"] > c).mean() + (llr["linear"] <= c).mean()) / 2 for c in cuts]
        rows.append({"n": n, "best_balanced_accuracy": max(acc)})
    return pd.DataFrame(rows).set_index("n")


def flag(value: float, level: float) -> str:
    lo, hi = GOAL[level]
    return "" if lo <= value <= hi else " *"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=2000, help="series per process")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--processes", default=",".join(PROCESSES))
    ap.add_argument("--stacking-prior", type=float, default=TrendSettings.stacking_prior,
                    help="sensitivity analysis of the weight rule (production default if omitted)")
    ap.add_argument("--lengths", default="8-15",
                    help="series lengths, inclusive (4-7: the series too short to back-test, which get the fixed "
                         "short-series weights)")
    ap.add_argument("--selection", default=TrendSettings.selection,
                    help="weight rule: ensemble (posterior probabilities, the default), stacking (before issue 14), best")
    ap.add_argument("--bound", action="store_true",
                    help="also compute how well any rule can tell a line from a random walk")
    args = ap.parse_args(argv)
    lengths = tuple(int(x) for x in args.lengths.split("-"))
    settings = TrendSettings(stacking_prior=args.stacking_prior, selection=args.selection)
    pits, probs = [], []
    t0 = time.perf_counter()
    for k, process in enumerate(args.processes.split(",")):
        rng = np.random.default_rng([args.seed, k])
        p, q = calibration_records(process, args.series, rng=rng, settings=settings, lengths=lengths)
        pits.append(p)
        probs.append(q)
    pits, probs = pd.concat(pits), pd.concat(probs)
    elapsed = time.perf_counter() - t0
    print(f"# Calibration: {args.series} series per process, seed {args.seed}, "
          f"lengths {args.lengths}, selection {args.selection}, stacking prior {args.stacking_prior}, "
          f"{elapsed:.0f} s\n")
    print("Coverage pooled over horizons 1-5 (* = outside the goal 75-85% / 92-97%)\n")
    tab = coverage_table(pits, ["process", "model"]).reset_index()
    wide = tab.pivot(index="process", columns="model", values=["cov80", "cov95"])
    models = ["ensemble", "linear", "recent", "drift", "damped"]
    print("| process | " + " | ".join(models) + " |")
    print("|---|" + "---|" * len(models))
    for proc in wide.index:
        cells = []
        for m in models:
            c80, c95 = wide.loc[proc, ("cov80", m)], wide.loc[proc, ("cov95", m)]
            cells.append(f"{c80:.3f}{flag(c80, 0.8)} / {c95:.3f}{flag(c95, 0.95)}")
        print(f"| {proc} | " + " | ".join(cells) + " |")
    core = pits[pits["process"].isin(CORE) & (pits["model"] == "ensemble")]
    c = coverage_table(core.assign(all="all"), ["all"]).iloc[0]
    print(f"\nEnsemble pooled over the five core processes ({', '.join(CORE)}): "
          f"80% -> {c.cov80:.3f}, 95% -> {c.cov95:.3f} (n = {int(c.n)})")
    own = pd.concat([pits[(pits["model"] == m) & (pits["process"] == p)] for m, p in OWN.items()])
    print("\nEach model on its own process:")
    print(coverage_table(own, ["model", "process"]).round(3).to_string())
    print("\nEnsemble coverage by horizon (core processes):")
    print(coverage_table(core, ["process", "horizon"])[["cov80", "cov95"]].unstack().round(3).to_string())
    print("\nEnsemble coverage by series length (core processes):")
    bins = ([3, 5, 7], ["4-5", "6-7"]) if lengths[1] < 8 else ([7, 10, 12, 15], ["8-10", "11-12", "13-15"])
    by_length = core.assign(length=pd.cut(core["n"], bins[0], labels=bins[1]))
    print(coverage_table(by_length, ["process", "length"])[["cov80", "cov95"]].unstack().round(3).to_string())
    core_probs = probs[probs["process"].isin(CORE)]
    table, brier, clim = reliability(core_probs)
    print("\nReliability of P(Z_T <= threshold), core processes, all horizons:")
    print(table.round(3).to_string())
    print(f"Brier score {brier:.4f} (climatology {clim:.4f}, skill {1 - brier / clim:.3f}), n = {len(core_probs)}")
    per = core_probs.groupby("process").apply(
        lambda d: pd.Series({"brier": np.mean((d["p"] - d["outcome"]) ** 2),
                             "mean_p": d["p"].mean(), "freq": d["outcome"].mean()}), include_groups=False)
    print(per.round(4).to_string())
    if args.bound:
        print("\nLine + iid noise vs random walk with drift: best balanced accuracy of the most powerful")
        print("invariant test (Neyman-Pearson on the maximal invariant), by series length:")
        print(discrimination_bound().round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
