"""Observations: reading CSV/XLSX files, checking them against the data contract, merging several files.

Users bring their own yearbook extracts, in UTF-8 or GBK, as CSV or XLSX, with province names in Chinese or
English. Everything is checked before a model sees it, and a bad file is reported in one go (every problem,
with line or cell, column and fix), because a user fixing one problem per run gives up. Input files are only
ever read.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from toolkit.inputs.catalog import bounds_text, default_indicators, out_of_bounds, resolve_indicator
from toolkit.core.errors import DataValidationError, Problem, UnknownIndicatorError, UnknownUnitError
from toolkit.core.paths import INDICATORS_CSV, UNITS_CSV
from toolkit.inputs.schema import (
    UNIT_SYMBOLS,
    Grid,
    Locate,
    canonical_unit,
    file_key,
    frame_from_grid,
    read_bytes,
    read_csv_grid,
    suggestion,
    text_column,
    top_to_bottom,
    validate_frame,
    year_column,
)
from toolkit.inputs.units import unit_resolver

OBS_COLUMNS = ["unit_id", "indicator_id", "year", "value", "qualifier", "unit", "source", "note"]
REQUIRED_COLUMNS = ["unit_id", "indicator_id", "year", "value", "unit", "source"]
OPTIONAL_COLUMNS = ["qualifier", "note"]
QUALIFIERS = ("=", ">", "<")
KEY = ["unit_id", "indicator_id", "year"]

OBS_SCHEMA = pa.DataFrameSchema({
    "unit_id": text_column(if_empty="give a unit id or name, e.g. beijing or 北京"),
    "indicator_id": text_column(if_empty="give an indicator_id from data/indicators.csv"),
    "year": year_column(),
    "value": pa.Column("float64", coerce=True, description="give the value, or leave the row out",
                       checks=pa.Check(np.isfinite, error="write a finite number")),
    "qualifier": text_column(pa.Check.isin(QUALIFIERS, error="use '=' (or leave it empty) for a point value, "
                                                             "'>' or '<' for a published bound such as 'above 99%'")),
    "unit": text_column(nullable=True),
    "source": text_column(if_empty="name the publication or web page the value was read from"),
    "note": text_column(nullable=True),
})

_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --------------------------------------------------------------------------------------------------- reading


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _cell_text(cell) -> str:
    """A worksheet cell as the text a user would see (percent-formatted numbers keep their % sign)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        if "%" in (getattr(cell, "number_format", "") or ""):
            return _number_text(round(float(value) * 100, 10)) + "%"
        return _number_text(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _xlsx_grid(path: Path, raw: bytes, sheet: str | None) -> Grid:
    import openpyxl  # only for workbooks: it takes a tenth of a second to import

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged files; all mean "unreadable"
        raise DataValidationError("cannot be read as an XLSX workbook", path=path, problems=[Problem(
            f"{type(exc).__name__}: {exc}", fix="open it in Excel and save it again as .xlsx, or export CSV UTF-8")]
        ) from None
    try:
        sheets = {ws.title: ws for ws in book.worksheets}  # chart sheets have no cells
        if not sheets or (sheet is not None and sheet not in sheets):
            raise DataValidationError(f"has no sheet '{sheet}'" if sheets else "has no worksheet", path=path,
                                      problems=[Problem(f"the workbook's sheets are: {', '.join(sheets)}"
                                                        f"{suggestion(sheet or '', sheets)}",
                                                        fix="give one of these names as the sheet (--sheet NAME)")])
        ws = sheets[sheet] if sheet is not None else next(iter(sheets.values()))
        ws.reset_dimensions()  # some writers store a wrong size; read what is there
        rows, lines = [], []
        for number, row in enumerate(ws.iter_rows(min_row=1), start=1):
            cells = [_cell_text(c) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append(cells)
                lines.append(number)
        return Grid(path=path, rows=rows, lines=lines, sheet=ws.title)
    finally:
        book.close()


def read_grid(path: str | Path, *, sheet: str | None = None) -> Grid:
    """The cells of a CSV file (UTF-8 with or without BOM, GBK/GB18030) or of one sheet of an XLSX workbook.

    The file type is taken from the content, not the extension; the file is only read.
    """
    p = Path(path)
    raw = read_bytes(p)
    if raw.startswith(b"PK\x03\x04"):
        return _xlsx_grid(p, raw, sheet)
    if raw.startswith(_XLS_MAGIC):
        raise DataValidationError("is an old-style .xls workbook, which is not supported", path=p, problems=[Problem(
            "only .xlsx workbooks and CSV files can be read",
            fix="open it in Excel and save it as .xlsx or CSV UTF-8")])
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        raise DataValidationError("is not a valid XLSX workbook", path=p, problems=[Problem(
            "the file is not a zip archive as .xlsx files are", fix="save it again from Excel as .xlsx")])
    if sheet is not None:
        raise DataValidationError("is a CSV file, not a workbook", path=p, problems=[Problem(
            f"a sheet name ('{sheet}') only applies to .xlsx workbooks", fix="leave out the sheet name")])
    return read_csv_grid(p, raw)


# -------------------------------------------------------------------------------------------------- checking


def _where(value) -> int | str:
    """A location as Problem.row wants it: a Python int (CSV line) or 'Sheet1!A12'."""
    return int(value) if isinstance(value, int | np.integer) else str(value)


def where_text(where: int | str) -> str:
    """'line 12' or 'Sheet1!A12'."""
    where = _where(where)
    return f"line {where}" if isinstance(where, int) else where


def check_rows(frame: pd.DataFrame, locate: Locate, *, units: pd.DataFrame | None = None,
               indicators: pd.DataFrame | None = None) -> tuple[pd.DataFrame, int, list[Problem]]:
    """The observation contract, for rows of text with ``OBS_COLUMNS`` (files and import-wide share it).

    Returns the valid rows typed (unit names mapped to ids, empty qualifier -> '=', empty unit -> the
    indicator's unit, exact duplicates dropped), the number of exact duplicates dropped, and the problems
    (one per cell and message, top to bottom, left to right).
    """
    table = default_indicators(indicators)
    frame = frame.reindex(columns=OBS_COLUMNS).astype(object)  # optional columns may be absent
    problems: list[Problem] = []
    bad: set[int] = set()

    def report(idx: int, column: str, message: str, fix: str) -> None:
        where, label = locate(idx, column)
        problems.append(Problem(message, fix=fix, row=where, column=label))
        bad.add(idx)

    ids = {}
    for column, resolve, error in (("unit_id", unit_resolver(units), UnknownUnitError),
                                   ("indicator_id", lambda x: resolve_indicator(x, table), UnknownIndicatorError)):
        ids[column] = {}
        for raw in frame[column].dropna().unique():
            try:
                ids[column][raw] = resolve(raw)
            except error as exc:
                for idx in frame.index[frame[column] == raw]:
                    report(idx, column, exc.problems[0].message, exc.problems[0].fix)
    typed, failed, more = validate_frame(frame.assign(qualifier=frame["qualifier"].fillna("=")), OBS_SCHEMA, locate)
    problems += more
    bad |= failed
    typed = typed.assign(unit_id=typed["unit_id"].map(ids["unit_id"]),
                         indicator_id=typed["indicator_id"].map(ids["indicator_id"]))
    known = typed["indicator_id"].notna()
    expected = typed["indicator_id"].map(table["unit"])
    given = typed["unit"].map(canonical_unit, na_action="ignore")
    for r in typed[known & given.notna() & (given != expected)].itertuples():
        want = expected[r.Index]
        symbol = f" ({UNIT_SYMBOLS[want]})" if want in UNIT_SYMBOLS else ""
        report(r.Index, "unit", f"unit '{r.unit}' does not match indicator '{r.indicator_id}', which is measured in "
               f"'{want}'{symbol}", f"convert the value to {want}{symbol}, or check the indicator")
    rated = typed[known]
    for r in rated[out_of_bounds(rated["indicator_id"], rated["value"], table)].itertuples():
        report(r.Index, "value", f"{r.value:g} is outside the possible range of '{r.indicator_id}'",
               f"'{r.indicator_id}' must be {bounds_text(r.indicator_id, table)}; check the unit and the decimal point")
    typed = typed.drop(index=sorted(bad & set(typed.index))).assign(unit=expected, note=typed["note"].fillna(""))
    keep, exact, pairs = duplicates(typed)
    for later, first in pairs:
        problems.append(_conflict(typed, later, first, where_text(locate(first, "value")[0]), locate(later, "value")))
    return typed[keep], exact, top_to_bottom(dict.fromkeys(problems))


def duplicates(frame: pd.DataFrame) -> tuple[pd.Series, int, list[tuple]]:
    """Rows to keep (first of each unit x indicator x year), how many later rows were exact duplicates (same
    value and qualifier: dropped silently) and the (later, first) index pairs that conflict."""
    repeated = frame.duplicated(KEY, keep="first")
    exact = frame.duplicated(KEY + ["value", "qualifier"], keep="first")
    firsts = {key: idx for idx, key in zip(frame.index[~repeated], frame.loc[~repeated, KEY].itertuples(index=False))}
    pairs = [(idx, firsts[key]) for idx, key in zip(frame.index[repeated & ~exact],
                                                    frame.loc[repeated & ~exact, KEY].itertuples(index=False))]
    return ~repeated, int(exact.sum()), pairs


def _conflict(frame: pd.DataFrame, later, first, first_where: str, here: tuple[int | str, str]) -> Problem:
    a, b = frame.loc[first], frame.loc[later]
    return Problem(f"{b.unit_id} / {b.indicator_id} / {b.year} is given twice with different values: "
                   f"{a.qualifier}{a.value:g} at {first_where} and {b.qualifier}{b.value:g} here",
                   row=here[0], column=here[1], fix="keep one of the two rows, or correct the year or the unit")


def _file_rows(grid: Grid, units, indicators) -> tuple[pd.DataFrame, int, list[Problem]]:
    """One observation file's valid rows (with their location in ``_where``), exact duplicates dropped, problems."""
    frame, locate, problems = frame_from_grid(grid, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, hint=(
        "; a yearbook table with one column per year can be converted with `python -m toolkit import-wide`"))
    if any(c not in frame.columns for c in REQUIRED_COLUMNS):
        return frame.iloc[0:0], 0, problems
    if not len(frame) and not problems:
        problems.append(Problem("the file has a header but no data rows", row=grid.where(0),
                                fix="add observation rows below the header"))
    typed, exact, more = check_rows(frame, locate, units=units, indicators=indicators)
    typed["_where"] = [locate(i, "value")[0] for i in typed.index]
    return typed, exact, problems + more


@lru_cache(maxsize=64)
def _cached_file(key: tuple[str, int, int], sheet: str | None, *tables: tuple[str, int, int]
                 ) -> tuple[pd.DataFrame, int, tuple]:
    """One file checked against the default tables; ``tables`` (their file keys) make an edit of them re-check."""
    frame, exact, problems = _file_rows(read_grid(key[0], sheet=sheet), None, None)
    return frame, exact, tuple(problems)


def _one_file(path: str | Path, units, indicators, sheet) -> tuple[pd.DataFrame, int]:
    """Valid rows of one file, or DataValidationError with all its problems. Cached for the default tables."""
    shown = str(path)
    if units is None and indicators is None:
        frame, exact, problems = _cached_file(file_key(path), sheet, file_key(UNITS_CSV), file_key(INDICATORS_CSV))
    else:
        frame, exact, problems = _file_rows(read_grid(path, sheet=sheet), units, indicators)
    if problems:
        raise DataValidationError(f"has {len(problems)} problem(s)", path=shown, problems=list(problems))
    return frame.assign(file=shown), exact


def _as_list(paths: str | Path | Iterable[str | Path]) -> list[str | Path]:
    return [paths] if isinstance(paths, str | Path) else list(paths)


def _load_all(paths, units, indicators, sheet) -> tuple[pd.DataFrame, dict[str, tuple], list[DataValidationError]]:
    """All files' valid rows merged, a summary of each valid file, and one error per bad file (in input order)."""
    frames, summaries, errors = [], {}, {}
    for path in _as_list(paths):
        try:
            frame, exact = _one_file(path, units, indicators, sheet)
        except DataValidationError as exc:
            errors[str(path)] = exc
            continue
        frames.append(frame)
        summaries[str(path)] = (len(frame), frame["unit_id"].nunique(), frame["indicator_id"].nunique(),
                                frame["year"].min(), frame["year"].max(), exact)
    merged = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OBS_COLUMNS + ["file", "_where"])
    keep, _, pairs = duplicates(merged)
    late: dict[str, list[Problem]] = {}
    for later, first in pairs:
        b_file, a = merged.at[later, "file"], merged.loc[first]
        here = (_where(merged.at[later, "_where"]), "value")
        late.setdefault(b_file, []).append(_conflict(merged, later, first, f"{a['file']} {where_text(a['_where'])}",
                                                     here))
    for file, problems in late.items():
        errors[file] = DataValidationError(f"has {len(problems)} problem(s)", path=file, problems=problems)
    ordered = [errors[p] for p in dict.fromkeys(str(p) for p in _as_list(paths)) if p in errors]
    return merged[keep].drop(columns="_where").reset_index(drop=True), summaries, ordered


def _combine(errors: list[DataValidationError]) -> DataValidationError:
    """One error for several bad files: every problem, prefixed with its file."""
    if len(errors) == 1:
        return errors[0]
    problems = []
    for err in errors:
        for p in err.problems or [Problem(err.summary)]:
            row = f"{err.path} {where_text(p.row)}" if p.row is not None else err.path
            problems.append(replace(p, row=row))
    return DataValidationError(f"{len(errors)} files have problems", problems=problems)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def load_observations(paths: str | Path | Iterable[str | Path], *, units: pd.DataFrame | None = None,
                      indicators: pd.DataFrame | None = None, sheet: str | None = None) -> pd.DataFrame:
    """Read and check observation files into one frame: ``OBS_COLUMNS`` + ``file``.

    ``year`` is int, ``value`` float, unit names and codes are mapped to ``unit_id``, an empty qualifier
    becomes '=' and an empty unit the indicator's unit. Exact duplicates (same unit, indicator, year, value
    and qualifier) are dropped, within a file and across files; the same key with another value is an error.
    Any problem raises one :class:`DataValidationError` listing every problem of every file. ``sheet`` picks
    the worksheet of XLSX files (default: the first).
    """
    frame, _, errors = _load_all(paths, units, indicators, sheet)
    if errors:
        raise _combine(errors)
    return frame[OBS_COLUMNS + ["file"]].astype({"year": "int64", "value": "float64"})


def validate_files(paths: str | Path | Iterable[str | Path]) -> int:
    """``python -m toolkit validate``: print one summary line per valid file; raise for the invalid ones."""
    _, summaries, errors = _load_all(paths, None, None, None)
    bad = {e.path for e in errors}
    for path, (rows, units, indicators, first, last, exact) in summaries.items():
        if path not in bad:
            dropped = f" ({_count(exact, 'exact duplicate row')} dropped)" if exact else ""
            print(f"{path}: OK, {_count(rows, 'row')}, {_count(units, 'unit')}, {_count(indicators, 'indicator')}, "
                  f"years {first}-{last}{dropped}")
    if errors:
        raise _combine(errors)
    return 0


def import_wide(path: str | Path, *, indicator_id: str, sheet: str | None = None, out: str | Path,
                year: int | None = None) -> pd.DataFrame:
    """Convert a yearbook-style table (provinces x years) to long observations; see :mod:`toolkit.inputs.wide`."""
    from toolkit.inputs.wide import import_wide as _import_wide

    return _import_wide(path, indicator_id=indicator_id, sheet=sheet, out=out, year=year)
