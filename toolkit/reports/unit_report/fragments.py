"""HTML fragments a province report displays: title, banners, provenance, scorecard, rates, quality notes.

Fragments are returned as ``IPython.display.HTML`` objects, whose plain-text form is stable (nbval
compares it; the HTML itself is skipped as volatile across pandas versions). Every string that comes
from data or params is HTML-escaped.
"""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML

from toolkit.contracts.results import CONTEXT_ROLE, FLAG_TEXT, targeted
from toolkit.contracts.synthetic import SYNTHETIC_BANNER
from toolkit.core.paths import display_path
from toolkit.evaluation.calibration import calibration_record
from toolkit.inputs.catalog import unit_label
from toolkit.inputs.unit_targets import LOCAL
from toolkit.reports.html import category_badge, html, table
from toolkit.reports.text import attain_text, fmt, latest_text
from toolkit.reports.unit_report.context import ReportContext

CATEGORY_TEXT = {
    "achieved": "target met in the target year (observed)",
    "not_achieved": "target missed in the target year (observed)",
    "nowcast_met": "the target year has passed without an observation; the nowcast says met (P at least 50%)",
    "nowcast_not_met": "the target year has passed without an observation; the nowcast says missed (P below 50%)",
    "on_track": "P(attain) at least {on_track:.0%}",
    "likely": "P(attain) from {likely:.0%} to {on_track:.0%}",
    "at_risk": "P(attain) from {at_risk:.0%} to {likely:.0%}",
    "off_track": "P(attain) below {at_risk:.0%}",
    "insufficient_data": "too few point observations for a forecast (the observed status is shown beside it)",
    "no_target": "no target in this set; trend only",
}


def banner(context: ReportContext) -> str:
    """The synthetic-data banner (empty for real data)."""
    return f'<div class="tk-banner">{escape(SYNTHETIC_BANNER)}</div>' if context.synthetic else ""


def title(context: ReportContext) -> HTML:
    """Report title in English and Chinese: the cycle in full, the as-of year, the unit's own data vintage,
    any local plan layered over the national targets, and any banner."""
    unit, cycle = context.unit, context.cycle
    region = f" · {escape(str(unit['region']))} region" if pd.notna(unit["region"]) and unit["region"] else ""
    local = "".join(f"<br>Local targets layered over the national ones: <b>{escape(plan)}</b>"
                    for plan in context.local_plans)
    other_set = ("" if context.target_set == cycle.target_set or context.local_plans
                 else f"<br>Target set: <b>{escape(context.target_set)}</b> (not the Outline's own set)")
    vintage = (f"this unit's latest observation: <b>{fmt(context.latest_year)}</b>"
               + (" (earlier than the as-of year: its status is as of its own data)"
                  if context.latest_year is not None and context.latest_year < context.as_of else ""))
    return html(
        f"{banner(context)}<h1>{escape(str(unit['name_en']))} · {escape(str(unit['name_zh']))}</h1>"
        f'<p class="tk-muted">Monitoring report on {escape(cycle.name_zh)} · {escape(cycle.name_en)}<br>'
        f"As of <b>{context.as_of}</b> (later observations ignored) · {vintage}{region}{other_set}{local}</p>"
    )


def provenance(context: ReportContext) -> HTML:
    """Data vintage: which files, how many observations, which years, and each indicator's sources."""
    obs = context.observations
    files = "".join(f"<li><code>{escape(display_path(p))}</code></li>" for p in context.data_paths)
    per_indicator = (obs.groupby("indicator_id")
                     .agg(observations=("year", "size"), first=("year", "min"), latest=("year", "max"),
                          sources=("source", _sources_text))
                     .reset_index())
    text = (f"<h2>Data and sources</h2>{banner(context)}<p>Observation files:</p><ul>{files}</ul>"
            f"<p>{len(obs)} observations of {obs['indicator_id'].nunique()} indicators, "
            f"{fmt(obs['year'].min()) if len(obs) else '-'}–{fmt(obs['year'].max()) if len(obs) else '-'}; "
            f"observations after {context.as_of} are ignored. Each row of the data names the page it was read from "
            f"(full addresses in the data file).</p>"
            f"<details><summary>Observations and sources per indicator ({len(per_indicator)} indicators)</summary>"
            f"{table(per_indicator)}</details>")
    if context.params.notes and not context.user_data:  # the params' notes describe the params' own files
        text += f"<p><b>Notes:</b> {escape(str(context.params.notes))}</p>"
    return html(text)


def _sources_text(sources: pd.Series, shown: int = 2) -> str:
    """The distinct publishers of a series' values, without their web addresses (kept in the data file)."""
    names = sorted({str(s).split(" <http")[0].strip() for s in sources})
    more = f" (+{len(names) - shown} more)" if len(names) > shown else ""
    return "; ".join(names[:shown]) + more


def _name(context: ReportContext, indicator_id: str) -> str:
    ind = context.indicators.loc[indicator_id]
    return f"{ind['name_en']} ({ind['name_zh']})"


def scorecard(context: ReportContext) -> HTML:
    """All indicators with a target: latest value, target, category, P(attain), forecast, attainment year."""
    res = targeted(context.results)
    rows = []
    for r in res.itertuples():
        rows.append({
            "indicator": _name(context, r.indicator_id),
            "unit": unit_label(r.unit),
            "latest (year)": latest_text(r),
            "at the latest observation": _latest_status(r),
            "target": _row_target_text(r),
            "category": category_badge(r.category),
            "P(attain)": fmt(r.p_attain, 2) if pd.notna(r.p_attain) else _no_probability(r),
            "target year: forecast [80%]": _forecast_text(r),
            "year met [80%]": attain_text(r, context.params.attain_horizon),
            "model": r.model or "-",
        })
    legend = "".join(
        f"<li>{category_badge(c)} {escape(t.format(**context.params.categories))}</li>" for c, t in CATEGORY_TEXT.items())
    return html(f"<h2>Scorecard</h2>{table(pd.DataFrame(rows), raw_columns=('category',))}"
                 f'<ul class="tk-muted">{legend}</ul>{calibration_note(context.output_dir.parent)}')


#: The method evaluation page, relative to a unit page (html/<unit>.html) of a run folder.
METHOD_EVALUATION_HREF = "../method_evaluation.html"


def calibration_note(cache_dir=None) -> str:
    """The engine's measured record in one sentence, with a link to the evaluation that measured it;
    ``cache_dir`` (the run's ``units/`` folder) shares one computation between the kernels of a batch."""
    return (f'<p class="tk-note">{escape(calibration_record(cache_dir).sentence())} Details: '
            f'<a href="{METHOD_EVALUATION_HREF}">method evaluation</a>.</p>')


def _latest_status(row) -> str:
    """Whether the latest observation meets the target: an observation, not a forecast. Where the latest is a
    bound that decides nothing, the latest observation that does decide, and its year."""
    if pd.isna(row.latest_value):
        return "no observation"
    if pd.notna(row.met_latest):
        return "met" if row.met_latest else "not met"
    if pd.notna(row.met_evidence):
        bound = f"{row.evidence_qualifier} " if row.evidence_qualifier in (">", "<") else ""
        verdict = "met" if row.met_evidence else "not met"
        return (f"{verdict} in {fmt(row.evidence_year)} ({bound}{fmt(row.evidence_value, 2)}); "
                "the later bound does not decide")
    return "not decidable (a bound)"


def _row_target_text(row) -> str:
    if pd.isna(row.target_value):
        return f"{row.comparator} ? by {fmt(row.target_year)} (not resolved: no base-year value)"
    text = f"{row.comparator} {fmt(row.target_value, 2)} by {fmt(row.target_year)}"
    if row.target_layer == LOCAL:
        text += " (local plan)"
    if row.target_role == CONTEXT_ROLE:
        text += " (context: another outline's target, not counted)"
    return text


def _no_probability(row) -> str:
    if row.category in ("achieved", "not_achieved"):
        return "observed"
    return "no forecast" if row.category == "insufficient_data" else "-"


def _forecast_text(row) -> str:
    """Observed value, nowcast or forecast for the target year, each named as what it is."""
    if pd.notna(row.target_year_value):
        bound = f"{row.target_year_qualifier} " if row.target_year_qualifier in (">", "<") else ""
        return f"observed {bound}{fmt(row.target_year_value, 2)}"
    if pd.isna(row.forecast):
        if row.category != "insufficient_data":
            return "-"
        return "no data" if row.n_obs == 0 and row.n_censored == 0 else "no forecast (too few points)"
    kind = "nowcast" if row.category.startswith("nowcast") else "forecast"
    return f"{kind} {fmt(row.forecast, 2)} [{fmt(row.lo80, 2)}, {fmt(row.hi80, 2)}]"


PATH_STATUS_TEXT = {
    "ahead": "ahead of the path", "behind": "behind the path",
    "met_at_base": "target already met in the base year (no path)",
    "no_base_value": "no base-year observation (no path)",
    "no_data_since_base": "no observation since the base year",
}


def midterm_view(context: ReportContext) -> HTML:
    """Progress against the straight path from the base year to the target, now and at the mid-term year."""
    cycle = context.cycle
    res = targeted(context.results)
    res = res[res["path_base_year"].notna()]
    if context.as_of >= cycle.end_year:
        return html(f'<p class="tk-muted">No mid-term view: the target year {cycle.end_year} is within the data '
                    "(final evaluation).</p>")
    if not len(res):
        return html("")
    rows = []
    for r in res.itertuples():
        if _observed(r.midterm_observed):
            midterm = f"{fmt(r.midterm_value, 2)} (observed)"
        elif pd.notna(r.midterm_value):
            midterm = f"{fmt(r.midterm_value, 2)} [{fmt(r.midterm_lo80, 2)}, {fmt(r.midterm_hi80, 2)}]"
        else:
            midterm = "-"
        rows.append({
            "indicator": _name(context, r.indicator_id),
            f"base {cycle.base_year}": fmt(r.path_base_value, 2),
            "target": f"{r.comparator} {fmt(r.target_value, 2)} by {fmt(r.target_year)}",
            "latest (year)": f"{fmt(r.latest_value, 2)} ({fmt(r.path_year)})" if pd.notna(r.path_year) else "-",
            "path expects then": fmt(r.path_expected, 2),
            "actual / expected change": fmt(r.path_progress_ratio, 2),
            "status": PATH_STATUS_TEXT.get(r.path_status, "-"),
            f"path {cycle.midterm_year}": fmt(r.midterm_path_value, 2),
            f"{cycle.midterm_year}: forecast [80%]": midterm,
            f"P(on path in {cycle.midterm_year})": fmt(r.midterm_p_on_path, 2) if not _observed(r.midterm_observed) else "-",
        })
    return html(
        f"<h2>Mid-term view ({cycle.midterm_year})</h2>"
        f"<p>The straight path runs from the observed {cycle.base_year} value to the target in the target year, in "
        "the indicator's own units (the NBS mid-term practice, 时间过半、任务过半, and ESCAP's expected progress). "
        "'Actual / expected change' divides the change since the base year by the change the path expects by the "
        f"same year (1 = on the path, above 1 = ahead). The {cycle.midterm_year} column is the observed value, or "
        "the forecast with its 80% interval; P(on path) is the forecast's probability of being on the path's good "
        "side then. Rules: docs/methods.md, 'Mid-term view'.</p>" + table(pd.DataFrame(rows)))


def _target_text(target) -> str:
    """'<= 5 by 2030', or 'at most 80% of the 2020 value (-20%) by 2030' for a relative target."""
    value = float(target.target_value)
    if target.target_kind == "relative_change":
        bound = "at most" if target.comparator in ("<", "<=") else "at least"
        return (f"{bound} {(1 + value) * 100:g}% of the {fmt(target.base_year)} value ({value * 100:+g}%) "
                f"by {fmt(target.target_year)}")
    return f"{target.comparator} {value:g} by {fmt(target.target_year)}"


def _observed(flag) -> bool:
    return flag is not pd.NA and flag is not None and bool(flag)


def target_sources(context: ReportContext) -> HTML:
    """Each target's plan, wording and source, folded away until a reader asks for it."""
    rows = [{
        "indicator": _name(context, t.indicator_id),
        "target": _target_text(t),
        "plan": t.plan,
        "wording": " / ".join(str(x) for x in (t.text_zh, t.text_en) if pd.notna(x) and str(x)),
        "kind": "-" if pd.isna(t.kind) else str(t.kind).replace("_", " "),
        "confidence": "-" if pd.isna(t.confidence) else str(t.confidence),
        "source": str(t.source),
    } for t in context.targets.itertuples()]
    return html(f"<details><summary>Targets: plan, wording and source ({len(rows)} targets)</summary>"
                f"{table(pd.DataFrame(rows))}</details>")


EUROSTAT_TEXT = {"already_met": "already met (base and latest meet the target)",
                 "no_longer_met": "no longer met (the base met the target, the latest does not)"}


def _required_rate(row) -> str:
    if pd.notna(row.aarr_required):
        return fmt(row.aarr_required * 100, 2)
    if pd.notna(row.met_latest) and bool(row.met_latest):
        return "none (target met)"
    return "-"


def rates_table(context: ReportContext) -> HTML:
    """The anchors' deterministic rates (UNICEF AARR or AARI, Eurostat ratio) beside our probability."""
    res = targeted(context.results)
    frame = pd.DataFrame({
        "indicator": [_name(context, i) for i in res["indicator_id"]],
        "rate": [str(k).upper() if k else "-" for k in res["rate_kind"]],
        "observed (%/yr)": [fmt(v * 100, 2) for v in res["aarr_observed"]],
        "required (%/yr)": [_required_rate(r) for r in res.itertuples()],
        "Eurostat ratio": [fmt(v, 2) for v in res["eurostat_ratio"]],
        "Eurostat class": [EUROSTAT_TEXT.get(v, str(v).replace("_", " ")) if v else "-" for v in res["eurostat_category"]],
        "P(attain)": [fmt(r.p_attain, 2) if pd.notna(r.p_attain) else _no_probability(r) for r in res.itertuples()],
    })
    return html(
        "<h2>Rates the published methods use</h2>"
        "<p>AARR: average annual rate of reduction, for indicators that should fall; AARI: average annual rate of "
        "increase, for those that should rise (UNICEF/WHO; regression on log values over all points, positive = "
        "moving the good way). Required: the rate needed from the latest value to reach the target in the target "
        "year, in the same discrete form; none once the latest value meets the target. Eurostat ratio: observed "
        "compound growth over the last 15 years divided by the growth required from the same base; classes at "
        "95%/60%/0, and 'already met' / 'no longer met' where the base already met the target (Eurostat's "
        "classes would read backwards there). These deterministic rules are shown for comparison with "
        "P(attain).</p>" + table(frame))


def quality_notes(context: ReportContext) -> HTML:
    """Data-quality flags per indicator, in words."""
    items = []
    for r in context.results.itertuples():
        flags = [f for f in str(r.flags).split(";") if f and f != "synthetic"]
        if flags:
            text = "; ".join(FLAG_TEXT.get(f, f) for f in flags)
            items.append(f"<li><b>{escape(_name(context, r.indicator_id))}</b>: {escape(text)}</li>")
    body = "".join(items) or "<li>No data-quality issues were flagged.</li>"
    return html(f"<h2>Data-quality notes</h2>{banner(context)}<ul>{body}</ul>")
