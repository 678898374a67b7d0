"""How far the batch is from its floor: kernel start-up plus library imports, through the same pool.

Kernel start-up and imports dominate a notebook's cost, so the batch is judged against a floor: the same
number of notebooks, the same workers and the same pipeline (``toolkit.batch.run.run_batch``: validation, the
process pool, papermill, HTML rendering, index), with notebooks that only import the libraries the report
imports. The floor and the empty run start a fresh kernel per notebook (what importing costs a batch that does
not keep kernels warm); the full batch runs as ``run`` does, on warm kernels (``--kernels fresh`` to measure the
old way; ``--both`` for both). Goal (issue 15): full batch <= 0.8 x floor. A third run with empty notebooks
estimates kernel start-up, so:

    kernel start         ~ empty
    imports              ~ floor - empty
    analysis + rendering ~ full on fresh kernels - floor

Usage: ``python benchmarks/bench_batch.py [--units national beijing ...] [--workers N] [--repeat N] [--json FILE]``.
Everything is written into a temporary folder (``--keep`` to look at it), never into outputs/.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from toolkit.batch.kernels import warm_imports
from toolkit.batch.plan import TEMPLATE
from toolkit.batch.run import run_batch

GOAL = 0.8


def _parameters_cell(template: Path):
    nb = nbformat.read(template, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            return nbformat.v4.new_code_cell(cell.source, metadata={"tags": ["parameters"]})
    raise SystemExit(f"{template} has no cell tagged 'parameters'")


def write_floor_notebooks(template: Path, folder: Path) -> tuple[Path, Path]:
    """``floor.ipynb`` (parameters + imports only) and ``empty.ipynb`` (parameters only)."""
    imports = list(warm_imports(template))  # the libraries, then the template's own toolkit imports
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    paths = []
    for name, cells in (("floor", [new_code_cell("\n".join(imports))]), ("empty", [])):
        nb = new_notebook(cells=[_parameters_cell(template), *cells])
        nb.metadata["kernelspec"] = kernelspec
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths[0], paths[1]


def _timed(label: str, **kwargs) -> tuple[float, int]:
    print(f"\n== {label}", flush=True)
    t0 = time.perf_counter()
    code = run_batch(**kwargs)
    seconds = time.perf_counter() - t0
    print(f"== {label}: {seconds:.1f} s (exit code {code})", flush=True)
    return seconds, code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", nargs="+", default=None, help="unit ids (default: all 32)")
    parser.add_argument("--workers", type=int, default=None, help="parallel kernels (default: CPU count)")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="the report notebook to measure")
    parser.add_argument("--json", type=Path, default=None, help="also write the timings to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary output folders")
    parser.add_argument("--kernels", choices=("warm", "fresh"), default="warm", help="kernels of the full batch")
    parser.add_argument("--both", action="store_true", help="also time the full batch on fresh kernels")
    parser.add_argument("--repeat", type=int, default=1, help="floor and full batch, alternately, this many times")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    floor_nb, empty_nb = write_floor_notebooks(args.template, tmp)
    common = {"units": args.units, "workers": args.workers, "extras": {}, "progress": True}
    # Cheapest first: the empty run also warms the disk cache for the others.
    empty, _ = _timed("empty notebooks (kernel start-up)", template=empty_nb, out=tmp / "empty", kernels="fresh",
                      **common)
    # Floor and full batch alternate, ``--repeat`` times: a slow minute of the machine then hits both, and the
    # ratio of the medians is what is reported (each pair's ratio is printed too).
    floors, fulls, codes = [], [], []
    for round_ in range(1, args.repeat + 1):
        suffix = f" ({round_}/{args.repeat})" if args.repeat > 1 else ""
        seconds, _ = _timed(f"floor (imports only){suffix}", template=floor_nb, out=tmp / f"floor{round_}",
                            kernels="fresh", **common)
        floors.append(seconds)
        seconds, code = _timed(f"full batch ({args.kernels} kernels){suffix}", template=args.template,
                               out=tmp / f"full{round_}", kernels=args.kernels, **common)
        fulls.append(seconds)
        codes.append(code)
    floor, full, code = statistics.median(floors), statistics.median(fulls), max(codes)
    fresh = None
    if args.both and args.kernels == "warm":
        fresh, _ = _timed("full batch (fresh kernels)", template=args.template, out=tmp / "fresh", kernels="fresh",
                          **common)

    fresh_run = full if args.kernels == "fresh" else fresh
    n = len(json.loads((tmp / "full1" / "run.json").read_text(encoding="utf-8"))["units"])
    ratio = full / floor if floor else float("nan")
    result = {"units": n, "workers": args.workers, "kernels": args.kernels, "full_s": round(full, 2),
              "full_fresh_s": None if fresh is None else round(fresh, 2), "floor_s": round(floor, 2),
              "empty_s": round(empty, 2), "ratio": round(ratio, 3), "goal": GOAL,
              # Where a fresh-kernel batch spends its time (the subtraction means nothing for warm kernels, which
              # pay start-up and imports once per worker): measured only when a fresh-kernel run was made.
              "breakdown_s": None if fresh_run is None else {
                  "kernel_start": round(empty, 2), "imports": round(floor - empty, 2),
                  "analysis_and_rendering": round(fresh_run - floor, 2)},
              "repeat": args.repeat, "floor_runs_s": [round(x, 2) for x in floors],
              "full_runs_s": [round(x, 2) for x in fulls], "full_exit_code": code}
    print(f"\n{n} notebooks, workers={args.workers or 'CPU count'}")
    print(f"full batch   {full:7.1f} s   ({args.kernels} kernels)")
    if fresh is not None:
        print(f"fresh        {fresh:7.1f} s   (full batch on fresh kernels: {fresh / floor:.2f} x floor)")
    print(f"floor        {floor:7.1f} s   (same notebooks and pool, imports only)")
    if args.repeat > 1:
        print("(medians of " + ", ".join(f"{f:.1f}/{b:.1f} s = {f / b:.2f}" for f, b in zip(fulls, floors))
              + " full/floor)")
    print(f"ratio        {ratio:7.2f} x   (goal <= {GOAL} x: {'met' if ratio <= GOAL else 'NOT met'})")
    if fresh_run is not None:
        print("breakdown of the fresh-kernel batch (wall time):")
        for name, seconds in result["breakdown_s"].items():
            print(f"  {name:<24}{seconds:7.1f} s  {seconds / fresh_run:6.0%}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.keep:
        print(f"outputs kept in {tmp}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
