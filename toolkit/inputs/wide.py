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
from toolkit.core.errors import DataValidationError, Problem, UnknownIndicatorError
from toolkit.core.io import write_csv
from toolkit.inputs.catalog import UNIT_LABELS, load_indicators, resolve_indicator
from toolkit.inputs.files import read_grid
from toolkit.inputs.observations import check_rows
from toolkit.inputs.schema import canonical_unit

IMPORT_NOTE = "imported by toolkit import-wide"
#: A year column's header: 2015, 2015年, 2018年末, or with a mark that must not be lost (2020年* preliminary,
#: 2010年（基期） base year): the mark goes into the ``note`` of every value of that column.
YEAR_HEADER = re.compile(r"^(\d{4})(?:-01-01(?:T00:00:00)?)?\s*(?:年末|年底|年)?\s*"
                         r"(?P<mark>[（(][^）)]*[）)]|[*#†‡※①-⑩¹²³]+|p|e)?$", re.IGNORECASE)  # 2015-01-01: an Excel date
#: Rows of a yearbook table that are not provinces: skipped with a notice, never read as a unit.
NOT_PROVINCES = ("合计", "总计", "total", "东部", "中部", "西部", "东北", "东部地区", "中部地区", "西部地区",
                 "东北地区", "新疆生产建设兵团", "兵团", "台湾", "台湾省", "香港", "香港特别行政区", "澳门",
                 "澳门特别行政区", "east", "central", "west", "northeast")
#: Count words a "单位：..." line may say, besides the symbols every table shares (‰, %, 1/10万: canonical_unit).
UNIT_WORDS = {"人": "persons", "万人": "10k_persons", "个": "count", "所": "count"}
UNIT_LINE = re.compile(r"单位\s*[:：]\s*(?P<unit>\S+)")
#: Share of a percentage table's other values that must be large before a 0 is taken for a placeholder.
PLACEHOLDER_FLOOR = 10.0
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


def _indicator_column(grid, indicator: str, year: int | None) -> tuple[int, dict[int, str]] | None:
    """A table with indicators as columns (one sheet per year, the commonest yearbook layout): the header row
    and the one column that names ``indicator`` (id, Chinese or English name), for the year given or named by
    the sheet (``2015``, ``2015年``). None when no header names the indicator."""
    for i, row in enumerate(grid.rows[:20]):
        named = [j for j, cell in enumerate(row) if j > 0 and cell and header_indicator(cell) == indicator]
        if not named:
            continue
        if len(named) > 1:
            raise DataValidationError("names the indicator in more than one column", path=grid.path, problems=[
                Problem(f"columns: {', '.join(row[j] for j in named)}", row=grid.where(i),
                        fix="keep only the column to import")])
        sheet_year = YEAR_HEADER.match(grid.sheet or "")
        chosen = year if year is not None else (int(sheet_year[1]) if sheet_year else None)
        if chosen is None:
            raise DataValidationError("has the indicator as a column but no year", path=grid.path, problems=[Problem(
                f"column '{row[named[0]]}' holds {indicator}, and neither the sheet name nor --year gives the year",
                row=grid.where(i, named[0]), fix="give the year: --year 2015 (or name the sheet 2015)")])
        return i, {named[0]: str(chosen)}
    return None


def header_indicator(cell: str) -> str | None:
    """The indicator a header cell or sheet name names (its id, or its Chinese or English name; a trailing
    unit in brackets and footnote marks aside: '婴儿死亡率（‰）*'), or None."""
    try:
        return resolve_indicator(re.sub(r"[（(][^）)]*[）)]$", "", cell).strip(FOOTNOTE_MARKS))
    except UnknownIndicatorError:
        return None


def one_sheet(grid, sheet: str | None, what: str) -> None:
    """Refuse to read a workbook's first sheet when others hold data too and none was named."""
    if sheet is None and len(grid.sheets) > 1:
        raise DataValidationError(f"has {len(grid.sheets)} sheets with data", path=grid.path, problems=[Problem(
            f"the sheets are: {', '.join(grid.sheets)}", fix=f"say which one holds {what}: --sheet NAME")])


def refuse_overwrite(path: str | Path, out: str | Path) -> None:
    """An import never writes over its input (checked before anything is read, and again before writing)."""
    if Path(out).resolve() == Path(path).resolve():
        raise DataValidationError("would be overwritten by the output", path=path, problems=[Problem(
            "the output path is the input file", fix="write the output to another file (--out)")])


def write_observations(frame: pd.DataFrame, path: str | Path, out: str | Path, source: str | None = None
                       ) -> pd.DataFrame:
    """Imported observations written atomically to ``out`` (never over the input), with ``source`` (the
    publication: publisher, table, year) in every row when given, so that reports name it, not a file."""
    refuse_overwrite(path, out)
    if source:
        frame = frame.assign(source=source.strip())
    write_csv(out, frame, float_format="%.15g")
    return frame


def _header(grid, year: int | None, indicator: str = "") -> tuple[int, dict[int, str]]:
    """The header row and its value columns {position: year}."""
    if indicator and not any(YEAR_HEADER.match(cell) for row in grid.rows[:20] for cell in row[1:]):
        found = _indicator_column(grid, indicator, year)
        if found:
            return found
    for i, row in enumerate(grid.rows):
        years = {j: m[1] for j, cell in enumerate(row) if j > 0 and (m := YEAR_HEADER.match(cell))}
        twice = sorted({y for y in years.values() if list(years.values()).count(y) > 1})
        if twice:  # two series side by side (two indicators under merged headers): which one is meant?
            raise DataValidationError("has the same year in more than one column", path=grid.path, problems=[
                Problem(f"{', '.join(twice)} appear(s) in {sum(1 for y in years.values() if y == twice[0])} columns: "
                        "the table holds more than one series, e.g. two indicators side by side",
                        row=grid.where(i), fix="cut the table so that it holds only the indicator to import "
                        "(one block of year columns), then import it")])
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


def _declared_unit(grid, top: int) -> tuple[str, str] | None:
    """(the text, its unit id) of a "单位：..." line above the header, if the table has one."""
    for row in grid.rows[:top + 1]:
        for cell in row:
            m = UNIT_LINE.search(cell)
            if m:
                word = m["unit"].strip("）)")
                return word, UNIT_WORDS.get(word) or canonical_unit(word)
    return None


def _unit_scale(grid, top: int, indicator: str) -> tuple[float, str]:
    """The factor that turns the table's declared unit into the indicator's, and a note; a declared unit
    that contradicts the indicator's is refused (infant mortality in % is not infant mortality in ‰)."""
    declared = _declared_unit(grid, top)
    if declared is None:
        return 1.0, ""
    word, unit = declared
    wanted = str(load_indicators().loc[indicator, "unit"])
    if unit == wanted:
        return 1.0, ""
    if (unit, wanted) == ("10k_persons", "persons"):
        return 1e4, f"converted from {word} (x 10,000)"
    if (unit, wanted) == ("persons", "10k_persons"):
        return 1e-4, f"converted from {word} (/ 10,000)"
    raise DataValidationError("declares a unit the indicator does not have", path=grid.path, problems=[Problem(
        f"the table says 单位：{word}, but {indicator} is measured in {UNIT_LABELS.get(wanted, wanted)}",
        row=grid.where(0), fix="check that this is the right table and --indicator; convert the values if the "
        "table is right")])


def wide_to_long(path: str | Path, *, indicator_id: str, sheet: str | None = None, year: int | None = None,
                 notices: list[str] | None = None, ignore_rows: tuple[str, ...] = ()) -> pd.DataFrame:
    """The observations of a wide table, checked (``OBS_COLUMNS``); raises DataValidationError with every problem.

    Rows that are not provinces (合计, regional subtotals, 兵团, 台湾/香港/澳门), and rows whose label is in
    ``ignore_rows`` (``--ignore-rows``), are skipped, each with a line in ``notices``.
    """
    notices = [] if notices is None else notices
    indicator = resolve_indicator(indicator_id)
    grid = read_grid(path, sheet=sheet)
    first = min((next(j for j, cell in enumerate(row) if cell) for row in grid.rows), default=0)
    if first:  # the table starts right of column A
        grid = replace(grid, rows=[row[first:] for row in grid.rows], offset=grid.offset + first)
    one_sheet(grid, sheet, "this indicator")  # not the first sheet under whatever --indicator was given
    top, columns = _header(grid, year, indicator)
    header = grid.rows[top]
    marks = {j: m["mark"] for j in columns if (m := YEAR_HEADER.match(header[j])) and m["mark"]}
    scale, scale_note = _unit_scale(grid, top, indicator)
    source = Path(path).name + (f", sheet {grid.sheet}" if grid.sheet else "")
    records, cells, problems = [], [], []
    for i in range(top + 1, len(grid.rows)):
        row = grid.rows[i]
        name = _province(row[0])
        if row == header or name.casefold().startswith(NOTE_PREFIXES):
            continue
        if name.casefold() in NOT_PROVINCES or name in ignore_rows:
            notices.append(f"{grid.where(i, 0)}: skipped '{name}' (not a province)")
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
            note = "; ".join(n for n in (IMPORT_NOTE, scale_note, f"column header '{header[j]}'" if j in marks else "")
                             if n)
            records.append([name, indicator, columns[j], _scaled(number, scale), qualifier or np.nan, unit or np.nan,
                            source, note])
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
    problems += more + _placeholders(typed, locate, indicator)
    if problems:
        raise DataValidationError(f"has {len(problems)} problem(s)", path=grid.path, problems=problems)
    return typed[OBS_COLUMNS].reset_index(drop=True)


def _scaled(number: str, scale: float) -> str:
    if scale == 1.0:
        return number
    try:
        return repr(float(number) * scale)
    except ValueError:
        return number  # not a number: the shared checks report it with its cell


def _placeholders(typed: pd.DataFrame, locate, indicator: str) -> list[Problem]:
    """A 0 in a table of percentages that are otherwise large is a placeholder for a missing value, not a zero
    coverage (a yearbook prints 0.0 where a province did not report)."""
    if str(load_indicators().loc[indicator, "unit"]) != "percent" or not len(typed):
        return []
    values = typed["value"].astype(float)
    others = values[values != 0]
    if not len(others) or others.median() < PLACEHOLDER_FLOOR:
        return []
    return [Problem(f"0 among percentages around {others.median():.0f}: a placeholder for a missing value?",
                    row=locate(k, "value")[0], column=locate(k, "value")[1],
                    fix="write — (missing) where the province did not report; a real 0% needs checking at the source")
            for k in typed.index[values == 0]]


def import_wide(path: str | Path, *, indicator_id: str, sheet: str | None = None, out: str | Path,
                year: int | None = None, notices: list[str] | None = None, source: str | None = None,
                ignore_rows: tuple[str, ...] = ()) -> pd.DataFrame:
    """Convert a wide yearbook table to the observation format and write it atomically to ``out`` (CSV).

    ``sheet`` picks an XLSX worksheet (default: the first); ``year`` keeps one year column, or names the year
    of a table with a single value column. Returns the rows written.
    """
    refuse_overwrite(path, out)
    frame = wide_to_long(path, indicator_id=indicator_id, sheet=sheet, year=year, notices=notices,
                         ignore_rows=ignore_rows)
    return write_observations(frame, path, out, source)


def import_workbook(path: str | Path, *, out: str | Path, indicator_id: str | None = None, source: str | None = None,
                    notices: list[str] | None = None) -> pd.DataFrame:
    """``import-wide BOOK.xlsx --all-sheets``: every sheet that holds an indicator, into one observation file.

    With ``indicator_id``: that indicator from every sheet that has it (one sheet per year, indicators as
    columns). Without: each sheet's indicator from its name (one sheet per indicator, years across). Every
    sheet left out is named in ``notices`` with the reason; a sheet that holds the indicator but is broken
    stops the import (its problems are listed), as a single table would.
    """
    notices = [] if notices is None else notices
    refuse_overwrite(path, out)
    sheets = read_grid(path).sheets
    if not sheets:
        raise DataValidationError("is not a workbook", path=path, problems=[Problem(
            "--all-sheets reads the sheets of an .xlsx workbook", fix="leave out --all-sheets for a CSV table")])
    frames = []
    for title in sheets:
        wanted = indicator_id or header_indicator(title)
        if wanted is None:
            notices.append(f"sheet '{title}': skipped (its name is no indicator; name the sheet after one, or "
                           "give --indicator)")
            continue
        try:
            frames.append(wide_to_long(path, indicator_id=wanted, sheet=title, notices=notices))
        except DataValidationError as exc:
            if indicator_id is not None and exc.summary in ("has no year columns", "has no values"):
                notices.append(f"sheet '{title}': skipped ({exc.summary}: no column of {indicator_id})")
                continue
            raise
    if not frames:
        raise DataValidationError("has no sheet to import", path=path, problems=[Problem(
            "; ".join(notices) or "no sheet holds an indicator", fix="name each sheet after its indicator, or "
            "give --indicator for a workbook with one sheet per year")])
    frame = pd.concat(frames, ignore_index=True)
    twice = frame.duplicated(["unit_id", "indicator_id", "year"], keep=False)
    if twice.any():
        first = frame[twice].iloc[0]
        raise DataValidationError("gives a value twice across its sheets", path=path, problems=[Problem(
            f"{first.unit_id} / {first.indicator_id} / {first.year} is on {int(twice.sum())} rows of different sheets",
            fix="keep each unit, indicator and year on one sheet")])
    return write_observations(frame, path, out, source)

