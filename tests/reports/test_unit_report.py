"""The report context and its fragments build for every unit in-process (no kernel), with the right text."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from toolkit.inputs.units import load_units
from toolkit.reports.unit_report import context as report
from toolkit.reports.unit_report import fragments as tables


@pytest.mark.parametrize("unit_id", list(load_units().index))
def test_every_unit_report_builds_and_writes_its_contract_files(unit_id, tmp_path):
    context = report.prepare(unit_id, output_dir=str(tmp_path))
    for fragment in (tables.title, tables.provenance, tables.scorecard, tables.rates_table, tables.quality_notes):
        assert fragment(context).data
    key = report.key_results(context)
    assert key.startswith(f"unit: {unit_id} | target set: outline-2011-2020 | as of: 2020")
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["unit_id"] == unit_id and summary["synthetic"] == (unit_id != "national")
    assert sum(summary["counts"].values()) == len(pd.read_csv(tmp_path / "results.csv"))
    banner = "Synthetic demonstration data" in tables.title(context).data
    assert banner == (unit_id != "national")


def _row(year, lo, hi, model="ensemble"):
    return pd.DataFrame([{"attain_year": year, "attain_year_lo": lo, "attain_year_hi": hi, "model": model}]).astype(
        {"attain_year": "Int64", "attain_year_lo": "Int64", "attain_year_hi": "Int64"}).iloc[0]


@pytest.mark.parametrize(("year", "lo", "hi", "model", "text"), [
    (2013, 2013, 2013, "ensemble", "2013"),
    (2024, 2023, 2026, "ensemble", "2024 [2023–2026]"),
    (2022, 2021, None, "ensemble", "2022 [2021–later]"),
    (None, None, None, "ensemble", "not by 2050"),
    (None, None, None, "", "-"),
])
def test_attainment_year_wording(year, lo, hi, model, text):
    assert report.attain_text(_row(year, lo, hi, model), 2050) == text


def test_latest_value_shows_a_published_bound():
    row = pd.Series({"latest_value": 99.0, "latest_year": 2017, "latest_qualifier": ">"})
    assert report.latest_text(row) == "> 99.00 (2017)"
    row = pd.Series({"latest_value": 8.1, "latest_year": 2015, "latest_qualifier": "="})
    assert report.latest_text(row) == "8.10 (2015)"


def test_a_dollar_sign_in_a_name_prints_literally_in_a_chart():
    """Issue 13, item 19: '$...$' in an indicator name started Matplotlib's mathtext and broke the chart."""
    import matplotlib.pyplot as plt

    from toolkit.reports.figures import png, theme

    theme()
    fig, ax = plt.subplots()
    ax.set_title(r"cost in $\notacommand{x}$ per child")  # two dollars: mathtext would parse (and fail)
    image = png(fig, dpi=40)  # raised ValueError from mathtext before
    plt.close(fig)
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
