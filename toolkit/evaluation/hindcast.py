"""Hindcasts on the real national series: would the toolkit have called the 2020 outcomes right?

An assessment method earns trust by how it would have done in the past. From every origin year (2012-2019)
we pretend to stand in that year: only observations up to the origin are used, each candidate trend model
and the ensemble are fitted exactly as the engine fits them, and every later observed year up to 2020 is
forecast. Two tables come out:

* ``errors``: one row per indicator x origin x forecast year x model (or published rule): the forecast, the
  observed value, the error on the original scale and as an absolute percentage error (APE), and whether the
  80%/95% prediction intervals covered the observed value. The published rules' own extrapolations (ESCAP's
  weighted geometric growth, IGME's constant AARR, the Eurostat/UNSD compound growth) and a no-change
  forecast are scored the same way, without intervals (they publish none).
* ``calls``: one row per indicator x origin whose 2020 target outcome is observed: our call (P(attain) >= 0.5
  means "met", from :func:`toolkit.engine.assess.assess_series`, the engine itself) and the Eurostat, IGME and ESCAP
  calls from the same data, beside the outcome. A 0/1 call's Brier score is its error rate.

Nothing after an origin enters that origin's fits (tests perturb post-origin values to prove it). The outcome
itself is what the engine says with all data up to the last year (``achieved``/``not_achieved``), so bounds
and relative targets are resolved the same way as in the reports. Labelled tables, the plain-language reading
and the Markdown/CSV output are in :mod:`toolkit.reports.method_evaluation.fragments`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from toolkit.contracts.observations import is_point
from toolkit.core.i18n import N_
from toolkit.core.paths import OBSERVATIONS_DIR
from toolkit.engine import rates
from toolkit.engine.assess import assess_series
from toolkit.engine.models import InsufficientDataError, fit_trend
from toolkit.engine.series import series_transform
from toolkit.engine.settings import AssessSettings
from toolkit.inputs.catalog import load_indicators, load_targets, target_met
from toolkit.inputs.observations import load_observations
from toolkit.inputs.params import load_defaults

__all__ = ["run_hindcast", "error_by_model_horizon", "coverage_by_model", "call_accuracy", "mape_table",
           "error_by_indicator", "MODEL_LABELS", "load_national", "ORIGINS", "LAST_YEAR", "RULE_FORECASTS",
           "CALL_METHODS"]

ORIGINS = range(2012, 2020)
LAST_YEAR = 2020
#: Point forecasts of the published rules (and a no-change baseline), scored beside the models.
#: Values are English (CSV tables, benchmarks); pages translate them where shown: ``_(RULE_FORECASTS[rule])``.
RULE_FORECASTS = {
    "escap_wgm": N_("ESCAP weighted geometric growth"),
    "igme_aarr": N_("IGME constant regression AARR from the latest value"),
    "eurostat_cagr": N_("Eurostat/UNSD compound growth over the 15-year window"),
    "naive": N_("no change from the latest value"),
}
#: The methods whose 2020 calls are compared (column prefix in ``calls`` -> label).
CALL_METHODS = {
    "ours": N_("toolkit: P(attain) >= 0.5"),
    "eurostat": N_("Eurostat: ratio >= 0.95"),
    "igme": N_("IGME: AARR >= required, or met"),
    "escap": N_("ESCAP: 2020 forecast meets target"),
}
#: Display names of the models and rules (tables and charts): English, translated where shown (``_(label)``).
MODEL_LABELS = {
    "linear": N_("linear trend"), "recent": N_("recent-window trend"), "drift": N_("random walk with drift"),
    "damped": N_("damped trend"), "ensemble": N_("ensemble (what reports use)"), **RULE_FORECASTS,
}
EUROSTAT_MET = 0.95
EUROSTAT_WINDOW = 15
_QUANTILES = np.array([0.5, 0.1, 0.9, 0.025, 0.975])
ERROR_COLUMNS = ["indicator_id", "transform", "origin", "year", "horizon", "model", "kind", "n_points", "observed",
                 "forecast", "error", "abs_error", "ape", "lo80", "hi80", "lo95", "hi95", "in80", "in95"]


def load_national() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real national observations and the 2011-2020 Outline targets (the hindcast's inputs)."""
    return load_observations([OBSERVATIONS_DIR / "national.csv"]), load_targets("outline-2011-2020")


def _default_settings() -> AssessSettings:
    return AssessSettings.from_params(load_defaults())


def _points(series: pd.DataFrame) -> pd.DataFrame:
    keep = is_point(series["qualifier"])
    return series.loc[keep, ["year", "value"]].sort_values("year").reset_index(drop=True)


def _covered(lo: float, hi: float, value: float) -> bool:
    """Inside the interval, with a relative tolerance so a collapsed interval on an exact series counts."""
    tol = 1e-9 * max(1.0, abs(value))
    return bool(lo - tol <= value <= hi + tol)


def _model_rows(train: pd.DataFrame, test: pd.DataFrame, transform, settings: AssessSettings,
                models: Sequence[str]) -> list[dict]:
    """Each candidate model and the ensemble, fitted on ``train`` only, forecasting the ``test`` years.

    One engine fit per origin (``fit_trend`` with the production settings) gives the ensemble and, through
    ``model_predictive``, every candidate's own forecast. The engine drops ``recent`` on a series no longer
    than its window because it is then identical to ``linear``; its row is ``linear``'s forecast.
    """
    z = transform.forward(train["value"].to_numpy(float))
    try:
        fit = fit_trend(train["year"].to_numpy(float), z, settings.trend)
    except InsufficientDataError:
        return []
    test_years = test["year"].to_numpy(float)
    rows = []
    for model in models:
        if model == "ensemble":
            pred = fit.predictive(test_years)
        else:
            pred = fit.model_predictive(model if model in fit.components else "linear", test_years)
        values = transform.inverse(pred.ppf(_QUANTILES))
        for i, year in enumerate(test_years):
            median, lo80, hi80, lo95, hi95 = (float(v) for v in values[i])
            rows.append(dict(year=int(year), model=model, kind="ensemble" if model == "ensemble" else "model",
                             forecast=median, lo80=lo80, hi80=hi80, lo95=lo95, hi95=hi95))
    return rows


def _rule_forecast(rule: str, train: pd.DataFrame, year: int) -> float:
    """A published rule's point forecast for ``year`` from the points up to the origin."""
    t = train["year"].to_numpy(float)
    v = train["value"].to_numpy(float)
    latest_t, latest_v = t[-1], v[-1]
    if rule == "naive":
        return float(latest_v)
    if rule == "escap_wgm":
        return rates.escap_wgm_forecast(t, v, year)
    if rule == "igme_aarr":
        rate = rates.aarr(t, v, form="continuous")
        return float(latest_v * math.exp(-rate * (year - latest_t))) if math.isfinite(rate) else math.nan
    if rule == "eurostat_cagr":
        base = train[train["year"] >= latest_t - EUROSTAT_WINDOW].iloc[0]
        growth = rates.cagr(base["value"], latest_v, base["year"], latest_t)
        return float(latest_v * (1 + growth) ** (year - latest_t)) if math.isfinite(growth) else math.nan
    raise ValueError(f"unknown rule {rule!r}")


def _rule_rows(train: pd.DataFrame, test: pd.DataFrame) -> list[dict]:
    rows = []
    for rule in RULE_FORECASTS:
        for year in test["year"].astype(int):
            rows.append(dict(year=int(year), model=rule, kind="baseline" if rule == "naive" else "rule",
                             forecast=_rule_forecast(rule, train, year), lo80=math.nan, hi80=math.nan,
                             lo95=math.nan, hi95=math.nan))
    return rows


def _score(rows: list[dict], test: pd.DataFrame, *, indicator_id: str, transform: str, origin: int,
           n_points: int) -> list[dict]:
    observed = dict(zip(test["year"].astype(int), test["value"].astype(float)))
    out = []
    for row in rows:
        obs = observed[row["year"]]
        error = row["forecast"] - obs
        has_interval = math.isfinite(row["lo80"])
        out.append({**row, "indicator_id": indicator_id, "transform": transform, "origin": origin,
                    "horizon": row["year"] - origin, "n_points": n_points, "observed": obs, "error": error,
                    "abs_error": abs(error), "ape": abs(error) / abs(obs) * 100 if obs else math.nan,
                    "in80": _covered(row["lo80"], row["hi80"], obs) if has_interval else pd.NA,
                    "in95": _covered(row["lo95"], row["hi95"], obs) if has_interval else pd.NA})
    return out


def _outcome(unit_id: str, indicator: pd.Series, target: pd.Series, series: pd.DataFrame,
             settings: AssessSettings) -> tuple[bool, float] | None:
    """The observed target-year outcome, as the engine itself judges it with all data (None if unobserved)."""
    target_year = int(target["target_year"])
    row = assess_series(unit_id, indicator, target, series, as_of=target_year, settings=settings).row
    if row["category"] not in ("achieved", "not_achieved"):
        return None
    # the target year's own observation (the engine leaves ``forecast`` empty for an observed outcome)
    observed = row.get("target_year_value", math.nan)
    return row["category"] == "achieved", float(observed if pd.notna(observed) else row["forecast"])


def _call_row(unit_id: str, indicator: pd.Series, target: pd.Series, series: pd.DataFrame, train: pd.DataFrame,
              origin: int, outcome: tuple[bool, float], settings: AssessSettings) -> dict | None:
    """Our call and the three rules' calls at one origin, from the same data (the engine's own row)."""
    row = assess_series(unit_id, indicator, target, series, as_of=origin, settings=settings).row
    if not math.isfinite(float(row["p_attain"])) or not math.isfinite(float(row["target_value"])):
        return None
    comparator, target_value, target_year = row["comparator"], float(row["target_value"]), int(row["target_year"])
    t, v = train["year"].to_numpy(float), train["value"].to_numpy(float)
    ratio = float(row["eurostat_ratio"])
    aarr_obs = rates.aarr(t, v, form="continuous")  # same (continuous) form as the engine's required AARR
    aarr_req = float(row["aarr_required"])
    already_met = bool(row["met_latest"]) if pd.notna(row["met_latest"]) else False
    escap = rates.escap_wgm_forecast(t, v, target_year)
    met, observed = outcome
    return {
        "indicator_id": indicator.name, "origin": origin, "n_points": len(train), "target_year": target_year,
        "comparator": comparator, "target_value": target_value, "observed": observed, "outcome": met,
        "model": row["model"], "forecast": float(row["forecast"]), "p_attain": float(row["p_attain"]),
        "category": row["category"], "ours_call": float(row["p_attain"]) >= 0.5,
        "eurostat_ratio": ratio, "eurostat_call": (ratio >= EUROSTAT_MET) if math.isfinite(ratio) else pd.NA,
        "aarr_observed": aarr_obs, "aarr_required": aarr_req, "met_latest": already_met,
        "igme_call": rates.igme_on_track(aarr_obs, aarr_req, already_met),
        "escap_forecast": escap,
        "escap_call": target_met(escap, comparator, target_value) if math.isfinite(escap) else pd.NA,
    }


def run_hindcast(observations: pd.DataFrame, targets: pd.DataFrame, origins: Iterable[int] = ORIGINS,
                 last_year: int = LAST_YEAR, *, unit_id: str = "national", settings: AssessSettings | None = None,
                 indicators: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hindcast every targeted indicator of ``unit_id`` from each origin; returns ``(errors, calls)``.

    An origin is used for an indicator when it has at least ``settings.min_points`` point observations up
    to the origin (the engine's own rule); forecasts are scored for every observed year in
    ``(origin, last_year]``. Settings default to ``params/defaults.yaml`` (the production configuration).
    """
    settings = settings or _default_settings()
    indicators = load_indicators() if indicators is None else indicators
    models = tuple(settings.trend.candidates) + ("ensemble",)
    unit_obs = observations[observations["unit_id"] == unit_id]
    errors: list[dict] = []
    calls: list[dict] = []
    for _, target in targets.iterrows():
        indicator = indicators.loc[target["indicator_id"]]
        series = unit_obs[unit_obs["indicator_id"] == indicator.name]
        points = _points(series)
        if len(points) < settings.min_points:
            continue
        transform_name, transform = series_transform(indicator, settings)
        outcome = _outcome(unit_id, indicator, target, series, settings) \
            if int(target["target_year"]) <= last_year else None
        for origin in origins:
            train = points[points["year"] <= origin]
            if len(train) < settings.min_points:
                continue
            test = points[(points["year"] > origin) & (points["year"] <= last_year)]
            if len(test):
                rows = _model_rows(train, test, transform, settings, models) + _rule_rows(train, test)
                errors += _score(rows, test, indicator_id=indicator.name, transform=transform_name, origin=origin,
                                 n_points=len(train))
            if outcome is not None and origin < int(target["target_year"]):
                call = _call_row(unit_id, indicator, target, series[series["year"] <= origin], train, origin,
                                 outcome, settings)
                if call is not None:
                    calls.append(call)
    errors_frame = pd.DataFrame(errors, columns=ERROR_COLUMNS)
    for col in ("in80", "in95"):
        errors_frame[col] = errors_frame[col].astype("boolean")
    calls_frame = pd.DataFrame(calls)
    for col in ("eurostat_call", "escap_call"):
        if col in calls_frame:
            calls_frame[col] = calls_frame[col].astype("boolean")
    return errors_frame, calls_frame


# --------------------------------------------------------------------------- summaries


def _model_order(errors: pd.DataFrame) -> list[str]:
    kinds = {"model": 0, "ensemble": 1, "rule": 2, "baseline": 3}
    pairs = errors[["model", "kind"]].drop_duplicates()
    return [m for m, _ in sorted(zip(pairs["model"], pairs["kind"]), key=lambda p: kinds.get(p[1], 9))]


def error_by_model_horizon(errors: pd.DataFrame) -> pd.DataFrame:
    """MAPE, median APE and count per model (or rule) and horizon in years, plus an ``all`` horizon.

    Every (indicator, origin, year) counts once, so indicators with long series weigh more; the count says
    how thin each cell is.
    """
    scored = errors.dropna(subset=["ape"])
    frames = []
    for horizon, group in [*scored.groupby("horizon"), ("all", scored)]:
        agg = group.groupby(["model", "kind"], sort=False).agg(n=("ape", "size"), mape=("ape", "mean"),
                                                               median_ape=("ape", "median")).reset_index()
        agg.insert(2, "horizon", str(horizon))
        frames.append(agg)
    out = pd.concat(frames, ignore_index=True)
    order = {m: i for i, m in enumerate(_model_order(errors))}
    horizons = {h: i for i, h in enumerate([*sorted(scored["horizon"].unique()), "all"])}
    rank_h = out["horizon"].map(lambda h: horizons.get(h if h == "all" else int(h)))
    return (out.assign(_m=out["model"].map(order), _h=rank_h)
            .sort_values(["_m", "_h"]).drop(columns=["_m", "_h"]).reset_index(drop=True))


def mape_table(errors: pd.DataFrame) -> pd.DataFrame:
    """Wide MAPE table: one row per model/rule, one column per horizon (years ahead) and ``all``."""
    summary = error_by_model_horizon(errors)
    wide = summary.pivot(index="model", columns="horizon", values="mape")
    columns = sorted((c for c in wide.columns if c != "all"), key=int) + ["all"]
    wide = wide.loc[_model_order(errors), columns]
    wide.columns = [f"h={c}" if c != "all" else "all" for c in columns]
    counts = summary[summary["horizon"] == "all"].set_index("model")["n"]
    wide.insert(0, "n", counts.reindex(wide.index).astype(int))
    return wide


def coverage_by_model(errors: pd.DataFrame) -> pd.DataFrame:
    """Share of observed values inside each model's 80% and 95% prediction intervals (nominal 0.80/0.95)."""
    with_pi = errors[errors["kind"].isin(["model", "ensemble"])]
    out = (with_pi.groupby("model", sort=False)
           .agg(n=("in80", "size"), cover80=("in80", "mean"), cover95=("in95", "mean")).reset_index())
    out["cover80"] = out["cover80"].astype(float)
    out["cover95"] = out["cover95"].astype(float)
    return out


def call_accuracy(calls: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per method: calls made, correct calls, accuracy and Brier score (a 0/1 call's Brier = its error rate).

    ``by="indicator_id"`` (or ``"origin"``) splits the table. A rule that cannot be computed at an origin
    (e.g. an undefined Eurostat ratio) makes no call there; ``n`` says how many it made.
    """
    rows = []
    groups = [(None, calls)] if by is None else list(calls.groupby(by, sort=False))
    for key, group in groups:
        outcome = group["outcome"].astype(bool)
        for method, label in CALL_METHODS.items():
            made = group[f"{method}_call"].notna()
            if not made.any():
                continue
            call = group.loc[made, f"{method}_call"].astype(bool)
            correct = call == outcome[made]
            prob = group.loc[made, "p_attain"] if method == "ours" else call.astype(float)
            brier = float(((prob.astype(float) - outcome[made].astype(float)) ** 2).mean())
            row = {"method": method, "rule": label, "n": int(made.sum()), "correct": int(correct.sum()),
                   "accuracy": float(correct.mean()), "brier": brier}
            rows.append(({by: key} if by else {}) | row)
    return pd.DataFrame(rows)


def error_by_indicator(errors: pd.DataFrame) -> pd.DataFrame:
    """MAPE per indicator (rows) and model or rule (columns), with the number of scored forecasts per method."""
    wide = errors.pivot_table(index="indicator_id", columns="model", values="ape", aggfunc="mean", sort=False)
    wide = wide[_model_order(errors)]
    wide.insert(0, "n", errors[errors["model"] == "ensemble"].groupby("indicator_id").size().reindex(wide.index))
    return wide
