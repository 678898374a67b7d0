"""Regenerate the hindcast tables of docs/methods.md ("Hindcasts on the real national series").

    .venv/bin/python benchmarks/hindcast.py [--out outputs/hindcast]

From every origin 2012-2019, the national series up to the origin are fitted by each trend model and the
ensemble (production settings, params/defaults.yaml) and by the published rules' extrapolations; every later
observed year up to 2020 is forecast, and the 2020 target outcome is called. Prints the summary tables as
Markdown and writes them, with the raw per-forecast and per-call rows, to ``--out`` as CSV.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from toolkit.core import io
from toolkit.core.i18n import language
from toolkit.core.paths import OUTPUTS_DIR
from toolkit.evaluation import hindcast
from toolkit.reports.method_evaluation import fragments as hindcast_report

TITLES = {
    "design": "What was hindcast",
    "mape_by_horizon": "MAPE (%) by model and horizon (years after the origin)",
    "mape_by_indicator": "MAPE (%) by indicator and model (all horizons)",
    "coverage": "Prediction-interval coverage (nominal 0.80 / 0.95)",
    "calls": "2020 target calls per origin",
    "call_accuracy": "2020 target calls: accuracy and Brier score",
    "call_accuracy_open": "2020 target calls still open at the origin (latest value not yet meeting the target)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUTPUTS_DIR / "hindcast"), help="folder for the CSV tables")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    errors, calls = hindcast.run_hindcast(*hindcast.load_national())
    elapsed = time.perf_counter() - started
    tables = hindcast_report.display_tables(errors, calls, output_dir=args.out)
    out = Path(args.out)
    io.write_csv(out / "forecasts_detail.csv", errors)  # one row per indicator x origin x year x method
    io.write_csv(out / "calls_detail.csv", calls)  # one row per indicator x origin
    for name, frame in tables.items():
        print(f"### {TITLES.get(name, name)}\n")
        print(hindcast_report.markdown_table(frame) if len(frame) else "(none)")
        print()
    print("### Reading\n")
    with language("en"):  # docs/methods.md quotes the English reading
        reading = hindcast_report.reading(errors, calls)
    print("\n".join(f"- {line}" for line in reading.splitlines()))
    print(f"\n```\n{hindcast_report.key_numbers(errors, calls)}\n```")
    print(f"\nhindcast computed in {elapsed:.2f} s; tables written to {out}/ "
          f"({', '.join(sorted([*tables, 'forecasts_detail', 'calls_detail']))}.csv)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
