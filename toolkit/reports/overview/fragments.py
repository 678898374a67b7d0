"""What the overview notebook shows as text and tables: title and banner, the prose of every section, gap
sentences, labelled tables, and the key numbers the regression tests compare. Every function takes the run
(:class:`~toolkit.reports.overview.run.RunData`) and writes in the current edition (set by ``load_run``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

import pandas as pd
from IPython.display import HTML

from toolkit.contracts.labels import area_label, category_label, local_name, region_label
from toolkit.contracts.results import ON_TRACK, TARGET_CATEGORIES
from toolkit.contracts.synthetic import banner_html
from toolkit.core.i18n import N_, _, current_language, percent
from toolkit.inputs.params import load_defaults
from toolkit.reports.html import heading, html
from toolkit.reports.overview.compute import (
    GAP_TOLERANCE,
    counts_by_area,
    gap_changes,
    gap_verdict,
    province_rows,
    region_counts,
    urban_rural_gaps,
)
from toolkit.reports.overview.run import RunData, run_gaps
from toolkit.reports.text import number, ratio

#: One whole sentence per verdict on the gap between provinces (translated as a whole, never glued).
GAP_SENTENCES = {
    "narrowed": N_("{name}: the gap between provinces narrowed from {first} to {last} (coefficient of variation "
                   "{cv_first} → {cv_last}; highest/lowest province {ratio_first} → {ratio_last})."),
    "widened": N_("{name}: the gap between provinces widened from {first} to {last} (coefficient of variation "
                  "{cv_first} → {cv_last}; highest/lowest province {ratio_first} → {ratio_last})."),
    "little changed": N_("{name}: the gap between provinces changed little from {first} to {last} (coefficient "
                         "of variation {cv_first} → {cv_last}; highest/lowest province {ratio_first} → "
                         "{ratio_last})."),
    "unknown": N_("{name}: whether the gap between provinces changed from {first} to {last} cannot be judged "
                  "(coefficient of variation {cv_first} → {cv_last}; highest/lowest province {ratio_first} → "
                  "{ratio_last})."),
}
#: Added where the highest/lowest ratio disagrees with the coefficient of variation's verdict.
RATIO_SENTENCES = {
    "narrowed": N_("The highest/lowest ratio, however, narrowed."),
    "widened": N_("The highest/lowest ratio, however, widened."),
    "little changed": N_("The highest/lowest ratio, however, changed little."),
}
URBAN_RURAL_SENTENCES = {
    "narrowed": N_("{name}: the rural/urban gap narrowed from {first} to {last} (rural/urban ratio {ratio_first} "
                   "→ {ratio_last}; rural minus urban {diff_first} → {diff_last})."),
    "widened": N_("{name}: the rural/urban gap widened from {first} to {last} (rural/urban ratio {ratio_first} → "
                  "{ratio_last}; rural minus urban {diff_first} → {diff_last})."),
    "little changed": N_("{name}: the rural/urban gap changed little from {first} to {last} (rural/urban ratio "
                         "{ratio_first} → {ratio_last}; rural minus urban {diff_first} → {diff_last})."),
    "unknown": N_("{name}: whether the rural/urban gap changed from {first} to {last} cannot be judged "
                  "(rural/urban ratio {ratio_first} → {ratio_last}; rural minus urban {diff_first} → "
                  "{diff_last})."),
}
#: The verdicts as a table cell.
VERDICT_LABELS = {"narrowed": N_("narrowed"), "widened": N_("widened"), "little changed": N_("changed little"),
                  "unknown": N_("cannot be judged"), "one year only": N_("one year only")}


def _indicator(indicators: pd.DataFrame, indicator_id: str) -> str:
    return local_name(indicators.loc[indicator_id]) if indicator_id in indicators.index else indicator_id


def gap_sentences(gaps: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """One plain sentence per indicator: did the gap between provinces narrow from the first to the last year?"""
    sentences = []
    for row in gap_changes(gaps).itertuples():
        name = _indicator(indicators, row.indicator_id)
        if row.verdict == "one year only":
            sentences.append(_("{name}: provincial data for {year} only, so no trend in the gap.").format(
                name=name, year=row.first_year))
            continue
        text = _(GAP_SENTENCES[row.verdict]).format(
            name=name, first=row.first_year, last=row.last_year, cv_first=number(row.cv_first, 3),
            cv_last=number(row.cv_last, 3), ratio_first=ratio(row.ratio_first), ratio_last=ratio(row.ratio_last))
        if row.verdict in ("narrowed", "widened") and row.ratio_verdict not in (row.verdict, "unknown"):
            text += ("" if current_language() == "zh" else " ") + _(RATIO_SENTENCES[row.ratio_verdict])
        sentences.append(text)
    return sentences


def urban_rural_sentences(pairs: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """One sentence per rural/urban pair: did the gap narrow from its first to its last common year?"""
    sentences = []
    for stem, group in pairs.groupby("indicator_id", sort=False):
        name = _indicator(indicators, stem)
        first, last = group.iloc[0], group.iloc[-1]
        if len(group) < 2:
            sentences.append(_("{name}: urban and rural values for {year} only.").format(
                name=name, year=int(first["year"])))
            continue
        verdict = gap_verdict(first["ratio"], last["ratio"])
        sentences.append(_(URBAN_RURAL_SENTENCES[verdict]).format(
            name=name, first=int(first["year"]), last=int(last["year"]), ratio_first=number(first["ratio"]),
            ratio_last=number(last["ratio"]), diff_first=number(first["difference"], 1),
            diff_last=number(last["difference"], 1)))
    return sentences


def name_list(names: Iterable[str]) -> str:
    """Names as a list in the edition's punctuation (北京市、天津市 / Beijing, Tianjin)."""
    return ("、" if current_language() == "zh" else ", ").join(names)


def _names(ids: Sequence[str], table: pd.DataFrame) -> str:
    return name_list(local_name(table.loc[i]) for i in ids)


# --------------------------------------------------------------------------- the page, section by section


def title(run: RunData) -> HTML:
    """Title, run facts, and the banner (in the page's edition) when any unit ran on synthetic data."""
    synthetic = run.synthetic_units
    banner = ""
    if synthetic:
        provinces = set(run.units.index[run.units["level"] == "province"])
        which = _("every province of this run") if provinces and set(synthetic) == provinces \
            else _names(synthetic, run.units)
        banner = (banner_html() + '<p class="tk-muted">'
                  + escape(_("Synthetic data in {n} of {total} units ({which}). Regional patterns, gaps and "
                             "rankings below describe the demonstration panel, not China's provinces.").format(
                      n=len(synthetic), total=len(run.summaries), which=which)) + "</p>")
    files = _("; ").join(f"<code>{escape(str(f))}</code>" for f in dict.fromkeys(
        f for fs in run.summaries["data_files"] for f in fs))
    facts = escape(_("{n} units · target set {target_set} · data up to {year} · {k} indicators with a target · "
                     "data files: {files}")).format(
        n=len(run.summaries), target_set=f"<b>{escape(run.target_set)}</b>", year=f"<b>{run.as_of}</b>",
        k=run.targeted["indicator_id"].nunique(), files=files)
    context = ("<br>" + escape(_("{n} rows of another outline's targets (context, e.g. the Women's Outline's "
                                 "maternal mortality) are left out of every count and comparison below.").format(
        n=run.n_context))) if run.n_context else ""
    return html(banner + "<h1>" + escape(_("Overview across units")) + "</h1>"
                + f'<p class="tk-muted">{escape(run.cycle_name)}<br>{facts}{context}</p>')


def introduction(run: RunData) -> HTML:
    """What the page compares, and where each unit's own derivation is explained."""
    return html("<p>" + escape(_(
        "This page compares every unit of the run: which Outline targets are met or on track where, how the "
        "regions differ, and whether the gaps between provinces narrowed over the Outline period (the Outline "
        "names narrowing the gaps between regions and between urban and rural areas as a goal). Each unit's "
        "own report explains how its categories were derived; the methods are in docs/methods.md.")) + "</p>")


def categories_intro(run: RunData) -> HTML:
    """The heatmap's heading and what each category means (thresholds from params/defaults.yaml)."""
    bounds = {k: percent(float(v)) for k, v in load_defaults().get("categories", {}).items()}
    bounds = {"on_track": "90%", "likely": "60%", "at_risk": "25%", **bounds}
    return html(heading(_("Categories of every unit and indicator")) + "<p>" + escape(_(
        "One row per unit (the nation first, then the provinces grouped by region), one column per indicator "
        "with an Outline target. Achieved / not achieved (×) mean that the target year is observed; nowcast: "
        "met / not met that it has passed without an observation (the trend's estimate, P at least 50% or "
        "not); the other categories come from the probability of attaining the target in the target year (on "
        "track: at least {on_track}; likely: at least {likely}; at risk: at least {at_risk}; otherwise off "
        "track; thresholds in params/defaults.yaml). Grey: too few observations for a forecast. Targets of "
        "another outline (context) are left out.")).format(**bounds) + "</p>")


def areas_heading(run: RunData) -> HTML:
    return html(heading(_("Counts per category and Outline area")))


def regions_intro(run: RunData) -> HTML:
    """The regional section's heading and what its heatmap and table count."""
    return html(heading(_("Regions")) + "<p>" + escape(_(
        "Provinces only, grouped into the four regions of the National Bureau of Statistics. The heatmap shows "
        "the mean probability of attaining each target (1 or 0 where the target year is observed); the table "
        "counts the provinces' assessments per category. Provinces with too few observations are left out of "
        "the means and shares.")) + "</p>")


def gaps_intro(run: RunData) -> HTML:
    """The gap section's heading and how a gap is measured."""
    return html(heading(_("Did the gaps narrow?")) + "<p>" + escape(_(
        "For every indicator with a target and every year, the spread of the provinces' point values (published "
        "bounds such as \"above 99%\" are left out): the coefficient of variation (standard deviation across "
        "provinces divided by their mean) and the ratio of the highest to the lowest province. A gap counts as "
        "narrowed or widened when the coefficient of variation moved by more than {tolerance} of its first-year "
        "value. For rates close to 100% the spread shrinks almost automatically as provinces approach the "
        "ceiling, so there the highest/lowest ratio of the shortfall would be the fairer measure; read those "
        "lines with that in mind.")).format(tolerance=escape(percent(GAP_TOLERANCE))) + "</p>")


def urban_rural_intro(run: RunData) -> HTML:
    """Where the rural/urban comparison comes from (the national series, real data)."""
    if urban_rural_gaps(run.observations, run.as_of).empty:
        return html("")
    return html("<p>" + escape(_(
        "The rural/urban gap is measured on the national series, which publishes rural and urban child "
        "mortality for some years (real data, whatever the provinces run on).")) + "</p>")


def gap_summary(run: RunData) -> HTML:
    """The sentences on gaps (between provinces, then rural/urban nationally) as an HTML list."""
    provincial = gap_sentences(run_gaps(run), run.indicators)
    urban_rural = urban_rural_sentences(urban_rural_gaps(run.observations, run.as_of), run.indicators)
    text = heading(_("Between provinces"), 3) + "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in provincial) \
        + "</ul>"
    if not provincial:
        text += "<p>" + escape(_("No indicator has provincial point values for enough provinces to measure a "
                                 "gap.")) + "</p>"
    if urban_rural:
        text += (heading(_("Between rural and urban areas (national series, real data)"), 3) + "<ul>"
                 + "".join(f"<li>{escape(s)}</li>" for s in urban_rural) + "</ul>")
    return html(text)


def gap_table(run: RunData) -> pd.DataFrame:
    """First and last year of each indicator's spread, formatted for display ("-" where undefined)."""
    changes, indicators = gap_changes(run_gaps(run)), run.indicators
    return pd.DataFrame({
        _("indicator"): [_indicator(indicators, i) for i in changes["indicator_id"]],
        _("first year"): changes["first_year"], _("last year"): changes["last_year"],
        _("provinces (first / last year)"): changes["n_first"].astype(str) + " / " + changes["n_last"].astype(str),
        _("coefficient of variation"): [f"{number(a, 3)} → {number(b, 3)}"
                                        for a, b in zip(changes["cv_first"], changes["cv_last"])],
        _("highest / lowest"): [f"{number(a)} → {number(b)}"
                                for a, b in zip(changes["ratio_first"], changes["ratio_last"])],
        _("gap (coefficient of variation)"): [_(VERDICT_LABELS[v]) for v in changes["verdict"]],
    }).set_index(_("indicator"))


def area_table(run: RunData) -> pd.DataFrame:
    """:func:`counts_by_area` labelled for display, with totals per area and per category."""
    counts = counts_by_area(run.results, run.indicators)
    counts["total"] = counts.sum(axis=1)
    counts.loc["all areas"] = counts.sum(axis=0)
    counts.index = [_("all areas") if a == "all areas" else area_label(a) for a in counts.index]
    counts.columns = [_("total") if c == "total" else category_label(c) for c in counts.columns]
    return counts.rename_axis(index=_("Outline area"))


def regional_table(run: RunData) -> pd.DataFrame:
    """Per region: provinces, assessments per category, mean P(attain) and share achieved or on track."""
    prov = province_rows(run.results, run.units)
    counts = region_counts(run.results, run.units)
    assessed = prov[prov["p_attain"].notna()]
    summary = pd.DataFrame({
        _("provinces"): prov.groupby("region")["unit_id"].nunique(),
        _("mean P(attain)"): assessed.groupby("region")["p_attain"].mean().round(2),
        _("share achieved or on track"): assessed.groupby("region")["category"].apply(
            lambda c: c.isin(ON_TRACK).mean()).round(2),
    }).reindex(counts.index)
    counts.columns = [category_label(c) for c in counts.columns]
    table = summary.join(counts)
    table.index = [region_label(r) for r in table.index]
    return table.rename_axis(index=_("Region"))


def key_numbers(run: RunData) -> str:
    """A rounded plain-text block of the overview's key numbers (compared by regression tests; codes, not
    labels, so both editions print the same block)."""
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
