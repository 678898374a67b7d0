"""Checking grids of text cells into typed frames, with every problem reported; shared by the loaders.

The reference tables (``data/units.csv``, ``data/indicators.csv``, ``data/targets/*.csv``) and the users'
observation files are all read into a :class:`~toolkit.inputs.files.Grid` of text cells that remembers
where each row came from,
and checked with one mechanism (:func:`validate_frame`, built on pandera), so that every file reports every
problem with its line (or ``Sheet!C7``), column and a fix. pandera and pandas errors never reach the user:
they become :class:`~toolkit.core.errors.Problem` entries of a :class:`~toolkit.core.errors.ToolkitError`.

The loaders (:mod:`toolkit.inputs.units`, :mod:`toolkit.inputs.catalog`, :mod:`toolkit.inputs.observations`)
own their schemas and their cross-row checks; this module owns only what they share, so the messages look the same in every file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from toolkit.contracts.observations import FIRST_YEAR, LAST_YEAR, SLUG
from toolkit.core.errors import DataValidationError, Problem, did_you_mean, excerpt
from toolkit.inputs.files import Grid, read_bytes, read_csv_grid

# Spellings of measurement units seen in yearbooks and spreadsheets -> the ids used in indicators.csv.
UNIT_ALIASES = {
    "%": "percent", "％": "percent", "pct": "percent", "per cent": "percent",
    "‰": "per_mille", "permille": "per_mille", "per mille": "per_mille", "per thousand": "per_mille",
    "1/10万": "per_100k", "/10万": "per_100k", "per 100k": "per_100k", "per 100,000": "per_100k",
    "1/万": "per_10k", "/万": "per_10k", "per 10k": "per_10k", "per 10,000": "per_10k",
}
UNIT_SYMBOLS = {"percent": "%", "per_mille": "‰", "per_100k": "1/10万", "per_10k": "1/万"}

Locate = Callable[[int, str], tuple[int | str, str]]
"""Maps (frame index, column) to (where, column label) for messages: (7, 'value') or ('Sheet1!D7', '2015年')."""


def canonical_unit(text: str) -> str:
    """The indicators.csv unit id for a spelling such as '%', '‰' or '1/10万' (ids pass through, lower-cased)."""
    key = str(text).strip().casefold()
    return UNIT_ALIASES.get(key, key)


def frame_from_grid(grid: Grid, required: Sequence[str], optional: Sequence[str] = (), *, hint: str = "",
                    aliases: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, Locate, list[Problem]]:
    """Header row -> column names, other rows -> a frame of text (index = row position in the grid).

    Column names are matched case-insensitively. A missing column is reported with the closest header (a
    likely misspelling), which then stands in for it so that the rows can still be checked; an unknown column
    is an error, so that a misspelled optional column is not silently ignored. Rows with more or fewer fields
    than the header are reported and left out. ``hint`` is added to the fix when no expected column is found.
    ``aliases`` maps other header spellings (Chinese headers such as 年份) to the column names.
    """
    expected = list(required) + list(optional)
    if not grid.rows:
        return pd.DataFrame(columns=expected), (lambda i, c: (1, c)), [Problem(
            "the file is empty", fix="the first line must be the header: " + ",".join(expected))]
    header = [h.lstrip("\ufeff").strip().lower() for h in grid.rows[0]]
    if aliases:
        header = [aliases.get(h, h) for h in header]
    while len(header) > 1 and not header[-1] and all(len(r) < len(header) or not r[len(header) - 1]
                                                    for r in grid.rows[1:]):
        header.pop()  # trailing empty columns (a spreadsheet artefact)
    width = len(header)
    separator = next((d for d in (";", "\t", "|") if d in header[0]), None) if width == 1 else None
    if separator:
        return pd.DataFrame(columns=expected), (lambda i, c: (grid.where(0), c)), [Problem(
            f"the header is one column '{excerpt(grid.rows[0][0])}': the file seems to use {separator!r} as its "
            "separator",
            row=grid.where(0), fix="save the file with commas as separators (in Excel: 'CSV UTF-8 (comma delimited)')")]
    if not set(header) & set(expected) and not any(did_you_mean(name, header) for name in expected):
        return pd.DataFrame(columns=expected), (lambda i, c: (grid.where(0), c)), [Problem(
            "the first row is not a header of this table (it has " + ", ".join(
                f"'{excerpt(h, HEADER_EXCERPT)}'" for h in [h for h in header if h][:3])
            + (", ..." if sum(1 for h in header if h) > 3 else "") + ")", row=grid.where(0),
            fix="the first row must be the header: " + ",".join(expected) + hint)]
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for pos, name in enumerate(header):
        if not name:
            if any(len(r) > pos and r[pos] for r in grid.rows[1:]):
                problems.append(Problem("a column without a header has values", row=grid.where(0, pos),
                                        fix="give the column a header or delete it"))
            continue
        if name in positions:
            problems.append(Problem(f"column '{excerpt(name)}' appears twice", row=grid.where(0, pos), column=name,
                                    fix="keep one column of that name"))
        positions.setdefault(name, pos)
    unknown = [h for h in positions if h not in expected]
    missing = []
    for name in (n for n in expected if n not in positions):
        close = did_you_mean(name, unknown)
        if close:
            problems.append(Problem(f"column '{close[0]}' is not a known column (did you mean '{name}'?)",
                                    row=grid.where(0, positions[close[0]]), column=close[0],
                                    fix=f"rename the column to '{name}'"))
            unknown.remove(close[0])
            positions[name] = positions.pop(close[0])
        elif name in required:
            missing.append(name)
    if missing:
        problems.append(Problem("required column" + ("s " if len(missing) > 1 else " ")
                                + ", ".join(f"'{m}'" for m in missing) + (" are" if len(missing) > 1 else " is")
                                + " missing", row=grid.where(0),
                                fix="the header must contain: " + ", ".join(required)
                                + (" (optional: " + ", ".join(optional) + ")" if optional else "")))
    for name in unknown:
        problems.append(Problem(f"unknown column '{excerpt(name)}'", row=grid.where(0, positions[name]),
                                column=excerpt(name),
                                fix="remove it or rename it; the known columns are: " + ", ".join(expected)))
    columns = [c for c in expected if c in positions]
    records, index = [], []
    for i in range(1, len(grid.rows)):
        cells = grid.rows[i]
        if len(cells) > width and any(cells[width:]):
            problems.append(Problem(f"this row has {len(cells)} fields but the header has {width}", row=grid.where(i),
                                    fix="quote values that contain a comma, or remove the extra fields"))
        elif len(cells) < width and grid.sheet is None:
            problems.append(Problem(f"this row has {len(cells)} fields but the header has {width}", row=grid.where(i),
                                    fix="every row needs a value (possibly empty) for every column"))
        else:
            cells = cells + [""] * (width - len(cells))
            records.append([cells[positions[c]] for c in columns])
            index.append(i)
    frame = pd.DataFrame(records, columns=columns, index=index, dtype=object).replace("", np.nan)

    def locate(i: int, column: str) -> tuple[int | str, str]:
        return grid.where(i, positions.get(column, 0)), column

    return frame, locate, problems


def top_to_bottom(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order (by line or worksheet row; the order found within a row)."""

    def line(problem: Problem) -> int:
        match = re.search(r"(\d+)$", str(problem.row)) if problem.row is not None else None
        return int(match[1]) if match else 0

    return sorted(problems, key=line)


def _types_only(schema: pa.DataFrameSchema, *, nullable: bool = False) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({name: pa.Column(col.dtype, nullable=nullable or col.nullable, coerce=True,
                                               required=col.required) for name, col in schema.columns.items()})


def validate_frame(frame: pd.DataFrame, schema: pa.DataFrameSchema, locate: Locate
                   ) -> tuple[pd.DataFrame, set, list[Problem]]:
    """Coerce and check ``frame`` with a pandera ``schema``, reporting every failing cell.

    Returns the rows that could be typed (coerced to the schema's dtypes), the index of the rows that break
    the schema (a subset may be among the typed rows: drop them after any further checks of your own) and
    one Problem per failing cell. Dtypes are checked first and the checks run on every row that coerced, so
    one bad cell does not hide the other problems of its row or column. A check's ``error`` is the fix shown.
    """
    try:  # the usual case: a valid table, one pass
        return schema.validate(frame, lazy=True), set(), []
    except SchemaErrors:
        pass
    types = _types_only(schema)
    order = {c: k for k, c in enumerate(frame.columns)}
    found: dict[tuple[int, int, Problem], None] = {}  # ordered set: both passes may report an empty cell
    bad: set = set()
    uncoercible: set = set()
    typed = frame
    for current in (types, schema):
        try:
            current.validate(typed, lazy=True)
            failures = pd.DataFrame(columns=["check", "index", "column"])
        except SchemaErrors as exc:
            failures = exc.failure_cases
        located = 0
        for case in failures.itertuples(index=False):
            check, idx, column = str(case.check), case.index, str(case.column)
            if check.startswith("dtype(") or idx is None or pd.isna(idx) or column not in order:
                continue
            idx, located = int(idx), located + 1
            message, fix = _failure_text(check, frame.at[idx, column])
            if message == "is empty" and schema.columns[column].description:
                fix = schema.columns[column].description
            where, label = locate(idx, column)
            found[idx, order[column], Problem(message, fix=fix, row=where, column=label)] = None
            bad.add(idx)
            if check.startswith("coerce_dtype("):
                uncoercible.add(idx)
        if len(failures) and not located:  # a failure not tied to a cell: report it, keep no rows
            found[-1, -1, Problem(f"failed the table check '{failures['check'].iloc[0]}'")] = None
            bad.update(frame.index)
            uncoercible.update(frame.index)
        if current is types:
            typed = _types_only(schema, nullable=True).validate(frame.drop(index=sorted(uncoercible)))
    return typed, bad, [p for _, _, p in sorted(found, key=lambda t: (t[0], t[1]))]


def _failure_text(check: str, raw: object) -> tuple[str, str]:
    """(message, fix) for one pandera failure; ``raw`` is the cell as the user wrote it."""
    shown = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else excerpt(raw)
    if not shown:
        return "is empty", "fill in a value"
    if check == "not_nullable" or (check.startswith("coerce_dtype(") and "int" not in check.lower()):
        return f"'{shown}' is not a number", ("write a plain number such as 12.5 "
                                              "(decimal point, no unit, no thousands separator)")
    if check.startswith("coerce_dtype("):
        return f"'{shown}' is not a whole number", "write a whole number such as 2015"
    if check == "field_uniqueness":
        return f"'{shown}' appears more than once", "keep one row per id"
    return f"'{shown}' is not allowed", check


def year_column(*, nullable: bool = False) -> pa.Column:
    """The one year rule of every table: a whole number between FIRST_YEAR and LAST_YEAR."""
    return pa.Column("Int64" if nullable else "int64", nullable=nullable, coerce=True, checks=pa.Check.in_range(
        FIRST_YEAR, LAST_YEAR, error=f"a year must be between {FIRST_YEAR} and {LAST_YEAR}"))


def text_column(*checks: pa.Check, nullable: bool = False, unique: bool = False, if_empty: str | None = None,
                required: bool = True) -> pa.Column:
    """A text column (pandas string dtype); ``if_empty`` is the fix shown when a required cell is empty;
    ``required=False`` lets a file leave the column out."""
    return pa.Column(str, checks=list(checks), nullable=nullable, unique=unique, coerce=True, description=if_empty,
                     required=required)


def choice(values: Sequence[str]) -> pa.Check:
    """Allowed values of a text column; the message lists them."""
    return pa.Check.isin(list(values), error="use one of: " + ", ".join(f"'{v}'" for v in values))


def slug(what: str) -> pa.Check:
    """An id made of lower-case ASCII letters, digits and '_', starting with a letter."""
    return pa.Check.str_matches(
        SLUG, error=f"a {what} is lower-case ASCII letters, digits and '_', e.g. 'inner_mongolia'")


#: A header that is no header may be any file's first line: only the start of its first cells is quoted.
HEADER_EXCERPT = 12


def read_reference_table(path: str | Path, schema: pa.DataFrameSchema, *, what: str
                         ) -> tuple[pd.DataFrame, Locate, list[Problem]]:
    """Read a reference CSV (units, indicators, targets) and check it against ``schema``.

    Columns the schema marks ``required=False`` may be left out of the file; they come back empty, so every
    table of a kind has the same columns. Returns the valid rows (typed), a locator for further messages and
    the problems found so far; raises at once when a required column is missing, since nothing else can be
    checked then.
    """
    p = Path(path)
    required = [name for name, column in schema.columns.items() if column.required]
    optional = [name for name, column in schema.columns.items() if not column.required]
    frame, locate, problems = frame_from_grid(read_csv_grid(p, read_bytes(p)), required, optional)
    if [c for c in frame.columns if c in required] != required:
        raise DataValidationError(f"is not a valid {what}", path=p, problems=problems)
    typed, bad, more = validate_frame(frame, schema, locate)
    typed = typed.drop(index=sorted(bad & set(typed.index)))
    for name in optional:
        if name not in typed.columns:
            typed[name] = pd.Series(pd.NA, index=typed.index, dtype="string")
    return typed[list(schema.columns)], locate, problems + more


# pandera imports its backends (and hypothesis) on the first validation; do it now so that loads stay fast.
pa.DataFrameSchema.register_default_backends(pd.DataFrame)
