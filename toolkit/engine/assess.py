"""One unit x indicator x target -> one row of the results contract (toolkit.contracts.results), and many units.

The assessment answers, for every series: where is it, where is it going, will it meet the target in the
target year, how likely, and when. Probabilities come from the fitted trend's predictive distribution on
the indicator's transformed scale (``toolkit.engine.models``); the anchors' deterministic rates
(``toolkit.engine.rates``) are reported beside them so reviewers can compare. See docs/methods.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit.contracts.results import EXTRA_COLUMNS, RESULT_COLUMNS, typed_results
from toolkit.contracts.synthetic import synthetic_rows
from toolkit.engine import rates
from toolkit.engine.flags import quality_flags
from toolkit.engine.models import InsufficientDataError, TrendFit, fit_trend
from toolkit.engine.path import path_columns
from toolkit.engine.series import SeriesData, bound_meets, p_meets, series_transform
from toolkit.engine.settings import AssessSettings
from toolkit.engine.transforms import Transform
from toolkit.inputs.catalog import load_indicators, resolve_target_value, target_met


@dataclass
class Assessment:
    """The result for one series: the contract row plus what a chart needs (the fit and its scale)."""

    row: dict[str, Any]
    points: pd.DataFrame
    bounds: pd.DataFrame
    fit: TrendFit | None = None
    transform: Transform | None = None

    def fan(self, years: Sequence[int], levels: Sequence[float] = (0.8, 0.95)) -> pd.DataFrame:
        """Median and central intervals of the predictive distribution, on the indicator's own scale."""
        if self.fit is None:
            return pd.DataFrame(columns=["year", "median"])
        years = np.asarray(years, dtype=float)
        pred = self.fit.predictive(years)
        out = {"year": years.astype(int), "median": self.transform.inverse(pred.median())}
        for level in levels:
            qs = pred.ppf(np.array([(1 - level) / 2, (1 + level) / 2]))
            pct = int(round(level * 100))
            out[f"lo{pct}"] = self.transform.inverse(qs[:, 0])
            out[f"hi{pct}"] = self.transform.inverse(qs[:, 1])
        return pd.DataFrame(out)


def _category(p: float, thresholds: Mapping[str, float]) -> str:
    for name in ("on_track", "likely", "at_risk"):
        if p >= thresholds[name]:
            return name
    return "off_track"


def _first_year_at(prob: np.ndarray, years: np.ndarray, level: float) -> float:
    hit = np.nonzero(prob >= level)[0]
    return float(years[hit[0]]) if hit.size else math.nan


def _regression_rate(series: SeriesData, rate_kind: str) -> float:
    """UNICEF's regression rate over all points: AARR for indicators that should fall, AARI for rising ones."""
    values = series.point_values
    if len(values) < 2 or (values <= 0).any():
        return math.nan
    years = series.point_years.astype(float)
    return rates.aari(years, values) if rate_kind == "aari" else rates.aarr(years, values)


def _eurostat(series: SeriesData, target: float, target_year: int, comparator: str, thresholds) -> tuple[float, str]:
    """Eurostat actual/required CAGR ratio from the first point of the 15-year window to the latest.

    Eurostat's classes measure progress *towards* a target; from a base that already meets it the required
    rate points the other way and the classes reverse (a falling mortality rate reads "moving away"). Such
    rows get their own class instead: ``already_met`` (base and latest meet the target) or
    ``no_longer_met`` (the base met it, the latest does not), and no ratio.
    """
    years, values = series.point_years, series.point_values
    if len(years) < 2:
        return math.nan, ""
    first = int(np.argmax(years >= years[-1] - 15))
    if years[first] == years[-1] or target_year <= years[first]:
        return math.nan, ""
    if target_met(values[first], comparator, target):
        return math.nan, "already_met" if target_met(values[-1], comparator, target) else "no_longer_met"
    ratio = rates.eurostat_ratio(values[first], values[-1], int(years[first]), int(years[-1]), target, int(target_year))
    if not np.isfinite(ratio):
        return math.nan, ""
    return float(ratio), rates.eurostat_category(ratio, thresholds=tuple(thresholds)) or ""


def _empty_row(unit_id: str, indicator: pd.Series, target: pd.Series | None, target_set: str, as_of: int) -> dict:
    row = dict.fromkeys(RESULT_COLUMNS + EXTRA_COLUMNS, math.nan)
    row.update(unit_id=unit_id, indicator_id=indicator.name, target_set=target_set, as_of=as_of, n_obs=0,
               area=indicator["area"], direction=indicator["direction"], unit=indicator["unit"], n_censored=0,
               met_latest=pd.NA, model="", eurostat_category="", flags="", latest_qualifier="", target_plan="",
               target_layer="", path_status="", midterm_observed=pd.NA, rate_kind="", target_role="",
               attain_year_censored=pd.NA, met_evidence=pd.NA, evidence_qualifier="", target_year_qualifier="")
    if target is not None:
        row.update(comparator=target["comparator"], target_year=int(target["target_year"]),
                   target_kind=target["target_kind"], base_year=target["base_year"],
                   target_plan=_text(target.get("plan")), target_layer=_text(target.get("layer")) or "national")
        row["target_role"] = _text(target.get("kind"))
        # The plan's own area where the target set gives one (the 2021-2030 Outline has seven areas, and
        # puts injury under safety); else the catalog's.
        row["area"] = _text(target.get("area")) or row["area"]
    return row


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA else str(value)


def assess_series(unit_id: str, indicator: pd.Series, target: pd.Series | None, observations: pd.DataFrame, *,
                  as_of: int, target_set: str = "", settings: AssessSettings | None = None,
                  synthetic: bool | None = None) -> Assessment:
    """Assess one unit x indicator (x target, if any) from its observations up to ``as_of``.

    ``indicator`` is a row of ``load_indicators()`` (its name is the indicator id); ``target`` a row of
    ``load_targets()`` or None; ``observations`` the unit's rows for this indicator (any years: later
    ones are ignored). Bounds (qualifier ``>``/``<``) never enter the fit; they decide ``met_latest`` and
    an observed target year only when they prove it. ``synthetic`` (computed from ``source`` when None)
    adds the ``synthetic`` flag.
    """
    settings = settings or AssessSettings()
    if synthetic is None:
        synthetic = bool(synthetic_rows(observations).any())
    series = SeriesData.from_frame(observations, as_of)
    points = pd.DataFrame({"year": series.point_years, "value": series.point_values})
    bounds = pd.DataFrame({"year": series.years[~series.is_point], "value": series.values[~series.is_point],
                           "qualifier": series.qualifiers[~series.is_point]})
    row = _empty_row(unit_id, indicator, target, target_set, as_of)
    row.update(n_obs=len(points), n_censored=len(bounds))
    transform_name, transform = series_transform(indicator, settings)
    row["transform"] = transform_name
    if len(series):
        row.update(first_year=int(series.years[0]), latest_year=int(series.years[-1]),
                   latest_value=float(series.values[-1]), latest_qualifier=str(series.qualifiers[-1]))

    fit: TrendFit | None = None
    if len(points) >= settings.min_points:
        try:
            fit = fit_trend(series.point_years.astype(float), transform.forward(series.point_values), settings.trend)
            row["model"] = fit.name
        except InsufficientDataError:
            fit = None
    row["rate_kind"] = "aari" if indicator["direction"] == "increase" else "aarr"
    row["aarr_observed"] = _regression_rate(series, row["rate_kind"])

    flags = quality_flags(series, indicator, transform, as_of=as_of, short_below=settings.trend.min_backtest_points,
                          synthetic=synthetic)
    if series.break_year is not None:
        flags.append("series_break")
    result = Assessment(row=row, points=points, bounds=bounds, fit=fit, transform=transform)
    if target is None:
        row["category"] = "no_target"
        _trend_only_columns(row, fit, transform, as_of, settings)
        row["flags"] = ";".join(flags)
        return result

    target_value, base_value, base_flags = _resolve_target(target, series, fit, transform, unit_id)
    flags += base_flags
    row["base_value"] = base_value if base_value is not None else math.nan
    target_year = int(target["target_year"])
    comparator = str(target["comparator"])
    row["target_value"] = target_value if target_value is not None else math.nan
    if target_value is None:
        row["category"] = "insufficient_data"
        row["flags"] = ";".join(flags)
        return result

    verdicts = [bound_meets(v, q, comparator, target_value) for v, q in zip(series.values, series.qualifiers)]
    if verdicts:
        row["met_latest"] = pd.NA if verdicts[-1] is None else bool(verdicts[-1])
        # The latest observation that decides the question (a bound such as "> 90" may not decide ">= 95").
        deciding = [i for i, v in enumerate(verdicts) if v is not None]
        if deciding:
            i = deciding[-1]
            row.update(evidence_year=int(series.years[i]), evidence_value=float(series.values[i]),
                       evidence_qualifier=str(series.qualifiers[i]), met_evidence=bool(verdicts[i]))
    _rates_columns(row, series, target_value, target_year, settings)
    in_target_year = np.nonzero(series.years == target_year)[0]
    observed_verdict = verdicts[in_target_year[-1]] if in_target_year.size else None
    if observed_verdict is None and target_year <= as_of:
        flags.append("target_year_not_observed")

    if observed_verdict is not None:
        # An observation, not a forecast: the verdict and the value, no interval and no probability.
        last = in_target_year[-1]
        row.update(category="achieved" if observed_verdict else "not_achieved",
                   target_year_value=float(series.values[last]), target_year_qualifier=str(series.qualifiers[last]))
    elif fit is None:
        row["category"] = "insufficient_data"
    else:
        _forecast_columns(row, fit, transform, target_year, settings)
        if "relative_target_base_estimated" in flags:
            p = _p_with_uncertain_base(fit, transform, target, target_year, comparator)
        else:
            pred = fit.predictive(np.array([target_year], dtype=float))
            p = float(p_meets(pred.cdf(np.array([transform.forward(target_value)])), comparator)[0])
        row["p_attain"] = p
        if target_year <= as_of:  # a past year without an observation: a nowcast, not a prospect
            row["category"] = "nowcast_met" if p >= 0.5 else "nowcast_not_met"
        else:
            row["category"] = _category(p, settings.categories)
    _attainment_years(row, series, verdicts, fit, transform, comparator, target_value, as_of, settings)
    if settings.path is not None:
        row.update(path_columns(series, fit, transform, comparator=comparator, target_value=target_value,
                                target_year=target_year, path=settings.path, level=settings.interval_levels[0]))
    row["flags"] = ";".join(dict.fromkeys(flags))
    return result


def _resolve_target(target: pd.Series, series: SeriesData, fit: TrendFit | None,
                    transform, unit_id: str = "") -> tuple[float | None, float | None, list[str]]:
    """(target value, base-year value, flags): absolute targets as they are; relative ones from the observed
    base-year value, else the fitted trend's median for the base year."""
    if target["target_kind"] != "relative_change":
        return float(target["target_value"]), None, []
    base, flags = _base_value(target, series, fit, transform, unit_id)
    return resolve_target_value(target, base), base, flags


def _base_value(target: pd.Series, series: SeriesData, fit: TrendFit | None,
                transform, unit_id: str = "") -> tuple[float | None, list[str]]:
    """The unit's own base-year value: observed if there is a point that year, else the published level the
    target file gives for this unit (``base_value`` of ``base_unit``, with its ``base_source``), else the
    trend's median. A published national level is never a province's base."""
    base_year = int(target["base_year"])
    observed = series.point_values[series.point_years == base_year]
    if observed.size:
        return float(observed[-1]), ["relative_target_base_observed"]
    published = target.get("base_value")
    if published is not None and not pd.isna(published) and _text(target.get("base_unit")) == unit_id:
        return float(published), ["relative_target_base_published"]
    if fit is None:
        return None, ["relative_target_base_missing"]
    base = float(transform.inverse(fit.predictive(np.array([base_year], dtype=float)).median())[0])
    return base, ["relative_target_base_estimated"]


def _p_with_uncertain_base(fit: TrendFit, transform, target: pd.Series, target_year: int, comparator: str) -> float:
    """Average P(attain) over the base-year value's predictive quantiles (base and target year treated as independent)."""
    qs = np.linspace(0.05, 0.95, 19)
    base_z = fit.predictive(np.array([float(target["base_year"])])).ppf(qs)[0]
    thresholds = transform.forward((1.0 + float(target["target_value"])) * transform.inverse(base_z))
    target_pred = fit.predictive(np.full(len(thresholds), float(target_year)))
    return float(np.mean(p_meets(target_pred.cdf(thresholds), comparator)))


def _rates_columns(row: dict, series: SeriesData, target_value: float, target_year: int,
                   settings: AssessSettings) -> None:
    years, values = series.point_years, series.point_values
    already = len(values) and target_met(values[-1], row["comparator"], target_value)
    if len(years) and target_year > years[-1] and values[-1] > 0 and target_value > 0 and not already:
        # Discrete form, like the regression rate (1 - e^b, e^b - 1) it sits beside, so the two compare
        # directly. Empty once the latest point meets the target: no rate is then required.
        latest, year = float(values[-1]), int(years[-1])
        if row["rate_kind"] == "aari":
            row["aarr_required"] = rates.required_aari(latest, target_value, year, target_year)
        else:
            row["aarr_required"] = rates.required_aarr(latest, target_value, year, target_year, form="discrete")
    ratio, category = _eurostat(series, target_value, target_year, row["comparator"], settings.eurostat_thresholds)
    row.update(eurostat_ratio=ratio, eurostat_category=category)


def _forecast_columns(row: dict, fit: TrendFit, transform, year: int, settings: AssessSettings) -> None:
    levels = settings.interval_levels
    qs = np.array([0.5, (1 - levels[0]) / 2, (1 + levels[0]) / 2, (1 - levels[1]) / 2, (1 + levels[1]) / 2])
    z = fit.predictive(np.array([year], dtype=float)).ppf(qs)[0]
    values = transform.inverse(z)
    row.update(forecast=float(values[0]), lo80=float(values[1]), hi80=float(values[2]), lo95=float(values[3]),
               hi95=float(values[4]))


def _trend_only_columns(row: dict, fit: TrendFit | None, transform, as_of: int, settings: AssessSettings) -> None:
    """Indicators without a target: the trend's forecast for the year after ``as_of``."""
    if fit is not None:
        _forecast_columns(row, fit, transform, as_of + 1, settings)


def _attainment_years(row: dict, series: SeriesData, verdicts: list[bool | None], fit: TrendFit | None, transform,
                      comparator: str, target_value: float, as_of: int, settings: AssessSettings) -> None:
    """First year the target is met: observed (start of the latest run of met observations) or forecast.

    For a forecast, the year is the first in which P(target met in that year) reaches 50%; its 80% interval
    runs from the first year that probability reaches 10% to the first year it reaches 90%.
    Empty when not reached by ``settings.attain_horizon``.
    """
    if verdicts and verdicts[-1]:
        first = len(verdicts) - 1
        while first > 0 and verdicts[first - 1]:
            first -= 1
        year = float(series.years[first])
        # Met from the first observation on: the target may have been met earlier; the year is an upper bound.
        row.update(attain_year=year, attain_year_lo=year, attain_year_hi=year, attain_year_censored=first == 0)
        return
    if fit is None:
        return
    start = int(series.years[-1]) + 1 if len(series) else as_of + 1
    years = np.arange(start, settings.attain_horizon + 1, dtype=float)
    if not len(years):
        return
    prob = p_meets(fit.predictive(years).cdf(np.full(len(years), transform.forward(target_value))), comparator)
    row.update(attain_year=_first_year_at(prob, years, 0.5), attain_year_lo=_first_year_at(prob, years, 0.1),
               attain_year_hi=_first_year_at(prob, years, 0.9))


def assess_unit(unit_id: str, observations: pd.DataFrame, targets: pd.DataFrame, *, as_of: int,
                settings: AssessSettings | None = None, indicators: pd.DataFrame | None = None) -> list[Assessment]:
    """Assess every indicator of the target set for one unit, plus observed indicators without a target."""
    indicators = load_indicators() if indicators is None else indicators
    settings = settings or AssessSettings()
    target_set = str(targets["target_set"].iloc[0]) if len(targets) else ""
    unit_obs = observations[observations["unit_id"] == unit_id]
    by_indicator = {key: frame for key, frame in unit_obs.groupby("indicator_id", sort=False)}
    empty = unit_obs.iloc[0:0]
    synthetic_ids = set(unit_obs.loc[synthetic_rows(unit_obs), "indicator_id"])
    results = []
    targeted = set()
    for _, target in targets.iterrows():
        indicator_id = target["indicator_id"]
        targeted.add(indicator_id)
        results.append(assess_series(unit_id, indicators.loc[indicator_id], target,
                                     by_indicator.get(indicator_id, empty), as_of=as_of, target_set=target_set,
                                     settings=settings, synthetic=indicator_id in synthetic_ids))
    for indicator_id in sorted(set(by_indicator) - targeted):
        frame = by_indicator[indicator_id]
        if (frame["year"] <= as_of).any():
            results.append(assess_series(unit_id, indicators.loc[indicator_id], None, frame, as_of=as_of,
                                         target_set=target_set, settings=settings,
                                         synthetic=indicator_id in synthetic_ids))
    return results


def results_frame(assessments: Iterable[Assessment | dict]) -> pd.DataFrame:
    """The results-contract table (contract columns first, then the extra columns)."""
    return typed_results(a.row if isinstance(a, Assessment) else a for a in assessments)


def assess_many(observations: pd.DataFrame, targets: pd.DataFrame, *, as_of: int,
                units: Sequence[str] | None = None, settings: AssessSettings | None = None) -> pd.DataFrame:
    """Assess many units at once: one pass over the observations grouped by unit, keeping only the rows.

    The fitted models are dropped as soon as each row is made, so memory grows with the table, not with
    the fits (docs/methods.md, "Speed").
    """
    indicators = load_indicators()
    unit_ids = list(units) if units is not None else list(dict.fromkeys(observations["unit_id"]))
    positions = observations.groupby("unit_id", sort=False).indices  # row numbers per unit; no copies yet
    rows: list[dict] = []
    for unit_id in unit_ids:
        unit_obs = observations.iloc[positions.get(unit_id, [])]
        rows += [a.row for a in assess_unit(unit_id, unit_obs, targets, as_of=as_of, settings=settings,
                                            indicators=indicators)]
    return results_frame(rows)
