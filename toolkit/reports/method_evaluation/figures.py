"""Figures of the method evaluation: hindcast error by horizon, interval coverage, and the 2020 calls.

Computations live in :mod:`toolkit.evaluation.hindcast`; these functions only draw its summaries. Every figure has a
title, axis labels with units and a legend or reference lines, in the page's edition; sizes assume a ~1000 px
column. Each chart is displayed with an alt text saying what it shows (the page's HTML prints it as the image's
``alt``), since a PNG's words cannot be read out or searched.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from toolkit.core.i18n import N_, _, decimal, percent
from toolkit.evaluation.hindcast import (
    MODEL_LABELS,
    call_accuracy,
    coverage_by_model,
    error_by_model_horizon,
)
from toolkit.reports.figures import show, theme

__all__ = ["mape_by_horizon", "coverage_bars", "call_bars", "show_mape", "show_coverage", "show_calls",
           "mape_alt_text", "coverage_alt_text", "calls_alt_text", "METHOD_LABELS"]

#: Short names of the calling methods under the bars (English; translated where drawn).
METHOD_LABELS = {"ours": N_("toolkit (P ≥ 0.5)"), "eurostat": N_("Eurostat (ratio)"), "igme": N_("IGME (AARR)"),
                 "escap": N_("ESCAP (forecast)")}
WIDTH = 12.5


def _label(model: str) -> str:
    return _(MODEL_LABELS[model]) if model in MODEL_LABELS else str(model)


def _mape(value: float) -> str:
    return percent(float(value) / 100, 1)


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
                color="black" if model == "ensemble" else colour, label=_label(model))
    counts = summary.groupby("horizon")["n"].max()
    ax.set_xticks(counts.index, [f"{h}\n(n={n})" for h, n in counts.items()])
    ax.set_xlabel(_("Years ahead of the origin (n = forecasts scored per method)"))
    ax.set_ylabel(_("Mean absolute percentage error, MAPE (%)"))
    ax.text(0.99, 0.02, _("no-change forecast not drawn (see the table)"), transform=ax.transAxes, ha="right",
            fontsize=8, color="#555")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=12, fontweight="bold")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title=_("Method"))
    return fig


def coverage_bars(coverage: pd.DataFrame, *, title: str) -> plt.Figure:
    """Observed share inside each model's 80% and 95% intervals, with the nominal levels as reference lines."""
    theme()
    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 4.2), layout="constrained")
    x = np.arange(len(coverage))
    ax.bar(x - 0.2, coverage["cover80"] * 100, width=0.4, color="#9ecae1", label=_("80% prediction interval"))
    ax.bar(x + 0.2, coverage["cover95"] * 100, width=0.4, color="#3182bd", label=_("95% prediction interval"))
    ax.axhline(80, color="#9ecae1", linestyle="--", linewidth=1.2, label=_("nominal level 80%"))
    ax.axhline(95, color="#3182bd", linestyle="--", linewidth=1.2, label=_("nominal level 95%"))
    for xi, (c80, c95) in enumerate(zip(coverage["cover80"], coverage["cover95"])):
        ax.text(xi - 0.2, c80 * 100 + 1, percent(c80), ha="center", fontsize=8)
        ax.text(xi + 0.2, c95 * 100 + 1, percent(c95), ha="center", fontsize=8)
    ax.set_xticks(x, [f"{_label(m)}\n(n={n})" for m, n in zip(coverage["model"], coverage["n"])], fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_xlabel(_("Model"))
    ax.set_ylabel(_("Observed values inside the interval (%)"))
    ax.set_title(title, fontsize=12, fontweight="bold")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # bars reach the top
    return fig


def call_bars(accuracy: pd.DataFrame, *, title: str) -> plt.Figure:
    """Two panels per method: share of 2020 calls right (higher is better) and Brier score (lower is better)."""
    theme()
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH * 0.8, 3.8), layout="constrained")
    names = [_(METHOD_LABELS[m]) if m in METHOD_LABELS else str(m) for m in accuracy["method"]]
    labels = [f"{name}\n(n={n})" for name, n in zip(names, accuracy["n"])]
    colours = ["#238b45" if m == "ours" else "#969696" for m in accuracy["method"]]
    left.bar(labels, accuracy["accuracy"] * 100, color=colours)
    right.bar(labels, accuracy["brier"], color=colours)
    for xi, v in enumerate(accuracy["accuracy"]):
        left.text(xi, v * 100, percent(v), ha="center", va="bottom", fontsize=8)
    for xi, v in enumerate(accuracy["brier"]):
        right.text(xi, v, decimal(v, 3), ha="center", va="bottom", fontsize=8)
    for ax in (left, right):
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel(_("Method"))
    left.set_ylim(0, 110)
    left.set_ylabel(_("2020 outcomes called right (%)"))
    left.set_title(_("Accuracy (higher is better)"), fontsize=10)
    right.set_ylabel(_("Brier score (0 = perfect)"))
    right.set_title(_("Brier score (lower is better)"), fontsize=10)
    right.set_ylim(0, max(0.3, float(accuracy["brier"].max()) * 1.25))
    fig.legend(handles=[plt.Rectangle((0, 0), 1, 1, color="#238b45", label=_("toolkit (probability)")),
                        plt.Rectangle((0, 0), 1, 1, color="#969696", label=_("published rule (0/1 call)"))],
               loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- alt texts


def mape_alt_text(errors: pd.DataFrame, title: str) -> str:
    """The MAPE chart in words: what is drawn, and the overall numbers a reader would read off it."""
    summary = error_by_model_horizon(errors)
    overall = summary[summary["horizon"] == "all"].set_index("model")
    horizons = sorted(int(h) for h in summary["horizon"] if h != "all")
    models, rules = overall[overall["kind"] == "model"], overall[overall["kind"] == "rule"]
    best_model, best_rule = models["mape"].idxmin(), rules["mape"].idxmin()
    return _("{title}. Line chart of each method's mean absolute percentage error (MAPE, %) by years ahead of the "
             "origin, from {first} to {last}. Over all horizons: ensemble {ensemble}, best single model ({model}) "
             "{model_mape}, best published rule ({rule}) {rule_mape}; the no-change forecast ({naive}) is not "
             "drawn.").format(
        title=title, first=horizons[0], last=horizons[-1], ensemble=_mape(overall.loc["ensemble", "mape"]),
        model=_label(best_model), model_mape=_mape(models.loc[best_model, "mape"]), rule=_label(best_rule),
        rule_mape=_mape(rules.loc[best_rule, "mape"]), naive=_mape(overall.loc["naive", "mape"]))


def coverage_alt_text(coverage: pd.DataFrame, title: str) -> str:
    """The coverage chart in words: the ensemble's coverage and the range over the single models."""
    cov = coverage.set_index("model")
    singles = cov.drop(index="ensemble", errors="ignore")
    low, high = singles["cover80"].idxmin(), singles["cover80"].idxmax()
    return _("{title}. Bar chart of the share of observed values inside each model's 80% and 95% prediction "
             "intervals, with the nominal levels as dashed lines. Ensemble: {c80} inside the 80% interval, {c95} "
             "inside the 95% interval ({n} forecasts); the single models' 80% intervals held from {low} ({low_model}) "
             "to {high} ({high_model}).").format(
        title=title, c80=percent(cov.loc["ensemble", "cover80"]), c95=percent(cov.loc["ensemble", "cover95"]),
        n=int(cov.loc["ensemble", "n"]), low=percent(singles.loc[low, "cover80"]), low_model=_label(low),
        high=percent(singles.loc[high, "cover80"]), high_model=_label(high))


def calls_alt_text(accuracy: pd.DataFrame, title: str) -> str:
    """The calls chart in words: our accuracy and Brier score beside the best published rule's."""
    acc = accuracy.set_index("method")
    rules = acc.drop(index="ours").sort_values(["correct", "brier"], ascending=[False, True])
    best = rules.index[0]
    return _("{title}. Two bar charts per method: the share of 2020 outcomes called right and the Brier score. "
             "{ours}: {ours_right} of {ours_n} right, Brier score {ours_brier}; the best published rule, {rule}: "
             "{rule_right} of {rule_n} right, Brier score {rule_brier}.").format(
        title=title, ours=_(METHOD_LABELS["ours"]), ours_right=acc.loc["ours", "correct"], ours_n=acc.loc["ours", "n"],
        ours_brier=decimal(acc.loc["ours", "brier"], 3), rule=_(METHOD_LABELS[best]), rule_right=acc.loc[best, "correct"],
        rule_n=acc.loc[best, "n"], rule_brier=decimal(acc.loc[best, "brier"], 3))


# --------------------------------------------------------------------------- what the notebook calls


def show_mape(errors: pd.DataFrame) -> None:
    """MAPE by horizon, models vs rules."""
    title = _("Hindcast error by horizon: trend models vs the published rules")
    show(mape_by_horizon(errors, title=title), mape_alt_text(errors, title))


def show_coverage(errors: pd.DataFrame) -> None:
    """Interval coverage per model vs the nominal levels."""
    title = _("Prediction-interval coverage vs the nominal level")
    coverage = coverage_by_model(errors)
    show(coverage_bars(coverage, title=title), coverage_alt_text(coverage, title))


def show_calls(calls: pd.DataFrame) -> None:
    """Accuracy and Brier score of the 2020 calls per method."""
    if not len(calls):
        return
    title = _("Calling the 2020 target outcome from each origin, 2012-2019")
    accuracy = call_accuracy(calls)
    show(call_bars(accuracy, title=title), calls_alt_text(accuracy, title))
