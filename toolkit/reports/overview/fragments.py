"""What the overview notebook shows as text and tables: title and banner, gap sentences, labelled tables,
and the key numbers nbval compares. Every function takes the run (:class:`~toolkit.reports.overview.run.RunData`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import pandas as pd
from IPython.display import HTML

from toolkit.contracts.results import ON_TRACK, TARGET_CATEGORIES
from toolkit.contracts.synthetic import banner_text
from toolkit.reports.html import STYLE
from toolkit.reports.overview.compute import (
    counts_by_area,
    gap_changes,
    gap_verdict,
    province_rows,
    region_counts,
    urban_rural_gaps,
)
from toolkit.reports.overview.run import RunData, run_gaps
from toolkit.reports.text import number, ratio


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
                f"(coefficient of variation {number(row.cv_first, 3)} → {number(row.cv_last, 3)}; "
                f"highest/lowest province {ratio(row.ratio_first)} → {ratio(row.ratio_last)})")
        if row.verdict in ("narrowed", "widened") and row.ratio_verdict not in (row.verdict, "unknown"):
            ratio_verb = row.ratio_verdict.replace("little changed", "changed little")
            text += f", although the highest/lowest ratio {ratio_verb}"
        sentences.append(text + ".")
    return sentences


def urban_rural_sentences(pairs: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """One sentence per rural/urban pair: did the gap narrow from its first to its last common year?"""
    sentences = []
    for stem, group in pairs.groupby("indicator_id", sort=False):
        name = str(indicators.loc[stem, "name_en"]) if stem in indicators.index else stem
        first, last = group.iloc[0], group.iloc[-1]
        if len(group) < 2:
            sentences.append(f"{name}: urban and rural values for {int(first['year'])} only.")
            continue
        verdict = gap_verdict(first["ratio"], last["ratio"])
        verb = {"narrowed": "narrowed", "widened": "widened", "little changed": "changed little",
                "unknown": "cannot be judged"}[verdict]
        sentences.append(
            f"{name}: the rural/urban gap {verb} from {int(first['year'])} to {int(last['year'])} "
            f"(rural/urban ratio {number(first['ratio'])} → {number(last['ratio'])}; rural minus urban "
            f"{number(first['difference'], 1)} → {number(last['difference'], 1)}).")
    return sentences


def _names(ids: Sequence[str], table: pd.DataFrame) -> str:
    return ", ".join(str(table.loc[i, "name_en"]) for i in ids)


def title(run: RunData) -> HTML:
    """Title, run facts, and the red banner when any unit ran on synthetic data."""
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
                f'<p class="tk-muted">{escape(run.cycle_name)}<br>{len(run.summaries)} units · '
                f'target set <b>{escape(run.target_set)}</b> · '
                f"data up to <b>{run.as_of}</b> · {run.targeted['indicator_id'].nunique()} indicators with a target"
                f" · data files: {files}"
                + (f"<br>{run.n_context} rows of another outline's targets (context, e.g. the Women's Outline's "
                   "maternal mortality) are left out of every count and comparison below." if run.n_context else "")
                + "</p>")


def gap_summary(run: RunData) -> HTML:
    """The sentences on gaps (between provinces, then rural/urban nationally) as an HTML list."""
    provincial = gap_sentences(run_gaps(run), run.indicators)
    urban_rural = urban_rural_sentences(urban_rural_gaps(run.observations, run.as_of), run.indicators)
    html = f"{STYLE}<h3>Between provinces</h3><ul>" + "".join(f"<li>{escape(s)}</li>" for s in provincial) + "</ul>"
    if not provincial:
        html += "<p>No indicator has provincial point values for enough provinces to measure a gap.</p>"
    if urban_rural:
        html += ("<h3>Between rural and urban areas (national series, real data)</h3><ul>"
                 + "".join(f"<li>{escape(s)}</li>" for s in urban_rural) + "</ul>")
    return HTML(html)


def gap_table(run: RunData) -> pd.DataFrame:
    """First and last year of each indicator's spread, formatted for display ("-" where undefined)."""
    changes, indicators = gap_changes(run_gaps(run)), run.indicators
    return pd.DataFrame({
        "indicator": changes["indicator_id"].map(indicators["name_en"]).fillna(changes["indicator_id"]),
        "first year": changes["first_year"], "last year": changes["last_year"],
        "provinces": changes["n_first"].astype(str) + " / " + changes["n_last"].astype(str),
        "CV": [f"{number(a, 3)} → {number(b, 3)}" for a, b in zip(changes["cv_first"], changes["cv_last"])],
        "max/min": [f"{number(a)} → {number(b)}" for a, b in zip(changes["ratio_first"], changes["ratio_last"])],
        "gap (CV)": changes["verdict"],
    }).set_index("indicator")


def area_table(run: RunData) -> pd.DataFrame:
    """:func:`counts_by_area` labelled for display, with totals per area and per category."""
    counts = counts_by_area(run.results, run.indicators)
    counts["total"] = counts.sum(axis=1)
    counts.loc["all areas"] = counts.sum(axis=0)
    counts.index = [str(a).replace("_", " ") for a in counts.index]
    counts.columns = [str(c).replace("_", " ") for c in counts.columns]
    return counts.rename_axis(index="area")


def regional_table(run: RunData) -> pd.DataFrame:
    """Per region: provinces, assessments per category, mean P(attain) and share achieved or on track."""
    prov = province_rows(run.results, run.units)
    counts = region_counts(run.results, run.units)
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
    counts = run.targeted["category"].value_counts()
    lines = [f"run: {len(run.summaries)} units ({len(run.synthetic_units)} synthetic) | target set: "
             f"{run.target_set} | as of: {run.as_of}",
             "counts: " + ", ".join(f"{c}={int(counts.get(c, 0))}" for c in TARGET_CATEGORIES)]
    by_region = region_counts(run.results, run.units)
    for region, row in by_region.iterrows():
        lines.append(f"{region}: " + ", ".join(f"{c}={int(v)}" for c, v in row.items() if v))
    verdicts = gap_changes(run_gaps(run))["verdict"].value_counts()
    lines.append("provincial gaps: " + ", ".join(f"{k}={int(v)}" for k, v in sorted(verdicts.items())))
    return "\n".join(lines)
