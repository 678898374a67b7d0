"""How numbers and years read on every page: one formatter, so the scorecard, the key results and the
overview agree on rounding, missing values and the wording of attainment years."""

from __future__ import annotations

import math

import pandas as pd

from toolkit.core.i18n import _, decimal


def fmt(value, digits: int = 1) -> str:
    """A cell of a table or a key-results line: '-' when missing, yes/no for booleans, fixed decimals."""
    if value is None or pd.isna(value):
        return "-"
    if isinstance(value, (bool,)) or str(value) in ("True", "False"):
        return _("yes") if bool(value) else _("no")
    if isinstance(value, float):
        return decimal(value, digits)
    return str(value)


def probability(value) -> str:
    """A probability to 2 decimals, except that 1.00 and 0.00 would claim certainty the model does not have:
    those read '>0.99' and '<0.01'."""
    if value is None or pd.isna(value):
        return "-"
    value = float(value)
    if value > 0.995:
        return ">" + decimal(0.99, 2)
    if value < 0.005:
        return "<" + decimal(0.01, 2)
    return decimal(value, 2)


#: Comparators as printed: the files write ASCII (<=), pages the signs (≤), in both editions.
COMPARATOR_SIGNS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


def comparator_text(comparator) -> str:
    return COMPARATOR_SIGNS.get(str(comparator), str(comparator))


def latest_text(row) -> str:
    """'8.10 (2015)' for a point value, '> 99.00 (2017)' for a published bound."""
    bound = f"{row.latest_qualifier} " if row.latest_qualifier in (">", "<") else ""
    return f"{bound}{fmt(row.latest_value, 2)} ({fmt(row.latest_year)})"


def attain_text(row, horizon: int) -> str:
    """'2013' for an observed year, '≤2010 (first observation)' when the series meets the target from its
    first observation (the target may have been met earlier), '2024 [2023–2026]' for a forecast, 'not by
    2050' when out of reach."""
    if pd.isna(row.attain_year):
        return "-" if not row.model else _("not by {year}").format(year=horizon)
    lo, hi = row.attain_year_lo, row.attain_year_hi
    censored = getattr(row, "attain_year_censored", False)
    if censored is not None and censored is not pd.NA and bool(censored):
        return _("≤{year} (first observation)").format(year=fmt(row.attain_year))
    if pd.notna(lo) and pd.notna(hi) and lo == hi == row.attain_year:
        return fmt(row.attain_year)
    hi = _("later") if pd.isna(hi) else fmt(hi)
    return f"{fmt(row.attain_year)} [{fmt(lo)}–{hi}]"


def number(value: float, digits: int = 2) -> str:
    """A finite number with fixed decimals, '-' otherwise (the overview's tables and sentences)."""
    return "-" if value is None or not math.isfinite(float(value)) else decimal(float(value), digits)


def ratio(value: float) -> str:
    """A highest/lowest ratio, which is undefined when a province is at 0."""
    return number(value) if math.isfinite(float(value)) else _("undefined (a province at 0)")
