"""The cross-unit overview of a batch run: categories of every unit, regional contrasts, and whether gaps narrowed.

A province report answers "how is this unit doing"; the overview answers what only a comparison can: which
indicators lag everywhere, which regions lag, and whether the gaps between provinces (and between town and
country) narrowed over the Outline period, which the Outline itself names as a goal. Everything is computed
from a finished batch folder (``results.csv`` and ``units/<unit>/summary.json``) plus the observation files
the units were run on, so the overview always describes exactly the run it sits beside. Figures live in
:mod:`toolkit.reports.overview.figures`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML

from toolkit.contracts.observations import is_point
from toolkit.contracts.results import ON_TRACK, TARGET_CATEGORIES, targeted
from toolkit.contracts.synthetic import banner_text
from toolkit.core.errors import BatchError, Problem

__all__ = ["RunData", "load_run", "category_matrix", "counts_by_area", "regional_summary", "region_counts",
           "gap_trends", "gap_changes", "gap_sentences", "urban_rural_gaps", "urban_rural_sentences", "title",
           "gap_table", "area_table", "gap_summary", "run_gaps", "targeted_indicators", "regional_table",
           "key_numbers", "unit_order", "banner_text", "REGION_ORDER", "TARGET_CATEGORIES", "ON_TRACK"]

REGION_ORDER = ("east", "central", "west", "northeast")
#: Relative change of the coefficient of variation below which a gap counts as "little changed".
GAP_TOLERANCE = 0.05
MIN_UNITS = 3  # a year needs this many provinces before its spread means anything


# --------------------------------------------------------------------------- loading a run


@dataclass
class RunData:
    """A finished batch run: its results, the units' summaries, and the observations they were run on."""

    run_dir: Path
    results: pd.DataFrame
    summaries: pd.DataFrame  # indexed by unit_id, in unit order
    observations: pd.DataFrame
    indicators: pd.DataFrame
    units: pd.DataFrame  # data/units.csv rows of the run's units, indexed by unit_id
    as_of: int
    target_set: str

    @property
    def synthetic_units(self) -> list[str]:
        """Units whose report was built on synthetic data."""
        return [u for u, s in self.summaries["synthetic"].items() if bool(s)]

    @property
    def synthetic(self) -> bool:
        return bool(self.synthetic_units)

    @property
    def targeted(self) -> pd.DataFrame:
        """Results rows of indicators with a target (``no_target`` rows dropped)."""
        return targeted(self.results)


def _read_summaries(run_dir: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((run_dir / "units").glob("*/summary.json")):
        rows.append(json.loads(path.read_text(encoding="utf-8")))
    return pd.DataFrame(rows)


def _data_paths(summaries: pd.DataFrame) -> list[Path]:
    """Every observation file the units were run on, resolved against the project root, without repeats."""
    from toolkit.core.paths import PROJECT_ROOT

    files = dict.fromkeys(f for files in summaries["data_files"] for f in files)
    return [p if (p := Path(f)).is_absolute() else PROJECT_ROOT / p for f in files]


def load_run(run_dir: str | Path = "") -> RunData:
    """Read a batch output folder ("" = ``toolkit.core.paths.OUTPUTS_DIR``) and the observation files it used."""
    from toolkit.core.paths import OUTPUTS_DIR
    from toolkit.inputs.catalog import load_indicators
    from toolkit.inputs.observations import load_observations
    from toolkit.inputs.units import load_units

    run_dir = Path(run_dir) if str(run_dir) else OUTPUTS_DIR
    results_path = run_dir / "results.csv"
    summaries = _read_summaries(run_dir) if run_dir.is_dir() else pd.DataFrame()
    if not results_path.is_file() or summaries.empty:
        raise BatchError("no finished batch run here", path=run_dir, problems=[Problem(
            "results.csv or units/<unit>/summary.json is missing",
            "run the batch first (`make run` or `python -m toolkit run --out DIR`) and pass that folder as run_dir")])
    results = pd.read_csv(results_path, dtype={"unit_id": str, "indicator_id": str, "category": str})
    # units/ may still hold units of an older run into the same folder; results.csv lists only this run's
    summaries = summaries[summaries["unit_id"].isin(set(results["unit_id"]))]
    units = load_units()
    order = unit_order(units.loc[units.index.intersection(summaries["unit_id"])])
    summaries = summaries.set_index("unit_id").loc[order]
    missing = [f for f in _data_paths(summaries) if not f.is_file()]
    if missing:
        raise BatchError("an observation file the run used is missing", path=run_dir, problems=[Problem(
            f"not found: {', '.join(map(str, missing))}", "restore the file or re-run the batch")])
    observations = load_observations(_data_paths(summaries))
    as_of = int(summaries["as_of"].mode().iloc[0])
    target_set = str(summaries["target_set"].mode().iloc[0])
    return RunData(run_dir=run_dir, results=results, summaries=summaries, observations=observations,
                   indicators=load_indicators(), units=units.loc[order], as_of=as_of, target_set=target_set)


def unit_order(units: pd.DataFrame) -> list[str]:
    """National level first, then provinces grouped by region (east, central, west, northeast), table order within."""
    rank = {r: i for i, r in enumerate(REGION_ORDER)}
    keyed = [(0 if units.loc[u, "level"] == "country" else 1,
              rank.get(units.loc[u, "region"], len(rank)) if isinstance(units.loc[u, "region"], str) else -1,
              i, u) for i, u in enumerate(units.index)]
    return [k[-1] for k in sorted(keyed)]


# --------------------------------------------------------------------------- categories


def _indicator_order(results: pd.DataFrame, indicators: pd.DataFrame | None) -> list[str]:
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
    return matrix.reindex(index=rows, columns=_indicator_order(with_target, indicators))


def counts_by_area(results: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Number of unit x indicator assessments per Outline area (rows) and category (columns)."""
    with_target = targeted(results)
    areas = with_target["indicator_id"].map(indicators["area"])
    counts = pd.crosstab(areas, with_target["category"])
    order = list(dict.fromkeys(a for a in indicators["area"] if a in counts.index))
    return counts.reindex(index=order, columns=TARGET_CATEGORIES, fill_value=0).rename_axis(
        index="area", columns="category")


def _provinces(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    region = results["unit_id"].map(units["region"])
    keep = region.isin(REGION_ORDER)
    return results[keep & (results["category"] != "no_target")].assign(region=region[keep])


def regional_summary(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Per region and indicator: provinces, provinces assessed, mean P(attain), share achieved or on track.

    P(attain) is 1/0 where the target year is observed. Provinces with ``insufficient_data`` count in
    ``n_units`` but not in the mean or the share (``n_assessed`` says how many do).
    """
    prov = _provinces(results, units)
    assessed = prov["p_attain"].notna()
    prov = prov.assign(assessed=assessed, on=prov["category"].isin(ON_TRACK).where(assessed))
    out = (prov.groupby(["region", "indicator_id"], sort=False)
           .agg(n_units=("unit_id", "nunique"), n_assessed=("assessed", "sum"), mean_p_attain=("p_attain", "mean"),
                share_on_track=("on", "mean")).reset_index())
    out["region"] = pd.Categorical(out["region"], categories=list(REGION_ORDER), ordered=True)
    return out.sort_values(["region"], kind="stable").reset_index(drop=True).astype({"region": str})


def region_counts(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Provinces' assessments per region (rows, in :data:`REGION_ORDER`) and category (columns)."""
    prov = _provinces(results, units)
    counts = pd.crosstab(prov["region"], prov["category"])
    return counts.reindex(index=[r for r in REGION_ORDER if r in counts.index], columns=TARGET_CATEGORIES,
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


def _verdict(first: float, last: float, tolerance: float = GAP_TOLERANCE) -> str:
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
                     "verdict": _verdict(first["cv"], last["cv"]) if len(group) > 1 else "one year only",
                     "ratio_verdict": _verdict(first["max_min_ratio"], last["max_min_ratio"]) if len(group) > 1
                     else "one year only"})
    return pd.DataFrame(rows, columns=["indicator_id", "first_year", "last_year", "n_years", "n_first", "n_last",
                                       "cv_first", "cv_last", "ratio_first", "ratio_last", "verdict",
                                       "ratio_verdict"])


def _num(value: float, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(float(value)) else f"{value:.{digits}f}"


def _ratio(value: float) -> str:
    return _num(value) if math.isfinite(float(value)) else "undefined (a province at 0)"


def gap_sentences(gaps: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """One plain sentence per indicator: did the gap between provinces narrow from the first to the last year?"""
    sentences = []
    for row in gap_changes(gaps).itertuples():
        name = str(indicators.loc[row.indicator_id, "name_en"]) if row.indicator_id in indicators.index \
            else row.indicator_id
        if row.verdict == "one year only":
            sentences.append(f"{name}: provincial data for {row.first_year} only, so no trend in the gap.")
            continue
        verb = {"narrowed": "narrowed", "widened": "widened", "little changed": "changed little",
                "unknown": "cannot be judged"}[row.verdict]
        text = (f"{name}: the gap between provinces {verb} from {row.first_year} to {row.last_year} "
                f"(coefficient of variation {_num(row.cv_first, 3)} → {_num(row.cv_last, 3)}; "
                f"highest/lowest province {_ratio(row.ratio_first)} → {_ratio(row.ratio_last)})")
        if row.verdict in ("narrowed", "widened") and row.ratio_verdict not in (row.verdict, "unknown"):
            ratio_verb = row.ratio_verdict.replace("little changed", "changed little")
            text += f", although the highest/lowest ratio {ratio_verb}"
        sentences.append(text + ".")
    return sentences


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


def urban_rural_sentences(pairs: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """One sentence per rural/urban pair: did the gap narrow from its first to its last common year?"""
    sentences = []
    for stem, group in pairs.groupby("indicator_id", sort=False):
        name = str(indicators.loc[stem, "name_en"]) if stem in indicators.index else stem
        first, last = group.iloc[0], group.iloc[-1]
        if len(group) < 2:
            sentences.append(f"{name}: urban and rural values for {int(first['year'])} only.")
            continue
        verdict = _verdict(first["ratio"], last["ratio"])
        verb = {"narrowed": "narrowed", "widened": "widened", "little changed": "changed little",
                "unknown": "cannot be judged"}[verdict]
        sentences.append(
            f"{name}: the rural/urban gap {verb} from {int(first['year'])} to {int(last['year'])} "
            f"(rural/urban ratio {_num(first['ratio'])} → {_num(last['ratio'])}; rural minus urban "
            f"{_num(first['difference'], 1)} → {_num(last['difference'], 1)}).")
    return sentences


# --------------------------------------------------------------------------- what the notebook shows


def _names(ids: Sequence[str], table: pd.DataFrame) -> str:
    return ", ".join(str(table.loc[i, "name_en"]) for i in ids)


def title(run: RunData) -> HTML:
    """Title, run facts, and the red banner when any unit ran on synthetic data."""
    from toolkit.reports.unit_report.fragments import STYLE

    synthetic = run.synthetic_units
    banner = ""
    if synthetic:
        provinces = set(run.units.index[run.units["level"] == "province"])
        which = "every province of this run" if provinces and set(synthetic) == provinces \
            else _names(synthetic, run.units)
        banner = (f'<div class="tk-banner">{escape(banner_text())}</div>'
                  f'<p class="tk-muted">Synthetic data in {len(synthetic)} of {len(run.summaries)} units '
                  f"({escape(which)}). Regional patterns and gaps below describe the demonstration panel, "
                  "not China's provinces.</p>")
    files = ", ".join(f"<code>{escape(str(f))}</code>" for f in dict.fromkeys(
        f for fs in run.summaries["data_files"] for f in fs))
    return HTML(f"{STYLE}{banner}<h1>Overview across units · 各地区概览</h1>"
                f'<p class="tk-muted">{len(run.summaries)} units · target set <b>{escape(run.target_set)}</b> · '
                f"data up to <b>{run.as_of}</b> · {run.targeted['indicator_id'].nunique()} indicators with a target"
                f" · data files: {files}</p>")


def targeted_indicators(run: RunData) -> list[str]:
    """Indicators with a target in this run, in the order of data/indicators.csv."""
    return _indicator_order(run.targeted, run.indicators)


def run_gaps(run: RunData) -> pd.DataFrame:
    """:func:`gap_trends` of a run: its provinces, its indicators with a target, its as-of year."""
    return gap_trends(run.observations, run.units, run.as_of, indicators=targeted_indicators(run))


def gap_summary(run: RunData) -> HTML:
    """The sentences on gaps (between provinces, then rural/urban nationally) as an HTML list."""
    from toolkit.reports.unit_report.fragments import STYLE

    provincial = gap_sentences(run_gaps(run), run.indicators)
    urban_rural = urban_rural_sentences(urban_rural_gaps(run.observations, run.as_of), run.indicators)
    html = f"{STYLE}<h3>Between provinces</h3><ul>" + "".join(f"<li>{escape(s)}</li>" for s in provincial) + "</ul>"
    if not provincial:
        html += "<p>No indicator has provincial point values for enough provinces to measure a gap.</p>"
    if urban_rural:
        html += ("<h3>Between rural and urban areas (national series, real data)</h3><ul>"
                 + "".join(f"<li>{escape(s)}</li>" for s in urban_rural) + "</ul>")
    return HTML(html)


def gap_table(gaps: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """First and last year of each indicator's spread, formatted for display ("-" where undefined)."""
    changes = gap_changes(gaps)
    return pd.DataFrame({
        "indicator": changes["indicator_id"].map(indicators["name_en"]).fillna(changes["indicator_id"]),
        "first year": changes["first_year"], "last year": changes["last_year"],
        "provinces": changes["n_first"].astype(str) + " / " + changes["n_last"].astype(str),
        "CV": [f"{_num(a, 3)} → {_num(b, 3)}" for a, b in zip(changes["cv_first"], changes["cv_last"])],
        "max/min": [f"{_num(a)} → {_num(b)}" for a, b in zip(changes["ratio_first"], changes["ratio_last"])],
        "gap (CV)": changes["verdict"],
    }).set_index("indicator")


def area_table(results: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """:func:`counts_by_area` labelled for display, with totals per area and per category."""
    counts = counts_by_area(results, indicators)
    counts["total"] = counts.sum(axis=1)
    counts.loc["all areas"] = counts.sum(axis=0)
    counts.index = [str(a).replace("_", " ") for a in counts.index]
    counts.columns = [str(c).replace("_", " ") for c in counts.columns]
    return counts.rename_axis(index="area")


def regional_table(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Per region: provinces, assessments per category, mean P(attain) and share achieved or on track."""
    prov = _provinces(results, units)
    counts = region_counts(results, units)
    assessed = prov[prov["p_attain"].notna()]
    summary = pd.DataFrame({
        "provinces": prov.groupby("region")["unit_id"].nunique(),
        "mean P(attain)": assessed.groupby("region")["p_attain"].mean().round(2),
        "share achieved or on track": assessed.groupby("region")["category"].apply(
            lambda c: c.isin(ON_TRACK).mean()).round(2),
    }).reindex(counts.index)
    counts.columns = [c.replace("_", " ") for c in counts.columns]
    return summary.join(counts)


def key_numbers(run: RunData) -> str:
    """A rounded plain-text block of the overview's key numbers (compared by regression tests)."""
    targeted = run.targeted
    counts = targeted["category"].value_counts()
    lines = [f"run: {len(run.summaries)} units ({len(run.synthetic_units)} synthetic) | target set: "
             f"{run.target_set} | as of: {run.as_of}",
             "counts: " + ", ".join(f"{c}={int(counts.get(c, 0))}" for c in TARGET_CATEGORIES)]
    by_region = region_counts(run.results, run.units)
    for region, row in by_region.iterrows():
        lines.append(f"{region}: " + ", ".join(f"{c}={int(v)}" for c, v in row.items() if v))
    verdicts = gap_changes(run_gaps(run))["verdict"].value_counts()
    lines.append("provincial gaps: " + ", ".join(f"{k}={int(v)}" for k, v in sorted(verdicts.items())))
    return "\n".join(lines)
