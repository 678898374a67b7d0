"""What the assessment needs besides the data, built from ``params/defaults.yaml`` and a unit's params.

The literal defaults come from the modules that own them (the saturating cap from
:mod:`toolkit.engine.transforms`, the Eurostat thresholds from :mod:`toolkit.engine.rates`), so a default is
changed in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.contracts.params import EUROSTAT_THRESHOLDS, SATURATING_CAP
from toolkit.engine.models import TrendSettings


@dataclass(frozen=True)
class StraightPath:
    """The mid-term view's years: the cycle's base year and mid-term year (2020 and 2025 for 2021-2030)."""

    base_year: int
    midterm_year: int


@dataclass(frozen=True)
class AssessSettings:
    """Everything the assessment needs besides the data; built from params/defaults.yaml."""

    categories: Mapping[str, float] = field(default_factory=lambda: {"on_track": 0.9, "likely": 0.6, "at_risk": 0.25})
    interval_levels: tuple[float, float] = (0.8, 0.95)
    trend: TrendSettings = field(default_factory=TrendSettings)
    attain_horizon: int = 2050
    transform_overrides: Mapping[str, str] = field(default_factory=dict)
    saturating_cap: float = SATURATING_CAP
    eurostat_thresholds: tuple[float, float, float] = EUROSTAT_THRESHOLDS
    path: StraightPath | None = None  # the mid-term view's years; None: no mid-term columns

    @property
    def min_points(self) -> int:
        """Fewest point observations for a forecast: the trend models' own minimum (one key, one value)."""
        return self.trend.min_points

    @classmethod
    def from_params(cls, params: Any) -> AssessSettings:
        """Build settings from a ``UnitParams`` object or the defaults mapping."""
        get = params.get if isinstance(params, Mapping) else lambda key, default=None: getattr(params, key, default)
        base, base_trend = cls(), TrendSettings()  # a missing key keeps the dataclass default
        trend = TrendSettings(
            candidates=tuple(get("models", base_trend.candidates)),
            recent_window=int(get("recent_window", base_trend.recent_window)),
            min_points=int(get("min_points", base_trend.min_points)),
            min_backtest_points=int(get("min_backtest_points", base_trend.min_backtest_points)),
            selection=str(get("model_selection", base_trend.selection)),
        )
        return cls(
            categories=dict(get("categories", base.categories)),
            interval_levels=tuple(get("interval_levels", base.interval_levels)),
            trend=trend,
            attain_horizon=int(get("attain_horizon", base.attain_horizon)),
            transform_overrides=dict(get("transform_overrides", {}) or {}),
            saturating_cap=float(get("saturating_cap", base.saturating_cap)),
            eurostat_thresholds=tuple(get("eurostat_thresholds", base.eurostat_thresholds)),
        )
