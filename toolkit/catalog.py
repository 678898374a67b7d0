"""Indicators and target sets, and the table checks every data file shares.

The reference tables (``data/units.csv``, ``data/indicators.csv``, ``data/targets/*.csv``) and the users'
observation files are all read here into a :class:`Grid` of text cells that remembers where each row came
from, and checked with one mechanism (:func:`validate_frame`, built on pandera), so that every file reports
every problem with its line (or ``Sheet!C7``), column and a fix. pandera and pandas errors never reach the
user: they become :class:`~toolkit.errors.Problem` entries of a :class:`~toolkit.errors.ToolkitError`.

Reference tables are cached (keyed on path, size and modification time) because notebooks load them often.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from toolkit.errors import DataValidationError, Problem, TargetError, UnknownIndicatorError
from toolkit.paths import INDICATORS_CSV, TARGETS_DIR

FIRST_YEAR, LAST_YEAR = 1949, 2100
SLUG = r"^[a-z][a-z0-9_]*$"
COMPARATORS = ("<", "<=", ">", ">=")
TARGET_KINDS = ("absolute", "relative_change")
DIRECTIONS = ("decrease", "increase")
TRANSFORMS = ("log", "logit", "identity")

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


# --------------------------------------------------------------------------------------------- shared helpers


def did_you_mean(name: str, candidates: Iterable[str], *, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Close matches of ``name`` among ``candidates`` (case-insensitive), best first."""
    by_key: dict[str, str] = {}
    for cand in candidates:
        by_key.setdefault(str(cand).casefold(), str(cand))
    return [by_key[k] for k in difflib.get_close_matches(str(name).casefold(), list(by_key), n=n, cutoff=cutoff)]


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """" (did you mean 'x'?)" or an empty string: the tail of an 'unknown ...' message."""
    close = did_you_mean(name, candidates)
    return f" (did you mean '{close[0]}'?)" if close else ""


def canonical_unit(text: str) -> str:
    """The indicators.csv unit id for a spelling such as '%', '‰' or '1/10万' (ids pass through, lower-cased)."""
    key = str(text).strip().casefold()
    return UNIT_ALIASES.get(key, key)


@dataclass(frozen=True)
class Grid:
    """Every non-blank row of a CSV file or worksheet as stripped text, and where each row came from."""

    path: Path
    rows: list[list[str]]
    lines: list[int]  # 1-based CSV line of the row's start, or the worksheet row number
    sheet: str | None = None
    offset: int = 0  # worksheet columns left of rows[i][0] (a table that does not start in column A)

    def where(self, i: int, col: int = 0) -> int | str:
        """Location of a cell for messages: the CSV line number, or ``Sheet!C7`` for a worksheet."""
        if self.sheet is None:
            return self.lines[i]
        letters, n = "", self.offset + col + 1
        while n:
            n, r = divmod(n - 1, 26)
            letters = chr(65 + r) + letters
        return f"{self.sheet}!{letters}{self.lines[i]}"


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_text(raw: bytes, path: Path) -> str:
    """Decode a text file that is UTF-8 (with or without BOM) or GBK/GB18030 (Chinese Excel exports)."""
    bom = raw.startswith(codecs.BOM_UTF8)
    if bom:
        raw = raw[len(codecs.BOM_UTF8):]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataValidationError("is a UTF-16 text file, which is not supported", path=path, problems=[Problem(
            "the file starts with a UTF-16 byte-order mark",
            fix="in Excel use 'Save As' > 'CSV UTF-8 (comma delimited)'")])
    if b"\x00" in raw:
        raise DataValidationError("is not a text file", path=path, problems=[Problem(
            "the file contains NUL bytes (binary data)", row=_line_of(raw, raw.index(b"\x00")),
            fix="give a CSV file (UTF-8 or GBK) or an .xlsx workbook")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = raw.decode("utf-8", errors="replace")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if not bom and good <= text.count("\ufffd"):  # mostly not UTF-8: a GBK/GB18030 export (a damaged UTF-8 file is not)
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            first_bad = exc.start
    raise DataValidationError("cannot be decoded", path=path, problems=[Problem(
        f"the byte at offset {first_bad + 3 * bom} is neither valid UTF-8 nor GBK/GB18030",
        row=_line_of(raw, first_bad), fix="re-save the file as 'CSV UTF-8'; if it came from Chinese Excel, GBK is also accepted")])


def read_csv_grid(path: Path, raw: bytes) -> Grid:
    """Parse the bytes of a CSV file into a :class:`Grid`; a malformed file raises with the line at fault."""
    text = decode_text(raw, path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            cells = [c.strip() for c in record]
            if any(cells):
                rows.append(cells)
                lines.append(start)
    except csv.Error as exc:
        if "end of data" in str(exc):
            problem = Problem("a double quote opened here is never closed", row=end + 1,
                              fix="close the quoted value, or double any quote inside it (\"\")")
        else:
            problem = Problem(f"malformed CSV ({exc})", row=reader.line_num,
                              fix="a value containing a comma or a quote must be enclosed in double quotes, "
                                  "with inner quotes doubled (\"\")")
        raise DataValidationError("is not a well-formed CSV file", path=path, problems=[problem]) from None
    return Grid(path=path, rows=rows, lines=lines)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of an input file (never modified), or a clear error when it cannot be read."""
    p = Path(path)
    if not p.exists():
        raise DataValidationError("file not found", path=p, problems=[Problem(
            "no such file", fix="check the path (relative paths are relative to the current folder)")])
    if p.is_dir():
        raise DataValidationError("is a folder, not a file", path=p, problems=[Problem(
            "expected a CSV or XLSX file", fix="give the path of a file")])
    try:
        return p.read_bytes()
    except OSError as exc:
        raise DataValidationError("cannot be read", path=p, problems=[Problem(
            exc.strerror or str(exc), fix="check the file's permissions")]) from None


def frame_from_grid(grid: Grid, required: Sequence[str], optional: Sequence[str] = (), *, hint: str = ""
                    ) -> tuple[pd.DataFrame, Locate, list[Problem]]:
    """Header row -> column names, other rows -> a frame of text (index = row position in the grid).

    Column names are matched case-insensitively. A missing column is reported with the closest header (a
    likely misspelling), which then stands in for it so that the rows can still be checked; an unknown column
    is an error, so that a misspelled optional column is not silently ignored. Rows with more or fewer fields
    than the header are reported and left out. ``hint`` is added to the fix when no expected column is found.
    """
    expected = list(required) + list(optional)
    if not grid.rows:
        return pd.DataFrame(columns=expected), (lambda i, c: (1, c)), [Problem(
            "the file is empty", fix="the first line must be the header: " + ",".join(expected))]
    header = [h.lstrip("\ufeff").strip().lower() for h in grid.rows[0]]
    while len(header) > 1 and not header[-1] and all(len(r) < len(header) or not r[len(header) - 1]
                                                    for r in grid.rows[1:]):
        header.pop()  # trailing empty columns (a spreadsheet artefact)
    width = len(header)
    separator = next((d for d in (";", "\t", "|") if d in header[0]), None) if width == 1 else None
    if separator:
        return pd.DataFrame(columns=expected), (lambda i, c: (grid.where(0), c)), [Problem(
            f"the header is one column '{grid.rows[0][0]}': the file seems to use {separator!r} as its separator",
            row=grid.where(0), fix="save the file with commas as separators (in Excel: 'CSV UTF-8 (comma delimited)')")]
    if not set(header) & set(expected) and not any(did_you_mean(name, header) for name in expected):
        return pd.DataFrame(columns=expected), (lambda i, c: (grid.where(0), c)), [Problem(
            "the first row is not a header of this table (it has " + ", ".join(f"'{h}'" for h in header if h)
            + ")", row=grid.where(0), fix="the first row must be the header: " + ",".join(expected) + hint)]
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for pos, name in enumerate(header):
        if not name:
            if any(len(r) > pos and r[pos] for r in grid.rows[1:]):
                problems.append(Problem("a column without a header has values", row=grid.where(0, pos),
                                        fix="give the column a header or delete it"))
            continue
        if name in positions:
            problems.append(Problem(f"column '{name}' appears twice", row=grid.where(0, pos), column=name,
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
        problems.append(Problem(f"unknown column '{name}'", row=grid.where(0, positions[name]), column=name,
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
    shown = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw)
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


def text_column(*checks: pa.Check, nullable: bool = False, unique: bool = False, if_empty: str | None = None
                ) -> pa.Column:
    """A text column (pandas string dtype); ``if_empty`` is the fix shown when a required cell is empty."""
    return pa.Column(str, checks=list(checks), nullable=nullable, unique=unique, coerce=True, description=if_empty)


def choice(values: Sequence[str]) -> pa.Check:
    """Allowed values of a text column; the message lists them."""
    return pa.Check.isin(list(values), error="use one of: " + ", ".join(f"'{v}'" for v in values))


def slug(what: str) -> pa.Check:
    """An id made of lower-case ASCII letters, digits and '_', starting with a letter."""
    return pa.Check.str_matches(
        SLUG, error=f"a {what} is lower-case ASCII letters, digits and '_', e.g. 'inner_mongolia'")


def read_reference_table(path: str | Path, schema: pa.DataFrameSchema, *, what: str
                         ) -> tuple[pd.DataFrame, Locate, list[Problem]]:
    """Read a reference CSV (units, indicators, targets) and check it against ``schema``.

    Returns the valid rows (typed), a locator for further messages and the problems found so far; raises at
    once when a required column is missing, since nothing else can be checked then.
    """
    p = Path(path)
    frame, locate, problems = frame_from_grid(read_csv_grid(p, read_bytes(p)), list(schema.columns))
    if list(frame.columns) != list(schema.columns):
        raise DataValidationError(f"is not a valid {what}", path=p, problems=problems)
    typed, bad, more = validate_frame(frame, schema, locate)
    return typed.drop(index=sorted(bad & set(typed.index))), locate, problems + more


def file_key(path: str | Path) -> tuple[str, int, int]:
    """Cache key of a file: its resolved path, size and modification time (a changed file is re-read)."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return str(p), -1, -1
    return str(p), st.st_size, st.st_mtime_ns


# ------------------------------------------------------------------------------------------------- indicators

INDICATOR_SCHEMA = pa.DataFrameSchema({
    "indicator_id": text_column(slug("indicator id"), unique=True),
    "area": text_column(),
    "name_en": text_column(),
    "name_zh": text_column(),
    "unit": text_column(),
    "direction": text_column(choice(DIRECTIONS)),
    "lower_bound": pa.Column("float64", nullable=True, coerce=True),
    "upper_bound": pa.Column("float64", nullable=True, coerce=True),
    "transform": text_column(choice(TRANSFORMS)),
})

INDICATOR_COLUMNS = list(INDICATOR_SCHEMA.columns)

# pandera imports its backends (and hypothesis) on the first validation; do it now so that loads stay fast.
pa.DataFrameSchema.register_default_backends(pd.DataFrame)


@lru_cache(maxsize=8)
def _indicators(key: tuple[str, int, int]) -> pd.DataFrame:
    path = Path(key[0])
    frame, locate, problems = read_reference_table(path, INDICATOR_SCHEMA, what="indicator table")
    crossed = frame["lower_bound"] >= frame["upper_bound"]  # False where a bound is missing
    for idx in frame.index[crossed]:
        problems.append(Problem("lower_bound is not below upper_bound", row=locate(idx, "lower_bound")[0],
                                column="lower_bound", fix="swap or correct the bounds"))
    if problems:
        raise DataValidationError("is not a valid indicator table", path=path, problems=top_to_bottom(problems))
    return frame.set_index("indicator_id")


def load_indicators(path: str | Path = INDICATORS_CSV) -> pd.DataFrame:
    """The indicator catalog indexed by ``indicator_id`` (bounds as floats, NaN = no bound). Cached; a copy."""
    return _indicators(file_key(path)).copy()


def default_indicators(indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """``indicators`` or the cached default catalog (not a copy: read it, do not modify it)."""
    return _indicators(file_key(INDICATORS_CSV)) if indicators is None else indicators


def resolve_indicator(indicator_id: str, indicators: pd.DataFrame | None = None) -> str:
    """The catalog id for ``indicator_id`` (case and surrounding spaces ignored), else UnknownIndicatorError."""
    table = default_indicators(indicators)
    key = str(indicator_id).strip().lower()
    if key in table.index:
        return key
    raise UnknownIndicatorError(f"unknown indicator '{indicator_id}'", problems=[Problem(
        f"'{indicator_id}' is not in data/indicators.csv{suggestion(key, table.index)}",
        fix="use an indicator_id from data/indicators.csv")])


def out_of_bounds(indicator_ids: pd.Series, values: pd.Series, indicators: pd.DataFrame | None = None) -> pd.Series:
    """True where a value breaks its indicator's hard bounds (inclusive). The one bounds check of the toolkit."""
    table = default_indicators(indicators)
    lo = indicator_ids.map(table["lower_bound"]).astype(float)
    hi = indicator_ids.map(table["upper_bound"]).astype(float)
    return (lo.notna() & (values < lo)) | (hi.notna() & (values > hi))


def bounds_text(indicator_id: str, indicators: pd.DataFrame | None = None) -> str:
    """'between 0 and 100 percent' / 'at least 0 per_100k': the valid range of an indicator, for messages."""
    row = default_indicators(indicators).loc[indicator_id]
    lo, hi, unit = row["lower_bound"], row["upper_bound"], row["unit"]
    if pd.notna(lo) and pd.notna(hi):
        return f"between {lo:g} and {hi:g} {unit}"
    return f"at least {lo:g} {unit}" if pd.notna(lo) else (f"at most {hi:g} {unit}" if pd.notna(hi) else "any number")


# ---------------------------------------------------------------------------------------------------- targets

TARGET_SCHEMA = pa.DataFrameSchema({
    "indicator_id": text_column(),
    "comparator": text_column(choice(COMPARATORS)),
    "target_value": pa.Column("float64", coerce=True, checks=pa.Check(np.isfinite, element_wise=False,
                                                                      error="write a finite number")),
    "target_kind": text_column(choice(TARGET_KINDS)),
    "base_year": year_column(nullable=True),
    "target_year": year_column(),
    "text_en": text_column(nullable=True),
    "text_zh": text_column(nullable=True),
    "source": text_column(),
})
TARGET_COLUMNS = list(TARGET_SCHEMA.columns)


def available_target_sets() -> list[str]:
    """Names of the target sets shipped in data/targets/ (file stems)."""
    return sorted(p.stem for p in TARGETS_DIR.glob("*.csv"))


def _target_set_path(set_or_path: str | Path) -> Path:
    text = str(set_or_path)
    if isinstance(set_or_path, Path) or any(s in text for s in ("/", "\\")) or text.lower().endswith(".csv"):
        p = Path(set_or_path)
        if not p.is_file():
            raise TargetError("target file not found", path=p, problems=[Problem(
                "no such file",
                fix="give an existing CSV path, or one of the sets: " + ", ".join(available_target_sets()))])
        return p
    p = TARGETS_DIR / f"{text}.csv"
    if not p.is_file():
        sets = available_target_sets()
        raise TargetError(f"unknown target set '{text}'", problems=[Problem(
            f"there is no data/targets/{text}.csv{suggestion(text, sets)}",
            fix="use one of: " + ", ".join(sets) + " (or give the path of a CSV file in the same format)")])
    return p


@lru_cache(maxsize=16)
def _targets(key: tuple[str, int, int], indicators_key: tuple[str, int, int]) -> pd.DataFrame:
    path = Path(key[0])
    indicators = _indicators(indicators_key)
    frame, locate, problems = read_reference_table(path, TARGET_SCHEMA, what="target set")
    ids = {}
    for raw in frame["indicator_id"].unique():
        try:
            ids[raw] = resolve_indicator(raw, indicators)
        except UnknownIndicatorError as exc:
            for idx in frame.index[frame["indicator_id"] == raw]:
                problems.append(replace(exc.problems[0], row=locate(idx, "indicator_id")[0], column="indicator_id"))
    frame = frame.assign(indicator_id=frame["indicator_id"].map(ids).fillna(frame["indicator_id"]))
    known = frame["indicator_id"].isin(indicators.index)
    ids = frame["indicator_id"]
    absolute = known & (frame["target_kind"] == "absolute")
    rel = frame["target_kind"] == "relative_change"
    checks = [
        (absolute & out_of_bounds(ids.where(absolute, ""), frame["target_value"], indicators), "target_value",
         lambda r: f"target {r.target_value:g} is outside the indicator's bounds",
         lambda r: f"{r.indicator_id} must be {bounds_text(r.indicator_id, indicators)}"),
        (rel & frame["base_year"].isna(), "base_year", lambda r: "a relative_change target needs a base_year",
         lambda r: "give the year the change is measured from, e.g. 2010"),
        (rel & (frame["base_year"] >= frame["target_year"]).fillna(False), "base_year",
         lambda r: "base_year is not before target_year", lambda r: "check both years"),
        (rel & (frame["target_value"] <= -1), "target_value",
         lambda r: f"relative change {r.target_value:g} would reach zero or below",
         lambda r: "a relative change is a fraction above -1, e.g. -0.166667 for 'down by one sixth'"),
        (frame.duplicated(["indicator_id", "target_year"], keep=False), "indicator_id",
         lambda r: f"more than one target for {r.indicator_id} in {r.target_year}", lambda r: "keep one"),
    ]
    for mask, column, message, fix in checks:
        for r in frame[mask.astype(bool)].itertuples():
            problems.append(Problem(message(r), fix=fix(r), row=locate(r.Index, column)[0], column=column))
    if problems:
        raise DataValidationError("is not a valid target set", path=path, problems=top_to_bottom(problems))
    return frame.reset_index(drop=True).assign(target_set=path.stem)


def load_targets(set_or_path: str | Path) -> pd.DataFrame:
    """A target set by name (``outline-2011-2020``, a file in data/targets/) or by CSV path; adds ``target_set``.

    Unknown set names raise :class:`TargetError` listing the available sets; a malformed file raises
    :class:`DataValidationError` with every problem. Cached; the result is a copy.
    """
    return _targets(file_key(_target_set_path(set_or_path)), file_key(INDICATORS_CSV)).copy()


def resolve_target_value(target_row: Mapping | pd.Series, base_value: float | None) -> float | None:
    """The absolute value a unit must reach.

    ``absolute`` targets are returned as they are. A ``relative_change`` target is relative to the unit's own
    value in ``base_year``: ``(1 + target_value) * base_value``, so -0.166667 means "down by one sixth".
    Returns None when ``base_value`` is None (or NaN): the assessment engine then estimates the base-year value
    from the fitted trend and flags it; that is its job, not the catalog's.
    """
    kind, value = target_row["target_kind"], float(target_row["target_value"])
    if kind == "absolute":
        return value
    if kind != "relative_change":
        raise TargetError(f"unknown target_kind '{kind}'", problems=[Problem(
            "cannot resolve this target", fix="use one of: " + ", ".join(TARGET_KINDS))])
    if base_value is None or (isinstance(base_value, float) and math.isnan(base_value)):
        return None
    return (1.0 + value) * float(base_value)


_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def target_met(value: float, comparator: str, target: float) -> bool:
    """Whether ``value`` satisfies ``comparator target`` (False when either number is missing)."""
    if comparator not in _OPS:
        raise TargetError(f"unknown comparator '{comparator}'", problems=[Problem(
            "cannot compare with it", fix="use one of: " + ", ".join(COMPARATORS))])
    if value is None or target is None or math.isnan(float(value)) or math.isnan(float(target)):
        return False
    return bool(_OPS[comparator](float(value), float(target)))

