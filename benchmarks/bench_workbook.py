"""What publishing the combined results costs at county scale: ``results.xlsx`` against ``results.csv`` of the
same rows, wall time and peak memory.

A real run of ``--seed-units`` county units (the seeded synthetic county panel) gives real per-unit
``results.csv`` files; they are copied to the first ``--units`` county-level units of the unit table (the
``unit_id`` column rewritten), so the combined table has the full county run's shape (2,846 units, about
82,500 rows) without running 2,846 notebooks. Then, each in a fresh process (so peak memory is its own):

- ``csv``: read and combine the unit files and write ``results.csv`` (the baseline);
- ``csv+xlsx``: :func:`toolkit.batch.outputs.write_results`, what a run does (the same, then the workbook).

Usage: ``python benchmarks/bench_workbook.py [--units 2846] [--seed-units 2] [--json FILE]``. Temporary files
only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toolkit.batch.run import run_batch
from toolkit.contracts.run_folder import RunFolder
from toolkit.demo.county_panel import write_county_panel
from toolkit.inputs.units import load_units

STEP = """
import json, resource, sys, time
from toolkit.batch.outputs import combine_results, write_results
from toolkit.core import io
out, units, step = sys.argv[1], json.loads(open(sys.argv[2]).read()), sys.argv[3]
t0 = time.perf_counter()
if step == "csv":
    combined = combine_results(out, units)
    io.write_csv(out + "/results.csv", combined)
    rows = len(combined)
else:
    rows = len(write_results(out, units))
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _step(out: Path, units_file: Path, step: str) -> dict:
    done = subprocess.run([sys.executable, "-c", STEP, str(out), str(units_file), step], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def county_run_folder(tmp: Path, n_units: int, n_seeds: int) -> tuple[Path, list[str]]:
    """A run folder in ``tmp`` with the results of the first ``n_units`` county-level units: ``n_seeds`` really
    run, their results.csv copied to the others. Returns the folder and the unit ids."""
    table = load_units()
    counties = [str(u) for u in table.index if table.loc[u, "level"] == "county"][:n_units]
    out, seeds = tmp / "run", counties[:n_seeds]
    panel = write_county_panel(tmp / "panel.csv", within="beijing")
    run_batch(seeds, workers=2, out=out, extras={}, progress=False, data=[str(panel)])
    folder = RunFolder(out)
    for position, unit_id in enumerate(counties):
        if unit_id in seeds:
            continue
        seed = seeds[position % len(seeds)]
        target = folder.unit_results(unit_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = folder.unit_results(seed).read_text(encoding="utf-8")
        target.write_text(text.replace(f"\n{seed},", f"\n{unit_id},"), encoding="utf-8")
    return out, counties


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2846)
    parser.add_argument("--seed-units", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-workbook-"))
    out, counties = county_run_folder(tmp, args.units, args.seed_units)
    units_file = tmp / "units.json"
    units_file.write_text(json.dumps(counties), encoding="utf-8")

    rows = {}
    for step in ("csv", "csv+xlsx"):
        t0 = time.perf_counter()
        rows[step] = _step(out, units_file, step)
        print(f"{step:<9} {rows[step]['seconds']:7.1f} s  peak {rows[step]['peak_rss_mb']:7.0f} MB  "
              f"({rows[step]['rows']} rows; process {time.perf_counter() - t0:.1f} s)", flush=True)
    csv, both = rows["csv"], rows["csv+xlsx"]
    result = {"units": len(counties), "rows": both["rows"], "csv": csv, "csv_xlsx": both,
              "xlsx_s": round(both["seconds"] - csv["seconds"], 2),
              "ratio_to_csv": round(both["seconds"] / csv["seconds"], 2),
              "xlsx_mb": round((out / "results.xlsx").stat().st_size / 2**20, 1)}
    print(f"workbook: {result['xlsx_s']} s more than the csv alone ({result['ratio_to_csv']} x the csv step), "
          f"{result['xlsx_mb']} MB file")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
