"""Figures for the reports: one chart per indicator (observed points, bounds, trend, 80/95% fan, target).

Charts are grouped into one figure per Outline area (small multiples, two per row) so a report renders
quickly and reads like a dashboard. Every chart has a title, axis labels with units and a legend.
Text in figures follows the page's edition; Chinese text needs the CJK font that
:func:`toolkit.reports.figures.theme` registers.
"""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from toolkit.contracts.labels import area_label, category_label, local_name
from toolkit.contracts.observations import is_point
from toolkit.core.i18n import N_, _
from toolkit.engine.assess import Assessment
from toolkit.engine.series import SERIES_BREAK
from toolkit.inputs.catalog import unit_label
from toolkit.reports.figures import show, theme
from toolkit.reports.text import comparator_text, probability

#: One legend entry for the fitted trend of every chart (the model differs between charts; the scorecard names it).
TREND_LABEL = N_("fitted trend (median)")
FAN_COLOUR = "#2b8cbe"
TARGET_COLOUR = "#d7301f"
COMPARISON_COLOUR = "#737373"
PANEL_SIZE = (6.0, 3.4)  # inches per chart; at REPORT_DPI two panels fill a 960-px column
REPORT_DPI = 80
HEADER_INCHES = 1.5  # room for the figure title and the shared legend
MAX_LINE_GAP = 5  # years: a comparison line is not drawn straight across a longer gap


def _year_span(assessment: Assessment, as_of: int) -> tuple[int, int]:
    row = assessment.row
    years = list(assessment.points["year"]) + list(assessment.bounds["year"])
    start = int(min(years)) if years else as_of - 10
    end = max(as_of, int(row["target_year"]) if pd.notna(row["target_year"]) else as_of + 1)
    return start, end


def indicator_chart(ax: plt.Axes, assessment: Assessment, *, name: str, unit: str, as_of: int,
                    comparison: pd.DataFrame | None = None, comparison_label: str = "") -> None:
    """Draw one indicator's chart on ``ax``."""
    row = assessment.row
    start, end = _year_span(assessment, as_of)
    if assessment.fit is not None:
        years = np.arange(start, end + 1)
        fan = assessment.fan(years)
        future = fan["year"] >= (int(row["latest_year"]) if pd.notna(row["latest_year"]) else as_of)
        ax.fill_between(fan["year"][future], fan["lo95"][future], fan["hi95"][future], color=FAN_COLOUR, alpha=0.15,
                        linewidth=0, label=_("95% interval"))
        ax.fill_between(fan["year"][future], fan["lo80"][future], fan["hi80"][future], color=FAN_COLOUR, alpha=0.3,
                        linewidth=0, label=_("80% interval"))
        ax.plot(fan["year"], fan["median"], color=FAN_COLOUR, linewidth=1.5, label=_(TREND_LABEL))
    if comparison is not None and len(comparison):
        for i, segment in enumerate(line_segments(comparison)):
            ax.plot(segment["year"], segment["value"], color=COMPARISON_COLOUR, linestyle="--", marker=".",
                    linewidth=1, label=comparison_label if i == 0 else None)
    if len(assessment.points):
        # Plain Axes.scatter: seaborn's scatterplot forces a tick-label layout per chart (a third of the cost).
        ax.scatter(assessment.points["year"], assessment.points["value"], color="black", s=22, zorder=3,
                   label=_("observed"))
    for qualifier, marker, text in ((">", "^", _("published bound: above")), ("<", "v", _("published bound: below"))):
        sel = assessment.bounds[assessment.bounds["qualifier"] == qualifier]
        if len(sel):
            ax.scatter(sel["year"], sel["value"], marker=marker, facecolors="none", edgecolors="black", s=40,
                       zorder=3, label=text)
    if pd.notna(row.get("target_value")):
        ax.axhline(row["target_value"], color=TARGET_COLOUR, linestyle=":", linewidth=1.2,
                   label=_("target value and year"))
        ax.axvline(row["target_year"], color=TARGET_COLOUR, linestyle=":", linewidth=0.8, alpha=0.6)
    category = category_label(str(row["category"]))
    p = "" if pd.isna(row.get("p_attain")) else _(", P(attain) {p}").format(p=probability(row["p_attain"]))
    target = ""
    if pd.notna(row.get("target_value")):
        target = _("target {comparator} {value} by {year}: ").format(
            comparator=comparator_text(row["comparator"]), value=f"{row['target_value']:.3g}",
            year=int(row["target_year"]))
    # y given: no automatic title placement (it measured every tick label, 28% of the drawing; nothing sits
    # above these axes, so the title lands where the automatic placement put it).
    ax.set_title(f"{name}\n{target}{category}{p}", fontsize=9, y=1.0)
    ax.set_xlabel(_("Year"))
    ax.set_ylabel(unit_label(unit))
    ax.set_xlim(start - 0.5, end + 0.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, integer=True))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5))


def line_segments(series: pd.DataFrame, max_gap: int = MAX_LINE_GAP) -> list[pd.DataFrame]:
    """A series cut where a line would claim what the data do not say: across a gap of more than
    ``max_gap`` years, or across a comparability break (a ``note`` starting with ``series_break``)."""
    series = series.sort_values("year")
    years = series["year"].to_numpy()
    notes = series["note"].fillna("").astype(str) if "note" in series else pd.Series("", index=series.index)
    starts = (np.diff(years, prepend=years[0]) > max_gap) | notes.str.startswith(SERIES_BREAK).to_numpy()
    segment = np.cumsum(starts)
    return [series[segment == k] for k in np.unique(segment)]


def area_figure(assessments: list[Assessment], indicators: pd.DataFrame, *, as_of: int, title: str,
                comparison: pd.DataFrame | None = None, comparison_label: str = "") -> plt.Figure:
    """Small multiples: one chart per indicator of one area, two per row."""
    theme()
    ncols = 2 if len(assessments) > 1 else 1
    nrows = math.ceil(len(assessments) / ncols)
    height = PANEL_SIZE[1] * nrows + HEADER_INCHES
    fig, axes = plt.subplots(nrows, ncols, figsize=(PANEL_SIZE[0] * ncols, height), squeeze=False)
    # Fixed margins instead of constrained layout: layout solving cost more than drawing the charts.
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.9 / height, top=1 - HEADER_INCHES / height, hspace=0.75,
                        wspace=0.22)
    for ax, assessment in zip(axes.flat, assessments):
        indicator_id = assessment.row["indicator_id"]
        comp = None
        if comparison is not None and len(comparison):
            comp = comparison[comparison["indicator_id"] == indicator_id]
            comp = comp[is_point(comp["qualifier"])]
        indicator_chart(ax, assessment, name=local_name(indicators.loc[indicator_id]),
                        unit=str(indicators.loc[indicator_id, "unit"]), as_of=as_of, comparison=comp,
                        comparison_label=comparison_label)
    for ax in list(axes.flat)[len(assessments):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=12, fontweight="bold", y=1 - 0.12 / height)
    handles = {}
    for ax in axes.flat[: len(assessments)]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), loc="upper center", ncol=min(len(handles), 4), fontsize=8,
               frameon=False, bbox_to_anchor=(0.5, 1 - 0.42 / height))
    return fig


def charted(assessments: list[Assessment], min_points: int) -> list[Assessment]:
    """Which series get a chart: every targeted one with data, and untargeted ones with a fitted trend."""
    return [a for a in assessments
            if (a.row["category"] != "no_target" and (len(a.points) or len(a.bounds)))
            or (a.row["category"] == "no_target" and len(a.points) >= min_points)]


def chart_areas(targets: pd.DataFrame, indicators: pd.DataFrame) -> dict[str, str]:
    """indicator_id -> the area its chart is grouped under: the area the plan's target file gives it (the
    Outline's own areas: injury mortality is 儿童与安全 in the 2021-2030 Outline), else the catalogue's, so the
    report and the overview group an indicator alike."""
    areas = indicators["area"].astype(str).to_dict()
    if "area" in targets:
        given = targets.dropna(subset=["area"])
        areas.update(dict(zip(given["indicator_id"].astype(str), given["area"].astype(str))))
    return areas


def show_figures(context) -> None:
    """Display one figure per Outline area for a report context (``toolkit.reports.unit_report.context.ReportContext``)."""
    chosen = charted(context.assessments, context.params.min_points)
    indicators = context.indicators
    comparison_label = _("{unit} (comparison)").format(unit=context.comparison_name)
    areas = chart_areas(context.targets, indicators)
    for area in dict.fromkeys(areas[a.row["indicator_id"]] for a in chosen):
        group = [a for a in chosen if areas[a.row["indicator_id"]] == area]
        title = _("{unit}: {area} (data to {year})").format(unit=local_name(context.unit), area=area_label(area),
                                                            year=context.as_of)
        fig = area_figure(group, indicators, as_of=context.as_of, title=title,
                          comparison=context.comparison if len(context.comparison) else None,
                          comparison_label=comparison_label)
        # Fixed size, not cropped: the report's panels line up from one area's figure to the next.
        show(fig, chart_alt_text(title, group, indicators), dpi=REPORT_DPI, tight=False)


def chart_alt_text(title: str, group: list[Assessment], indicators: pd.DataFrame) -> str:
    """What a reader who cannot see the figure needs: its title and each chart's indicator and category
    (the page's HTML prints it as the image's alt text; the numbers are in the scorecard above)."""
    charts = _("; ").join(_("{indicator}: {category}").format(
        indicator=local_name(indicators.loc[a.row["indicator_id"]]), category=category_label(str(a.row["category"])))
        for a in group)
    return _("{title}. {n} charts: {charts}.").format(title=title, n=len(group), charts=charts)
