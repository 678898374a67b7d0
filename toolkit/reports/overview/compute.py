"""The cross-unit overview of a batch run: categories of every unit, regional contrasts, and whether gaps narrowed.

A province report answers "how is this unit doing"; the overview answers what only a comparison can: which
indicators lag everywhere, which regions lag, and whether the gaps between provinces (and between town and
country) narrowed over the Outline period, which the Outline itself names as a goal. This module holds the
pure computations on frames (results, units, observations); :mod:`~toolkit.reports.overview.run` reads a
run, :mod:`~toolkit.reports.overview.fragments` and :mod:`~toolkit.reports.overview.figures` show it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from toolkit.contracts.observations import is_point
from toolkit.contracts.results import ON_TRACK, TARGET_CATEGORIES, targeted, verdict_probability
from toolkit.inputs.catalog import OUTLINE_AREAS
from toolkit.inputs.units import REGIONS

#: Relative change of the coefficient of variation below which a gap counts as "little changed".
GAP_TOLERANCE = 0.05
MIN_UNITS = 3  # a year needs this many provinces before its spread means anything


# --------------------------------------------------------------------------- loading a run


def unit_order(units: pd.DataFrame) -> list[str]:
    """National level first, then provinces grouped by region (east, central, west, northeast), table order within."""
    rank = {r: i for i, r in enumerate(REGIONS)}
    keyed = [(0 if units.loc[u, "level"] == "country" else 1,
              rank.get(units.loc[u, "region"], len(rank)) if isinstance(units.loc[u, "region"], str) else -1,
              i, u) for i, u in enumerate(units.index)]
    return [k[-1] for k in sorted(keyed)]


# --------------------------------------------------------------------------- categories


def indicator_order(results: pd.DataFrame, indicators: pd.DataFrame | None) -> list[str]:
    present = list(dict.fromkeys(results["indicator_id"]))
    if indicators is None:
        return present
    known = [i for i in indicators.index if i in set(present)]
    return known + [i for i in present if i not in set(known)]


def category_matrix(results: pd.DataFrame, units: pd.DataFrame | None = None,
                    indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units (rows) x indicators with a target (columns) -> category; NaN where a unit has no row.

    Rows follow :func:`unit_order` when ``units`` is given (else first appearance), columns the order of
    ``indicators`` (else first appearance).
    """
    with_target = targeted(results)
    rows = unit_order(units.loc[units.index.intersection(with_target["unit_id"].unique())]) if units is not None \
        else list(dict.fromkeys(with_target["unit_id"]))
    matrix = with_target.pivot_table(index="unit_id", columns="indicator_id", values="category", aggfunc="first")
    return matrix.reindex(index=rows, columns=indicator_order(with_target, indicators))


def counts_by_area(results: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Number of unit x indicator assessments per Outline area (rows) and category (columns).

    The area is the results row's own (the target set's area where it gives one: the 2021-2030 Outline's
    seven areas), else the indicator catalog's."""
    with_target = targeted(results)
    catalog = with_target["indicator_id"].map(indicators["area"])
    areas = with_target["area"].where(with_target["area"].notna() & (with_target["area"] != ""), catalog) \
        if "area" in with_target else catalog
    counts = pd.crosstab(areas, with_target["category"])
    order = list(dict.fromkeys(a for a in (*OUTLINE_AREAS, *indicators["area"]) if a in counts.index))
    return counts.reindex(index=order, columns=TARGET_CATEGORIES, fill_value=0).rename_axis(
        index="area", columns="category")


def province_rows(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Targeted rows of provinces, with their region; ``p_attain`` counts an observed verdict as 1 or 0."""
    region = results["unit_id"].map(units["region"])
    keep = region.isin(REGIONS)
    rows = results[keep & (results["category"] != "no_target")]
    return rows.assign(region=region[keep], p_attain=verdict_probability(rows))


def regional_summary(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Per region and indicator: provinces, provinces assessed, mean P(attain), share achieved or on track.

    P(attain) is 1/0 where the target year is observed. Provinces with ``insufficient_data`` count in
    ``n_units`` but not in the mean or the share (``n_assessed`` says how many do).
    """
    prov = province_rows(results, units)
    assessed = prov["p_attain"].notna()
    prov = prov.assign(assessed=assessed, on=prov["category"].isin(ON_TRACK).where(assessed))
    out = (prov.groupby(["region", "indicator_id"], sort=False)
           .agg(n_units=("unit_id", "nunique"), n_assessed=("assessed", "sum"), mean_p_attain=("p_attain", "mean"),
                share_on_track=("on", "mean")).reset_index())
    out["region"] = pd.Categorical(out["region"], categories=list(REGIONS), ordered=True)
    return out.sort_values(["region"], kind="stable").reset_index(drop=True).astype({"region": str})


def region_counts(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Provinces' assessments per region (rows, in :data:`REGIONS`) and category (columns)."""
    prov = province_rows(results, units)
    counts = pd.crosstab(prov["region"], prov["category"])
    return counts.reindex(index=[r for r in REGIONS if r in counts.index], columns=TARGET_CATEGORIES,
                          fill_value=0).rename_axis(index="region", columns="category")


# --------------------------------------------------------------------------- gaps between provinces


def gap_trends(observations: pd.DataFrame, units: pd.DataFrame, as_of: int, *,
               indicators: Iterable[str] | None = None, min_units: int = MIN_UNITS) -> pd.DataFrame:
    """Spread between provinces per indicator and year: coefficient of variation and max/min ratio.

    Only provinces (``units.level == "province"``), point values (published bounds such as "above 99%" say
    nothing about the spread) and years up to ``as_of``. ``cv`` is the population standard deviation
    (ddof=0: the provinces are the whole population, not a sample) divided by the mean; ``max_min_ratio``
    is NaN when the smallest value is not positive. Years with fewer than ``min_units`` provinces are left out.
    """
    indicators = list(indicators) if indicators is not None else None
    provinces = units.index[units["level"] == "province"]
    obs = observations[observations["unit_id"].isin(provinces) & (observations["year"] <= as_of)
                       & is_point(observations["qualifier"])
                       & observations["value"].notna()]
    if indicators is not None:
        obs = obs[obs["indicator_id"].isin(indicators)]
    obs = obs.drop_duplicates(["indicator_id", "unit_id", "year"], keep="last")
    grouped = obs.groupby(["indicator_id", "year"], sort=True)["value"]
    out = grouped.agg(n_units="size", mean="mean", sd=lambda v: float(np.std(v, ddof=0)), min="min",
                      max="max").reset_index()
    out["cv"] = out["sd"] / out["mean"]
    out["max_min_ratio"] = (out["max"] / out["min"]).where(out["min"] > 0)
    out = out[out["n_units"] >= min_units]
    if indicators is not None:
        rank = {ind: i for i, ind in enumerate(indicators)}
        out = out.sort_values(["indicator_id", "year"], key=lambda s: s.map(rank) if s.name == "indicator_id" else s)
    return out[["indicator_id", "year", "n_units", "mean", "cv", "max_min_ratio", "sd", "min", "max"]].reset_index(
        drop=True)


def gap_verdict(first: float, last: float, tolerance: float = GAP_TOLERANCE) -> str:
    if not (math.isfinite(first) and math.isfinite(last)) or first == 0:
        return "unknown"
    change = last / first - 1
    return "narrowed" if change < -tolerance else "widened" if change > tolerance else "little changed"


def gap_changes(gaps: pd.DataFrame) -> pd.DataFrame:
    """First vs last year of each indicator's spread, with a verdict on the CV: narrowed, widened, little changed.

    A change of less than :data:`GAP_TOLERANCE` (5%) of the first year's CV counts as little changed.
    """
    rows = []
    for indicator_id, group in gaps.groupby("indicator_id", sort=False):
        first, last = group.iloc[0], group.iloc[-1]
        rows.append({"indicator_id": indicator_id, "first_year": int(first["year"]), "last_year": int(last["year"]),
                     "n_years": len(group), "n_first": int(first["n_units"]), "n_last": int(last["n_units"]),
                     "cv_first": first["cv"], "cv_last": last["cv"], "ratio_first": first["max_min_ratio"],
                     "ratio_last": last["max_min_ratio"],
                     "verdict": gap_verdict(first["cv"], last["cv"]) if len(group) > 1 else "one year only",
                     "ratio_verdict": gap_verdict(first["max_min_ratio"], last["max_min_ratio"]) if len(group) > 1
                     else "one year only"})
    return pd.DataFrame(rows, columns=["indicator_id", "first_year", "last_year", "n_years", "n_first", "n_last",
                                       "cv_first", "cv_last", "ratio_first", "ratio_last", "verdict",
                                       "ratio_verdict"])


def urban_rural_gaps(observations: pd.DataFrame, as_of: int, *, unit_id: str = "national") -> pd.DataFrame:
    """Rural/urban pairs of one unit (``<x>_rural`` and ``<x>_urban`` indicators) in years both are observed.

    Returns ``[indicator_id, year, urban, rural, ratio, difference]`` with ``indicator_id`` the stem (``imr``),
    ``ratio = rural / urban`` and ``difference = rural - urban``.
    """
    obs = observations[(observations["unit_id"] == unit_id) & (observations["year"] <= as_of)
                       & is_point(observations["qualifier"])]
    ids = set(obs["indicator_id"])
    rows = []
    for stem in sorted({i.rsplit("_", 1)[0] for i in ids if i.endswith(("_urban", "_rural"))}):
        if f"{stem}_urban" not in ids or f"{stem}_rural" not in ids:
            continue
        urban = obs[obs["indicator_id"] == f"{stem}_urban"].set_index("year")["value"]
        rural = obs[obs["indicator_id"] == f"{stem}_rural"].set_index("year")["value"]
        for year in sorted(set(urban.index) & set(rural.index)):
            u, r = float(urban.loc[year]), float(rural.loc[year])
            rows.append({"indicator_id": stem, "year": int(year), "urban": u, "rural": r,
                         "ratio": r / u if u > 0 else math.nan, "difference": r - u})
    return pd.DataFrame(rows, columns=["indicator_id", "year", "urban", "rural", "ratio", "difference"])


# --------------------------------------------------------------------------- what the notebook shows


# --------------------------------------------------------------------------- latest values and rankings

#: Why a unit has no rank for an indicator (codes of :func:`latest_values`' ``not_ranked`` column).
NOT_RANKED = ("not_province", "no_value", "bound", "other_year", "no_direction")


def common_year(years: pd.Series) -> int | None:
    """The latest year most units share (the mode of their latest years; a tie goes to the later year)."""
    counts = pd.Series(years).dropna().astype(int).value_counts()
    if counts.empty:
        return None
    return int(max(counts.index, key=lambda year: (counts[year], year)))


def latest_values(results: pd.DataFrame, units: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per unit x indicator with a target: the latest observation, its category and the province's rank.

    Rows follow :func:`unit_order` (nation first, provinces by region), indicators :func:`indicator_order`.
    ``common_year`` is the latest year most provinces of the indicator share (all units when no province
    has a value). Provinces are ranked in the indicator's good direction (data/indicators.csv ``direction``:
    lowest first for ``decrease``, highest first for ``increase``), equal values sharing the better rank, and
    only where a rank means something: a province (not the nation), a point value (a published bound such
    as "> 99" cannot be placed exactly) observed in the common year (a value of another year is not
    comparable). ``not_ranked`` says why a row has no rank (:data:`NOT_RANKED`), ``n_ranked`` how many
    provinces were ranked for the indicator.
    """
    rows = targeted(results)
    order_units = unit_order(units.loc[units.index.intersection(rows["unit_id"].unique())])
    order_indicators = indicator_order(rows, indicators)
    frame = rows.drop_duplicates(["unit_id", "indicator_id"]).set_index(["unit_id", "indicator_id"])
    grid = pd.MultiIndex.from_product([order_units, order_indicators], names=["unit_id", "indicator_id"])
    frame = frame.reindex(grid)
    qualifier = frame["latest_qualifier"] if "latest_qualifier" in frame else pd.Series("=", index=frame.index)
    out = pd.DataFrame({
        "latest_value": pd.to_numeric(frame["latest_value"], errors="coerce"),
        "latest_qualifier": qualifier.fillna("=").replace("", "="),
        "latest_year": pd.to_numeric(frame["latest_year"], errors="coerce").astype("Int64"),
        "category": frame["category"],
    }, index=grid).reset_index()
    catalog = indicators["direction"] if "direction" in indicators else pd.Series(dtype=str)
    own = frame["direction"].groupby(level="indicator_id").first() if "direction" in frame \
        else pd.Series(dtype=str)
    direction = {i: catalog.get(i) if isinstance(catalog.get(i), str) else own.get(i) for i in order_indicators}
    out["direction"] = out["indicator_id"].map(direction)
    province = out["unit_id"].map(units["level"]).eq("province")
    has_value = out["latest_value"].notna()
    common = {}
    for indicator_id, group in out[has_value].groupby("indicator_id", sort=False):
        in_provinces = group[province.loc[group.index]]
        common[indicator_id] = common_year((in_provinces if len(in_provinces) else group)["latest_year"])
    out["common_year"] = out["indicator_id"].map(common).astype("Int64")
    reason = pd.Series(pd.NA, index=out.index, dtype="object")
    reason[~out["direction"].isin(("increase", "decrease"))] = "no_direction"
    reason[out["latest_year"].ne(out["common_year"]).fillna(True)] = "other_year"
    reason[~out["latest_qualifier"].isin(("=",))] = "bound"
    reason[~has_value] = "no_value"
    reason[~province] = "not_province"
    out["not_ranked"] = reason
    ranked = out["not_ranked"].isna()
    out["rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    for indicator_id, group in out[ranked].groupby("indicator_id", sort=False):
        better_low = group["direction"].iloc[0] == "decrease"
        out.loc[group.index, "rank"] = group["latest_value"].rank(method="min", ascending=better_low).astype(int)
    out["n_ranked"] = out["indicator_id"].map(out[ranked].groupby("indicator_id").size()).fillna(0).astype(int)
    return out[["unit_id", "indicator_id", "latest_value", "latest_qualifier", "latest_year", "category", "direction",
                "common_year", "rank", "n_ranked", "not_ranked"]]


def rank_extremes(values: pd.DataFrame, indicator_id: str, shown: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best and the worst ranked provinces of one indicator (at most ``shown`` each, never overlapping).

    With fewer than ``2 * shown`` provinces ranked, the best get the first half (rounded up) and the worst
    the rest, so every ranked province appears once. The worst are listed worst first."""
    ranked = values[(values["indicator_id"] == indicator_id) & values["rank"].notna()]
    ranked = ranked.sort_values(["rank", "unit_id"], kind="stable")
    n_best = min(shown, math.ceil(len(ranked) / 2))
    n_worst = min(shown, len(ranked) - n_best)
    worst = ranked.iloc[len(ranked) - n_worst:].iloc[::-1] if n_worst else ranked.iloc[0:0]
    return ranked.iloc[:n_best], worst
