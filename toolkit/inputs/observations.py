"""Observations: reading CSV/XLSX files, checking them against the data contract, merging several files.

Users bring their own yearbook extracts, in UTF-8 or GBK, as CSV or XLSX, with province names in Chinese or
English. Everything is checked before a model sees it, and a bad file is reported in one go (every problem,
with line or cell, column and fix), because a user fixing one problem per run gives up. Input files are only
ever read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from toolkit.contracts.observations import (
    KEY,
    MAX_ABS_VALUE,
    OBS_COLUMNS,
    OPTIONAL_COLUMNS,
    QUALIFIERS,
    REQUIRED_COLUMNS,
)
from toolkit.core.errors import (
    MAX_PROBLEMS,
    DataValidationError,
    Problem,
    UnknownIndicatorError,
    UnknownUnitError,
    excerpt,
)
from toolkit.core.paths import INDICATORS_CSV, UNIT_FILES
from toolkit.inputs.catalog import bounds_text, default_indicators, out_of_bounds, resolve_indicator
from toolkit.inputs.files import Grid, file_key, read_grid
from toolkit.inputs.schema import (
    UNIT_SYMBOLS,
    Locate,
    canonical_unit,
    frame_from_grid,
    text_column,
    top_to_bottom,
    validate_frame,
    year_column,
)
from toolkit.inputs.units import PROVINCE_LEVELS, unit_resolver

OBS_SCHEMA = pa.DataFrameSchema({
    "unit_id": text_column(if_empty="give a unit id or name, e.g. beijing or 北京"),
    "indicator_id": text_column(if_empty="give an indicator_id from data/indicators.csv"),
    "year": year_column(),
    "value": pa.Column("float64", coerce=True, description="give the value, or leave the row out",
                       checks=[pa.Check(np.isfinite, error="write a finite number"),
                               pa.Check(lambda v: v.abs() <= MAX_ABS_VALUE,
                                        error=f"a value must be between -{MAX_ABS_VALUE:g} and {MAX_ABS_VALUE:g}: "
                                              "check the number and its unit")]),
    "qualifier": text_column(pa.Check.isin(QUALIFIERS, error="use '=' (or leave it empty) for a point value, "
                                                             "'>' or '<' for a published bound such as 'above 99%'")),
    "unit": text_column(nullable=True),
    "source": text_column(if_empty="name the publication or web page the value was read from"),
    "note": text_column(nullable=True),
})


# --------------------------------------------------------------------------------------------------- reading


# -------------------------------------------------------------------------------------------------- checking


#: Chinese (and other) headers of long observation files, as yearbook offices write them.
HEADER_ALIASES = {
    "地区": "unit_id", "省份": "unit_id", "省": "unit_id", "地区名称": "unit_id", "region": "unit_id", "province": "unit_id",
    "指标": "indicator_id", "指标名称": "indicator_id", "indicator": "indicator_id",
    "年份": "year", "年度": "year", "年": "year",
    "数值": "value", "值": "value", "指标值": "value",
    "限定": "qualifier", "符号": "qualifier",
    "单位": "unit", "计量单位": "unit",
    "来源": "source", "数据来源": "source", "资料来源": "source",
    "备注": "note", "说明": "note", "注": "note",
}
#: "2015年" and "2015 年" are the year 2015.
YEAR_WITH_SUFFIX = r"^\s*(\d{4})\s*年\s*$"


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
    # A province's own name (吉林, 海南) means the province, as before the prefectures and counties existed;
    # every other name must fit one unit (朝阳区 is refused as ambiguous, with the candidates).
    for column, resolve, error in (("unit_id", unit_resolver(units, prefer=PROVINCE_LEVELS), UnknownUnitError),
                                   ("indicator_id", lambda x: resolve_indicator(x, table), UnknownIndicatorError)):
        ids[column] = {}
        for raw in frame[column].dropna().unique():
            try:
                ids[column][raw] = resolve(raw)
            except error as exc:
                for idx in frame.index[frame[column] == raw]:
                    report(idx, column, exc.problems[0].message, exc.problems[0].fix)
    years = frame["year"].astype("string").str.replace(YEAR_WITH_SUFFIX, r"\1", regex=True).astype(object)
    typed, failed, more = validate_frame(frame.assign(qualifier=frame["qualifier"].fillna("="), year=years),
                                         OBS_SCHEMA, locate)
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
    for later, first in pairs[:MAX_PROBLEMS]:  # a message shows MAX_PROBLEMS; building more costs minutes
        problems.append(_conflict(typed, later, first, where_text(locate(first, "value")[0]), locate(later, "value")))
    if len(pairs) > MAX_PROBLEMS:
        problems.append(Problem(f"{len(pairs) - MAX_PROBLEMS:,} more rows repeat a unit / indicator / year with "
                                "another value", fix="keep one row per unit, indicator and year"))
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
    wide = [cell for cell in (grid.rows[0] if grid.rows else []) if re.match(YEAR_WITH_SUFFIX, cell)
            or re.fullmatch(r"\s*\d{4}\s*", cell)]
    if wide:  # years across the top: a yearbook table, not observations
        return pd.DataFrame(columns=OBS_COLUMNS), 0, [Problem(
            f"the header has year columns ({', '.join(excerpt(c, 12) for c in wide[:3])}"
            f"{', ...' if len(wide) > 3 else ''}): this is a wide yearbook table, not a file of observations",
            row=grid.where(0), fix="convert it with `python -m toolkit import-wide FILE --indicator ID --out OUT.csv`")]
    frame, locate, problems = frame_from_grid(grid, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, aliases=HEADER_ALIASES, hint=(
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
        frame, exact, problems = _cached_file(file_key(path), sheet, file_key(INDICATORS_CSV),
                                              *(file_key(p) for p in UNIT_FILES))
    else:
        frame, exact, problems = _file_rows(read_grid(path, sheet=sheet), units, indicators)
    if problems:
        raise DataValidationError(f"has {len(problems)} problem(s)", path=shown, problems=list(problems))
    return frame.assign(file=shown), exact


def _as_list(paths: str | Path | Iterable[str | Path]) -> list[str | Path]:
    return [paths] if isinstance(paths, str | Path) else list(paths)


def _load_all(paths, units, indicators, sheet, prefer=None
              ) -> tuple[pd.DataFrame, dict[str, tuple], list[DataValidationError]]:
    """All files' valid rows merged, a summary of each valid file, and one error per bad file (in input order).

    Two files that give the same unit, indicator and year different values disagree: with ``prefer`` (one
    of the files) its value wins and the other row is dropped; otherwise that is an error naming both files."""
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
    preferred = Path(prefer).resolve() if prefer is not None else None
    late: dict[str, list[Problem]] = {}
    for later, first in pairs:
        b_file, a = merged.at[later, "file"], merged.loc[first]
        sides = (Path(b_file).resolve(), Path(a["file"]).resolve())
        if preferred is not None and preferred in sides and sides[0] != sides[1]:
            if sides[0] == preferred:  # the later row is the preferred one: keep it instead of the first
                keep.at[first], keep.at[later] = False, True
            continue
        here = (_where(merged.at[later, "_where"]), "value")
        problem = _conflict(merged, later, first, f"{a['file']} {where_text(a['_where'])}", here)
        late.setdefault(b_file, []).append(replace(problem, fix=(
            f"the two files disagree: say which one wins with --prefer FILE (e.g. --prefer {b_file}; in a params "
            "file, `prefer: FILE`), or correct "
            "the year or the unit in your file") if a["file"] != b_file else problem.fix))
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
                      indicators: pd.DataFrame | None = None, sheet: str | None = None,
                      prefer: str | Path | None = None) -> pd.DataFrame:
    """Read and check observation files into one frame: ``OBS_COLUMNS`` + ``file``.

    ``year`` is int, ``value`` float, unit names and codes are mapped to ``unit_id``, an empty qualifier
    becomes '=' and an empty unit the indicator's unit. Exact duplicates (same unit, indicator, year, value
    and qualifier) are dropped, within a file and across files; the same key with another value is an error.
    Any problem raises one :class:`DataValidationError` listing every problem of every file. ``sheet`` picks
    the worksheet of XLSX files (default: the first). ``prefer``: the file whose values win where two files
    disagree (see :func:`_load_all`).
    """
    frame, _, errors = _load_all(paths, units, indicators, sheet, prefer)
    if errors:
        raise _combine(errors)
    return frame[OBS_COLUMNS + ["file"]].astype({"year": "int64", "value": "float64"})


def validation_report(paths: str | Path | Iterable[str | Path], *, sheet: str | None = None,
                      prefer: str | Path | None = None) -> list[str]:
    """One summary line per valid file (``python -m toolkit validate``); raises for the invalid ones."""
    _, summaries, errors = _load_all(paths, None, None, sheet, prefer)
    bad = {e.path for e in errors}
    lines = []
    for path, (rows, units, indicators, first, last, exact) in summaries.items():
        if path not in bad:
            dropped = f" ({_count(exact, 'exact duplicate row')} dropped)" if exact else ""
            lines.append(f"{path}: OK, {_count(rows, 'row')}, {_count(units, 'unit')}, "
                         f"{_count(indicators, 'indicator')}, years {first}-{last}{dropped}")
    if errors:
        for line in lines:  # the valid files are still reported before the error
            print(line)
        raise _combine(errors)
    return lines
