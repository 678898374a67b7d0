"""HTML fragments a province report displays: title, banners, provenance, scorecard, rates, quality notes.

Fragments are returned as ``IPython.display.HTML`` objects, whose plain-text form is stable (nbval
compares it; the HTML itself is skipped as volatile across pandas versions). Every string that comes
from data or params is HTML-escaped.
"""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML

from toolkit.contracts.results import FLAG_TEXT, targeted
from toolkit.contracts.synthetic import SYNTHETIC_BANNER
from toolkit.core.paths import display_path
from toolkit.inputs.catalog import unit_label
from toolkit.reports.html import category_badge, html, table
from toolkit.reports.text import attain_text, fmt, latest_text
from toolkit.reports.unit_report.context import ReportContext

CATEGORY_TEXT = {
    "achieved": "target met in the target year (observed)",
    "not_achieved": "target missed in the target year (observed)",
    "on_track": "P(attain) at least {on_track:.0%}",
    "likely": "P(attain) from {likely:.0%} to {on_track:.0%}",
    "at_risk": "P(attain) from {at_risk:.0%} to {likely:.0%}",
    "off_track": "P(attain) below {at_risk:.0%}",
    "insufficient_data": "too few point observations for a forecast",
    "no_target": "no target in this set; trend only",
}


def banner(context: ReportContext) -> str:
    """The synthetic-data banner (empty for real data)."""
    return f'<div class="tk-banner">{escape(SYNTHETIC_BANNER)}</div>' if context.synthetic else ""


def title(context: ReportContext) -> HTML:
    """Report title in English and Chinese, with the as-of year, the target set and any banner."""
    unit = context.unit
    region = f" · {escape(str(unit['region']))} region" if pd.notna(unit["region"]) and unit["region"] else ""
    return html(
        f"{banner(context)}<h1>{escape(str(unit['name_en']))} · {escape(str(unit['name_zh']))}</h1>"
        f'<p class="tk-muted">Outline monitoring report · target set <b>{escape(context.target_set)}</b> · '
        f"data up to <b>{context.as_of}</b>{region}</p>"
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
    if context.params.notes:
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
            "target": f"{r.comparator} {fmt(r.target_value, 2)} by {fmt(r.target_year)}",
            "category": category_badge(r.category),
            "P(attain)": fmt(r.p_attain, 2),
            "forecast [80% interval]": f"{fmt(r.forecast, 2)} [{fmt(r.lo80, 2)}, {fmt(r.hi80, 2)}]",
            "year met [80%]": attain_text(r, context.params.attain_horizon),
            "model": r.model or "-",
        })
    legend = "".join(
        f"<li>{category_badge(c)} {escape(t.format(**context.params.categories))}</li>" for c, t in CATEGORY_TEXT.items())
    return html(f"<h2>Scorecard</h2>{table(pd.DataFrame(rows), raw_columns=('category',))}"
                 f'<ul class="tk-muted">{legend}</ul>')


def rates_table(context: ReportContext) -> HTML:
    """The anchors' deterministic rates (UNICEF/IGME AARR, Eurostat ratio) beside our probability."""
    res = targeted(context.results)
    frame = pd.DataFrame({
        "indicator": [_name(context, i) for i in res["indicator_id"]],
        "AARR observed (%/yr)": [fmt(v * 100, 2) for v in res["aarr_observed"]],
        "AARR required (%/yr)": [fmt(v * 100, 2) for v in res["aarr_required"]],
        "Eurostat ratio": [fmt(v, 2) for v in res["eurostat_ratio"]],
        "Eurostat class": [str(v).replace("_", " ") if v else "-" for v in res["eurostat_category"]],
        "P(attain)": [fmt(v, 2) for v in res["p_attain"]],
    })
    return html(
        "<h2>Rates the published methods use</h2>"
        "<p>AARR: average annual rate of reduction (UNICEF/IGME; regression on log values, positive = falling). "
        "Required: the rate needed from the latest value to reach the target in the target year (same form). "
        "Eurostat ratio: observed compound growth over the last 15 years divided by the growth required from the same base; classes at "
        "95%/60%/0. These deterministic rules are shown for comparison with P(attain).</p>" + table(frame))


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
