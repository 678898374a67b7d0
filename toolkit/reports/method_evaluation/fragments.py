"""Presentation of the hindcasts: labelled tables, plain-language reading, key numbers, Markdown and CSV output.

:mod:`toolkit.evaluation.hindcast` computes the forecasts, errors, calls and their numeric summaries; this module only
turns them into what the method-evaluation notebook and ``benchmarks/hindcast.py`` show and write, so
wording and layout can change without touching the computation.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from toolkit.core import io
from toolkit.evaluation.hindcast import (
    MODEL_LABELS,
    RULE_FORECASTS,
    call_accuracy,
    coverage_by_model,
    error_by_indicator,
    error_by_model_horizon,
    mape_table,
)
from toolkit.inputs.catalog import load_indicators

__all__ = ["calls_table", "key_numbers", "design_table", "reading", "reading_html", "display_tables",
           "write_tables", "markdown_table", "SHORT_LABELS"]

#: Short column names of the rules in the per-indicator MAPE table.
SHORT_LABELS = {"escap_wgm": "ESCAP", "igme_aarr": "IGME", "eurostat_cagr": "Eurostat", "naive": "no change"}


def calls_table(calls: pd.DataFrame) -> pd.DataFrame:
    """The calls side by side, readable: per indicator and origin, each method's 'met'/'missed' and the outcome."""
    def word(value) -> str:
        return "-" if pd.isna(value) else ("met" if bool(value) else "missed")

    out = pd.DataFrame({
        "indicator": calls["indicator_id"], "origin": calls["origin"],
        "target": calls["comparator"] + " " + calls["target_value"].map(lambda v: f"{v:g}"),
        "2020 observed": calls["observed"].round(2), "outcome": calls["outcome"].map(word),
        "P(attain)": calls["p_attain"].round(2), "ours": calls["ours_call"].map(word),
        "Eurostat ratio": calls["eurostat_ratio"].round(2), "Eurostat": calls["eurostat_call"].map(word),
        "IGME": calls["igme_call"].map(word), "ESCAP forecast": calls["escap_forecast"].round(2),
        "ESCAP": calls["escap_call"].map(word),
    })
    return out.set_index("indicator")


def key_numbers(errors: pd.DataFrame, calls: pd.DataFrame) -> str:
    """A rounded plain-text block of the headline numbers (compared by regression tests)."""
    lines = [f"hindcast: {errors['indicator_id'].nunique()} indicators, origins "
             f"{int(errors['origin'].min())}-{int(errors['origin'].max())}, {len(errors)} scored forecasts"]
    summary = error_by_model_horizon(errors)
    for row in summary[summary["horizon"] == "all"].itertuples():
        lines.append(f"MAPE {row.model}: {row.mape:.2f}% (n={row.n})")
    for row in coverage_by_model(errors).itertuples():
        lines.append(f"coverage {row.model}: 80% -> {row.cover80:.2f}, 95% -> {row.cover95:.2f} (n={row.n})")
    if len(calls):
        lines.append(f"2020 calls: {calls['indicator_id'].nunique()} indicators, {len(calls)} indicator-origins")
        for row in call_accuracy(calls).itertuples():
            lines.append(f"calls {row.method}: {row.correct}/{row.n} right, accuracy {row.accuracy:.2f}, "
                         f"Brier {row.brier:.3f}")
        open_calls = calls[~calls["met_latest"].astype(bool)]
        for row in call_accuracy(open_calls).itertuples() if len(open_calls) else ():
            lines.append(f"open calls {row.method}: {row.correct}/{row.n} right, Brier {row.brier:.3f}")
    return "\n".join(lines)


def design_table(errors: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    """What was hindcast: per indicator, the origins used, the years forecast and the 2020 calls scored."""
    ens = errors[errors["model"] == "ensemble"]
    out = ens.groupby("indicator_id", sort=False).agg(**{
        "scale": ("transform", "first"),
        "origins (number)": ("origin", lambda s: f"{s.min()}–{s.max()} ({s.nunique()})"),
        "years forecast": ("year", lambda s: f"{s.min()}–{s.max()}"), "forecasts": ("year", "size"),
        "points at first origin": ("n_points", "min")})
    n_calls = calls.groupby("indicator_id").size() if len(calls) else pd.Series(dtype=int)
    out["2020 calls"] = n_calls.reindex(out.index).fillna(0).astype(int)
    return out


def reading(errors: pd.DataFrame, calls: pd.DataFrame) -> str:
    """Plain sentences stating the headline comparisons, generated from the numbers so they stay true."""
    overall = error_by_model_horizon(errors)
    overall = overall[overall["horizon"] == "all"].set_index("model")
    models = overall[overall["kind"] == "model"]  # the single models; the ensemble is reported on its own
    rules = overall[overall["kind"] == "rule"]
    best_model, best_rule = models["mape"].idxmin(), rules["mape"].idxmin()
    ens = overall.loc["ensemble", "mape"]
    lines = [f"Point forecasts: the ensemble's mean absolute percentage error is {ens:.1f}% over "
             f"{int(overall.loc['ensemble', 'n'])} forecasts, against {rules.loc[best_rule, 'mape']:.1f}% for the "
             f"best published rule ({RULE_FORECASTS[best_rule]}) and {overall.loc['naive', 'mape']:.1f}% for no "
             f"change; the best single model is {best_model} ({models.loc[best_model, 'mape']:.1f}%)."]
    by_h = error_by_model_horizon(errors)
    by_h = by_h[by_h["horizon"] != "all"].pivot(index="horizon", columns="model", values="mape")
    rule_best = by_h[list(rules.index)].min(axis=1)
    wins = (by_h["ensemble"] < rule_best)
    losses = ", ".join(sorted(wins.index[~wins], key=int))
    lines.append(f"The ensemble beats every rule at {int(wins.sum())} of {len(wins)} horizons"
                 + (f" (not at {losses} {'year' if losses == '1' else 'years'} ahead)." if losses else "."))
    cov = coverage_by_model(errors).set_index("model")
    lines.append(f"Intervals: the ensemble's 80% interval held {cov.loc['ensemble', 'cover80']:.0%} of the observed "
                 f"values and its 95% interval {cov.loc['ensemble', 'cover95']:.0%} "
                 f"(n={int(cov.loc['ensemble', 'n'])}; "
                 "forecasts from neighbouring origins share data, so the effective sample is much smaller).")
    if len(calls):
        acc = call_accuracy(calls).set_index("method")
        n_met = int(calls["outcome"].sum())
        lines.append(f"2020 calls: {n_met} of {len(calls)} indicator-origins ended with the target met "
                     f"({calls['indicator_id'].nunique()} indicators). Our calls were right "
                     f"{acc.loc['ours', 'correct']} "
                     f"times (Brier {acc.loc['ours', 'brier']:.3f}); Eurostat {acc.loc['eurostat', 'correct']}, "
                     f"IGME {acc.loc['igme', 'correct']}, ESCAP {acc.loc['escap', 'correct']} of "
                     f"{acc.loc['escap', 'n']}.")
        open_calls = calls[~calls["met_latest"].astype(bool)]
        if len(open_calls) < len(calls):
            acc_open = call_accuracy(open_calls).set_index("method") if len(open_calls) else None
            text = (f"{len(calls) - len(open_calls)} of these calls were made when the latest value already met the "
                    f"target; on the {len(open_calls)} still open at their origin")
            if acc_open is not None:
                text += (f", ours were right {acc_open.loc['ours', 'correct']} times (Brier "
                         f"{acc_open.loc['ours', 'brier']:.3f}), Eurostat {acc_open.loc['eurostat', 'correct']}, "
                         f"IGME {acc_open.loc['igme', 'correct']}, ESCAP {acc_open.loc['escap', 'correct']}.")
            lines.append(text)
        if n_met in (0, len(calls)):
            lines.append("Every outcome went the same way, so a rule that always says "
                         f"'{'met' if n_met else 'missed'}' scores perfectly: these calls cannot show discrimination, "
                         "only where a method was wrongly pessimistic (or optimistic).")
        wrong = calls[calls["ours_call"] != calls["outcome"]]
        if len(wrong):
            names = load_indicators()["name_en"]
            parts = [f"{names.get(ind, ind)} from {', '.join(map(str, g['origin']))}"
                     for ind, g in wrong.groupby("indicator_id", sort=False)]
            lines.append("Our wrong calls: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def reading_html(errors: pd.DataFrame, calls: pd.DataFrame) -> HTML:
    """:func:`reading` as an HTML list for the notebook."""
    items = "".join(f"<li>{escape(line)}</li>" for line in reading(errors, calls).splitlines())
    return HTML(f"<ul>{items}</ul>")


def display_tables(errors: pd.DataFrame, calls: pd.DataFrame, *, output_dir: str | Path = "",
                   indicators: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The summary tables, rounded and labelled for display; also written as ``<output_dir>/<name>.csv``.

    Rows are labelled with indicator names and model descriptions (the raw ids are in the frames that
    :func:`run_hindcast` returns).
    """
    indicators = load_indicators() if indicators is None else indicators

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.rename(index=lambda i: indicators["name_en"].get(i, i)).rename_axis("indicator")

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.rename(index=lambda m: MODEL_LABELS.get(m, m))

    coverage = coverage_by_model(errors).set_index("model")
    coverage = pd.DataFrame({"n": coverage["n"], "inside 80% interval": coverage["cover80"].round(3),
                             "inside 95% interval": coverage["cover95"].round(3)})
    acc = _accuracy_display(calls)
    calls_shown = calls_table(calls) if len(calls) else pd.DataFrame()
    if len(calls_shown):
        calls_shown.index = [indicators["name_en"].get(i, i) for i in calls_shown.index]
        calls_shown = calls_shown.rename_axis("indicator")
    tables = {
        "design": named(design_table(errors, calls)),
        "mape_by_horizon": labelled(mape_table(errors).round(2)).rename_axis("method"),
        "mape_by_indicator": named(error_by_indicator(errors).round(2).rename(columns=SHORT_LABELS)),
        "coverage": labelled(coverage).rename_axis("model"),
        "calls": calls_shown,
        "call_accuracy": acc,
        "call_accuracy_open": _accuracy_display(calls[~calls["met_latest"].astype(bool)]) if len(calls) else acc,
    }
    if str(output_dir):
        write_tables(tables, output_dir)
    return tables


def _accuracy_display(calls: pd.DataFrame) -> pd.DataFrame:
    acc = call_accuracy(calls)
    if len(acc):
        acc[["accuracy", "brier"]] = acc[["accuracy", "brier"]].round(3)
        acc = acc.set_index("rule").drop(columns="method").rename_axis("method")
    return acc


def write_tables(tables: dict[str, pd.DataFrame], output_dir: str | Path) -> list[Path]:
    """Write each table as ``<output_dir>/<name>.csv`` (atomically); returns the paths."""
    return [io.write_csv(Path(output_dir) / f"{name}.csv", frame, index=True) for name, frame in tables.items()]


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub Markdown table of a (rounded) frame, index included, without the optional ``tabulate``."""
    def cell(value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return ""
        return f"{value:g}" if isinstance(value, float) else str(value).replace("|", "\\|")

    index_name = frame.index.name or ""
    head = [index_name, *map(str, frame.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for key, row in frame.iterrows():
        lines.append("| " + " | ".join([cell(key), *(cell(v) for v in row)]) + " |")
    return "\n".join(lines)
