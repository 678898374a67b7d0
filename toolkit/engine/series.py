"""One series as the engine sees it, and the rules both the reports and the method evaluation apply to it.

:func:`series_transform` is the one place that picks an indicator's scale (catalog default, params
override, saturating cap), so the hindcasts measure the same engine the reports use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.contracts.observations import POINT_QUALIFIERS
from toolkit.engine.settings import AssessSettings
from toolkit.engine.transforms import Transform, get_transform
from toolkit.inputs.catalog import target_met

GOOD_IF_LOW = {"<", "<="}
#: How an observation's ``note`` marks the first value of a series not comparable with the earlier values.
SERIES_BREAK = "series_break"


@dataclass(frozen=True)
class SeriesData:
    """One series' observations up to the as-of year, sorted by year, as plain arrays (fast to scan)."""

    years: np.ndarray
    values: np.ndarray
    qualifiers: np.ndarray
    is_point: np.ndarray
    break_year: int | None = None  # the latest comparability break: earlier observations were dropped

    @classmethod
    def from_frame(cls, observations: pd.DataFrame, as_of: int) -> SeriesData:
        """The observations up to ``as_of``, from the latest comparability break on (a ``note`` starting
        with ``series_break`` marks the first observation of a new, non-comparable series)."""
        years = observations["year"].to_numpy()
        keep = years <= as_of
        break_year = None
        if "note" in observations:
            breaks = observations["note"].fillna("").astype(str).str.startswith(SERIES_BREAK).to_numpy() & keep
            if breaks.any():
                break_year = int(years[breaks].max())
                keep &= years >= break_year
        order = np.argsort(years[keep], kind="stable")
        qualifiers = observations["qualifier"].to_numpy(object)[keep][order]
        qualifiers = np.array(["=" if (q is None or q != q or q == "") else str(q) for q in qualifiers], dtype=object)
        return cls(years=years[keep][order].astype(int), values=observations["value"].to_numpy(float)[keep][order],
                   qualifiers=qualifiers, is_point=qualifiers == "=", break_year=break_year)

    def __len__(self) -> int:
        return len(self.years)

    @property
    def point_years(self) -> np.ndarray:
        return self.years[self.is_point]

    @property
    def point_values(self) -> np.ndarray:
        return self.values[self.is_point]


def p_meets(pred_cdf: np.ndarray, comparator: str) -> np.ndarray:
    """P(target satisfied) from P(Z <= g(target)); the distribution is continuous so < and <= agree."""
    return pred_cdf if comparator in GOOD_IF_LOW else 1.0 - pred_cdf


def bound_meets(value: float, qualifier: str, comparator: str, target: float) -> bool | None:
    """Whether a published bound ('>' v or '<' v) proves the target met (True), missed (False) or neither (None)."""
    if qualifier in POINT_QUALIFIERS:
        return target_met(value, comparator, target)
    if qualifier == ">":  # true value is above v
        if comparator in (">", ">=") and value >= target:
            return True
        if comparator in ("<", "<=") and value >= target:
            return False
    if qualifier == "<":  # true value is below v
        if comparator in ("<", "<=") and value <= target:
            return True
        if comparator in (">", ">=") and value <= target:
            return False
    return None


def series_transform(indicator: pd.Series, settings: AssessSettings) -> tuple[str, Transform]:
    """The scale an indicator's trends are fitted on: its name and the transform."""
    name = settings.transform_overrides.get(indicator.name, indicator["transform"])
    return name, get_transform(name, cap=settings.saturating_cap)
