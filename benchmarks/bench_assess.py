"""Speed and memory of the assessment engine on a large synthetic panel, with scaling from 100 to 3,000 units.

The panel repeats the seeded demonstration panel's 31 provinces (all indicators with a target, 2010-2020,
with its gaps, bounds and hard cases) under new unit ids, each copy jittered on the indicator's model
scale, so every series is different. Each size runs in a fresh subprocess (one core: BLAS threads 1) and
reports wall time, series per second and peak resident memory. The baseline, measured in the same run, is
a plain statsmodels OLS fit + get_prediction per series on the same panel: the cheapest "model" a
statistician would reach for, without back-testing, intervals on a transformed scale or any assessment.

    python benchmarks/bench_assess.py                 # 100, 300, 1000, 3000 units
    python benchmarks/bench_assess.py --sizes 100 500
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

SEED = 20240601


def make_panel(n_units: int, seed: int = SEED):
    """The demo panel repeated under new ids, jittered by N(0, 0.03) on each indicator's model scale."""
    import numpy as np
    import pandas as pd

    from toolkit.demo.panel import generate_demo_data
    from toolkit.engine.transforms import get_transform
    from toolkit.inputs.catalog import load_indicators

    base = generate_demo_data(seed)
    provinces = list(dict.fromkeys(base["unit_id"]))
    indicators = load_indicators()
    rng = np.random.default_rng(seed)
    copies = []
    for k in range(-(-n_units // len(provinces))):
        copy = base.copy()
        copy["unit_id"] = copy["unit_id"] + f"_{k:03d}"
        for indicator_id, idx in copy.groupby("indicator_id").groups.items():
            transform = get_transform(indicators.loc[indicator_id, "transform"])
            values = copy.loc[idx, "value"].to_numpy(float)
            jittered = transform.inverse(transform.forward(values) + rng.normal(0, 0.03, len(values)))
            copy.loc[idx, "value"] = np.where(copy.loc[idx, "qualifier"] == "=", jittered, values)
        copies.append(copy)
    panel = pd.concat(copies, ignore_index=True)
    keep = list(dict.fromkeys(panel["unit_id"]))[:n_units]
    return panel[panel["unit_id"].isin(keep)].reset_index(drop=True)


def run_engine(n_units: int) -> dict:
    from toolkit.engine.assess import assess_many
    from toolkit.engine.settings import AssessSettings
    from toolkit.inputs.catalog import load_targets
    from toolkit.inputs.params import load_defaults

    panel = make_panel(n_units)
    targets = load_targets("outline-2011-2020")
    settings = AssessSettings.from_params(load_defaults())
    # as_of 2018 so every target year (2020) lies ahead: every series gets a forecast, none is observed.
    start = time.perf_counter()
    results = assess_many(panel, targets, as_of=2018, settings=settings)
    seconds = time.perf_counter() - start
    fitted = int((results["model"] != "").sum())
    return {"units": n_units, "rows": len(results), "fitted": fitted, "seconds": seconds}


def run_baseline(n_units: int) -> dict:
    import numpy as np
    import statsmodels.api as sm

    panel = make_panel(n_units)
    points = panel[(panel["qualifier"] == "=") & (panel["year"] <= 2018)]
    series = [g for _, g in points.groupby(["unit_id", "indicator_id"]) if len(g) >= 4]
    start = time.perf_counter()
    for g in series:
        x = sm.add_constant(g["year"].to_numpy(float))
        res = sm.OLS(np.log(np.clip(g["value"].to_numpy(float), 1e-3, None)), x).fit()
        res.get_prediction(np.array([[1.0, 2020.0]])).summary_frame(alpha=0.2)
    seconds = time.perf_counter() - start
    return {"units": n_units, "rows": len(series), "fitted": len(series), "seconds": seconds}


def _child(kind: str, n_units: int) -> None:
    result = (run_engine if kind == "engine" else run_baseline)(n_units)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(kind: str, n_units: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(n_units)], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    baseline = measure("baseline", args.sizes[0])
    base_rate = baseline["fitted"] / baseline["seconds"]
    print(f"baseline (statsmodels OLS fit + prediction, {baseline['units']} units): "
          f"{base_rate:,.0f} series/s, peak RSS {baseline['peak_rss_mib']:.0f} MiB")
    print("| units | rows | fitted series | seconds | fitted series/s (1 core) | vs baseline | s per 100 units "
          "| peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        r = measure("engine", n)
        rate = r["fitted"] / r["seconds"]
        print(f"| {n} | {r['rows']} | {r['fitted']} | {r['seconds']:.1f} | {rate:,.0f} | {rate / base_rate:.2f}x "
              f"| {100 * r['seconds'] / n:.2f} | {r['peak_rss_mib']:.0f} |")


if __name__ == "__main__":
    main()
