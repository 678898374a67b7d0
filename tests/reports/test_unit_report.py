"""The report context and its fragments build for every unit in-process (no kernel), with the right text."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from toolkit.inputs.units import PROVINCE_LEVELS, load_units
from toolkit.reports.unit_report import context as report
from toolkit.reports.unit_report import fragments as tables


@pytest.mark.parametrize("unit_id", list(load_units(levels=PROVINCE_LEVELS).index))
def test_every_unit_report_builds_and_writes_its_contract_files(unit_id, tmp_path):
    context = report.prepare(unit_id, output_dir=str(tmp_path), language="en")
    for fragment in (tables.title, tables.provenance, tables.scorecard, tables.target_sources, tables.midterm_view,
                     tables.rates_table, tables.quality_notes):
        assert fragment(context).data
    key = report.key_results(context)
    # as_of: latest = the latest national year (2024), the same for every unit
    assert key.startswith(f"unit: {unit_id} | cycle: 2021-2030 | target set: outline-2021-2030 | as of: 2024")
    assert "《中国儿童发展纲要（2021—2030年）》" in tables.title(context).data
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["unit_id"] == unit_id and summary["synthetic"] == (unit_id != "national")
    assert sum(summary["counts"].values()) == len(pd.read_csv(tmp_path / "results.csv"))
    banner = "Synthetic demonstration data" in tables.title(context).data
    assert banner == (unit_id != "national")


def test_the_final_evaluation_is_one_override_away(tmp_path):
    context = report.prepare("national", output_dir=str(tmp_path), cycle_override="2011-2020", language="en")
    assert (context.as_of, context.target_set) == (2020, "outline-2011-2020")  # latest capped at the cycle's end
    assert "《中国儿童发展纲要（2011—2020年）》" in tables.title(context).data
    assert "No mid-term view" in tables.midterm_view(context).data  # the target year is observed
    assert context.results["path_status"].eq("").all()


def test_the_national_report_shows_2024_data_and_the_imr_target_met_at_the_latest_observation(tmp_path):
    context = report.prepare("national", output_dir=str(tmp_path), language="en")
    rows = context.results.set_index("indicator_id")
    for indicator_id in ("imr", "u5mr", "nmr", "preschool_ger_3yr", "compulsory_consolidation_9yr", "senior_high_ger"):
        assert rows.loc[indicator_id, "latest_year"] == 2024, indicator_id
    imr = rows.loc["imr"]
    # NBS 2024: IMR 4.0 per 1,000 against the Outline's <= 5 for 2030: met now, 2030 not observed
    assert imr["latest_value"] == 4.0 and bool(imr["met_latest"]) and imr["category"] not in ("achieved",)
    scorecard = tables.scorecard(context).data
    assert "at the latest observation" in scorecard and ">met<" in scorecard


def test_the_midterm_view_is_the_straight_path_from_2020_worked_by_hand(tmp_path):
    context = report.prepare("national", output_dir=str(tmp_path), language="en")
    imr = context.results.set_index("indicator_id").loc["imr"]
    # IMR 5.4 in 2020 (NBS), target 5 in 2030: the path loses 0.04 a year; 5.24 in 2024, 5.20 in 2025.
    assert imr["path_base_value"] == 5.4 and imr["path_year"] == 2024
    assert imr["path_expected"] == pytest.approx(5.4 - 0.4 * 4 / 10)
    assert imr["midterm_path_value"] == pytest.approx(5.2)
    # 4.0 in 2024: the change since 2020 (-1.4) is 8.75 times the -0.16 the path expects by then: ahead.
    assert imr["path_progress_ratio"] == pytest.approx(1.4 / 0.16) and imr["path_status"] == "ahead"
    assert imr["midterm_lo80"] < imr["midterm_value"] < imr["midterm_hi80"] and not imr["midterm_observed"]
    assert "Mid-term view (2025)" in tables.midterm_view(context).data
    assert "at most 80% of the 2020 value (-20%) by 2030" in tables.target_sources(context).data  # injury


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


def test_the_comparison_line_is_cut_at_long_gaps_and_at_comparability_breaks():
    from toolkit.reports.unit_report.figures import line_segments

    series = pd.DataFrame({"year": [2000, 2015, 2016, 2017, 2018, 2019, 2020],
                           "value": [10, 1.49, 1.49, 1.4, 1.43, 1.4, 1.3],
                           "note": ["", "", "", "series_break: new survey", "", "", ""]})
    # 2000 -> 2015 is a 15-year gap, and a new series starts in 2017: three segments, none drawn across
    assert [list(s["year"]) for s in line_segments(series)] == [[2000], [2015, 2016], [2017, 2018, 2019, 2020]]


def test_the_final_evaluation_words_observations_nowcasts_censored_years_and_context_as_such(tmp_path):
    context = report.prepare("national", output_dir=str(tmp_path), cycle_override="2011-2020", language="en")
    rows = context.results.set_index("indicator_id")
    scorecard = tables.scorecard(context).data
    # IMR 5.4 in 2020 (NBS) against < 10: observed, no interval, no probability
    assert rows.loc["imr", "category"] == "achieved" and rows.loc["imr", "target_year_value"] == 5.4
    assert pd.isna(rows.loc["imr", "lo80"]) and pd.isna(rows.loc["imr", "p_attain"])
    assert "observed 5.40" in scorecard and "5.40 [5.40, 5.40]" not in scorecard
    # injury: 2020 not in the data, so a nowcast, against 22.41 x 5/6 = 18.675 (the published-difference base)
    assert rows.loc["injury_mortality_u18", "category"] == "nowcast_met"
    assert rows.loc["injury_mortality_u18", "target_value"] == pytest.approx(22.41 * 5 / 6)
    # the nowcast is a forecast, worded as one: between the OLS line through log(15.82, 15.09, 13.18, 11.42)
    # in 2015-2017 and 2019 (exp of its 2020 value: 10.45, numpy.polyfit) and the last value, as the short-series
    # mixture of the line and the damped random walk (which slows the decline) should be
    nowcast = rows.loc["injury_mortality_u18", "forecast"]
    assert 10.45 < nowcast < 11.42
    assert f"nowcast {nowcast:.2f} [" in scorecard
    # vaccination: '> 90' in 2019 decides nothing, '> 99' in 2017 proves >= 95
    assert "met in 2017 (&gt; 99.00); the later bound does not decide" in scorecard
    # the Women's Outline's targets are shown as context and not counted
    assert rows.loc["mmr", "target_role"] == "context" and context.n_context == 2
    assert "context: another outline&#x27;s target, not counted" in scorecard
    assert sum(context.counts.values()) + context.n_context == len(context.results)
    # underweight: only the routine series from 2015 is fitted (the 2000 survey value is not comparable)
    assert rows.loc["underweight_u5", "first_year"] == 2015 and "series_break" in rows.loc["underweight_u5", "flags"]
    rates = tables.rates_table(context).data
    assert "AARI" in rates and "none (target met)" in rates
    # anaemia meets < 12 from its first observation (2016): the year is an upper bound, and says so
    assert bool(rows.loc["anaemia_u5", "attain_year_censored"]) and "≤2016 (first observation)" in scorecard
