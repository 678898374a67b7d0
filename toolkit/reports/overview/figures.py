"""Figures of the cross-unit overview: category heatmap, counts per area, regional contrasts, gap trends.

Computations live in :mod:`toolkit.reports.overview.compute`; these functions only draw what it returns. Every figure has a
title, axis labels (with units where there are any) and a legend or colour bar. Text is English only (the
HTML around the figures carries the Chinese), so no CJK font is needed. Sizes assume a ~1000 px column.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from toolkit.contracts.results import CATEGORY_COLOURS, TARGET_CATEGORIES
from toolkit.inputs.catalog import unit_label
from toolkit.inputs.units import REGIONS
from toolkit.reports.figures import show, theme
from toolkit.reports.overview.compute import category_matrix, counts_by_area, regional_summary, urban_rural_gaps
from toolkit.reports.overview.run import RunData, run_gaps

__all__ = ["category_heatmap", "area_bars", "regional_heatmap", "gap_figure", "urban_rural_figure", "short_name",
           "show", "show_heatmap", "show_areas", "show_regions", "show_gaps", "show_urban_rural", "LEGEND_GROUPS"]

#: Heatmap colour classes: off_track and not_achieved share a colour; not_achieved cells carry a cross.
LEGEND_GROUPS = [("achieved",), ("nowcast_met",), ("on_track",), ("likely",), ("at_risk",),
                 ("off_track", "not_achieved"), ("nowcast_not_met",), ("insufficient_data",)]
WIDTH = 12.5  # inches: ~1000 px at DPI
RATIO_COLOUR = "#e6550d"
CV_COLOUR = "#3182bd"


def short_name(name: str, width: int = 34) -> str:
    """An indicator name short enough for an axis label (cut at a word, with an ellipsis)."""
    return textwrap.shorten(str(name), width=width, placeholder="…")


def _label(group: tuple[str, ...]) -> str:
    text = " / ".join(c.replace("_", " ") for c in group)
    return text + " (×)" if "not_achieved" in group else text


def category_heatmap(matrix: pd.DataFrame, units: pd.DataFrame, indicators: pd.DataFrame, *,
                     title: str) -> plt.Figure:
    """Units (rows, English names, grouped by region) x indicators (columns) coloured by category."""
    theme()
    code = {c: i for i, group in enumerate(LEGEND_GROUPS) for c in group}
    codes = matrix.apply(lambda col: col.map(code)).astype(float)
    cmap = ListedColormap([CATEGORY_COLOURS[g[0]] for g in LEGEND_GROUPS])
    n_rows, n_cols = matrix.shape
    fig, ax = plt.subplots(figsize=(WIDTH, 2.6 + 0.24 * n_rows), layout="constrained")
    sns.heatmap(codes, ax=ax, cmap=cmap, vmin=-0.5, vmax=len(LEGEND_GROUPS) - 0.5, cbar=False, mask=codes.isna(),
                linewidths=0.6, linecolor="white", square=False)
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=object)):
        if value == "not_achieved":
            ax.text(j + 0.5, i + 0.5, "×", ha="center", va="center", color="white", fontsize=9, fontweight="bold")
    ax.set_yticks(np.arange(n_rows) + 0.5, [str(units.loc[u, "name_en"]) for u in matrix.index], fontsize=8,
                  rotation=0)
    ax.set_xticks(np.arange(n_cols) + 0.5, [short_name(indicators.loc[i, "name_en"]) for i in matrix.columns],
                  fontsize=8, rotation=55, ha="right", rotation_mode="anchor")
    regions = units.loc[matrix.index, "region"].fillna("")
    for i in range(1, n_rows):
        if regions.iloc[i] != regions.iloc[i - 1]:
            ax.axhline(i, color="black", linewidth=1.2)
    for region in [r for r in dict.fromkeys(regions) if r]:
        rows = np.nonzero((regions == region).to_numpy())[0]
        ax.text(n_cols + 0.3, rows.mean() + 0.5, region, va="center", ha="left", fontsize=9, fontweight="bold",
                clip_on=False)
    ax.set_xlabel("Indicator with an Outline target")
    ax.set_ylabel("Unit (grouped by region)")
    fig.suptitle(title, fontsize=12, fontweight="bold")
    handles = [Patch(facecolor=CATEGORY_COLOURS[g[0]], edgecolor="#999", label=_label(g)) for g in LEGEND_GROUPS]
    handles.append(Patch(facecolor="white", edgecolor="#999", label="no row"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8, frameon=False,
               title="Category", title_fontsize=9)
    return fig


def area_bars(counts: pd.DataFrame, *, title: str) -> plt.Figure:
    """Stacked horizontal bars: assessments per Outline area, split by category."""
    theme()
    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 1.2 + 0.55 * len(counts)), layout="constrained")
    left = np.zeros(len(counts))
    labels = [a.replace("_", " ") for a in counts.index]
    for category in [c for c in TARGET_CATEGORIES if c in counts.columns]:
        values = counts[category].to_numpy(float)
        ax.barh(labels, values, left=left, color=CATEGORY_COLOURS[category], edgecolor="white",
                hatch="xx" if category == "not_achieved" else None, label=category.replace("_", " "))
        left += values
    for y, total in enumerate(left):
        ax.text(total + left.max() * 0.01, y, f"{int(total)}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Unit × indicator assessments (number)")
    ax.set_ylabel("Outline area")
    ax.set_title(title, fontsize=12, fontweight="bold")
    ax.legend(title="Category", fontsize=8, title_fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0),
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
    fig, ax = plt.subplots(figsize=(WIDTH, 2.6 + 0.45 * len(table)), layout="constrained")
    sns.heatmap(table, ax=ax, cmap="RdYlGn", vmin=0, vmax=1, annot=True, fmt=".2f", annot_kws={"fontsize": 7},
                linewidths=0.6, linecolor="white",
                cbar_kws={"label": "mean P(attain) of the region's provinces (0–1)", "shrink": 0.8})
    ax.set_xticks(np.arange(table.shape[1]) + 0.5, [short_name(indicators.loc[i, "name_en"]) for i in table.columns],
                  fontsize=8, rotation=55, ha="right", rotation_mode="anchor")
    ax.set_yticks(np.arange(table.shape[0]) + 0.5, list(table.index), rotation=0)
    ax.set_xlabel("Indicator with an Outline target")
    ax.set_ylabel("Region")
    ax.set_title(title, fontsize=12, fontweight="bold")
    return fig


def gap_figure(gaps: pd.DataFrame, indicators: pd.DataFrame, *, title: str, ncols: int = 4) -> plt.Figure:
    """Small multiples per indicator: CV across provinces (left axis) and max/min ratio (right axis) by year."""
    theme()
    ids = list(dict.fromkeys(gaps["indicator_id"]))
    nrows = max(1, math.ceil(len(ids) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 0.6 + 2.3 * nrows), squeeze=False, layout="constrained")
    for ax, indicator_id in zip(axes.flat, ids):
        group = gaps[gaps["indicator_id"] == indicator_id]
        ax.plot(group["year"], group["cv"], color=CV_COLOUR, marker="o", markersize=3, linewidth=1.5)
        ax.set_ylabel("CV (sd / mean)", color=CV_COLOUR, fontsize=8)
        ax.set_ylim(bottom=0, top=max(group["cv"].max() * 1.15, 1e-3))
        twin = ax.twinx()
        twin.plot(group["year"], group["max_min_ratio"], color=RATIO_COLOUR, linestyle="--", marker="s",
                  markersize=3, linewidth=1.2)
        twin.set_ylabel("max / min", color=RATIO_COLOUR, fontsize=8)
        twin.grid(False)
        twin.tick_params(labelsize=7)
        ax.tick_params(labelsize=7)
        ax.set_title(short_name(indicators.loc[indicator_id, "name_en"], 40), fontsize=9)
        ax.set_xlabel("Year", fontsize=8)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=5))
    for ax in list(axes.flat)[len(ids):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=CV_COLOUR, marker="o",
                      label="coefficient of variation across provinces (left axis)"),
               Line2D([], [], color=RATIO_COLOUR, linestyle="--", marker="s",
                      label="highest / lowest province (right axis)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


def urban_rural_figure(pairs: pd.DataFrame, indicators: pd.DataFrame, *, title: str) -> plt.Figure:
    """One panel per rural/urban pair: both series by year, with the rural/urban ratio written at each point."""
    theme()
    stems = list(dict.fromkeys(pairs["indicator_id"]))
    fig, axes = plt.subplots(1, max(1, len(stems)), figsize=(WIDTH * 0.8, 3.6), squeeze=False, sharex=True,
                             layout="constrained")
    for ax, stem in zip(axes.flat, stems):
        group = pairs[pairs["indicator_id"] == stem]
        ax.plot(group["year"], group["rural"], color="#8c510a", marker="o", label="rural")
        ax.plot(group["year"], group["urban"], color="#01665e", marker="o", label="urban")
        for row in group.itertuples():
            ax.annotate(f"×{row.ratio:.1f}", (row.year, row.rural), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
        unit = indicators.loc[f"{stem}_urban", "unit"] if f"{stem}_urban" in indicators.index else ""
        name = indicators.loc[stem, "name_en"] if stem in indicators.index else stem
        ax.set_title(str(name), fontsize=10)
        ax.set_xlabel("Year")
        ax.set_ylabel(unit_label(str(unit)))
        ax.set_ylim(bottom=0, top=group["rural"].max() * 1.2)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.legend(fontsize=8, title="×: rural / urban", title_fontsize=8)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- what the notebook calls


def show_heatmap(run: RunData) -> None:
    """The category heatmap of a run (``toolkit.reports.overview.compute.RunData``)."""
    matrix = category_matrix(run.results, run.units, run.indicators)
    show(category_heatmap(matrix, run.units, run.indicators,
                          title=f"Category of every unit and indicator ({run.target_set}, data to {run.as_of})"))


def show_areas(run: RunData) -> None:
    """Counts per Outline area and category."""
    show(area_bars(counts_by_area(run.results, run.indicators),
                   title=f"Assessments per Outline area and category ({len(run.summaries)} units)"))


def show_regions(run: RunData) -> None:
    """Mean P(attain) per region and indicator (provinces only)."""
    show(regional_heatmap(regional_summary(run.results, run.units), run.indicators,
                          title="Mean probability of attaining each target, by region (provinces)"))


def show_gaps(run: RunData) -> None:
    """Trend of the gaps between provinces per indicator."""
    gaps = run_gaps(run)
    if len(gaps):
        show(gap_figure(gaps, run.indicators,
                        title=f"Gaps between provinces by year (point values, data to {run.as_of})"))


def show_urban_rural(run: RunData) -> None:
    """Rural and urban series of the national unit, when the run's data has them."""
    pairs = urban_rural_gaps(run.observations, run.as_of)
    if len(pairs):
        show(urban_rural_figure(pairs, run.indicators, title="Rural and urban child mortality, national series"))
