"""Data-quality flags for one series: what a reviewer should know before trusting its forecast.

Flags are short machine-readable words joined by ';' in results.csv; ``FLAG_TEXT`` explains each one
in plain language for the reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.diagnostic import breaks_cusumolsresid

FLAG_TEXT = {
    "censored": "some values are published only as bounds (e.g. 'above 99%'); they are not fitted as points",
    "gaps": "years are missing between the first and the latest observation",
    "short_series": "too few points for back-testing; the model choice is a documented default",
    "outlier": "a point lies more than 3 residual standard deviations from the linear trend",
    "break": "the CUSUM test on the linear trend's residuals suggests a structural break (p < 0.05)",
    "at_bound": "a value sits at the indicator's hard bound (e.g. 0 or 100), where the scale is clipped",
    "moving_away": "the observed trend moves away from the better direction",
    "stale": "the latest observation is more than 3 years older than the as-of year",
    "synthetic": "synthetic demonstration data, not official statistics",
    "relative_target_base_observed": "relative target resolved from the observed base-year value",
    "relative_target_base_estimated": "relative target resolved from the trend's estimate of the base year "
                                      "(not observed); its uncertainty is carried into p_attain",
    "relative_target_base_missing": "relative target cannot be resolved: no base-year value and no trend",
    "target_year_not_observed": "the target year has passed but has no observation; the value is a nowcast",
}
BREAK_MIN_POINTS = 8
OUTLIER_SD = 3.0
STALE_YEARS = 3


def _linear_residuals(years: np.ndarray, z: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones_like(years), years - years.mean()])
    coef, *_ = np.linalg.lstsq(design, z, rcond=None)
    return z - design @ coef


def quality_flags(series, indicator: pd.Series, transform, *, as_of: int, short_below: int,
                  synthetic: bool = False) -> list[str]:
    """The flags that apply to one series (``toolkit.engine.assess.SeriesData``, observations up to the as-of year)."""
    flags: list[str] = []
    if not series.is_point.all():
        flags.append("censored")
    years = np.unique(series.years)
    if len(years) >= 2 and years[-1] - years[0] + 1 > len(years):
        flags.append("gaps")
    n_points = int(series.is_point.sum())
    if 0 < n_points < short_below:
        flags.append("short_series")
    values = series.point_values
    low, high = indicator["lower_bound"], indicator["upper_bound"]
    if (pd.notna(low) and (values <= float(low)).any()) or (pd.notna(high) and (values >= float(high)).any()):
        flags.append("at_bound")
    if n_points >= 4:
        point_years = series.point_years.astype(float)
        z = transform.forward(values)
        resid = _linear_residuals(point_years, z)
        sd = resid.std(ddof=2)
        if sd > 0 and np.abs(resid / sd).max() > OUTLIER_SD:
            flags.append("outlier")
        if n_points >= BREAK_MIN_POINTS and sd > 1e-12:
            _, pvalue, _ = breaks_cusumolsresid(resid, ddof=2)
            if pvalue < 0.05:
                flags.append("break")
        slope = np.polyfit(point_years, z, 1)[0]
        worse = slope > 0 if indicator["direction"] == "decrease" else slope < 0
        if worse and abs(slope) > 1e-9:
            flags.append("moving_away")
    if len(series) and as_of - int(series.years[-1]) > STALE_YEARS:
        flags.append("stale")
    if synthetic:
        flags.append("synthetic")
    return flags
