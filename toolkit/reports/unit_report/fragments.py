"""HTML fragments a province report displays: title, banners, provenance, scorecard, rates, quality notes.

Fragments are returned as ``IPython.display.HTML`` objects, whose plain-text form is stable (nbval
compares it; the HTML itself is skipped as volatile across pandas versions). Every string that comes
from data or params is HTML-escaped.
"""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML

from toolkit.contracts.labels import both_names, eurostat_label, local_name, region_label
from toolkit.contracts.results import CONTEXT_ROLE, FLAG_TEXT, targeted
from toolkit.contracts.synthetic import banner_html
from toolkit.core.i18n import N_, _, current_language, percent
from toolkit.core.paths import display_path
from toolkit.evaluation.calibration import calibration_record
from toolkit.inputs.catalog import unit_label
from toolkit.inputs.unit_targets import LOCAL
from toolkit.inputs.units import names_above
from toolkit.reports.html import category_badge, heading, html, table
from toolkit.reports.text import attain_text, comparator_text, fmt, latest_text, probability
from toolkit.reports.unit_report.context import ReportContext

CATEGORY_TEXT = {
    "achieved": N_("target met in the target year (observed)"),
    "not_achieved": N_("target missed in the target year (observed)"),
    "nowcast_met": N_("the target year has passed without an observation; the nowcast says met (P at least 50%)"),
    "nowcast_not_met": N_("the target year has passed without an observation; the nowcast says missed "
                          "(P below 50%)"),
    "on_track": N_("P(attain) at least {on_track}"),
    "likely": N_("P(attain) from {likely} to {on_track}"),
    "at_risk": N_("P(attain) from {at_risk} to {likely}"),
    "off_track": N_("P(attain) below {at_risk}"),
    "insufficient_data": N_("too few point observations for a forecast (the observed status is shown beside it)"),
    "no_target": N_("no target in this set; trend only"),
}


def banner(context: ReportContext) -> str:
    """The synthetic-data banner in the page's edition (empty for real data)."""
    return banner_html() if context.synthetic else ""


def title(context: ReportContext) -> HTML:
    """Report title: the unit in both languages, the cycle in full, the as-of year, the unit's own data
    vintage, any local plan layered over the national targets, and any banner."""
    unit, cycle = context.unit, context.cycle
    region = (f" · {escape(region_label(str(unit['region'])))}"
              if pd.notna(unit["region"]) and unit["region"] else "")
    local = "".join("<br>" + escape(_("Local targets layered over the national ones: {plan}")).format(
        plan=f"<b>{escape(plan)}</b>") for plan in context.local_plans)
    other_set = ("" if context.target_set == cycle.target_set or context.local_plans
                 else "<br>" + escape(_("Target set: {name} (not the Outline's own set)")).format(
                     name=f"<b>{escape(context.target_set)}</b>"))
    vintage = escape(_("this unit's latest observation: {year}")).format(year=f"<b>{fmt(context.latest_year)}</b>")
    if context.latest_year is not None and context.latest_year < context.as_of:
        vintage += escape(_(" (earlier than the as-of year: its status is as of its own data)"))
    # The English edition keeps the Outline's official Chinese title beside its translation.
    cycle_name = cycle.name_zh if current_language() == "zh" else f"{cycle.name_en} · {cycle.name_zh}"
    return html(
        f"{banner(context)}<h1>{escape(_unit_title(unit))}</h1>{_within_line(context.unit_id)}"
        + '<p class="tk-muted">' + escape(_("Monitoring report on {outline}").format(outline=cycle_name)) + "<br>"
        + escape(_("As of {year} (later observations ignored)")).format(year=f"<b>{context.as_of}</b>")
        + f" · {vintage}{region}{other_set}{local}</p>"
    )


def _unit_title(unit) -> str:
    """The unit's name as the report's title: Chinese only in the Chinese edition (全国, 北京市), the English
    name with the Chinese beside it in the English edition."""
    return local_name(unit) if current_language() == "zh" else both_names(unit)


def _within_line(unit_id: str) -> str:
    """For a prefecture or county, the units it lies in (所属：四川省 · 成都市), "" for the nation and provinces."""
    above = names_above(unit_id, _unit_title)
    if not above:
        return ""
    text = _("Within: {places}").format(places=" · ".join(above))
    return f'<p class="tk-within">{escape(text)}</p>'


def provenance(context: ReportContext) -> HTML:
    """Data vintage: which files, how many observations, which years, and each indicator's sources."""
    obs = context.observations
    files = "".join(f"<li><code>{escape(display_path(p))}</code></li>" for p in context.data_paths)
    per_indicator = (obs.groupby("indicator_id")
                     .agg(n=("year", "size"), first=("year", "min"), latest=("year", "max"),
                          sources=("source", _sources_text))
                     .reset_index())
    per_indicator.insert(0, "name", [_name(context, i) for i in per_indicator["indicator_id"]])
    per_indicator.columns = [_("indicator"), _("id"), _("observations"), _("first year"), _("latest year"),
                             _("sources")]
    years = (f"{fmt(obs['year'].min())}–{fmt(obs['year'].max())}" if len(obs) else "-")
    text = (heading(_("Data and sources")) + banner(context) + "<p>" + escape(_("Observation files:")) + "</p>"
            + f"<ul>{files}</ul><p>"
            + escape(_("{n} observations of {k} indicators, {years}; observations after {as_of} are ignored. "
                       "Each row of the data names the page it was read from (full addresses in the data "
                       "file).").format(n=len(obs), k=obs["indicator_id"].nunique(), years=years,
                                        as_of=context.as_of))
            + "</p><details><summary>"
            + escape(_("Observations and sources per indicator ({n} indicators)").format(n=len(per_indicator)))
            + f"</summary>{table(per_indicator)}</details>")
    notes = _edition_text(context.params.notes)
    if notes and not context.user_data:  # the params' notes describe the params' own files
        text += "<p><b>" + escape(_("Notes:")) + f"</b> {escape(notes)}</p>"
    return html(text)


def _edition_text(text: str | dict[str, str]) -> str:
    """A params text in the report's edition: a plain text as written, or the edition's entry of a mapping
    (the other edition's when it has none)."""
    if isinstance(text, dict):
        return text.get(current_language()) or next(iter(text.values()), "")
    return str(text or "")


def _sources_text(sources: pd.Series, shown: int = 2) -> str:
    """The distinct publishers of a series' values, without their web addresses (kept in the data file)."""
    names = sorted({str(s).split(" <http")[0].strip() for s in sources})
    more = _(" (+{n} more)").format(n=len(names) - shown) if len(names) > shown else ""
    return "; ".join(names[:shown]) + more


def _name(context: ReportContext, indicator_id: str) -> str:
    """The indicator's Chinese name in the Chinese edition; the English name with the official Chinese term
    beside it in the English edition (a reader checks it against the Outline's text)."""
    row = context.indicators.loc[indicator_id]
    return local_name(row) if current_language() == "zh" else both_names(row)


def how_to_read(context: ReportContext) -> HTML:
    """What the report computes, in two sentences a reader needs before the scorecard."""
    return html(
        heading(_("How to read this report")) + "<p>"
        + escape(_("For every indicator of the Outline's target set, the toolkit fits candidate trend models on "
                   "the indicator's natural scale (log for mortality rates, logit for percentages, a saturating "
                   "logit for gross enrolment rates, which can pass 100%), weights them by how probable each is "
                   "given this series (Bayesian model averaging), and derives the probability that the target is "
                   "met in the target year (P(attain)) and the year it is first met, with intervals. Published "
                   "bounds (\"above 99%\") are drawn but never fitted as points. The published methods' "
                   "deterministic rates are shown for comparison further down. Methods and their evidence: "
                   "docs/methods.md."))
        + "</p>")


def charts_heading(context: ReportContext) -> HTML:
    """The charts' heading and the key to their marks."""
    return html(
        heading(_("Charts")) + "<p>"
        + escape(_("Black dots are observations, open triangles published bounds, the blue line the fitted trend "
                   "with its 80% and 95% prediction intervals, the red dotted lines the target value and year, "
                   "and the grey dashed line the national series where this is a province report."))
        + "</p>")


def scorecard(context: ReportContext) -> HTML:
    """All indicators with a target: latest value, target, category, P(attain), forecast, attainment year."""
    res = targeted(context.results)
    rows = []
    for r in res.itertuples():
        rows.append({
            _("indicator"): _name(context, r.indicator_id),
            _("unit"): unit_label(r.unit),
            _("latest (year)"): latest_text(r),
            _("at the latest observation"): _latest_status(r),
            _("target"): _row_target_text(r),
            _("category"): category_badge(r.category),
            _("P(attain)"): probability(r.p_attain) if pd.notna(r.p_attain) else _no_probability(r),
            _("target year: forecast [80%]"): _forecast_text(r),
            _("year met [80%]"): attain_text(r, context.params.attain_horizon),
            _("model"): _model_text(r.model),
        })
    bounds = {k: percent(v) for k, v in context.params.categories.items()}
    legend = "".join("<li>" + category_badge(c) + " " + escape(_(t).format(**bounds)) + "</li>"
                     for c, t in CATEGORY_TEXT.items())
    return html(heading(_("Scorecard")) + table(pd.DataFrame(rows), raw_columns=(_("category"),))
                + f'<ul class="tk-muted">{legend}</ul>{calibration_note(context.output_dir.parent)}')


#: The model names of results.csv as a reader sees them.
MODEL_TEXT = {"ensemble": N_("ensemble"), "linear": N_("linear"), "recent": N_("recent"), "drift": N_("drift"),
              "damped": N_("damped")}


def _model_text(model) -> str:
    if not model or pd.isna(model):
        return "-"
    return _(MODEL_TEXT[model]) if model in MODEL_TEXT else str(model)


#: The method evaluation page, relative to a unit page (html/<unit>.html) of a run folder.
METHOD_EVALUATION_HREF = "../method_evaluation.html"


def calibration_note(cache_dir=None) -> str:
    """The engine's measured record in one sentence, with a link to the evaluation that measured it;
    ``cache_dir`` (the run's ``units/`` folder) shares one computation between the kernels of a batch."""
    name = escape(_("method evaluation"))
    details = escape(_("Details: {link}.")).replace("{link}", f'<a href="{METHOD_EVALUATION_HREF}">{name}</a>')
    return f'<p class="tk-note">{escape(calibration_record(cache_dir).sentence())} {details}</p>'


def _latest_status(row) -> str:
    """Whether the latest observation meets the target: an observation, not a forecast. Where the latest is a
    bound that decides nothing, the latest observation that does decide, and its year."""
    if pd.isna(row.latest_value):
        return _("no observation")
    if pd.notna(row.met_latest):
        return _("met") if row.met_latest else _("not met")
    if pd.notna(row.met_evidence):
        bound = f"{row.evidence_qualifier} " if row.evidence_qualifier in (">", "<") else ""
        text = (_("met in {year} ({value}); the later bound does not decide") if row.met_evidence
                else _("not met in {year} ({value}); the later bound does not decide"))
        return text.format(year=fmt(row.evidence_year), value=f"{bound}{fmt(row.evidence_value, 2)}")
    return _("not decidable (a bound)")


def _row_target_text(row) -> str:
    if pd.isna(row.target_value):
        return _("{comparator} ? by {year} (not resolved: no base-year value)").format(
            comparator=comparator_text(row.comparator), year=fmt(row.target_year))
    text = _("{comparator} {value} by {year}").format(comparator=comparator_text(row.comparator),
                                                      value=fmt(row.target_value, 2), year=fmt(row.target_year))
    if row.target_layer == LOCAL:
        text += _(" (local plan)")
    if row.target_role == CONTEXT_ROLE:
        text += _(" (context: another outline's target, not counted)")
    return text


def _no_probability(row) -> str:
    if row.category in ("achieved", "not_achieved"):
        return _("observed")
    return _("no forecast") if row.category == "insufficient_data" else "-"


def _forecast_text(row) -> str:
    """Observed value, nowcast or forecast for the target year, each named as what it is."""
    if pd.notna(row.target_year_value):
        bound = f"{row.target_year_qualifier} " if row.target_year_qualifier in (">", "<") else ""
        return _("observed {value}").format(value=f"{bound}{fmt(row.target_year_value, 2)}")
    if pd.isna(row.forecast):
        if row.category != "insufficient_data":
            return "-"
        return _("no data") if row.n_obs == 0 and row.n_censored == 0 else _("no forecast (too few points)")
    text = _("nowcast {value} [{lo}, {hi}]") if row.category.startswith("nowcast") else _("forecast {value} [{lo}, {hi}]")
    return text.format(value=fmt(row.forecast, 2), lo=fmt(row.lo80, 2), hi=fmt(row.hi80, 2))


PATH_STATUS_TEXT = {
    "ahead": N_("ahead of the path"), "behind": N_("behind the path"),
    "met_at_base": N_("target already met in the base year (no path)"),
    "no_base_value": N_("no base-year observation (no path)"),
    "no_data_since_base": N_("no observation since the base year"),
}


def midterm_view(context: ReportContext) -> HTML:
    """Progress against the straight path from the base year to the target, now and at the mid-term year."""
    cycle = context.cycle
    res = targeted(context.results)
    res = res[res["path_base_year"].notna()]
    if context.as_of >= cycle.end_year:
        return html('<p class="tk-muted">' + escape(_(
            "No mid-term view: the target year {year} is within the data (final evaluation).").format(
                year=cycle.end_year)) + "</p>")
    if not len(res):
        return html("")
    base, mid = cycle.base_year, cycle.midterm_year
    rows = []
    for r in res.itertuples():
        if _observed(r.midterm_observed):
            midterm = _("{value} (observed)").format(value=fmt(r.midterm_value, 2))
        elif pd.notna(r.midterm_value):
            midterm = f"{fmt(r.midterm_value, 2)} [{fmt(r.midterm_lo80, 2)}, {fmt(r.midterm_hi80, 2)}]"
        else:
            midterm = "-"
        status = PATH_STATUS_TEXT.get(r.path_status)
        rows.append({
            _("indicator"): _name(context, r.indicator_id),
            _("base {year}").format(year=base): fmt(r.path_base_value, 2),
            _("target"): _("{comparator} {value} by {year}").format(
                comparator=comparator_text(r.comparator), value=fmt(r.target_value, 2), year=fmt(r.target_year)),
            _("latest (year)"): f"{fmt(r.latest_value, 2)} ({fmt(r.path_year)})" if pd.notna(r.path_year) else "-",
            _("path expects then"): fmt(r.path_expected, 2),
            _("actual / expected change"): fmt(r.path_progress_ratio, 2),
            _("status"): _(status) if status else "-",
            _("path {year}").format(year=mid): fmt(r.midterm_path_value, 2),
            _("{year}: forecast [80%]").format(year=mid): midterm,
            _("P(on path in {year})").format(year=mid):
                probability(r.midterm_p_on_path) if not _observed(r.midterm_observed) else "-",
        })
    return html(
        heading(_("Mid-term view ({year})").format(year=mid)) + "<p>"
        + escape(_("The straight path runs from the observed {base} value to the target in the target year, in "
                   "the indicator's own units (the NBS mid-term practice, 时间过半、任务过半, and ESCAP's expected "
                   "progress). 'Actual / expected change' divides the change since the base year by the change "
                   "the path expects by the same year (1 = on the path, above 1 = ahead). The {mid} column is the "
                   "observed value, or the forecast with its 80% interval; P(on path) is the forecast's "
                   "probability of being on the path's good side then. Rules: docs/methods.md, 'Mid-term "
                   "view'.").format(base=base, mid=mid))
        + "</p>" + table(pd.DataFrame(rows)))


def _target_text(target) -> str:
    """'≤ 5 by 2030', or 'at most 80% of the 2020 value (-20%) by 2030' for a relative target."""
    value = float(target.target_value)
    if target.target_kind == "relative_change":
        text = (_("at most {share}% of the {base} value ({change}%) by {year}")
                if target.comparator in ("<", "<=") else _("at least {share}% of the {base} value ({change}%) by {year}"))
        return text.format(share=f"{(1 + value) * 100:g}", base=fmt(target.base_year), change=f"{value * 100:+g}",
                           year=fmt(target.target_year))
    return _("{comparator} {value} by {year}").format(comparator=comparator_text(target.comparator),
                                                      value=f"{value:g}", year=fmt(target.target_year))


def _observed(flag) -> bool:
    return flag is not pd.NA and flag is not None and bool(flag)


#: The ``kind`` column of a target file as a reader sees it.
TARGET_ROLE_TEXT = {"main_target": N_("main target"), "strategy_measure": N_("strategy measure"),
                    "benchmark": N_("benchmark"), "context": N_("context")}
CONFIDENCE_TEXT = {"high": N_("high"), "medium": N_("medium")}


def target_sources(context: ReportContext) -> HTML:
    """Each target's plan, wording and source, folded away until a reader asks for it."""
    zh = current_language() == "zh"
    rows = [{
        _("indicator"): _name(context, t.indicator_id),
        _("target"): _target_text(t),
        _("plan"): t.plan,
        _("wording"): _wording(t, zh),
        _("kind"): "-" if pd.isna(t.kind) else _(TARGET_ROLE_TEXT.get(str(t.kind), str(t.kind))),
        _("confidence"): "-" if pd.isna(t.confidence) else _(CONFIDENCE_TEXT.get(str(t.confidence), str(t.confidence))),
        _("source"): str(t.source),
    } for t in context.targets.itertuples()]
    summary = _("Targets: plan, wording and source ({n} targets)").format(n=len(rows))
    return html(f"<details><summary>{escape(summary)}</summary>{table(pd.DataFrame(rows))}</details>")


def _wording(target, zh: bool) -> str:
    """The plan's own words: the Chinese text in the Chinese edition (the English where there is none), both
    in the English edition."""
    texts = [str(x) for x in ((target.text_zh, target.text_en) if zh else (target.text_en, target.text_zh))
             if pd.notna(x) and str(x)]
    return texts[0] if zh and texts else " / ".join(texts)


def _required_rate(row) -> str:
    if pd.notna(row.aarr_required):
        return fmt(row.aarr_required * 100, 2)
    if pd.notna(row.met_latest) and bool(row.met_latest):
        return _("none (target met)")
    return "-"


def rates_table(context: ReportContext) -> HTML:
    """The anchors' deterministic rates (UNICEF AARR or AARI, Eurostat ratio) beside our probability."""
    res = targeted(context.results)
    frame = pd.DataFrame({
        _("indicator"): [_name(context, i) for i in res["indicator_id"]],
        _("rate"): [str(k).upper() if k else "-" for k in res["rate_kind"]],
        _("observed (%/yr)"): [fmt(v * 100, 2) for v in res["aarr_observed"]],
        _("required (%/yr)"): [_required_rate(r) for r in res.itertuples()],
        _("Eurostat ratio"): [fmt(v, 2) for v in res["eurostat_ratio"]],
        _("Eurostat class"): [eurostat_label(v) if v else "-" for v in res["eurostat_category"]],
        _("P(attain)"): [probability(r.p_attain) if pd.notna(r.p_attain) else _no_probability(r)
                         for r in res.itertuples()],
    })
    return html(
        heading(_("Rates the published methods use")) + "<p>"
        + escape(_("AARR: average annual rate of reduction, for indicators that should fall; AARI: average annual "
                   "rate of increase, for those that should rise (UNICEF/WHO; regression on log values over all "
                   "points, positive = moving the good way). Required: the rate needed from the latest value to "
                   "reach the target in the target year, in the same discrete form; none once the latest value "
                   "meets the target. Eurostat ratio: observed compound growth over the last 15 years divided by "
                   "the growth required from the same base; classes at 95%/60%/0, and 'already met' / 'no longer "
                   "met' where the base already met the target (Eurostat's classes would read backwards there). "
                   "These deterministic rules are shown for comparison with P(attain)."))
        + "</p>" + table(frame))


def quality_notes(context: ReportContext) -> HTML:
    """Data-quality flags per indicator, in words."""
    items = []
    for r in context.results.itertuples():
        flags = [f for f in str(r.flags).split(";") if f and f != "synthetic"]
        if flags:
            text = _("; ").join(_(FLAG_TEXT[f]) if f in FLAG_TEXT else f for f in flags)
            items.append(f"<li><b>{escape(_name(context, r.indicator_id))}</b>: {escape(text)}</li>")
    body = "".join(items) or "<li>" + escape(_("No data-quality issues were flagged.")) + "</li>"
    return html(heading(_("Data-quality notes")) + f"{banner(context)}<ul>{body}</ul>")
