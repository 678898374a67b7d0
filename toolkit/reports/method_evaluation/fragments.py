"""Presentation of the hindcasts: labelled tables, plain-language reading, key numbers, Markdown and CSV output.

:mod:`toolkit.evaluation.hindcast` computes the forecasts, errors, calls and their numeric summaries; this module only
turns them into what the method-evaluation notebook and ``benchmarks/hindcast.py`` show and write, so
wording and layout can change without touching the computation.

Two kinds of output, kept apart on purpose:

* machine-readable ones, the same in every edition: :func:`display_tables` (``ev.tables``, written as CSV
  with English column names and labels), :func:`calls_table`, :func:`key_numbers` and :func:`markdown_table`;
* the page, in the current edition (:mod:`toolkit.core.i18n`): :func:`introduction`, :func:`headline` and the
  section functions below, which return ``IPython.display.HTML`` built from the catalogues, with the tables
  relabelled from the ids (never from the English labels).
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from toolkit.contracts.labels import local_name
from toolkit.core import io
from toolkit.core.i18n import N_, _, decimal, percent
from toolkit.evaluation.hindcast import (
    CALL_METHODS,
    MODEL_LABELS,
    call_accuracy,
    coverage_by_model,
    error_by_indicator,
    error_by_model_horizon,
    mape_table,
)
from toolkit.inputs.catalog import load_indicators
from toolkit.reports.html import heading, html, table
from toolkit.reports.text import comparator_text

__all__ = ["calls_table", "key_numbers", "design_table", "reading", "reading_html", "display_tables",
           "write_tables", "markdown_table", "SHORT_LABELS", "introduction", "headline", "design_section",
           "error_heading", "error_tables", "coverage_heading", "coverage_section", "calls_section",
           "accuracy_section", "join_years"]

#: Short column names of the rules in the per-indicator MAPE table (English: the CSV's column names).
SHORT_LABELS = {"escap_wgm": "ESCAP", "igme_aarr": "IGME", "eurostat_cagr": "Eurostat", "naive": N_("no change")}
#: The scale each indicator is fitted on, as the design table names it.
SCALE_TEXT = {"log": N_("log"), "logit": N_("logit"), "saturating": N_("saturating logit"),
              "identity": N_("original scale")}
#: The words of a call and of an outcome in the per-origin calls table.
CALL_WORDS = {True: N_("reached"), False: N_("missed")}


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


def join_years(years) -> str:
    """Years in a sentence: "2015, 2016" in English, "2015、2016" in Chinese."""
    return _(", ").join(str(int(y)) for y in years)


def _share(mape: float, digits: int = 1) -> str:
    """A MAPE (a percentage already) as the edition writes a percentage."""
    return percent(float(mape) / 100, digits)


def reading(errors: pd.DataFrame, calls: pd.DataFrame) -> str:
    """Plain sentences stating the headline comparisons, generated from the numbers so they stay true.

    One sentence per line, in the current edition (``benchmarks/hindcast.py`` prints it in English).
    """
    overall = error_by_model_horizon(errors)
    overall = overall[overall["horizon"] == "all"].set_index("model")
    models = overall[overall["kind"] == "model"]  # the single models; the ensemble is reported on its own
    rules = overall[overall["kind"] == "rule"]
    best_model, best_rule = models["mape"].idxmin(), rules["mape"].idxmin()
    lines = [_("Point forecasts: the ensemble's mean absolute percentage error (MAPE) is {ensemble} over {n} "
               "forecasts, against {rule} for the best published rule ({rule_name}) and {naive} for no change; the "
               "best single model is the {model} ({model_mape}).").format(
        ensemble=_share(overall.loc["ensemble", "mape"]), n=int(overall.loc["ensemble", "n"]),
        rule=_share(rules.loc[best_rule, "mape"]), rule_name=_(MODEL_LABELS[best_rule]),
        naive=_share(overall.loc["naive", "mape"]), model=_(MODEL_LABELS.get(best_model, best_model)),
        model_mape=_share(models.loc[best_model, "mape"]))]
    by_h = error_by_model_horizon(errors)
    by_h = by_h[by_h["horizon"] != "all"].pivot(index="horizon", columns="model", values="mape")
    rule_best = by_h[list(rules.index)].min(axis=1)
    wins = (by_h["ensemble"] < rule_best)
    losses = sorted(wins.index[~wins], key=int)
    if losses:
        text = (_("The ensemble beats every rule at {wins} of {n} horizons (not at {years} year ahead).")
                if losses == ["1"] else
                _("The ensemble beats every rule at {wins} of {n} horizons (not at {years} years ahead)."))
        lines.append(text.format(wins=int(wins.sum()), n=len(wins), years=join_years(losses)))
    else:
        lines.append(_("The ensemble beats every rule at all {n} horizons.").format(n=len(wins)))
    cov = coverage_by_model(errors).set_index("model")
    lines.append(_("Intervals: the ensemble's 80% interval held {cover80} of the observed values and its 95% "
                   "interval {cover95} (n={n}; forecasts from neighbouring origins share data, so the effective "
                   "sample is much smaller).").format(cover80=percent(cov.loc["ensemble", "cover80"]),
                                                      cover95=percent(cov.loc["ensemble", "cover95"]),
                                                      n=int(cov.loc["ensemble", "n"])))
    if len(calls):
        acc = call_accuracy(calls).set_index("method")
        n_met = int(calls["outcome"].sum())
        lines.append(_("2020 calls: {met} of {n} indicator-origins ({k} indicators) ended with the target met. Our "
                       "calls were right {ours} times (Brier score {brier}); Eurostat {eurostat}, IGME {igme}, ESCAP "
                       "{escap} of {n_escap}.").format(
            met=n_met, n=len(calls), k=calls["indicator_id"].nunique(), ours=acc.loc["ours", "correct"],
            brier=decimal(acc.loc["ours", "brier"], 3), eurostat=acc.loc["eurostat", "correct"],
            igme=acc.loc["igme", "correct"], escap=acc.loc["escap", "correct"], n_escap=acc.loc["escap", "n"]))
        open_calls = calls[~calls["met_latest"].astype(bool)]
        if len(open_calls) < len(calls):
            closed = len(calls) - len(open_calls)
            if len(open_calls):
                acc_open = call_accuracy(open_calls).set_index("method")
                lines.append(_("{closed} of these calls were made when the latest value already met the target; on "
                               "the {open} still open at their origin, ours were right {ours} times (Brier score "
                               "{brier}), Eurostat {eurostat}, IGME {igme}, ESCAP {escap}.").format(
                    closed=closed, open=len(open_calls), ours=acc_open.loc["ours", "correct"],
                    brier=decimal(acc_open.loc["ours", "brier"], 3), eurostat=acc_open.loc["eurostat", "correct"],
                    igme=acc_open.loc["igme", "correct"], escap=acc_open.loc["escap", "correct"]))
            else:
                lines.append(_("All {n} calls were made when the latest value already met the target; none was still "
                               "open at its origin.").format(n=closed))
        if n_met == len(calls):
            lines.append(_("Every outcome went the same way (met), so a rule that always says 'met' scores "
                           "perfectly: these calls cannot show discrimination, only where a method was wrongly "
                           "pessimistic."))
        elif n_met == 0:
            lines.append(_("Every outcome went the same way (missed), so a rule that always says 'missed' scores "
                           "perfectly: these calls cannot show discrimination, only where a method was wrongly "
                           "optimistic."))
        wrong = calls[calls["ours_call"] != calls["outcome"]]
        if len(wrong):
            indicators = load_indicators()
            for indicator_id, group in wrong.groupby("indicator_id", sort=False):
                name = local_name(indicators.loc[indicator_id]) if indicator_id in indicators.index else indicator_id
                text = (_("Our call on {indicator} was wrong from the origin {years}.") if len(group) == 1
                        else _("Our calls on {indicator} were wrong from the origins {years}."))
                lines.append(text.format(indicator=name, years=join_years(group["origin"])))
    return "\n".join(lines)


def reading_html(errors: pd.DataFrame, calls: pd.DataFrame) -> HTML:
    """:func:`reading` as an HTML list for the notebook."""
    items = "".join(f"<li>{escape(line)}</li>" for line in reading(errors, calls).splitlines())
    return HTML(f"<ul>{items}</ul>")


# --------------------------------------------------------------------------- the page, in the current edition


def _p(text: str, css: str = "") -> str:
    """A paragraph of translated text (escaped)."""
    return (f'<p class="{css}">' if css else "<p>") + escape(text) + "</p>"


def _caption(text: str) -> str:
    return '<p class="tk-muted"><b>' + escape(text) + "</b></p>"


def introduction() -> HTML:
    """The page's title and what the hindcasts are: origins, the two kinds of forecast, the three questions."""
    bullets = [
        _("the toolkit's candidate trend models (linear trend, recent-window trend, random walk with drift, damped "
          "trend) and their ensemble, which is what the reports use, all fitted on the indicator's modelling scale "
          "(log for mortality, logit for bounded percentages, a saturating logit with a ceiling of 110 for gross "
          "enrolment rates, which can pass 100%);"),
        _("the published rules' extrapolations: ESCAP's weighted geometric growth, IGME/UNICEF's constant regression "
          "AARR, the Eurostat/UNSD compound growth over the last 15 years, and a no-change forecast."),
    ]
    return html(
        heading(_("Method evaluation: hindcasts on the real national series"), 1)
        + _p(_("Would the toolkit have called the outcomes of the 2011-2020 Outline right, had it been used during "
               "the Outline period? For each indicator with a 2020 target and enough national observations, we "
               "stand in every year from 2012 to 2019 in turn (the origin), use only the data published up to that "
               "year, and forecast every later year up to 2020 that has an observation. The same data feed two "
               "kinds of forecast:"))
        + "<ul>" + "".join(f"<li>{escape(b)}</li>" for b in bullets) + "</ul>"
        + _p(_("Three questions are scored: how far off the point forecasts were (mean absolute percentage error, "
               "MAPE, by years ahead); whether the 80% and 95% prediction intervals held the observed values as "
               "often as they claim (coverage); and whether the 2020 target outcome was called right, by the toolkit "
               "(a probability of attainment P(attain) of at least 0.5 means \"met\") and by the Eurostat, IGME and "
               "ESCAP rules on the same origins."))
        + _p(_("The national series are short (from four to about a dozen points at an origin), so the samples are "
               "small and forecasts from neighbouring origins share most of their data: read differences of a few "
               "tenths of a percentage point as ties.")))


def headline(errors: pd.DataFrame, calls: pd.DataFrame) -> HTML:
    """The plain-language reading, under its heading."""
    items = "".join(f"<li>{escape(line)}</li>" for line in reading(errors, calls).splitlines())
    return html(heading(_("Headline results"), 3)
                + _p(_("Generated from the tables below, so they always match them."), "tk-muted")
                + f"<ul>{items}</ul>")


def _cell(value, digits: int = 2) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return decimal(value, digits)
    return str(value)


def _indicator(indicator_id: str, indicators: pd.DataFrame) -> str:
    return local_name(indicators.loc[indicator_id]) if indicator_id in indicators.index else str(indicator_id)


def _model(model: str) -> str:
    return _(MODEL_LABELS[model]) if model in MODEL_LABELS else str(model)


def _calls_heading() -> str:
    return _("2020 calls")


def design_section(errors: pd.DataFrame, calls: pd.DataFrame, indicators: pd.DataFrame) -> HTML:
    """What was hindcast: per indicator, its scale, origins, years forecast and 2020 calls."""
    design = design_table(errors, calls)
    shown = pd.DataFrame({
        _("Indicator"): [_indicator(i, indicators) for i in design.index],
        _("Modelling scale"): [_(SCALE_TEXT[s]) if s in SCALE_TEXT else str(s) for s in design["scale"]],
        _("Origins (number)"): design["origins (number)"].to_numpy(),
        _("Years forecast"): design["years forecast"].to_numpy(),
        _("Forecasts"): design["forecasts"].to_numpy(),
        _("Points at the first origin"): design["points at first origin"].to_numpy(),
        _calls_heading(): design["2020 calls"].to_numpy(),
    })
    return html(heading(_("What was hindcast"))
                + _p(_("Indicators with a 2020 target and at least four point observations by some origin (published "
                       "bounds such as \"above 99%\" are never fitted). The column \"{column}\" is zero where 2020 "
                       "itself is not observed; those indicators still contribute forecast errors for the years that "
                       "are.").format(column=_calls_heading()))
                + table(shown))


def error_heading() -> HTML:
    """The forecast-error section's heading and what MAPE measures."""
    return html(heading(_("Forecast error by horizon"))
                + _p(_("Mean absolute percentage error (MAPE, %) of the point forecast (the predictive median for the "
                       "models), by the number of years between the origin and the forecast year. Every indicator, "
                       "origin and year counts once, so the long mortality and enrolment series weigh most.")))


def _horizon_header(column: str) -> str:
    if column == "all":
        return _("All horizons")
    years = int(column.removeprefix("h="))
    return (_("{n} year ahead") if years == 1 else _("{n} years ahead")).format(n=years)


def error_tables(errors: pd.DataFrame, indicators: pd.DataFrame) -> HTML:
    """MAPE by method and horizon, then by indicator and method."""
    wide = mape_table(errors)
    by_horizon = pd.DataFrame({_("Method"): [_model(m) for m in wide.index], _("Forecasts"): wide["n"].to_numpy()})
    for column in wide.columns.drop("n"):
        by_horizon[_horizon_header(column)] = [_cell(v) for v in wide[column]]
    per = error_by_indicator(errors)
    by_indicator = pd.DataFrame({_("Indicator"): [_indicator(i, indicators) for i in per.index],
                                 _("Forecasts"): [_cell(v) for v in per["n"]]})
    for model in per.columns.drop("n"):
        label = SHORT_LABELS.get(model)
        by_indicator[_(label) if label else _model(model)] = [_cell(v) for v in per[model]]
    return html(_caption(_("MAPE (%) by method and years ahead of the origin")) + table(by_horizon)
                + _p(_("By indicator (all horizons together). Differences between indicators are larger than between "
                       "methods: no single extrapolation wins everywhere, which is why the reports average several "
                       "models, each weighted by how probable it is given the series."))
                + _caption(_("MAPE (%) by indicator and method, all horizons")) + table(by_indicator))


def coverage_heading() -> HTML:
    """The coverage section's heading and how to read the chart."""
    return html(heading(_("Interval coverage"))
                + _p(_("Share of observed values inside each model's central 80% and 95% prediction intervals. "
                       "Calibrated intervals sit on the dashed lines; above them the intervals are wider than needed, "
                       "below them too narrow. The published rules give no intervals at all.")))


def coverage_section(errors: pd.DataFrame) -> HTML:
    """Coverage per model as percentages of the forecasts scored."""
    coverage = coverage_by_model(errors)
    shown = pd.DataFrame({
        _("Model"): [_model(m) for m in coverage["model"]], _("Forecasts"): coverage["n"].to_numpy(),
        _("Inside the 80% interval"): [percent(v, 1) for v in coverage["cover80"]],
        _("Inside the 95% interval"): [percent(v, 1) for v in coverage["cover95"]],
    })
    return html(_caption(_("Coverage of the prediction intervals (nominal: 80% and 95%)")) + table(shown))


def _word(value) -> str:
    return "-" if value is None or pd.isna(value) else _(CALL_WORDS[bool(value)])


def calls_section(calls: pd.DataFrame, indicators: pd.DataFrame) -> HTML:
    """The calls' heading, how each method calls, and every call per indicator and origin."""
    text = (heading(_("The 2020 target outcome: our calls vs the published rules"))
            + _p(_("For each origin, the call on \"will the 2020 target be met?\". Ours is the probability of "
                   "attainment (P(attain)) with 0.5 as the cut-off; Eurostat's is the ratio of actual to required "
                   "growth from the first year of the 15-year window (met at 0.95 or more); IGME's compares the "
                   "observed regression AARR with the rate required from the latest value (or the target is already "
                   "met); ESCAP's asks whether its weighted geometric forecast for 2020 meets the target. The Brier "
                   "score is the mean squared difference between the probability and the outcome (0 or 1); for a 0/1 "
                   "call it is simply the share of wrong calls.")))
    if not len(calls):
        return html(text + _p(_("No 2020 outcome is observed, so no call could be scored.")))
    indicator = _("Indicator")
    shown = pd.DataFrame({  # room for a name: twelve columns would break it every row
        indicator: ['<span style="display:inline-block;min-width:9.5em">' + escape(_indicator(i, indicators)) + "</span>"
                    for i in calls["indicator_id"]],
        _("Origin"): calls["origin"].astype(int).to_numpy(),
        _("Target"): [f"{comparator_text(c)}\u00a0{v:g}" for c, v in zip(calls["comparator"], calls["target_value"])],
        _("2020 observed"): [_cell(v) for v in calls["observed"]],
        _("Outcome"): [_word(v) for v in calls["outcome"]],
        _("Our P(attain)"): [_cell(v) for v in calls["p_attain"]],
        _("Our call"): [_word(v) for v in calls["ours_call"]],
        _("Eurostat ratio at the origin"): [_cell(v) for v in calls["eurostat_ratio"]],
        _("Eurostat call"): [_word(v) for v in calls["eurostat_call"]],
        _("IGME call"): [_word(v) for v in calls["igme_call"]],
        _("ESCAP forecast for 2020"): [_cell(v) for v in calls["escap_forecast"]],
        _("ESCAP call"): [_word(v) for v in calls["escap_call"]],
    })
    return html(text + _caption(_("Calls per indicator and origin")) + table(shown, raw_columns=(indicator,)))


def _accuracy(calls: pd.DataFrame) -> str:
    acc = call_accuracy(calls)
    if not len(acc):
        return _p(_("None."), "tk-muted")
    shown = pd.DataFrame({
        _("Method"): [_(CALL_METHODS[m]) for m in acc["method"]], _("Calls made"): acc["n"].to_numpy(),
        _("Called right"): acc["correct"].to_numpy(), _("Accuracy"): [percent(v, 1) for v in acc["accuracy"]],
        _("Brier score (0 = perfect)"): [decimal(v, 3) for v in acc["brier"]],
    })
    return table(shown)


def accuracy_section(calls: pd.DataFrame) -> HTML:
    """Accuracy and Brier score per method: every call, then only the calls still open at their origin."""
    if not len(calls):
        return html("")
    open_calls = calls[~calls["met_latest"].astype(bool)]
    return html(_caption(_("Accuracy and Brier score of the 2020 calls, every origin")) + _accuracy(calls)
                + _p(_("Many calls were made when the latest value already met the target, which every method gets "
                       "right. The calls that were still open at their origin are the real test:"))
                + _caption(_("Calls still open at their origin (latest value not yet meeting the target)"))
                + _accuracy(open_calls))


# --------------------------------------------------------------------------- machine-readable tables (CSV)


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
