"""Figures of the cross-unit overview: category heatmap, counts per area, regional contrasts, gap trends.

Computations live in :mod:`toolkit.reports.overview.compute`; these functions only draw what it returns. Every
figure has a title, axis labels (with units where there are any) and a legend or colour bar, all in the page's
edition (a PNG cannot be translated by the reader's browser), and is shown with an alt text that says what it
shows. Sizes assume a ~1000 px column.
"""

from __future__ import annotations

import math
import re
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from toolkit.contracts.labels import area_label, category_label, local_name, region_label
from toolkit.contracts.results import CATEGORY_COLOURS, TARGET_CATEGORIES
from toolkit.core.i18n import _
from toolkit.inputs.catalog import unit_label
from toolkit.inputs.units import REGIONS
from toolkit.reports.figures import show, theme
from toolkit.reports.overview.compute import category_matrix, counts_by_area, regional_summary, urban_rural_gaps
from toolkit.reports.overview.fragments import name_list
from toolkit.reports.overview.run import RunData, run_gaps

__all__ = ["category_heatmap", "area_bars", "regional_heatmap", "gap_figure", "urban_rural_figure", "short_name",
           "show_heatmap", "show_areas", "show_regions", "show_gaps", "show_urban_rural",
           "LEGEND_GROUPS"]

#: Heatmap colour classes, one per category (off track and not achieved have different colours; not-achieved
#: cells also carry a cross, for print in grey).
LEGEND_GROUPS = [(c,) for c in TARGET_CATEGORIES]
WIDTH = 12.5  # inches: ~1000 px at DPI
RATIO_COLOUR = "#e6550d"
CV_COLOUR = "#3182bd"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def short_name(name: str, width: int = 34) -> str:
    """An indicator name short enough for an axis label.

    Latin text is wrapped at words onto at most two lines of ``2 * width / 3`` characters, cut at a word with
    an ellipsis beyond that; Chinese text has no spaces to cut at (``textwrap.shorten`` would drop it whole),
    so it is wrapped every ``width // 3`` characters onto at most two lines, with an ellipsis beyond that (a
    CJK character is about twice as wide as a Latin letter)."""
    text = str(name)
    if _CJK.search(text):
        step = max(4, width // 3)
        if len(text) > 2 * step:
            text = text[:2 * step - 1] + "…"
        step = math.ceil(len(text) / math.ceil(len(text) / step))  # balanced lines: 6 + 6, not 11 + 1
        return "\n".join(text[i:i + step] for i in range(0, len(text), step))
    line = max(12, width * 2 // 3)
    return "\n".join(textwrap.wrap(textwrap.shorten(text, width=2 * line, placeholder="…"), width=line))


def _indicator_name(indicators: pd.DataFrame, indicator_id: str) -> str:
    return local_name(indicators.loc[indicator_id]) if indicator_id in indicators.index else indicator_id


def _label(group: tuple[str, ...]) -> str:
    text = _("; ").join(category_label(c) for c in group)
    return text + " (×)" if "not_achieved" in group else text


def category_heatmap(matrix: pd.DataFrame, units: pd.DataFrame, indicators: pd.DataFrame, *,
                     title: str) -> plt.Figure:
    """Units (rows, names in the page's edition, grouped by region) x indicators (columns) coloured by category."""
    theme()
    code = {c: i for i, group in enumerate(LEGEND_GROUPS) for c in group}
    codes = matrix.apply(lambda col: col.map(code)).astype(float)
    cmap = ListedColormap([CATEGORY_COLOURS[g[0]] for g in LEGEND_GROUPS])
    n_rows, n_cols = matrix.shape
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4 + 0.26 * n_rows), layout="constrained")
    sns.heatmap(codes, ax=ax, cmap=cmap, vmin=-0.5, vmax=len(LEGEND_GROUPS) - 0.5, cbar=False, mask=codes.isna(),
                linewidths=0.6, linecolor="white", square=False)
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=object)):
        if value == "not_achieved":
            ax.text(j + 0.5, i + 0.5, "×", ha="center", va="center", color="white", fontsize=9, fontweight="bold")
    ax.set_yticks(np.arange(n_rows) + 0.5, [local_name(units.loc[u]) for u in matrix.index], fontsize=8,
                  rotation=0)
    ax.set_xticks(np.arange(n_cols) + 0.5, [short_name(_indicator_name(indicators, i)) for i in matrix.columns],
                  fontsize=8, rotation=55, ha="right", rotation_mode="anchor")
    regions = units.loc[matrix.index, "region"].fillna("")
    for i in range(1, n_rows):
        if regions.iloc[i] != regions.iloc[i - 1]:
            ax.axhline(i, color="black", linewidth=1.2)
    for region in [r for r in dict.fromkeys(regions) if r]:
        rows = np.nonzero((regions == region).to_numpy())[0]
        ax.text(n_cols + 0.3, rows.mean() + 0.5, region_label(region), va="center", ha="left", fontsize=9,
                fontweight="bold", clip_on=False)
    ax.set_xlabel(_("Indicator with an Outline target"))
    ax.set_ylabel(_("Unit (grouped by region)"))
    fig.suptitle(title, fontsize=12, fontweight="bold")
    handles = [Patch(facecolor=CATEGORY_COLOURS[g[0]], edgecolor="#999", label=_label(g)) for g in LEGEND_GROUPS]
    if matrix.isna().to_numpy().any():
        handles.append(Patch(facecolor="white", edgecolor="#999", label=_("no result")))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5), fontsize=8, frameon=False,
               title=_("Category"), title_fontsize=9)
    return fig


def area_bars(counts: pd.DataFrame, *, title: str) -> plt.Figure:
    """Stacked horizontal bars: assessments per Outline area, split by category."""
    theme()
    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 1.2 + 0.55 * len(counts)), layout="constrained")
    left = np.zeros(len(counts))
    labels = [area_label(a) for a in counts.index]
    for category in [c for c in TARGET_CATEGORIES if c in counts.columns]:
        values = counts[category].to_numpy(float)
        ax.barh(labels, values, left=left, color=CATEGORY_COLOURS[category], edgecolor="white",
                hatch="xx" if category == "not_achieved" else None, label=category_label(category))
        left += values
    for y, total in enumerate(left):
        ax.text(total + left.max() * 0.01, y, f"{int(total)}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(_("Unit × indicator assessments (number)"))
    ax.set_ylabel(_("Outline area"))
    ax.set_title(title, fontsize=12, fontweight="bold")
    ax.legend(title=_("Category"), fontsize=8, title_fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False)
    return fig


def regional_heatmap(regional: pd.DataFrame, indicators: pd.DataFrame, *, title: str,
                     value: str = "mean_p_attain") -> plt.Figure:
    """Regions (rows) x indicators (columns): mean P(attain) of the region's provinces, annotated."""
    theme()
    table = regional.pivot(index="region", columns="indicator_id", values=value)
    present = set(regional["indicator_id"])
    order = [i for i in indicators.index if i in present] + [i for i in dict.fromkeys(regional["indicator_id"])
                                                              if i not in indicators.index]
    table = table.reindex(index=[r for r in REGIONS if r in table.index], columns=order)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4 + 0.45 * len(table)), layout="constrained")
    sns.heatmap(table, ax=ax, cmap="RdYlGn", vmin=0, vmax=1, annot=True, fmt=".2f", annot_kws={"fontsize": 7},
                linewidths=0.6, linecolor="white",
                cbar_kws={"label": _("mean P(attain) of the region's provinces (0–1)"), "shrink": 0.8})
    ax.set_xticks(np.arange(table.shape[1]) + 0.5, [short_name(_indicator_name(indicators, i)) for i in table.columns],
                  fontsize=8, rotation=55, ha="right", rotation_mode="anchor")
    ax.set_yticks(np.arange(table.shape[0]) + 0.5, [region_label(r) for r in table.index], rotation=0)
    ax.set_xlabel(_("Indicator with an Outline target"))
    ax.set_ylabel(_("Region"))
    ax.set_title(title, fontsize=12, fontweight="bold")
    return fig


def gap_figure(gaps: pd.DataFrame, indicators: pd.DataFrame, *, title: str, ncols: int = 4) -> plt.Figure:
    """Small multiples per indicator: CV across provinces (left axis) and max/min ratio (right axis) by year."""
    theme()
    ids = list(dict.fromkeys(gaps["indicator_id"]))
    nrows = max(1, math.ceil(len(ids) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 0.9 + 2.5 * nrows), squeeze=False, layout="constrained")
    for ax, indicator_id in zip(axes.flat, ids):
        group = gaps[gaps["indicator_id"] == indicator_id]
        ax.plot(group["year"], group["cv"], color=CV_COLOUR, marker="o", markersize=3, linewidth=1.5)
        ax.set_ylabel(_("CV (sd / mean)"), color=CV_COLOUR, fontsize=8)
        ax.set_ylim(bottom=0, top=max(group["cv"].max() * 1.15, 1e-3))
        twin = ax.twinx()
        twin.plot(group["year"], group["max_min_ratio"], color=RATIO_COLOUR, linestyle="--", marker="s",
                  markersize=3, linewidth=1.2)
        twin.set_ylabel(_("highest / lowest"), color=RATIO_COLOUR, fontsize=8)
        twin.grid(False)
        twin.tick_params(labelsize=7)
        ax.tick_params(labelsize=7)
        ax.set_title(short_name(_indicator_name(indicators, indicator_id), 40), fontsize=9)
        ax.set_xlabel(_("Year"), fontsize=8)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
    for ax in list(axes.flat)[len(ids):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=CV_COLOUR, marker="o",
                      label=_("coefficient of variation across provinces (left axis)")),
               Line2D([], [], color=RATIO_COLOUR, linestyle="--", marker="s",
                      label=_("highest / lowest province (right axis)"))]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


def urban_rural_figure(pairs: pd.DataFrame, indicators: pd.DataFrame, *, title: str) -> plt.Figure:
    """One panel per rural/urban pair: both series by year, with the rural/urban ratio written at each point."""
    theme()
    stems = list(dict.fromkeys(pairs["indicator_id"]))
    fig, axes = plt.subplots(1, max(1, len(stems)), figsize=(WIDTH * 0.8, 3.8), squeeze=False, sharex=True,
                             layout="constrained")
    for ax, stem in zip(axes.flat, stems):
        group = pairs[pairs["indicator_id"] == stem]
        ax.plot(group["year"], group["rural"], color="#8c510a", marker="o", label=_("rural"))
        ax.plot(group["year"], group["urban"], color="#01665e", marker="o", label=_("urban"))
        for row in group.itertuples():
            ax.annotate(f"×{row.ratio:.1f}", (row.year, row.rural), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
        unit = indicators.loc[f"{stem}_urban", "unit"] if f"{stem}_urban" in indicators.index else ""
        ax.set_title(_indicator_name(indicators, stem), fontsize=10)
        ax.set_xlabel(_("Year"))
        ax.set_ylabel(unit_label(str(unit)))
        ax.set_ylim(bottom=0, top=group["rural"].max() * 1.2)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.legend(fontsize=8, title=_("×: rural / urban"), title_fontsize=8)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- what the notebook calls


def _counts_text(categories: pd.Series) -> str:
    counts = categories.dropna().value_counts()
    return _("; ").join(_("{category}: {n}").format(category=category_label(c), n=int(counts[c]))
                        for c in TARGET_CATEGORIES if c in counts.index)


def heatmap_alt(matrix: pd.DataFrame) -> str:
    """The category heatmap in words: what the rows and columns are, and how many cells fall in each category."""
    return _("Heatmap of the assessment category of {units} units (rows: the nation first, then the provinces "
             "grouped by region) for {indicators} indicators with a target (columns). Cells per category: "
             "{counts}. The table of latest values below gives every cell as text.").format(
        units=matrix.shape[0], indicators=matrix.shape[1], counts=_counts_text(matrix.stack()))


def show_heatmap(run: RunData) -> None:
    """The category heatmap of a run."""
    matrix = category_matrix(run.results, run.units, run.indicators)
    title = _("Category of every unit and indicator ({cycle}, data to {year})").format(cycle=run.cycle_name,
                                                                                      year=run.as_of)
    show(category_heatmap(matrix, run.units, run.indicators, title=title), heatmap_alt(matrix))


def show_areas(run: RunData) -> None:
    """Counts per Outline area and category."""
    counts = counts_by_area(run.results, run.indicators)
    title = _("Assessments per Outline area and category ({n} units)").format(n=len(run.summaries))
    alt = _("Stacked bar chart: for each of {n} Outline areas, the number of unit × indicator assessments in "
            "each category ({counts}). The table below gives the same counts.").format(
        n=len(counts), counts=_counts_text(run.targeted["category"]))
    show(area_bars(counts, title=title), alt)


def show_regions(run: RunData) -> None:
    """Mean P(attain) per region and indicator (provinces only)."""
    regional = regional_summary(run.results, run.units)
    if regional.empty:
        return
    alt = _("Heatmap: the mean probability of attaining each target (0 to 1, written in each cell) of the "
            "provinces of each of {regions} regions (rows) for {indicators} indicators (columns); green is high, "
            "red low.").format(regions=regional["region"].nunique(), indicators=regional["indicator_id"].nunique())
    show(regional_heatmap(regional, run.indicators,
                                 title=_("Mean probability of attaining each target, by region (provinces)")), alt)


def show_gaps(run: RunData) -> None:
    """Trend of the gaps between provinces per indicator."""
    gaps = run_gaps(run)
    if len(gaps):
        alt = _("Line charts, one for each of {n} indicators: the coefficient of variation across provinces (left "
                "axis, solid) and the ratio of the highest to the lowest province (right axis, dashed) by year. "
                "The sentences above say which gaps narrowed.").format(n=gaps["indicator_id"].nunique())
        show(gap_figure(gaps, run.indicators,
                               title=_("Gaps between provinces by year (point values, data to {year})").format(
                                   year=run.as_of)), alt)


def show_urban_rural(run: RunData) -> None:
    """Rural and urban series of the national unit, when the run's data has them."""
    pairs = urban_rural_gaps(run.observations, run.as_of)
    if len(pairs):
        names = name_list(_indicator_name(run.indicators, s) for s in dict.fromkeys(pairs["indicator_id"]))
        alt = _("Line charts of the national series by year: rural and urban values of {names}, with the "
                "rural/urban ratio written above each rural point. The sentences above give the first and last "
                "years.").format(names=names)
        show(urban_rural_figure(pairs, run.indicators,
                                       title=_("Rural and urban child mortality, national series")), alt)
