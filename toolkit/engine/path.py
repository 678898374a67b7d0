"""The mid-term view: where a unit is against the straight path from the Outline's base year to its target.

The NBS mid-term practice ("时间过半、任务过半") and ESCAP's "expected progress to date" both measure
progress against a straight line in the indicator's own units from the base-year value to the target in
the target year. This module puts that line beside the forecast: the value the path expects at the latest
observation and at the mid-term year, the ratio of actual to expected change, and the forecast for the
mid-term year with its interval and the probability of being on the path's good side then.
docs/methods.md ("Mid-term view") states the rules.
"""

from __future__ import annotations

import math

import numpy as np

from toolkit.contracts.results import PATH_COLUMNS  # the columns this module fills
from toolkit.engine.models import TrendFit
from toolkit.engine.series import GOOD_IF_LOW, SeriesData, p_meets
from toolkit.engine.settings import StraightPath
from toolkit.engine.transforms import Transform
from toolkit.inputs.catalog import target_met

#: ``path_status`` words: ahead of / behind the path at the latest observation; the base-year value already
#: met the target (a path to it means nothing); no base-year observation; no observation after the base year.
PATH_STATUSES = ("ahead", "behind", "met_at_base", "no_base_value", "no_data_since_base")


def on_path(base_year: int, base_value: float, target_year: int, target_value: float, year: float) -> float:
    """The straight path's value in ``year``: linear in the indicator's units from base to target."""
    share = (year - base_year) / (target_year - base_year)
    return base_value + (target_value - base_value) * share


def path_columns(series: SeriesData, fit: TrendFit | None, transform: Transform, *, comparator: str,
                 target_value: float, target_year: int, path: StraightPath, level: float) -> dict:
    """The mid-term columns of one row (empty where they mean nothing)."""
    out: dict = dict.fromkeys(PATH_COLUMNS, math.nan)
    out.update(path_status="", midterm_observed=None)
    base_year = path.base_year
    if target_year <= base_year:
        return out
    out.update(path_base_year=base_year, midterm_year=path.midterm_year)
    at_base = series.point_values[series.point_years == base_year]
    if not at_base.size:
        out["path_status"] = "no_base_value"
        return out
    base = float(at_base[-1])
    out["path_base_value"] = base
    if target_met(base, comparator, target_value):
        out["path_status"] = "met_at_base"
        return out
    out["midterm_path_value"] = on_path(base_year, base, target_year, target_value, path.midterm_year)
    _midterm(out, series, fit, transform, comparator, level)
    later = series.point_years > base_year
    if not later.any():
        out["path_status"] = "no_data_since_base"
        return out
    year, value = int(series.point_years[later][-1]), float(series.point_values[later][-1])
    expected = on_path(base_year, base, target_year, target_value, year)
    good_if_low = comparator in GOOD_IF_LOW
    ahead = value <= expected if good_if_low else value >= expected
    out.update(path_year=year, path_expected=expected, path_progress_ratio=(value - base) / (expected - base),
               path_status="ahead" if ahead else "behind")
    return out


def _midterm(out: dict, series: SeriesData, fit: TrendFit | None, transform: Transform, comparator: str,
             level: float) -> None:
    """The mid-term year: the observed value if there is one, else the forecast, its interval and P(on path)."""
    year, path_value = out["midterm_year"], out["midterm_path_value"]
    observed = series.point_values[series.point_years == year]
    if observed.size:
        value = float(observed[-1])
        out.update(midterm_value=value, midterm_observed=True,
                   midterm_p_on_path=float(value <= path_value if comparator in GOOD_IF_LOW else value >= path_value))
        return
    if fit is None or (len(series) and year < series.years[-1]):
        return  # no trend, or a past year left unobserved: not forecast from later data
    pred = fit.predictive(np.array([year], dtype=float))
    qs = transform.inverse(pred.ppf(np.array([0.5, (1 - level) / 2, (1 + level) / 2]))[0])
    p = p_meets(pred.cdf(np.array([transform.forward(path_value)])), comparator)[0]
    out.update(midterm_value=float(qs[0]), midterm_lo80=float(qs[1]), midterm_hi80=float(qs[2]),
               midterm_observed=False, midterm_p_on_path=float(p))
