"""One unit's monitoring table -> long observations (and the table's own targets).

Provincial and city monitoring reports print one table per unit: indicators down the side and years across
(序号/指标/单位/目标值/2010年（基期）/2015年 ...), or years down the side and indicators across. Every value
goes through the same checks as an observation file; the 目标值 column can become a local target file.
Split from :mod:`toolkit.inputs.wide`, whose tables hold one indicator for many units.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.contracts.observations import OBS_COLUMNS
from toolkit.core.errors import DataValidationError, Problem, excerpt
from toolkit.inputs.files import read_grid
from toolkit.inputs.observations import check_rows
from toolkit.inputs.units import PROVINCE_LEVELS, resolve_unit
from toolkit.inputs.wide import IMPORT_NOTE, NOTE_PREFIXES, YEAR_HEADER, header_indicator, one_sheet, parse_cell

INDICATOR_HEADERS = ("指标", "指标名称", "监测指标", "indicator")
UNIT_HEADERS = ("单位", "计量单位", "unit")
TARGET_HEADER = re.compile(r"^(?:目标值|目标|target)\s*(?:[（(]\s*(?P<year>\d{4})\s*年?\s*[）)])?$", re.IGNORECASE)
YEAR_HEADERS = ("年份", "年度", "year")
TARGET_CELL = re.compile(r"^(?P<op>≤|<=|<|＜|≥|>=|>|＞)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?:%|％|‰)?\s*(?P<word>以下|以上)?$")
_TARGET_OPS = {"≤": "<=", "<=": "<=", "<": "<", "＜": "<", "≥": ">=", ">=": ">=", ">": ">", "＞": ">",
               "以下": "<=", "以上": ">="}


def monitoring_to_long(path: str | Path, *, unit_id: str, sheet: str | None = None,
                       notices: list[str] | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """One unit's monitoring table: indicators down the side and years across (序号/指标/单位/目标值/2010年
    （基期）/2015年 ...), or years down the side and indicators across. Returns the observations and, when the
    table has a 目标值 column, its targets (rows for a local target file; the target year from the header
    '目标值（2030年）'). Rows whose indicator is not in the catalog are skipped, each with a notice."""
    notices = [] if notices is None else notices
    unit = resolve_unit(unit_id, prefer=PROVINCE_LEVELS)  # 吉林 is the province, as in observation files
    grid = read_grid(path, sheet=sheet)
    one_sheet(grid, sheet, "the table")
    source = Path(path).name + (f", sheet {grid.sheet}" if grid.sheet else "")
    for top, row in enumerate(grid.rows[:20]):
        lowered = [c.strip().casefold() for c in row]
        if any(c in INDICATOR_HEADERS for c in lowered) and any(YEAR_HEADER.match(c) for c in row):
            return _indicators_down(grid, top, unit, source, notices)
        if lowered and lowered[0] in YEAR_HEADERS and any(header_indicator(c) for c in row[1:]):
            return _years_down(grid, top, unit, source, notices), []
    raise DataValidationError("is not a monitoring table", path=grid.path, problems=[Problem(
        "no header with an indicator column (指标) and year columns, nor one starting 年份 with indicators across",
        fix="see docs/importing.md for the layouts import-wide reads")])


def _indicators_down(grid, top: int, unit: str, source: str, notices: list[str]) -> tuple[pd.DataFrame, list[dict]]:
    header = grid.rows[top]
    lowered = [c.strip().casefold() for c in header]
    name_col = next(j for j, c in enumerate(lowered) if c in INDICATOR_HEADERS)
    unit_col = next((j for j, c in enumerate(lowered) if c in UNIT_HEADERS), None)
    target_col = next((j for j, c in enumerate(header) if TARGET_HEADER.match(c.strip())), None)
    target_year = TARGET_HEADER.match(header[target_col].strip())["year"] if target_col is not None else None
    years = {j: m[1] for j, c in enumerate(header) if (m := YEAR_HEADER.match(c))}
    marks = {j: m["mark"] for j, c in enumerate(header) if (m := YEAR_HEADER.match(c)) and m["mark"]}
    records, cells, targets, problems = [], [], [], []
    for i in range(top + 1, len(grid.rows)):
        row = grid.rows[i] + [""] * (len(header) - len(grid.rows[i]))
        name = row[name_col].strip()
        if not name or name.casefold().startswith(NOTE_PREFIXES):
            continue
        indicator = header_indicator(name)
        if indicator is None:
            notices.append(f"{grid.where(i, name_col)}: skipped '{excerpt(name)}' (not an indicator of data/indicators.csv)")
            continue
        declared = row[unit_col].strip() if unit_col is not None else ""
        for j, year in years.items():
            parsed = parse_cell(row[j])
            if parsed is None:
                continue
            number, qualifier, symbol = parsed
            note = "; ".join(n for n in (IMPORT_NOTE, f"column header '{header[j]}'" if j in marks else "") if n)
            records.append([unit, indicator, year, number, qualifier or np.nan, symbol or declared or np.nan, source,
                            note])
            cells.append((i, j))
        if target_col is not None and row[target_col].strip():
            target = _target_row(row[target_col], indicator, target_year, source, name)
            if target is None:
                problems.append(Problem(f"target '{excerpt(row[target_col])}' is not a comparator and a number",
                                        row=grid.where(i, target_col), column=header[target_col],
                                        fix="write it like ≤5, 5以下, ≥90 or 90以上"))
            else:
                targets.append(target)
    frame = pd.DataFrame(records, columns=OBS_COLUMNS, dtype=object)

    def locate(k: int, column: str) -> tuple[int | str, str]:
        i, j = cells[k]
        if column == "unit":
            return grid.where(i, unit_col if unit_col is not None else j), header[unit_col] if unit_col is not None else header[j]
        return grid.where(i, j), header[j]

    typed, _, more = check_rows(frame, locate) if len(frame) else (frame, 0, [])
    problems += more
    if targets and target_year is None:
        problems.append(Problem("the target column names no year", row=grid.where(top, target_col),
                                column=header[target_col], fix="write the plan's target year in the header: 目标值（2030年）"))
    if problems:
        raise DataValidationError(f"has {len(problems)} problem(s)", path=grid.path, problems=problems)
    return typed[OBS_COLUMNS].reset_index(drop=True), targets


def _target_row(text: str, indicator: str, target_year: str | None, source: str, wording: str) -> dict | None:
    m = TARGET_CELL.match(text.strip().replace(" ", ""))
    if not m or not (m["op"] or m["word"]):
        return None
    comparator = _TARGET_OPS[m["op"] or m["word"]]
    return {"indicator_id": indicator, "comparator": comparator, "target_value": m["num"], "target_kind": "absolute",
            "base_year": "", "target_year": target_year or "", "text_en": "", "text_zh": f"{wording} {text.strip()}",
            "source": source, "kind": "main_target"}


def _years_down(grid, top: int, unit: str, source: str, notices: list[str]) -> pd.DataFrame:
    header = grid.rows[top]
    columns = {}
    for j, cell in enumerate(header[1:], start=1):
        indicator = header_indicator(cell)
        if indicator is None:
            if cell:
                notices.append(f"{grid.where(top, j)}: skipped column '{excerpt(cell)}' (not an indicator)")
            continue
        columns[j] = indicator
    records, cells = [], []
    for i in range(top + 1, len(grid.rows)):
        row = grid.rows[i]
        m = YEAR_HEADER.match(row[0]) if row else None
        if not m:
            continue
        for j, indicator in columns.items():
            parsed = parse_cell(row[j] if j < len(row) else "")
            if parsed is None:
                continue
            number, qualifier, symbol = parsed
            records.append([unit, indicator, m[1], number, qualifier or np.nan, symbol or np.nan, source, IMPORT_NOTE])
            cells.append((i, j))
    frame = pd.DataFrame(records, columns=OBS_COLUMNS, dtype=object)

    def locate(k: int, column: str) -> tuple[int | str, str]:
        i, j = cells[k]
        return grid.where(i, j), header[j]

    typed, _, problems = check_rows(frame, locate)
    if problems:
        raise DataValidationError(f"has {len(problems)} problem(s)", path=grid.path, problems=problems)
    return typed[OBS_COLUMNS].reset_index(drop=True)
