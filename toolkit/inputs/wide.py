"""``import-wide``: yearbook-style tables (one row per province, one column per year) -> long observations.

Statistical yearbooks publish a table per indicator with provinces down the side and years across the top,
cells like ``5.4‰``, ``85.2%``, ``>99``, ``99以上`` or ``—``, and notes below. This module only reshapes
such a table; every value then goes through the same checks as an observation file
(:func:`toolkit.inputs.observations.check_rows`), so a mistake is reported with its cell.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.contracts.observations import OBS_COLUMNS
from toolkit.core.errors import DataValidationError, Problem
from toolkit.core.io import write_csv
from toolkit.inputs.catalog import resolve_indicator
from toolkit.inputs.files import read_grid
from toolkit.inputs.observations import check_rows

IMPORT_NOTE = "imported by toolkit import-wide"
YEAR_HEADER = re.compile(r"^(\d{4})(?:\s*年)?$")
MISSING = {"", "-", "--", "—", "——", "–", "―", "…", "……", "...", "..", "na", "n/a", "n.a.", "x", "×", "/"}
NOTE_PREFIXES = ("注", "说明", "资料来源", "数据来源", "来源", "note", "source", "*", "※")
FOOTNOTE_MARKS = "*#†‡①②③④⑤⑥⑦⑧⑨⑩¹²³⁴⁵⁶⁷⁸⁹ \u3000"
VALUE = re.compile(r"^(?P<op>[<>＜＞])?\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*"
                   r"(?P<unit>%|％|‰)?\s*(?P<word>以上|以下)?$")
_OPS = {"<": "<", "＜": "<", ">": ">", "＞": ">", "以下": "<", "以上": ">"}


def parse_cell(text: str) -> tuple[str, str, str] | None:
    """(number, qualifier, unit symbol) of a table cell; None for a missing-value mark such as '—'.

    '5.4‰' -> ('5.4', '', '‰'); '>99' and '99以上' -> ('99', '>', ''). Text that is not a number is returned
    as it is, so that the shared checks report it with its cell.
    """
    t = text.strip()
    if t.casefold() in MISSING:
        return None
    m = VALUE.match(t)
    if not m:
        return t, "", ""
    before, after = _OPS.get(m["op"] or "", ""), _OPS.get(m["word"] or "", "")
    if before and after and before != after:
        return t, "", ""
    return m["num"].replace(",", ""), before or after, m["unit"] or ""


def _header(grid, year: int | None) -> tuple[int, dict[int, str]]:
    """The header row and its value columns {position: year}."""
    for i, row in enumerate(grid.rows):
        years = {j: m[1] for j, cell in enumerate(row) if j > 0 and (m := YEAR_HEADER.match(cell))}
        if years:
            if year is None:
                return i, years
            chosen = {j: y for j, y in years.items() if int(y) == year}
            if not chosen:
                raise DataValidationError(f"has no column for {year}", path=grid.path, problems=[Problem(
                    f"the year columns are {', '.join(sorted(set(years.values())))}", row=grid.where(i),
                    fix="choose one of these years")])
            return i, chosen
    if year is not None:  # a one-year table: the single value column is that year
        for i, row in enumerate(grid.rows):
            named = [j for j, cell in enumerate(row) if j > 0 and cell]
            if len(named) == 1 and row[0]:
                return i, {named[0]: str(year)}
            if len(named) > 1:
                raise DataValidationError("has several value columns and no years in its header", path=grid.path,
                                          problems=[Problem(f"columns: {', '.join(row[j] for j in named)}",
                                                            row=grid.where(i), fix="keep only the column to import")])
    raise DataValidationError("has no year columns", path=grid.path, problems=[Problem(
        "no header row with years such as 2015 or 2015年 was found",
        fix="put the years in the header row, one column per year (or give the year of a one-year table)")])


def _province(cell: str) -> str:
    return cell.strip().strip(FOOTNOTE_MARKS)


def wide_to_long(path: str | Path, *, indicator_id: str, sheet: str | None = None, year: int | None = None
                 ) -> pd.DataFrame:
    """The observations of a wide table, checked (``OBS_COLUMNS``); raises DataValidationError with every problem."""
    indicator = resolve_indicator(indicator_id)
    grid = read_grid(path, sheet=sheet)
    first = min((next(j for j, cell in enumerate(row) if cell) for row in grid.rows), default=0)
    if first:  # the table starts right of column A
        grid = replace(grid, rows=[row[first:] for row in grid.rows], offset=grid.offset + first)
    top, columns = _header(grid, year)
    header = grid.rows[top]
    source = Path(path).name + (f", sheet {grid.sheet}" if grid.sheet else "")
    records, cells, problems = [], [], []
    for i in range(top + 1, len(grid.rows)):
        row = grid.rows[i]
        name = _province(row[0])
        if row == header or name.casefold().startswith(NOTE_PREFIXES):
            continue
        parsed = {j: parse_cell(row[j] if j < len(row) else "") for j in columns}
        present = {j: p for j, p in parsed.items() if p is not None}
        if not present:
            continue  # blank, unit or footnote row
        if not name:
            problems.append(Problem("this row has values but no province name", row=grid.where(i, 0),
                                    column=header[0] or None, fix="fill in the province, or delete the row"))
            continue
        for j, (number, qualifier, unit) in present.items():
            records.append([name, indicator, columns[j], number, qualifier or np.nan, unit or np.nan, source,
                            IMPORT_NOTE])
            cells.append((i, j))
    if not records and not problems:
        raise DataValidationError("has no values", path=grid.path, problems=[Problem(
            "every cell under the year columns is empty or a missing-value mark", row=grid.where(top),
            fix="check the sheet and the header row")])
    frame = pd.DataFrame(records, columns=OBS_COLUMNS, dtype=object)

    def locate(k: int, column: str) -> tuple[int | str, str]:
        i, j = cells[k]
        if column == "unit_id":
            return grid.where(i, 0), header[0] or "province"
        return grid.where(i, j), header[j]

    typed, _, more = check_rows(frame, locate)
    problems += more
    if problems:
        raise DataValidationError(f"has {len(problems)} problem(s)", path=grid.path, problems=problems)
    return typed[OBS_COLUMNS].reset_index(drop=True)


def import_wide(path: str | Path, *, indicator_id: str, sheet: str | None = None, out: str | Path,
                year: int | None = None) -> pd.DataFrame:
    """Convert a wide yearbook table to the observation format and write it atomically to ``out`` (CSV).

    ``sheet`` picks an XLSX worksheet (default: the first); ``year`` keeps one year column, or names the year
    of a table with a single value column. Returns the rows written.
    """
    if Path(out).resolve() == Path(path).resolve():
        raise DataValidationError("would be overwritten by the output", path=path, problems=[Problem(
            "the output path is the input file", fix="write the output to another file (--out)")])
    frame = wide_to_long(path, indicator_id=indicator_id, sheet=sheet, year=year)
    write_csv(out, frame, float_format="%.15g")
    return frame
