"""Cold import cost of the modules each process of a run loads, and how many toolkit modules come with them.

Usage: ``python benchmarks/bench_imports.py [--repeat N] [--other CHECKOUT]``. Each import runs in a fresh
interpreter (``python -X importtime`` is not used: wall time of the whole import is what a worker pays).
With ``--other`` (e.g. a ``git worktree`` of an older commit) the same measurement runs there too, in the
same session, and the table shows the ratio: machines here are noisy, so only same-run ratios count.

The modules: the index and results writer the parent loads after the units, the notebook worker's
executor, the unit report's page API (what every kernel imports), and the CLI entry point.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: label -> (module in this layout, module in the flat layout before the layering)
MODULES = {
    "index and combined results": ("toolkit.batch.outputs", "toolkit.render"),
    "worker executor": ("toolkit.batch.execute", "toolkit.execute"),
    "unit report page API": ("toolkit.reports.unit_report", "toolkit.report, toolkit.tables, toolkit.plots"),
    "CLI": ("toolkit.cli", "toolkit.cli"),
}
PROBE = ("import sys, time, json; t = time.perf_counter(); import {module}; "
         "print(json.dumps([time.perf_counter() - t, sum(m.startswith('toolkit') for m in sys.modules)]))")


def measure(checkout: Path, module: str, repeat: int) -> tuple[float, int]:
    """Median wall seconds of ``import module`` in a fresh interpreter started in ``checkout``; toolkit modules loaded."""
    times, count = [], 0
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=checkout, check=True,
                             capture_output=True, text=True, env={"PYTHONPATH": str(checkout), "MPLBACKEND": "Agg"})
        seconds, count = json.loads(out.stdout.strip().splitlines()[-1])
        times.append(seconds)
    return statistics.median(times), count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--other", type=Path, help="another checkout (the flat layout) to measure in the same run")
    args = parser.parse_args(argv)
    print("| process loads | this checkout | toolkit modules |" + (" other checkout | modules | ratio |" if args.other
                                                                   else ""))
    print("|---|---|---|" + ("---|---|---|" if args.other else ""))
    for label, (new, old) in MODULES.items():
        seconds, count = measure(ROOT, new, args.repeat)
        row = f"| {label} (`{new}`) | {seconds:.2f} s | {count} |"
        if args.other:
            other_seconds, other_count = measure(args.other, old, args.repeat)
            row += f" {other_seconds:.2f} s (`{old}`) | {other_count} | {seconds / other_seconds:.2f} |"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
