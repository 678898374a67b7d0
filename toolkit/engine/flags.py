"""Data-quality flags for one series: what a reviewer should know before trusting its forecast.

Flags are short machine-readable words joined by ';' in results.csv; ``FLAG_TEXT`` explains each one
in plain language for the reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.engine.series import SeriesData
from toolkit.engine.transforms import Transform

BREAK_MIN_POINTS = 8
OUTLIER_SD = 3.0
STALE_YEARS = 3


def _linear_residuals(years: np.ndarray, z: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones_like(years), years - years.mean()])
    coef, *_ = np.linalg.lstsq(design, z, rcond=None)
    return z - design @ coef


def quality_flags(series: SeriesData, indicator: pd.Series, transform: Transform, *, as_of: int, short_below: int,
                  synthetic: bool = False) -> list[str]:
    """The flags that apply to one series (its observations up to the as-of year)."""
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
            from statsmodels.stats.diagnostic import breaks_cusumolsresid  # 0.95 s cold: only long series pay it

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
