"""What the two editions cost: the batch in one edition and in both, against the single English edition
before the editions existed, measured in one run (these machines are noisy: only ratios are compared).

Runs, back to back, with the same units, workers and extras:

- ``baseline``: the batch at ``--baseline`` (default ``eabf74e``, the last commit before the editions),
  checked out into a temporary git worktree and imported from there (``PYTHONPATH``, which the kernels
  inherit), so it runs the old code on its own data and params;
- ``zh`` and ``en``: this checkout with ``--lang zh`` and ``--lang en``; "both editions" is their sum (two
  runs into two folders, as docs/editions.md says).

Usage: ``python benchmarks/bench_editions.py [--units ...] [--workers N] [--baseline REV] [--json FILE]``.
Everything is written into a temporary folder, never into outputs/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_run(project: Path, out: Path, units: list[str] | None, workers: int, extra: list[str]) -> float:
    """Wall time of ``python -m toolkit run`` from ``project``'s own code (checked: the kernels import it too)."""
    env = {**os.environ, "PYTHONPATH": str(project), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    probe = subprocess.run([sys.executable, "-c", "import toolkit; print(toolkit.__file__)"], cwd=project, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not probe.startswith(str(project)):
        raise SystemExit(f"{project}: toolkit would be imported from {probe}")
    command = [sys.executable, "-m", "toolkit", "run", "--out", str(out), "--workers", str(workers), *extra]
    if units:
        command += ["--units", *units]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", nargs="+", default=None, help="default: all 32")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", default="eabf74e")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-editions-") as tmp:
        tmp_dir = Path(tmp)
        base = tmp_dir / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.baseline], cwd=ROOT, check=True)
        try:
            times = {
                "baseline (English only, before)": timed_run(base, tmp_dir / "out-base", args.units, args.workers, []),
                "zh edition": timed_run(ROOT, tmp_dir / "out-zh", args.units, args.workers, ["--lang", "zh"]),
                "en edition": timed_run(ROOT, tmp_dir / "out-en", args.units, args.workers, ["--lang", "en"]),
            }
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
    times["both editions (zh + en)"] = times["zh edition"] + times["en edition"]
    reference = times["baseline (English only, before)"]
    units = len(args.units) if args.units else 32
    print(f"{units} units, {args.workers} workers, overview and method evaluation included")
    print(f"{'run':34s} {'seconds':>8s} {'x baseline':>10s}")
    for name, seconds in times.items():
        print(f"{name:34s} {seconds:8.1f} {seconds / reference:10.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"units": units, "workers": args.workers, "seconds": times}, indent=2))


if __name__ == "__main__":
    main()
