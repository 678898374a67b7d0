"""The overview's table of latest values (units x indicators), its downloads, and the provinces' rankings.

The table is what a statistician copies into a briefing: every unit's latest value and category per indicator,
sortable on the page (a few lines of inline JavaScript, no external script, so the page works offline) and
downloadable as CSV and XLSX next to ``results.csv``. The downloads are long (one row per unit and indicator)
with headers in the page's language and the ids (``unit_id``, ``indicator_id``, ``category``) as columns of
their own, so a spreadsheet can filter and pivot them in either edition. Rankings come with the caveats that
make them honest: only comparable values are ranked (:func:`~toolkit.reports.overview.compute.latest_values`).
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from toolkit.contracts.labels import category_label, local_name, region_label
from toolkit.contracts.results import CATEGORY_COLOURS, targeted, text_colour
from toolkit.contracts.run_folder import OVERVIEW_TABLE_CSV, OVERVIEW_TABLE_XLSX, RunFolder
from toolkit.core import io
from toolkit.core.i18n import N_, _, current_language, decimal
from toolkit.inputs.catalog import unit_label
from toolkit.reports.html import heading, html
from toolkit.reports.overview.compute import latest_values, rank_extremes
from toolkit.reports.overview.run import RunData
from toolkit.reports.text import comparator_text

#: The downloads, in the run folder next to results.csv.
TABLE_CSV, TABLE_XLSX = OVERVIEW_TABLE_CSV, OVERVIEW_TABLE_XLSX
#: Why a province has no rank, as a reader sees it (codes of ``compute.NOT_RANKED``).
NOT_RANKED_TEXT = {
    "not_province": N_("national level, shown for reference"),
    "no_value": N_("no observation"),
    "bound": N_("published only as a bound"),
    "other_year": N_("latest observation not from the common year"),
    "no_direction": N_("no better direction defined"),
}
DIRECTION_TEXT = {"decrease": N_("lower is better"), "increase": N_("higher is better")}


def value_text(value: float, qualifier: str = "=") -> str:
    """A latest value as published: up to two decimals without trailing zeros, a bound with its sign ("> 99")."""
    if value is None or pd.isna(value):
        return "-"
    text = decimal(float(value), 2, grouping=False)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{qualifier} {text}" if qualifier in (">", "<") else text


def _targets(rows: pd.DataFrame) -> list[str]:
    """Each results row's target as printed ("≤ 5"; empty without one)."""
    if not {"comparator", "target_value"} <= set(rows.columns):
        return [""] * len(rows)
    return [f"{comparator_text(c)} {value_text(v)}" if isinstance(c, str) and c and pd.notna(v) else ""
            for c, v in zip(rows["comparator"], rows["target_value"])]


def _indicator_rows(run: RunData) -> pd.DataFrame:
    """One row per indicator of the table: name, unit, common year and the target (when all units share it)."""
    values = latest_values(run.results, run.units, run.indicators)
    rows = targeted(run.results)
    out = []
    for indicator_id, group in values.groupby("indicator_id", sort=False):
        mine = rows[rows["indicator_id"] == indicator_id]
        targets = set(_targets(mine))
        target = targets.pop() if len(targets) == 1 else ""
        row = run.indicators.loc[indicator_id] if indicator_id in run.indicators.index else {}
        unit = str(row.get("unit", "") or (mine["unit"].iloc[0] if "unit" in mine and len(mine) else ""))
        out.append({"indicator_id": indicator_id, "name": local_name(row) if len(row) else indicator_id,
                    "unit": unit_label(unit) if unit else "", "target": target,
                    "common_year": group["common_year"].iloc[0], "direction": group["direction"].iloc[0],
                    "n_ranked": int(group["n_ranked"].iloc[0])})
    return pd.DataFrame(out, columns=["indicator_id", "name", "unit", "target", "common_year", "direction",
                                      "n_ranked"]).set_index("indicator_id")


def download_frame(run: RunData) -> pd.DataFrame:
    """The downloadable table: one row per unit and indicator with a target, headers in the page's language.

    ``unit_id``, ``indicator_id`` and ``category`` keep their codes (the same in both editions and in
    results.csv, so a spreadsheet filters on them); every other header and label is translated."""
    values = latest_values(run.results, run.units, run.indicators)
    info = _indicator_rows(run)
    units = run.units
    rows = targeted(run.results).drop_duplicates(["unit_id", "indicator_id"])
    own_target = pd.Series(_targets(rows), index=pd.MultiIndex.from_frame(rows[["unit_id", "indicator_id"]]),
                           dtype=object)
    return pd.DataFrame({
        "unit_id": values["unit_id"],
        _("nation or province"): [local_name(units.loc[u]) for u in values["unit_id"]],
        _("region"): [region_label(units.loc[u, "region"]) if isinstance(units.loc[u, "region"], str) else ""
                      for u in values["unit_id"]],
        "indicator_id": values["indicator_id"],
        _("indicator"): values["indicator_id"].map(info["name"]),
        _("unit of measure"): values["indicator_id"].map(info["unit"]),
        _("target"): [own_target.get((u, i), "") for u, i in zip(values["unit_id"], values["indicator_id"])],
        _("latest value"): values["latest_value"],
        _("qualifier (= value, > or < published bound)"): values["latest_qualifier"].where(
            values["latest_value"].notna(), ""),
        _("latest year"): values["latest_year"],
        "category": values["category"].fillna(""),
        _("category label"): [category_label(c) if isinstance(c, str) else "" for c in values["category"]],
        _("better direction"): [_(DIRECTION_TEXT[d]) if d in DIRECTION_TEXT else "" for d in values["direction"]],
        _("common latest year of the provinces"): values["common_year"],
        _("rank among the provinces (1 = best)"): values["rank"],
        _("provinces ranked"): values["n_ranked"],
        _("why not ranked"): [_(NOT_RANKED_TEXT[r]) if isinstance(r, str) else "" for r in values["not_ranked"]],
    })


def write_downloads(run: RunData) -> tuple[Path, Path]:
    """Write :func:`download_frame` as ``overview_table.csv`` and ``.xlsx`` into the run folder (atomically)."""
    frame = download_frame(run)
    csv = io.write_csv(run.run_dir / TABLE_CSV, frame)
    xlsx = io.write_xlsx(run.run_dir / TABLE_XLSX, frame, sheet_name="overview")
    return csv, xlsx


def _href(run: RunData, path: Path) -> str:
    """A link to ``path`` relative to the overview page (``overview.html`` of the run folder)."""
    page_dir = RunFolder(run.run_dir).extra_html("overview").parent
    return Path(os.path.relpath(path, page_dir)).as_posix()


_SORT_SCRIPT = """<script>
(function () {
  function key(cell, numeric) {
    var v = cell.getAttribute("data-sort");
    if (v === null) { v = cell.textContent.trim(); }
    if (numeric) { var n = parseFloat(v); return isNaN(n) ? null : n; }
    return v.toLowerCase();
  }
  document.querySelectorAll("table.tk-sortable").forEach(function (table) {
    if (table.getAttribute("data-sortable-ready")) { return; }
    table.setAttribute("data-sortable-ready", "1");
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = th.getAttribute("data-type") === "number";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          if (x === null || y === null) { return (x === null) - (y === null); }  /* empty cells last */
          var c = numeric ? x - y : x.localeCompare(y, document.documentElement.lang || "zh");
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
</script>"""

_TABLE_STYLE = """<style>
.tk-latest{border-collapse:collapse;font-size:0.76em;margin:6px 0}
.tk-latest th,.tk-latest td{border:1px solid #fff;padding:2px 4px;vertical-align:top;text-align:left !important}
.tk-latest thead th{background:#eee;font-weight:600;min-width:3.5em}
.tk-latest th button{all:unset;cursor:pointer;font-weight:600}
.tk-latest th button:focus-visible{outline:2px solid #1f78b4}
.tk-latest th[aria-sort="ascending"] button::after{content:" \\25B2"}
.tk-latest th[aria-sort="descending"] button::after{content:" \\25BC"}
.tk-latest td.tk-num{text-align:right !important;font-variant-numeric:tabular-nums}
.tk-latest td b,.tk-ranks span,.tk-latest .tk-unit,.tk-latest:lang(zh) .tk-year{white-space:nowrap}
.tk-latest .tk-sub{display:block;font-weight:normal;font-size:0.9em;color:#555}
.tk-latest td .tk-sub{color:inherit;opacity:0.9}
.tk-latest td.tk-empty{background:#fff;color:#999}
.tk-scroll{overflow-x:auto}
@media print{
body .jp-RenderedHTMLCommon table.tk-latest,table.tk-latest{font-size:6pt;table-layout:auto}
body .jp-RenderedHTMLCommon table.tk-latest th,body .jp-RenderedHTMLCommon table.tk-latest td{padding:1px 2px}
.tk-latest thead th{min-width:0}.tk-latest th[aria-sort] button::after{content:none}.tk-scroll{overflow:visible}}
</style>"""


def _header_cell(info: pd.Series) -> str:
    """An indicator's column header: its name, then unit, target and the year of the values on a second line."""
    parts = [info["unit"]] if info["unit"] else []
    if info["target"]:
        parts.append(info["target"])
    if pd.notna(info["common_year"]):
        parts.append(str(int(info["common_year"])))
    sub = _("; ").join(parts)
    return (f'<th data-type="number"><button type="button">{escape(info["name"])}</button>'
            f'<span class="tk-sub">{escape(sub)}</span></th>')


def _text_header(text: str, numeric: bool = False) -> str:
    kind = ' data-type="number"' if numeric else ""
    return f'<th{kind}><button type="button">{escape(text)}</button></th>'


def _value_cell(row) -> str:
    """One unit's latest value, its year where it is not the column's, its category and its rank."""
    category = row.category if isinstance(row.category, str) else ""
    if pd.isna(row.latest_value):
        label = category_label(category) if category else _("no result")
        colour = CATEGORY_COLOURS.get(category, "#fff")
        return (f'<td class="tk-num" style="background:{colour};color:{text_colour(category)}">-'
                f'<span class="tk-sub">{escape(label)}</span></td>')
    value = value_text(row.latest_value, row.latest_qualifier)
    sub = ""
    if pd.notna(row.latest_year) and (pd.isna(row.common_year) or row.latest_year != row.common_year):
        sub += ('<span class="tk-sub tk-year">' + escape(_("observed in {year}").format(year=int(row.latest_year)))
                + "</span>")
    lines = [category_label(category)] if category else []
    if pd.notna(row.rank):
        lines.append(_("rank {rank}/{n}").format(rank=int(row.rank), n=int(row.n_ranked)))
    sub += "".join(f'<span class="tk-sub">{escape(line)}</span>' for line in lines)
    style = f' style="background:{CATEGORY_COLOURS[category]};color:{text_colour(category)}"' \
        if category in CATEGORY_COLOURS else ""
    return (f'<td class="tk-num" data-sort="{float(row.latest_value)!r}"{style}>'
            f"<b>{escape(value)}</b>{sub}</td>")


def latest_table(run: RunData) -> HTML:
    """The section on latest values: the sortable units x indicators table and the links to its downloads.

    Writes the downloads (:func:`write_downloads`) into the run folder, so the links always match the page."""
    csv, xlsx = write_downloads(run)
    values = latest_values(run.results, run.units, run.indicators)
    info = _indicator_rows(run)
    # the unit column sorts by the page's order (the nation, then the provinces by region), its region below it
    head = _text_header(_("nation or province"), numeric=True) + "".join(_header_cell(info.loc[i]) for i in info.index)
    body = []
    for position, (unit_id, group) in enumerate(values.groupby("unit_id", sort=False), start=1):
        unit = run.units.loc[unit_id]
        region = region_label(unit["region"]) if isinstance(unit["region"], str) else ""
        cells = "".join(_value_cell(r) for r in group.set_index("indicator_id").loc[info.index].reset_index()
                        .itertuples())
        sub = f'<span class="tk-sub">{escape(region)}</span>' if region else ""
        body.append(f'<tr><td data-sort="{position}"><span class="tk-unit">{escape(local_name(unit))}</span>{sub}'
                    f"</td>{cells}</tr>")
    table = (f'<div class="tk-scroll"><table class="tk-latest tk-sortable"><thead><tr>{head}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table></div>')
    links = (escape(_("Download this table: {csv} (UTF-8) · {xlsx} (Excel). One row per unit and indicator; the "
                      "columns unit_id, indicator_id and category hold the codes of results.csv, for filtering.")))
    links = links.format(csv=f'<a href="{escape(_href(run, csv))}" download>{escape(csv.name)}</a>',
                         xlsx=f'<a href="{escape(_href(run, xlsx))}" download>{escape(xlsx.name)}</a>')
    intro = escape(_(
        "One row per unit (the nation first, then the provinces by region), one column per indicator with a "
        "target; under each indicator's name, its unit, its target (where every unit has the same one) and the "
        "year of its values. Each cell gives the latest observation (with its year where it is not the column's "
        "year; \"> 99\" is a value published only as a bound), the category and, for provinces, the rank "
        "explained below. Click a column header to sort by it; click again to reverse."))
    return HTML(_TABLE_STYLE + html(heading(_("Latest values and categories")) + f"<p>{intro}</p>").data
                + table + f'<p class="tk-muted">{links}</p>' + _SORT_SCRIPT)


def _entry(row, names: pd.Series) -> str:
    return _("{rank}. {unit} {value}").format(rank=int(row.rank), unit=names[row.unit_id],
                                              value=value_text(row.latest_value, row.latest_qualifier))


def ranking_caveats(run: RunData, values: pd.DataFrame) -> list[str]:
    """The caveats every reader of a ranking needs, as sentences a statistician can sign."""
    notes = [
        _("Provinces are ranked by their latest value in the indicator's better direction (data/indicators.csv: "
          "lowest first for mortality, prevalence and myopia rates; highest first for coverage and the other "
          "rates that should rise). Equal values share a rank. The nation is shown for reference and is not "
          "ranked."),
        _("Latest years differ between provinces. For each indicator only the provinces whose latest observation "
          "is from the common year (the latest year most provinces report) are ranked; a province whose latest "
          "value is from another year is listed as not ranked, since values of different years are not directly "
          "comparable."),
        _("A value published only as a bound (such as \"above 99%\") cannot be placed exactly, so it is not "
          "ranked."),
        _("A rank orders the published values and does not test their differences: neighbouring provinces often "
          "differ by less than the sampling and measurement error of the surveys and registers the values come "
          "from, and the published values are rounded, so a difference of one or two places may mean nothing. A "
          "rank describes the level, not how "
          "likely the target is to be met; the categories say that."),
    ]
    synthetic = set(run.synthetic_units) & set(values.loc[values["rank"].notna(), "unit_id"])
    if synthetic:
        notes.append(_("The provincial values of this run are synthetic demonstration data: these rankings show "
                       "how the page works and are not rankings of China's provinces."))
    return notes


def rankings(run: RunData, shown: int = 3) -> HTML:
    """Per indicator, the best and the worst provinces of the common year, the provinces not ranked, and the caveats."""
    values = latest_values(run.results, run.units, run.indicators)
    info = _indicator_rows(run)
    names = pd.Series({u: local_name(run.units.loc[u]) for u in run.units.index})
    rows = []
    for indicator_id in info.index:
        item = info.loc[indicator_id]
        best, worst = rank_extremes(values, indicator_id, shown)
        unranked = values[(values["indicator_id"] == indicator_id) & values["not_ranked"].notna()
                          & (values["not_ranked"] != "not_province")]
        others = []
        for r in unranked.itertuples():
            if r.not_ranked == "other_year":
                others.append(_("{unit} ({year}: {value})").format(
                    unit=names[r.unit_id], year=int(r.latest_year),
                    value=value_text(r.latest_value, r.latest_qualifier)))
            elif r.not_ranked == "bound":
                others.append(_("{unit} ({value}, a bound)").format(
                    unit=names[r.unit_id], value=value_text(r.latest_value, r.latest_qualifier)))
            else:
                others.append(_("{unit} ({reason})").format(unit=names[r.unit_id],
                                                           reason=_(NOT_RANKED_TEXT[r.not_ranked])))
        name = item["name"] + (f" ({item['unit']})" if item["unit"] and current_language() != "zh"
                               else f"（{item['unit']}）" if item["unit"] else "")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            escape(name),
            escape(_(DIRECTION_TEXT[item["direction"]])) if item["direction"] in DIRECTION_TEXT else "",
            escape(str(int(item["common_year"]))) if pd.notna(item["common_year"]) else "-",
            escape(str(item["n_ranked"])),
            "<br>".join(f"<span>{escape(_entry(r, names))}</span>" for r in best.itertuples()) or "-",
            "<br>".join(f"<span>{escape(_entry(r, names))}</span>" for r in worst.itertuples()) or "-",
            "<br>".join(f"<span>{escape(o)}</span>" for o in others) or "-")) + "</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in (
        _("indicator"), _("better direction"), _("year ranked"), _("provinces ranked"),
        _("best {n}").format(n=shown), _("worst {n} (worst first)").format(n=shown), _("not ranked")))
    caveats = "".join(f"<li>{escape(n)}</li>" for n in ranking_caveats(run, values))
    return html(heading(_("Rankings of the provinces")) + f'<div class="tk-note"><ul>{caveats}</ul></div>'
                + f'<table class="tk-table tk-ranks"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
