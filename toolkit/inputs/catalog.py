"""Indicators and target sets: loading, validation, resolving relative targets for a unit, comparisons.

``data/indicators.csv`` is the catalog every other table is checked against (ids, direction, hard bounds,
model scale); ``data/targets/<set>.csv`` holds one target set. Both are read and checked with the shared
machinery of :mod:`toolkit.inputs.schema`, so a broken file reports every problem with its line, column and fix.

Reference tables are cached (keyed on path, size and modification time) because notebooks load them often.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from toolkit.core.errors import DataValidationError, Problem, TargetError, UnknownIndicatorError, suggestion
from toolkit.core.i18n import N_, label
from toolkit.core.paths import INDICATORS_CSV, TARGETS_DIR, project_path
from toolkit.inputs.files import file_key
from toolkit.inputs.schema import choice, read_reference_table, slug, text_column, top_to_bottom, year_column

COMPARATORS = ("<", "<=", ">", ">=")
TARGET_KINDS = ("absolute", "relative_change")
DIRECTIONS = ("decrease", "increase")
#: Scales an indicator may name in data/indicators.csv (a params file may also choose ``saturating``).
CATALOG_SCALES = ("log", "logit", "identity")


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
    "transform": text_column(choice(CATALOG_SCALES)),
})

INDICATOR_COLUMNS = list(INDICATOR_SCHEMA.columns)


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


def _name_key(text: object) -> str:
    return re.sub(r"[\s()（）,，]", "", unicodedata.normalize("NFKC", str(text)).casefold())


def resolve_indicator(indicator_id: str, indicators: pd.DataFrame | None = None) -> str:
    """The catalog id for ``indicator_id`` (case and surrounding spaces ignored) or for an indicator's Chinese
    or English name as in the catalog (婴儿死亡率, "Infant mortality rate"), else UnknownIndicatorError."""
    table = default_indicators(indicators)
    key = str(indicator_id).strip().lower()
    if key in table.index:
        return key
    by_name = {_name_key(name): str(i) for column in ("name_zh", "name_en") for i, name in table[column].items()}
    if _name_key(indicator_id) in by_name:
        return by_name[_name_key(indicator_id)]
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

#: Plans write comparators in words or other signs; the message says how each is written here.
COMPARATOR_HINT = ("use one of: '<', '<=', '>', '>=' (write ≤, 以下 or 'below' as '<='; ≥, 以上 or 'at least' "
                   "as '>=')")
TARGET_CONFIDENCE = ("high", "medium")
#: A plan's main target (主要目标), a figure stated among its strategy measures (策略措施), a benchmark
#: taken from another plan, or a target of another outline listed for context (never counted).
TARGET_ROLES = ("main_target", "strategy_measure", "benchmark", "context")
#: The seven areas of the 2021-2030 Outline (not the indicator catalog's areas).
OUTLINE_AREAS = ("health", "safety", "education", "welfare", "family", "environment", "legal_protection")
TARGET_SCHEMA = pa.DataFrameSchema({
    "indicator_id": text_column(),
    "comparator": text_column(pa.Check.isin(list(COMPARATORS), error=COMPARATOR_HINT)),
    "target_value": pa.Column("float64", coerce=True, checks=pa.Check(np.isfinite, element_wise=False,
                                                                      error="write a finite number")),
    "target_kind": text_column(choice(TARGET_KINDS)),
    "base_year": year_column(nullable=True),
    "target_year": year_column(),
    "text_en": text_column(nullable=True),
    "text_zh": text_column(nullable=True),
    "source": text_column(),
    # Optional: how firmly the figure is attested, what kind of figure it is, and the plan's own area.
    "confidence": text_column(choice(TARGET_CONFIDENCE), nullable=True, required=False),
    "kind": text_column(choice(TARGET_ROLES), nullable=True, required=False),
    "area": text_column(choice(OUTLINE_AREAS), nullable=True, required=False),
    # Optional: the plan a target comes from, as published (a layered local set names its own plan).
    "plan": text_column(nullable=True, required=False),
    # Optional: a relative target's base-year level where it is published (or implied by published
    # figures) but not in the observations, and where it was read; used before any trend estimate.
    "base_value": pa.Column("float64", nullable=True, coerce=True, required=False),
    "base_unit": text_column(nullable=True, required=False),  # the unit that level is of (e.g. national)
    "base_source": text_column(nullable=True, required=False),
})
TARGET_COLUMNS = list(TARGET_SCHEMA.columns)


def available_target_sets() -> list[str]:
    """Names of the target sets shipped in data/targets/ (file stems)."""
    return sorted(p.stem for p in TARGETS_DIR.glob("*.csv"))


def target_set_file(set_or_path: str | Path, *, from_project: bool = False) -> Path:
    """The CSV file of a target set, without checking that it exists.

    A name (``outline-2021-2030``) is ``data/targets/<name>.csv``; anything with a path separator or a
    ``.csv`` ending is a path, taken as given, or against the project root when ``from_project`` (params
    files, whose relative paths are the project's).
    """
    if names_a_file(set_or_path):
        return project_path(set_or_path) if from_project else Path(set_or_path)
    return TARGETS_DIR / f"{set_or_path}.csv"


def names_a_file(set_or_path: str | Path) -> bool:
    """True for a path (a separator, or a ``.csv`` ending in any case), False for a target-set name."""
    text = str(set_or_path)
    return isinstance(set_or_path, Path) or any(s in text for s in ("/", "\\")) or text.lower().endswith(".csv")


def _target_set_path(set_or_path: str | Path) -> Path:
    p = target_set_file(set_or_path)
    if names_a_file(set_or_path):
        if not p.is_file():
            raise TargetError("target file not found", path=p, problems=[Problem(
                "no such file",
                fix="give an existing CSV path, or one of the sets: " + ", ".join(available_target_sets()))])
        return p
    text = str(set_or_path)
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
        ((frame["base_year"] >= frame["target_year"]).fillna(False).astype(bool), "base_year",
         lambda r: f"target_year {r.target_year} is not after base_year {r.base_year:.0f}",
         lambda r: "the target year comes after the year progress is measured from; check both years"),
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


UNIT_LABELS = {
    "per_mille": N_("per 1,000 live births"),
    "per_100k": N_("per 100,000"),
    "per_10k": N_("per 10,000 births"),
    "percent": N_("%"),
    "count": N_("number"),
    "persons": N_("persons"),
    "cases": N_("cases"),
    "10k_persons": N_("10,000 persons"),
    "10k_beds": N_("10,000 beds"),
    "10k_titles": N_("10,000 titles"),
    "10k_person_times": N_("10,000 person-times"),
    "males_per_100_females": N_("males per 100 females"),
}


def unit_label(unit: str) -> str:
    """Readable text for an indicator's unit id (axis labels, tables): 'per_mille' -> 'per 1,000 live births'."""
    return label(UNIT_LABELS, unit)
