"""``python -m toolkit ...``: a thin argparse front over the package.

Each sub-command parses its arguments and calls one function of :mod:`toolkit.commands`.
A :class:`ToolkitError` is printed as a clear message (no traceback) and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from toolkit import commands
from toolkit.core.errors import ToolkitError


def _cmd_validate(args: argparse.Namespace) -> int:
    return commands.validate(args.files, sheet=args.sheet, prefer=args.prefer)


def _cmd_import_wide(args: argparse.Namespace) -> int:
    return commands.import_table(args.file, indicator=args.indicator, sheet=args.sheet, out=args.out,
                                 source=args.source, year=args.year, all_sheets=args.all_sheets, unit=args.unit,
                                 targets_out=args.targets_out, ignore_rows=tuple(args.ignore_rows or ()))


def _cmd_assess(args: argparse.Namespace) -> int:
    commands.assess_to_file(data=args.data, targets=args.targets, as_of=args.as_of, units=args.units, out=args.out,
                            sheet=args.sheet, prefer=args.prefer)
    return 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    return commands.demo_data(args.seed, level=args.level, within=args.within, out=args.out)


def _cmd_run(args: argparse.Namespace) -> int:
    return commands.run(units=args.units, workers=args.workers, data=args.data, as_of=args.as_of,
                        targets=args.targets, out=args.out, params_dir=args.params_dir,
                        extras={} if args.no_extras else None, timeout=args.timeout, cycle=args.cycle,
                        sheet=args.sheet, prefer=args.prefer, language=args.lang, pdf=args.pdf,
                        kernels=args.kernels, scheduler=args.scheduler, level=args.level, within=args.within)


def _cmd_messages(args: argparse.Namespace) -> int:
    return commands.messages(args.check)


def _cmd_golden(args: argparse.Namespace) -> int:
    return commands.golden(args.units, args.cycles)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit",
        description="Outline monitoring toolkit: validate data, assess targets, run the province reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check observation files (CSV/XLSX) against the data contract")
    p.add_argument("files", nargs="+", help="observation files (globs such as 'data/*.csv' are expanded)")
    p.add_argument("--sheet", default=None, help="the worksheet of XLSX files (default: the first)")
    p.add_argument("--prefer", default=None, metavar="FILE",
                   help="where two files give one unit, indicator and year different values, this file's win")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("import-wide", help="convert a yearbook-style table (provinces x years) to long observations")
    p.add_argument("file")
    p.add_argument("--indicator", default=None,
                   help="indicator_id, or its Chinese or English name (required except with --all-sheets)")
    p.add_argument("--sheet", default=None, help="sheet name for XLSX files")
    p.add_argument("--year", type=int, default=None,
                   help="the year of a table with indicators as columns (default: from the sheet name)")
    p.add_argument("--all-sheets", action="store_true",
                   help="import every sheet that holds an indicator (named by the sheet, or --indicator)")
    p.add_argument("--unit", default=None,
                   help="one unit's monitoring table (indicators down the side, years across, or the reverse)")
    p.add_argument("--ignore-rows", nargs="+", default=None, metavar="LABEL",
                   help="row labels to skip besides totals and regions (e.g. 其中：城市)")
    p.add_argument("--targets-out", default=None,
                   help="with --unit: write the table's 目标值 column as a local target file (for local_targets)")
    p.add_argument("--out", required=True, help="output CSV in the observation format")
    p.add_argument("--source", default=None,
                   help="the publication, written into every row (e.g. '广东统计年鉴2023, 表5-12'); default: the file name")
    p.set_defaults(func=_cmd_import_wide)

    p = sub.add_parser("assess", help="assess every unit x indicator x target; write results.csv (or .xlsx)")
    p.add_argument("--data", action="extend", nargs="+", required=True,
                   help="observation files (several after one --data, repeatable, globs expanded)")
    p.add_argument("--sheet", default=None, help="the worksheet of XLSX files (default: the first)")
    p.add_argument("--prefer", default=None, metavar="FILE",
                   help="where two files give one unit, indicator and year different values, this file's win")
    p.add_argument("--targets", required=True, help="target set name in data/targets/ or a CSV path")
    p.add_argument("--as-of", type=int, required=True, help="ignore observations after this year")
    p.add_argument("--units", nargs="+", default=None, help="unit ids or names (default: all in the data)")
    p.add_argument("--out", required=True, help="results .csv or .xlsx")
    p.set_defaults(func=_cmd_assess)

    p = sub.add_parser("demo-data", help="generate the seeded synthetic province panel in data/demo/")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--level", choices=("province", "county"), default="province",
                   help="province (data/demo/provinces.csv, committed) or county: every prefecture and county-level "
                        "unit, around its province (data/demo/counties.csv, generated, git-ignored)")
    p.add_argument("--within", default=None, help="with --level county: only the units inside this province")
    p.add_argument("--out", default=None, help="with --level county: write here instead")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("run", help="run the province report for every unit with Papermill and render HTML")
    p.add_argument("--units", nargs="+", default=None, help="unit ids, names or codes (default: all 32; see --level)")
    p.add_argument("--workers", type=int, default=None, help="parallel kernels (default: CPU count)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="fail a notebook whose cell runs longer than this (default: no limit); the others go on")
    p.add_argument("--data", action="extend", nargs="+", default=None,
                   help="observation files for every unit (several after one --data, globs expanded)")
    p.add_argument("--sheet", default=None, help="the worksheet of XLSX --data files (default: the first)")
    p.add_argument("--prefer", default=None, metavar="FILE",
                   help="where two files give one unit, indicator and year different values, this file's win")
    p.add_argument("--lang", default=None, metavar="LANG",
                   help="the edition of every page: zh (Chinese, the default in params/defaults.yaml) or en (English)")
    p.add_argument("--cycle", default=None, metavar="CYCLE",
                   help="the Outline cycle to assess: 2021-2030 (default, the live Outline) or 2011-2020 "
                        "(its final evaluation, as of 2020)")
    p.add_argument("--as-of", type=int, default=None,
                   help="ignore observations after this year (default: the latest year with national data)")
    p.add_argument("--targets", default=None, help="target set name or CSV path (replaces the cycle's and any local set)")
    p.add_argument("--out", default=None, help="output folder (default: outputs/)")
    p.add_argument("--params-dir", default=None,
                   help="folder of <unit_id>.yaml files that replace params/ for those units")
    p.add_argument("--no-extras", action="store_true", help="skip the overview and method-evaluation notebooks")
    p.add_argument("--pdf", action="store_true",
                   help="also print every page to pdf/<name>.pdf (A4; needs playwright, pip install -e '.[pdf]', "
                        "and Chromium)")
    p.add_argument("--level", choices=("province", "prefecture", "county"), default=None,
                   help="run every unit of this level (default without --units: the nation and the 31 provinces)")
    p.add_argument("--within", default=None, metavar="UNIT",
                   help="only the units inside this province or prefecture (e.g. --level county --within sichuan)")
    p.add_argument("--kernels", choices=("warm", "fresh"), default="warm",
                   help="warm (default): each worker runs its units on one kernel that imported the libraries once, "
                        "reset between units; fresh: a new kernel per notebook")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the unit notebooks on a Dask cluster (tcp://host:8786; 'local' starts one on this "
                        "machine); see docs/scale.md")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("messages", help="update the message catalogues (toolkit/locale/) from the code's strings")
    p.add_argument("--check", action="store_true", help="only list missing, empty or unused entries; fail if any")
    p.set_defaults(func=_cmd_messages)

    p = sub.add_parser("golden", help="regenerate the golden notebooks under tests/golden/ (same code path as run)")
    p.add_argument("--units", nargs="+", default=None, help="unit ids (default: the three golden units)")
    p.add_argument("--cycles", nargs="+", default=None, metavar="CYCLE",
                   help="cycles to regenerate, 'default' for the params' cycle (default: default 2011-2020)")
    p.set_defaults(func=_cmd_golden)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ToolkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
