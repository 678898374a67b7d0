"""What the calibration sentence costs a unit report, measured in one process against the rest of the report.

    python benchmarks/bench_calibration.py

Times, for the national and the Beijing report: the report's own work (prepare, the tables, the charts;
the calibration note excluded), the calibration record computed from the hindcast (what every kernel
would pay without a cache), and the record read from the run folder's cache file (what the kernels of a
batch pay after the first). Prints the ratios against the report's own work.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from toolkit.evaluation import calibration
from toolkit.reports.unit_report import context as report
from toolkit.reports.unit_report import figures, fragments


def timed(func, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def report_work(unit_id: str, out: Path) -> None:
    context = report.prepare(unit_id, output_dir=str(out / unit_id))
    for fragment in (fragments.title, fragments.provenance, fragments.target_sources, fragments.midterm_view,
                     fragments.rates_table, fragments.quality_notes):
        fragment(context)
    import matplotlib.pyplot as plt

    for assessment in figures.charted(context.assessments, context.params.min_points)[:12]:
        fig, ax = plt.subplots()
        figures.indicator_chart(ax, assessment, name=assessment.row["indicator_id"], unit=assessment.row["unit"],
                                as_of=context.as_of)
        plt.close(fig)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        report_work("national", out)  # warm the caches the report itself keeps
        own = {u: timed(lambda u=u: report_work(u, out)) for u in ("national", "beijing")}

        def cold() -> None:
            calibration._computed.cache_clear()
            calibration._computed()

        computed = timed(cold)
        calibration.calibration_record(out)  # writes the cache file
        cached = timed(lambda: calibration.calibration_record(out), repeat=20)
    for unit_id, seconds in own.items():
        print(f"{unit_id}: report work {seconds:.3f} s; computed record {computed:.3f} s "
              f"({computed / seconds:.2f}x); cached record {cached * 1000:.1f} ms ({cached / seconds:.4f}x)")


if __name__ == "__main__":
    main()
