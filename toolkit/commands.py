"""The sub-commands of ``python -m toolkit``: each loads, computes and writes through the package's layers.

:mod:`toolkit.cli` parses the arguments and calls one function here; the functions print what they wrote
and raise :class:`~toolkit.core.errors.ToolkitError` for anything the user can fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from toolkit.batch.golden import GOLDEN_CYCLES, write_golden
from toolkit.batch.run import run_batch
from toolkit.contracts.cycles import CYCLES
from toolkit.contracts.observations import FIRST_YEAR, LAST_YEAR
from toolkit.core import io
from toolkit.core.errors import ToolkitError
from toolkit.core.i18n import LANGUAGES
from toolkit.core.messages import problems as catalogue_problems
from toolkit.core.messages import update as update_catalogues
from toolkit.core.paths import DEMO_COUNTIES_CSV, expand_globs, user_path
from toolkit.demo.county_panel import write_county_panel
from toolkit.demo.panel import write_demo_data
from toolkit.engine.assess import assess_many
from toolkit.engine.settings import AssessSettings
from toolkit.inputs.catalog import load_targets, target_set_file
from toolkit.inputs.monitoring import monitoring_to_long
from toolkit.inputs.observations import load_observations, validation_report
from toolkit.inputs.params import load_defaults
from toolkit.inputs.units import PROVINCE_LEVELS, resolve_unit
from toolkit.inputs.wide import import_wide, import_workbook, write_observations


def validate(files: Sequence[str], *, sheet: str | None = None, prefer: str | None = None) -> int:
    """``validate``: one line per valid file; a DataValidationError lists every problem of the others."""
    for line in validation_report(user_files(files, "file"), sheet=sheet, prefer=_preferred(prefer)):
        print(line)
    return 0


def import_table(file: str, *, indicator: str | None, sheet: str | None, out: str, source: str | None = None,
                 year: int | None = None, all_sheets: bool = False, unit: str | None = None,
                 targets_out: str | None = None, ignore_rows: tuple[str, ...] = ()) -> int:
    """``import-wide``: a yearbook-style table (provinces x years, or one unit's indicators x years) -> a long
    observation file (and, for a monitoring table, its targets)."""
    io.check_output(out, inputs=[file])
    notices: list[str] = []
    if unit is not None:
        frame, targets = monitoring_to_long(file, unit_id=unit, sheet=sheet, notices=notices)
        frame = write_observations(frame, file, out, source)
        if targets_out:
            io.check_output(targets_out, inputs=[file, out])
            io.write_csv(targets_out, pd.DataFrame(targets))
            print(f"wrote {len(targets)} target(s) to {targets_out} (use it as local_targets in the unit's params)")
    elif targets_out:
        raise ToolkitError("--targets-out reads a monitoring table's 目标值 column. Fix: give --unit as well.")
    elif all_sheets:
        if sheet is not None:
            raise ToolkitError("--all-sheets and --sheet exclude each other. Fix: give one of them.")
        frame = import_workbook(file, out=out, indicator_id=indicator, source=source, notices=notices)
    elif indicator is None:
        raise ToolkitError("import-wide needs --indicator (or --all-sheets for a workbook whose sheets are named "
                           "after their indicators). Fix: add --indicator imr (an id or a name such as 婴儿死亡率).")
    else:
        frame = import_wide(file, indicator_id=indicator, sheet=sheet, out=out, year=year, notices=notices,
                            source=source, ignore_rows=ignore_rows)
    for notice in notices:
        print(f"note: {notice}")
    print(f"wrote {len(frame)} observation(s) of {', '.join(frame['indicator_id'].unique())} for "
          f"{frame['unit_id'].nunique()} unit(s) to {out}")
    return 0


def assess_to_file(*, data: Sequence[str | Path], targets: str, as_of: int, units: Sequence[str] | None,
                   out: str | Path, sheet: str | None = None, prefer: str | None = None) -> pd.DataFrame:
    """The ``python -m toolkit assess`` command: load, assess, write CSV (or XLSX when ``out`` ends in .xlsx)."""
    if not FIRST_YEAR <= as_of <= LAST_YEAR:
        raise ToolkitError(f"--as-of {as_of} is not a plausible year. "
                           f"Fix: give a year between {FIRST_YEAR} and {LAST_YEAR}.")
    data = user_files(data, "--data file")
    io.check_output(out, inputs=[*data, target_set_file(targets)])
    observations = load_observations(data, sheet=sheet, prefer=_preferred(prefer))
    target_table = load_targets(targets)
    unit_ids = [resolve_unit(u, prefer=PROVINCE_LEVELS) for u in units] if units else None
    frame = assess_many(observations, target_table, as_of=as_of, units=unit_ids,
                        settings=AssessSettings.from_params(load_defaults()))
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        io.write_xlsx(out, frame)
    else:
        io.write_csv(out, frame)
    print(f"wrote {out} ({len(frame)} rows, {frame['unit_id'].nunique()} unit(s))")
    return frame


def user_files(patterns: Sequence[str | Path], what: str) -> list[Path]:
    """Command-line file arguments with globs expanded; a pattern that matches nothing is an error."""
    files, unmatched = expand_globs(patterns, user_path)
    if unmatched:
        raise ToolkitError(f"no {what} matches {', '.join(unmatched)}. Fix: check the pattern (quote it, e.g. "
                           "'data/*.csv', so that the shell does not expand it first).")
    return files


def _preferred(prefer: str | None) -> Path | None:
    return None if prefer is None else user_path(prefer)


def demo_data(seed: int, level: str = "province", within: str | None = None, out: str | None = None) -> int:
    """``demo-data``: regenerate the seeded synthetic province panel, or (``--level county``) the county panel
    (git-ignored, generated: 160 MB for every county)."""
    if level == "county":
        print(f"wrote {write_county_panel(out or DEMO_COUNTIES_CSV, seed=seed, within=within)}")
    elif within or out:
        raise ToolkitError("--within and --out go with --level county. Fix: add --level county, or leave them out.")
    else:
        print(f"wrote {write_demo_data(seed=seed)}")
    return 0


def messages(check: bool) -> int:
    """``messages``: bring the catalogues under toolkit/locale/ up to date with the code's strings, or
    (``--check``) list what is missing, empty or unused and fail."""
    if check:
        found = [p for language in LANGUAGES for p in catalogue_problems(language)]
        for line in found:
            print(line)
        print(f"{len(found)} problem(s) in the message catalogues" if found else "catalogues complete")
        return 1 if found else 0
    for language, empty in update_catalogues().items():
        print(f"{language}: {empty} entr{'y' if empty == 1 else 'ies'} to translate")
    return 0


def run(**options) -> int:
    """``run``: the batch (see :func:`toolkit.batch.run.run_batch`); 0 when every unit succeeded."""
    return run_batch(**options)


def golden(units: Sequence[str] | None, cycles: Sequence[str] | None = None) -> int:
    """``golden``: regenerate the golden notebooks under tests/golden/ (``default`` names the params' cycle)."""
    chosen = GOLDEN_CYCLES if not cycles else tuple("" if c == "default" else c for c in cycles)
    unknown = [c for c in chosen if c and c not in CYCLES]
    if unknown:
        raise ToolkitError(f"--cycles {unknown[0]} is not a cycle. Fix: give default or one of {', '.join(CYCLES)}.")
    for path in write_golden(units=units, cycles=chosen):
        print(f"wrote {path}")
    return 0
