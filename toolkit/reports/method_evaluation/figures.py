"""Figures of the method evaluation: hindcast error by horizon, interval coverage, and the 2020 calls.

Computations live in :mod:`toolkit.evaluation.hindcast`; these functions only draw its summaries. Every figure has a
title, axis labels with units and a legend or reference lines; sizes assume a ~1000 px column.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from toolkit.evaluation.hindcast import MODEL_LABELS, call_accuracy, coverage_by_model, error_by_model_horizon
from toolkit.reports.figures import show, theme

__all__ = ["mape_by_horizon", "coverage_bars", "call_bars", "show_mape", "show_coverage", "show_calls"]

METHOD_LABELS = {"ours": "toolkit (P ≥ 0.5)", "eurostat": "Eurostat ratio", "igme": "IGME AARR",
                 "escap": "ESCAP forecast"}
WIDTH = 12.5


def mape_by_horizon(errors: pd.DataFrame, *, title: str) -> plt.Figure:
    """MAPE (%) by years ahead: models solid, the ensemble thick, published rules dashed.

    The no-change baseline is left out of the chart (its error grows to many times the others' and would
    flatten them); the tables report it.
    """
    theme()
    summary = error_by_model_horizon(errors)
    summary = summary[(summary["horizon"] != "all") & (summary["kind"] != "baseline")]
    summary = summary.assign(horizon=summary["horizon"].astype(int))
    palette = sns.color_palette("tab10", summary["model"].nunique())
    styles = {"model": ("-", 1.4), "ensemble": ("-", 3.0), "rule": ("--", 1.4), "baseline": (":", 1.6)}
    fig, ax = plt.subplots(figsize=(WIDTH, 4.8), layout="constrained")
    for colour, (model, group) in zip(palette, summary.groupby("model", sort=False)):
        style, width = styles[group["kind"].iloc[0]]
        ax.plot(group["horizon"], group["mape"], linestyle=style, linewidth=width, marker="o", markersize=4,
                color="black" if model == "ensemble" else colour, label=MODEL_LABELS.get(model, model))
    counts = summary.groupby("horizon")["n"].max()
    ax.set_xticks(counts.index, [f"{h}\n(n={n})" for h, n in counts.items()])
    ax.set_xlabel("Years ahead of the origin (n = forecasts scored per method)")
    ax.set_ylabel("Mean absolute percentage error (%)")
    ax.text(0.99, 0.02, "no-change forecast not drawn (see table)", transform=ax.transAxes, ha="right",
            fontsize=8, color="#555")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=12, fontweight="bold")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="Method")
    return fig


def coverage_bars(coverage: pd.DataFrame, *, title: str) -> plt.Figure:
    """Observed share inside each model's 80% and 95% intervals, with the nominal levels as reference lines."""
    theme()
    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 4.2), layout="constrained")
    x = np.arange(len(coverage))
    ax.bar(x - 0.2, coverage["cover80"] * 100, width=0.4, color="#9ecae1", label="80% interval")
    ax.bar(x + 0.2, coverage["cover95"] * 100, width=0.4, color="#3182bd", label="95% interval")
    ax.axhline(80, color="#9ecae1", linestyle="--", linewidth=1.2, label="nominal 80%")
    ax.axhline(95, color="#3182bd", linestyle="--", linewidth=1.2, label="nominal 95%")
    for xi, (c80, c95) in enumerate(zip(coverage["cover80"], coverage["cover95"])):
        ax.text(xi - 0.2, c80 * 100 + 1, f"{c80:.0%}", ha="center", fontsize=8)
        ax.text(xi + 0.2, c95 * 100 + 1, f"{c95:.0%}", ha="center", fontsize=8)
    ax.set_xticks(x, [f"{MODEL_LABELS.get(m, m)}\n(n={n})" for m, n in zip(coverage["model"], coverage["n"])],
                  fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_xlabel("Model")
    ax.set_ylabel("Observed values inside the interval (%)")
    ax.set_title(title, fontsize=12, fontweight="bold")
    ax.legend(fontsize=8, loc="lower right", ncol=2, frameon=True)
    return fig


def call_bars(accuracy: pd.DataFrame, *, title: str) -> plt.Figure:
    """Two panels per method: share of 2020 calls right (higher is better) and Brier score (lower is better)."""
    theme()
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH * 0.8, 3.8), layout="constrained")
    labels = [f"{METHOD_LABELS.get(m, m)}\n(n={n})" for m, n in zip(accuracy["method"], accuracy["n"])]
    colours = ["#238b45" if m == "ours" else "#969696" for m in accuracy["method"]]
    left.bar(labels, accuracy["accuracy"] * 100, color=colours)
    right.bar(labels, accuracy["brier"], color=colours)
    for ax, values, fmt in ((left, accuracy["accuracy"] * 100, "{:.0f}%"), (right, accuracy["brier"], "{:.3f}")):
        for xi, v in enumerate(values):
            ax.text(xi, v, fmt.format(v), ha="center", va="bottom", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel("Method")
    left.set_ylim(0, 110)
    left.set_ylabel("2020 outcomes called right (%)")
    left.set_title("Accuracy (higher is better)", fontsize=10)
    right.set_ylabel("Brier score (0 = perfect)")
    right.set_title("Brier score (lower is better)", fontsize=10)
    right.set_ylim(0, max(0.3, float(accuracy["brier"].max()) * 1.25))
    fig.legend(handles=[plt.Rectangle((0, 0), 1, 1, color="#238b45", label="toolkit (probability)"),
                        plt.Rectangle((0, 0), 1, 1, color="#969696", label="published rule (0/1 call)")],
               loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- what the notebook calls


def show_mape(errors: pd.DataFrame) -> None:
    """MAPE by horizon, models vs rules."""
    show(mape_by_horizon(errors, title="Hindcast error by horizon: trend models vs the published rules"))


def show_coverage(errors: pd.DataFrame) -> None:
    """Interval coverage per model vs the nominal levels."""
    show(coverage_bars(coverage_by_model(errors), title="Prediction-interval coverage vs the nominal level"))


def show_calls(calls: pd.DataFrame) -> None:
    """Accuracy and Brier score of the 2020 calls per method."""
    show(call_bars(call_accuracy(calls), title="Calling the 2020 target outcome from each origin, 2012-2019"))
