"""``results.xlsx``: the combined results for spreadsheet users, in the run's edition.

A readme sheet first (what each sheet and column is, the rounding, the synthetic-data warning), then the
results: headers in the edition on the first row above the csv ids, the units' and indicators' names in
both languages, labels in words beside the codes, probabilities rounded to 2 decimals (exact in
results.csv), an autofilter and frozen headers. Formula-like text stays text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit import __version__
from toolkit.batch.run_words import cycle_names, describe, run_date
from toolkit.contracts.labels import area_label, both_names, category_label, local_name
from toolkit.contracts.results import CATEGORIES
from toolkit.contracts.synthetic import banner_text
from toolkit.core import io
from toolkit.core.i18n import N_, _, list_separator
from toolkit.inputs.catalog import load_indicators, unit_label
from toolkit.inputs.units import load_units, names_above


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as numbers (and empty cells as blanks) for spreadsheet users; other columns stay text."""
    typed = frame.copy()
    for column in typed.columns:
        values = typed[column].replace("", None)
        try:
            typed[column] = pd.to_numeric(values)
        except (ValueError, TypeError):
            typed[column] = values
    return typed


#: Probabilities: rounded to 2 decimals in the workbook (exact in results.csv).
PROBABILITY_COLUMNS = ("p_attain", "midterm_p_on_path")
PROBABILITY_DIGITS = 2
#: Columns the workbook adds beside the contract's: names and labels in words, from the project's tables.
NAME_COLUMNS = {"unit_id": ("unit_name_zh", "unit_name_en"), "indicator_id": ("indicator_name_zh", "indicator_name_en")}
LABEL_COLUMNS = {"area": "area_label", "unit": "unit_label", "category": "category_label"}
#: For a run below the provinces: the province and prefecture each unit lies in, after its names.
WITHIN_COLUMN = "unit_within"
ADDED_COLUMNS = frozenset({*(c for pair in NAME_COLUMNS.values() for c in pair), *LABEL_COLUMNS.values(),
                           WITHIN_COLUMN})
#: The workbook's column headers (the csv ids stay on the table's second header row).
COLUMN_LABELS = {
    "unit_id": N_("Unit id"),
    "unit_name_zh": N_("Unit (Chinese name)"),
    "unit_name_en": N_("Unit (English name)"),
    "unit_within": N_("Within"),
    "indicator_id": N_("Indicator id"),
    "indicator_name_zh": N_("Indicator (Chinese name)"),
    "indicator_name_en": N_("Indicator (English name)"),
    "target_set": N_("Target set"),
    "comparator": N_("Comparator"),
    "target_value": N_("Target value"),
    "target_year": N_("Target year"),
    "as_of": N_("As-of year"),
    "n_obs": N_("Number of observations"),
    "first_year": N_("First year observed"),
    "latest_year": N_("Latest year observed"),
    "latest_value": N_("Latest observed value"),
    "met_latest": N_("Target met by the latest value"),
    "model": N_("Trend model"),
    "forecast": N_("Forecast for the target year"),
    "lo80": N_("Forecast: 80% interval, lower"),
    "hi80": N_("Forecast: 80% interval, upper"),
    "lo95": N_("Forecast: 95% interval, lower"),
    "hi95": N_("Forecast: 95% interval, upper"),
    "p_attain": N_("P(attain): probability of meeting the target"),
    "attain_year": N_("Year the target is met"),
    "attain_year_lo": N_("Year met: 80% interval, earliest"),
    "attain_year_hi": N_("Year met: 80% interval, latest"),
    "aarr_observed": N_("Observed annual rate"),
    "aarr_required": N_("Required annual rate"),
    "eurostat_ratio": N_("Eurostat ratio (observed / required rate)"),
    "eurostat_category": N_("Eurostat class (code)"),
    "category": N_("Category (code)"),
    "category_label": N_("Assessment category"),
    "flags": N_("Data-quality flags (codes)"),
    "area": N_("Area (code)"),
    "area_label": N_("Area of the Outline"),
    "direction": N_("Better direction (code)"),
    "unit": N_("Unit of measure (code)"),
    "unit_label": N_("Unit of measure"),
    "transform": N_("Model scale (code)"),
    "n_censored": N_("Number of published bounds"),
    "latest_qualifier": N_("Qualifier of the latest value"),
    "target_kind": N_("Target kind (code)"),
    "base_year": N_("Base year"),
    "base_value": N_("Base-year value"),
    "target_plan": N_("Plan the target comes from"),
    "target_layer": N_("Target layer (code)"),
    "target_role": N_("Target role (code)"),
    "target_year_value": N_("Observed value in the target year"),
    "target_year_qualifier": N_("Qualifier of the target-year value"),
    "evidence_year": N_("Year of the deciding observation"),
    "evidence_value": N_("Deciding observed value"),
    "evidence_qualifier": N_("Qualifier of the deciding value"),
    "met_evidence": N_("Target met by the deciding value"),
    "attain_year_censored": N_("Met since the first observation"),
    "rate_kind": N_("Rate kind (code)"),
    "path_base_year": N_("Path: base year"),
    "path_base_value": N_("Path: base-year value"),
    "path_year": N_("Path: year compared"),
    "path_expected": N_("Path: value expected in that year"),
    "path_progress_ratio": N_("Path: actual / expected change"),
    "path_status": N_("Path: status (code)"),
    "midterm_year": N_("Mid-term year"),
    "midterm_path_value": N_("Mid-term: value on the path"),
    "midterm_value": N_("Mid-term: forecast"),
    "midterm_lo80": N_("Mid-term: 80% interval, lower"),
    "midterm_hi80": N_("Mid-term: 80% interval, upper"),
    "midterm_observed": N_("Mid-term value observed"),
    "midterm_p_on_path": N_("Mid-term: probability of being on the path"),
}
#: What the main columns mean (the readme sheet's column table).
COLUMN_NOTES = {
    "unit_id": N_("The unit: national, a province, a prefecture or a county (data/units*.csv)."),
    "unit_name_zh": N_("Added in this workbook from data/units.csv; not in results.csv."),
    "unit_name_en": N_("Added in this workbook from data/units.csv; not in results.csv."),
    "unit_within": N_("For a prefecture or a county: the province and the prefecture it lies in (29 county names "
                      "repeat). Added in this workbook; not in results.csv."),
    "indicator_id": N_("The indicator (data/indicators.csv)."),
    "indicator_name_zh": N_("Added in this workbook from data/indicators.csv; not in results.csv."),
    "indicator_name_en": N_("Added in this workbook from data/indicators.csv; not in results.csv."),
    "target_set": N_("The target file graded against (data/targets/)."),
    "comparator": N_("How the value must compare with the target value (<=, >=, <, >)."),
    "target_value": N_("The target, in the indicator's unit of measure."),
    "target_year": N_("The year by which the target is to be met."),
    "as_of": N_("Observations after this year are ignored."),
    "latest_year": N_("The year of the unit's latest observation of the indicator."),
    "latest_value": N_("The latest observation."),
    "forecast": N_("The median forecast for the target year."),
    "lo80": N_("The central 80% forecast interval for the target year (lo80 to hi80); lo95 to hi95: 95%."),
    "p_attain": N_("The probability that the target is met in the target year, rounded to 2 decimals here "
                   "(exact in results.csv). Empty where the target year is observed."),
    "attain_year": N_("The first year in which the target is met (observed), or is forecast to be met with a "
                      "probability of at least 50%."),
    "aarr_observed": N_("Average annual rate of reduction (AARR) for indicators that should fall, of increase (AARI) "
                        "for those that should rise; aarr_required: the rate needed from the latest value."),
    "eurostat_ratio": N_("Observed rate divided by the required rate (Eurostat's method); eurostat_category: its class."),
    "category": N_("The assessment: see the categories below."),
    "category_label": N_("The category in words (this workbook only)."),
    "flags": N_("Codes of data-quality notes, separated by ';' (e.g. stale, gaps, synthetic)."),
    "area_label": N_("The area in words (this workbook only)."),
    "unit_label": N_("The unit of measure in words (this workbook only)."),
    "target_plan": N_("The plan the target comes from (the Outline, or a local plan)."),
    "midterm_p_on_path": N_("The probability that the indicator is on the straight path from the base year to the "
                            "target in the mid-term year, rounded to 2 decimals here (exact in results.csv)."),
}


def _within(unit_ids: Sequence[str]) -> list[str]:
    """四川省 · 成都市 for 武侯区 (the current edition's names); "" for the nation and the provinces. Once per
    unit, not per row: a county run's results have 29 rows a unit (82,534 for the full set)."""
    names = {u: " · ".join(names_above(u, local_name)) for u in dict.fromkeys(unit_ids)}
    return [names[u] for u in unit_ids]


def _names(table: pd.DataFrame, ids: pd.Series) -> tuple[list[str], list[str]]:
    """The Chinese and English names of each id (empty for an id the table does not know)."""
    zh = [str(table.at[i, "name_zh"]) if i in table.index else "" for i in ids]
    en = [str(table.at[i, "name_en"]) if i in table.index else "" for i in ids]
    return zh, en


def results_table(combined: pd.DataFrame) -> pd.DataFrame:
    """The workbook's results: the csv's columns typed, names beside the ids, labels beside the codes, the
    probabilities rounded. Labels are in the current edition."""
    table = _typed(combined)
    sources = {"unit_id": load_units(), "indicator_id": load_indicators()}
    for id_column, (zh_column, en_column) in NAME_COLUMNS.items():
        if id_column in table:
            zh, en = _names(sources[id_column], combined[id_column])
            at = table.columns.get_loc(id_column) + 1
            table.insert(at, zh_column, zh)
            table.insert(at + 1, en_column, en)
    if "unit_id" in table:
        within = _within(list(combined["unit_id"]))
        if any(within):
            table.insert(table.columns.get_loc("unit_name_en") + 1, WITHIN_COLUMN, within)
    labels = {"area": area_label, "unit": unit_label, "category": category_label}
    for code_column, label_column in LABEL_COLUMNS.items():
        if code_column in table:
            table.insert(table.columns.get_loc(code_column) + 1, label_column,
                         [labels[code_column](v) if v else "" for v in combined[code_column]])
    for column in combined.columns:  # True/False as the spreadsheet's booleans (they filter as such)
        values = set(combined[column]) - {""}
        if values and values <= {"True", "False"}:
            table[column] = [None if v == "" else v == "True" for v in combined[column]]
    for column in PROBABILITY_COLUMNS:
        if column in table and pd.api.types.is_numeric_dtype(table[column]):
            # Python's round, as the pages round (toolkit.core.i18n.decimal), value by value
            table[column] = [None if pd.isna(v) else round(float(v), PROBABILITY_DIGITS) for v in table[column]]
    return table


def readme_rows(manifest: Mapping[str, Any], summaries: Sequence[Mapping[str, Any]],
                table: pd.DataFrame) -> list[tuple[str, list[Any]]]:
    """The readme sheet, as (style, cells) rows in the current edition: what the run is, its warning, what
    each sheet holds, the rounding, the categories and every column of the results sheet."""
    rows: list[tuple[str, list[Any]]] = [("title", [_("Outline monitoring: results of a run")])]
    synthetic = [s for s in summaries if s.get("synthetic")]
    if synthetic:
        rows += [("warning", [banner_text()]),
                 ("warning", [_("Units on synthetic data: {units}").format(
                     units=list_separator().join(both_names(s) for s in synthetic))])]
    cycles = [str(s["cycle"]) for s in summaries if s.get("cycle")]
    rows += [("", []),
             ("key", [_("Run date"), run_date(manifest)]),
             ("key", [_("Outline"), cycle_names(cycles) or "—"]),
             ("key", [_("As-of year (later observations ignored)"),
                      describe([s.get("as_of") for s in summaries], manifest.get("as_of"))]),
             ("key", [_("Target set"), describe([s.get("target_set") for s in summaries], manifest.get("targets"))]),
             ("key", [_("Units"), len(summaries)]),
             ("key", [_("Rows (unit x indicator)"), len(table)]),
             ("key", [_("Toolkit version"), str(manifest.get("toolkit_version") or __version__)]),
             ("", []),
             ("head", [_("Sheet"), _("What it holds")]),
             ("", [_("readme"), _("This sheet: what the workbook holds and what the columns of the results mean.")]),
             ("", [_("results"), _("One row per unit and indicator. Row 1: the column names; row 2: the column ids "
                                   "of results.csv, with the filter buttons; the data from row 3.")]),
             ("", []),
             ("head", [_("Notes")]),
             ("", [_("Probabilities (p_attain, midterm_p_on_path) are rounded to 2 decimals in this workbook. "
                     "results.csv, beside this file, holds every value exactly and is the file to read by program.")]),
             ("", [_("An empty cell: not applicable or not computed (no target, no forecast, or an observed "
                     "target year).")]),
             ("", []),
             ("head", [_("Category (code)"), _("Assessment category")])]
    rows += [("", [c, category_label(c)]) for c in CATEGORIES]
    rows += [("", []), ("head", [_("Column"), _("Column id in results.csv"), _("Meaning")])]
    for column in table.columns:
        shown_id = _("(this workbook only)") if column in ADDED_COLUMNS else column
        rows.append(("", [_column_label(column), shown_id, _(COLUMN_NOTES[column]) if column in COLUMN_NOTES else ""]))
    return rows


def _column_label(column: str) -> str:
    return _(COLUMN_LABELS[column]) if column in COLUMN_LABELS else column


def _cell(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars as Python numbers, missing values as empty cells."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _width(values: Sequence[Any]) -> float:
    """A column width (in characters) that shows most values: CJK characters count double."""
    longest = 0
    for value in values:
        text = "" if value is None else str(value)
        longest = max(longest, sum(2 if ord(ch) > 0x2E7F else 1 for ch in text))
    return float(min(max(longest + 2, 8), 48))


def save_workbook(path: Path, sheets: tuple[str, str], readme: list[tuple[str, list[Any]]],
                  table: pd.DataFrame) -> None:
    """The readme sheet, then the results sheet, streamed row by row (openpyxl's write-only mode).

    A full county run has 82,534 rows (3.5 million cells): held as cell objects they took 2,138 MB and 48.7 s
    beyond the csv, streamed 545 MB and 25.6 s (``benchmarks/bench_workbook.py``). Styles, widths, the filter
    and the frozen panes are set before the rows are written, as write-only mode requires."""
    from openpyxl import Workbook  # 0.06 s here (pandas loaded): only when a run writes its workbook
    from openpyxl.cell import WriteOnlyCell  # part of openpyxl's 0.06 s
    from openpyxl.styles import Alignment, Font, PatternFill  # part of openpyxl's 0.06 s
    from openpyxl.utils import get_column_letter  # part of openpyxl's 0.06 s

    book = Workbook(write_only=True)

    def cell(sheet, value: Any, **style: Any) -> Any:
        """A cell with a style, or a value that must stay text (openpyxl would store '=...' as a formula)."""
        written = WriteOnlyCell(sheet, value=value)
        io.keep_text(written)
        for name, setting in style.items():
            setattr(written, name, setting)
        return written

    about = book.create_sheet(sheets[0])
    for letter, width in (("A", 44), ("B", 30), ("C", 90)):
        about.column_dimensions[letter].width = width
    fonts = {"title": Font(bold=True, size=14), "warning": Font(bold=True, color="B2182B"),
             "key": Font(bold=True), "head": Font(bold=True)}
    band, left = PatternFill("solid", fgColor="EEEEEE"), Alignment(horizontal="left")
    for style, values in readme:
        if style == "head":  # the grey band runs across the sheet's three columns
            values = [*values, *[None] * (3 - len(values))]
        row = []
        for position, value in enumerate(values, start=1):
            settings: dict[str, Any] = {}
            if style == "key" and position > 1:
                settings["alignment"] = left
            elif style in fonts and (style != "key" or position == 1):
                settings["font"] = fonts[style]
            if style == "head":
                settings["fill"] = band
            row.append(cell(about, _cell(value), **settings))
        about.append(row)

    results = book.create_sheet(sheets[1])
    columns = list(table.columns)
    for position, column in enumerate(columns, start=1):
        results.column_dimensions[get_column_letter(position)].width = _width(
            [_column_label(column)[:24], column, *table[column].head(500).tolist()])
    results.row_dimensions[1].height = 45
    results.auto_filter.ref = f"A2:{get_column_letter(max(len(columns), 1))}{len(table) + 2}"
    frozen = columns.index("indicator_name_en") + 2 if "indicator_name_en" in columns else 1
    results.freeze_panes = f"{get_column_letter(frozen)}3"
    grey = PatternFill("solid", fgColor="F2F2F2")
    head, ids = Font(bold=True), Font(italic=True, color="767676", size=9)
    wrap = Alignment(wrap_text=True, vertical="top")
    results.append([cell(results, _column_label(c), font=head, fill=grey, alignment=wrap) for c in columns])
    results.append([cell(results, c, font=ids, fill=grey) for c in columns])
    probability = {i for i, c in enumerate(columns) if c in PROBABILITY_COLUMNS}
    # Once for the whole table, not per cell: missing values as None (empty cells), numbers as Python numbers.
    values = table.astype(object)
    values = values.where(values.notna(), None)
    for row in values.itertuples(index=False, name=None):
        results.append([
            cell(results, v, number_format="0.00") if i in probability and v is not None
            else cell(results, v) if isinstance(v, str) and v.startswith("=")
            else v
            for i, v in enumerate(row)])
    book.save(path)
