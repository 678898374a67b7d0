"""How the batch grows with the number of units: wall time, peak memory and cost per unit, on the local pool and
on a local Dask cluster, against the import-only floor measured in the same run.

The units are county-level units with the seeded synthetic county panel (``demo-data --level county``, written
to a temporary file for the provinces the units come from). The floor is what importing alone costs a batch
that starts a fresh kernel per notebook: ``floor_per_unit`` is measured on ``--floor-units`` units with the
import-only notebook of ``bench_batch.py`` and scaled to each size. Peak memory is the largest resident set of
the whole process tree (batch, workers, kernels), sampled every 0.5 s.

Usage: ``python benchmarks/bench_scale.py [--sizes 32 100 300 1000] [--full] [--executors pool dask]
[--workers 2] [--json FILE]``. ``--full`` adds every county-level unit (2,846); ``--sizes --full`` runs only that.
Each row also gives ``first_n_s``: when the first 32, 100, 300, 1,000, 2,000 units of that run had finished.
Outputs go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_batch import write_floor_notebooks

from toolkit.batch.plan import TEMPLATE
from toolkit.batch.run import run_batch
from toolkit.contracts.run_folder import SUMMARY_FILE
from toolkit.demo.county_panel import write_county_panel
from toolkit.inputs.units import load_units


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process below it (from /proc)."""
    parent_of, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parent_of[int(entry.name)] = int(stat[1])
                rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                continue
    total, frontier = rss.get(root, 0), {root}
    while frontier:
        frontier = {pid for pid, parent in parent_of.items() if parent in frontier}
        total += sum(rss.get(pid, 0) for pid in frontier)
    return total


class PeakMemory:
    def __enter__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._stop.wait(0.5)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class Milestones:
    """When the batch in ``out`` had finished 32, 100, 300, 1,000 ... units (each unit's ``summary.json``,
    polled every second): the cost per unit of the first N units of one long run, so growth is read within
    one run and not across runs on a noisy machine."""

    MARKS = (32, 100, 300, 1000, 2000)

    def __init__(self, out: Path):
        self.out, self.reached = out, {}

    def __enter__(self):
        self._t0, self._stop = time.perf_counter(), threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(1.0):
            done = sum(1 for _ in self.out.glob(f"units/*/{SUMMARY_FILE}"))
            for mark in self.MARKS:
                if done >= mark and mark not in self.reached:
                    self.reached[mark] = round(time.perf_counter() - self._t0, 1)
                    print(f"  {mark} units done after {self.reached[mark]} s "
                          f"({self.reached[mark] / mark:.3f} s per unit)", flush=True)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def county_units(n: int | None) -> list[str]:
    """The first ``n`` county-level units in code order (whole provinces first: Beijing, Tianjin, Hebei...)."""
    units = load_units()
    counties = [str(u) for u in units.index if units.loc[u, "level"] == "county"]
    return counties if n is None else counties[:n]


def _province_of(units, unit_id: str) -> str:
    while units.loc[unit_id, "level"] not in ("province", "country"):
        unit_id = str(units.loc[unit_id, "parent"])
    return unit_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[32, 100, 300, 1000])
    parser.add_argument("--full", action="store_true", help="also every county-level unit")
    parser.add_argument("--executors", nargs="+", choices=("pool", "dask"), default=["pool", "dask"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--floor-units", type=int, default=32)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    sizes = [*args.sizes, *([None] if args.full else [])]
    largest = county_units(max((s for s in sizes if s is not None), default=0) if None not in sizes else None)
    units = load_units()
    panel = tmp / "counties.csv"
    provinces = sorted({_province_of(units, u) for u in largest})
    t0 = time.perf_counter()
    first = True
    for province in provinces:  # one file for the provinces the units come from
        part = write_county_panel(tmp / f"{province}.csv", within=province)
        text = Path(part).read_text(encoding="utf-8")
        with panel.open("a", encoding="utf-8") as handle:
            handle.write(text if first else text.split("\n", 1)[1])
        first = False
        Path(part).unlink()
    print(f"county panel for {len(provinces)} province(s): {time.perf_counter() - t0:.1f} s", flush=True)

    floor_nb, _ = write_floor_notebooks(TEMPLATE, tmp)
    floor_units = county_units(args.floor_units)
    t0 = time.perf_counter()
    run_batch(floor_units, workers=args.workers, out=tmp / "floor", template=floor_nb, extras={},
              kernels="fresh", progress=False, data=[str(panel)])
    floor_per_unit = (time.perf_counter() - t0) / len(floor_units)
    print(f"floor: {floor_per_unit:.2f} s per unit (imports in a fresh kernel, {len(floor_units)} units)", flush=True)

    rows = []
    for size in sizes:
        chosen = county_units(size)
        for executor in args.executors:
            out = tmp / f"{executor}-{len(chosen)}"
            with PeakMemory() as memory, Milestones(out) as milestones:
                t0 = time.perf_counter()
                code = run_batch(chosen, workers=args.workers, out=out, extras={}, progress=False, data=[str(panel)],
                                 scheduler="local" if executor == "dask" else None)
                seconds = time.perf_counter() - t0
            manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
            row = {"units": len(chosen), "executor": executor, "seconds": round(seconds, 1),
                   "per_unit_s": round(seconds / len(chosen), 3), "floor_s": round(floor_per_unit * len(chosen), 1),
                   "ratio_to_floor": round(seconds / (floor_per_unit * len(chosen)), 3),
                   "peak_rss_mb": round(memory.peak / 2**20), "failed": manifest["n_failed"], "exit_code": code,
                   "first_n_s": {str(n): t for n, t in milestones.reached.items() if n < len(chosen)}}
            rows.append(row)
            print(json.dumps(row), flush=True)
            shutil.rmtree(out, ignore_errors=True)

    print(f"\n{'units':>6} {'executor':>8} {'wall s':>8} {'s/unit':>7} {'floor s':>8} {'x floor':>8} {'peak MB':>8}")
    for row in rows:
        print(f"{row['units']:>6} {row['executor']:>8} {row['seconds']:>8} {row['per_unit_s']:>7} {row['floor_s']:>8} "
              f"{row['ratio_to_floor']:>8} {row['peak_rss_mb']:>8}")
    if args.json:
        args.json.write_text(json.dumps({"workers": args.workers, "floor_per_unit_s": round(floor_per_unit, 3),
                                         "rows": rows}, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
