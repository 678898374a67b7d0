"""toolkit.inputs.catalog: indicators, target sets, relative targets, comparisons, and the shared table checks."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from toolkit.core.errors import DataValidationError, TargetError, UnknownIndicatorError, did_you_mean
from toolkit.core.paths import TARGETS_DIR
from toolkit.inputs.catalog import (
    TARGET_COLUMNS,
    available_target_sets,
    bounds_text,
    load_indicators,
    load_targets,
    out_of_bounds,
    resolve_indicator,
    resolve_target_value,
    target_met,
)
from toolkit.inputs.schema import canonical_unit

TARGETS_HEADER = "indicator_id,comparator,target_value,target_kind,base_year,target_year,text_en,text_zh,source"


def test_load_indicators_types_the_bounds():
    ind = load_indicators()
    assert len(ind) == 63 and ind.index.name == "indicator_id"
    assert ind.loc["imr", "unit"] == "per_mille" and ind.loc["imr", "direction"] == "decrease"
    assert ind.loc["imr", "lower_bound"] == 0.0 and ind.loc["imr", "upper_bound"] == 1000.0
    assert math.isnan(ind.loc["mmr", "upper_bound"])
    assert ind["lower_bound"].dtype == "float64"


def test_resolve_indicator_ignores_case_and_suggests_close_ids():
    assert resolve_indicator(" IMR ") == "imr"
    with pytest.raises(UnknownIndicatorError, match=r"'imrr' is not in data/indicators.csv \(did you mean 'imr'\?\)"):
        resolve_indicator("imrr")


def test_out_of_bounds_uses_each_indicators_bounds():
    ids = pd.Series(["imr", "imr", "nip_vaccination", "nip_vaccination", "mmr", "preschool_ger_3yr"])
    values = pd.Series([-0.1, 1000.0, 120.0, 100.0, 5000.0, 104.2])
    assert out_of_bounds(ids, values).tolist() == [True, False, True, False, False, False]
    assert bounds_text("nip_vaccination") == "between 0 and 100 percent"
    assert bounds_text("mmr") == "at least 0 per_100k"


@pytest.mark.parametrize(("text", "unit"), [("%", "percent"), ("％", "percent"), ("‰", "per_mille"),
                                            ("1/10万", "per_100k"), ("Per_Mille", "per_mille"), ("count", "count")])
def test_canonical_unit(text, unit):
    assert canonical_unit(text) == unit


def test_did_you_mean_is_case_insensitive_and_keeps_the_candidates_spelling():
    assert did_you_mean("VAULE", ["value", "year"]) == ["value"]
    assert did_you_mean("zzz", ["value"]) == []


def test_load_targets_by_name_adds_the_set():
    targets = load_targets("outline-2011-2020")
    assert len(targets) == 23
    assert list(targets.columns) == TARGET_COLUMNS + ["target_set"]
    assert set(targets["target_set"]) == {"outline-2011-2020"}
    injury = targets.set_index("indicator_id").loc["injury_mortality_u18"]
    assert (injury["comparator"], injury["target_value"], injury["target_kind"]) == ("<=", -0.166667, "relative_change")
    assert (injury["base_year"], injury["target_year"]) == (2010, 2020)
    assert targets["target_year"].dtype == "int64" and targets["base_year"].dtype == "Int64"
    assert available_target_sets() == ["national-plans-2025", "national-plans-2030", "outline-2011-2020",
                                      "outline-2021-2030"]


def test_load_targets_by_path(tmp_path):
    path = tmp_path / "my-targets.csv"
    shutil.copy(TARGETS_DIR / "outline-2021-2030.csv", path)
    targets = load_targets(str(path))
    assert len(targets) == 12 and set(targets["target_set"]) == {"my-targets"}
    by_id = targets.set_index("indicator_id")
    assert by_id.loc["imr", "target_value"] == 5.0
    assert (by_id.loc["anaemia_u5", "comparator"], by_id.loc["anaemia_u5", "target_value"]) == ("<=", 10.0)
    assert by_id.loc["ebf_0_6m", "kind"] == "strategy_measure" and by_id.loc["injury_mortality_u18", "area"] == "safety"
    assert set(by_id["confidence"]) == {"high", "medium"}


def test_unknown_target_set_lists_the_available_sets():
    with pytest.raises(TargetError, match=r"unknown target set 'outline-2011-2021'[\s\S]*did you mean "
                                          r"'outline-2011-2020'\?[\s\S]*use one of: national-plans-2025, "
                                          r"national-plans-2030, outline-2011-2020, outline-2021-2030"):
        load_targets("outline-2011-2021")


def test_missing_target_file_is_a_target_error(tmp_path):
    with pytest.raises(TargetError, match=r"nope\.csv: target file not found"):
        load_targets(str(tmp_path / "nope.csv"))


def test_a_broken_target_set_reports_every_problem(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([
        TARGETS_HEADER,
        "imr,=<,10,absolute,,2020,,,Outline",
        "imr,<,2000,absolute,,2025,,,Outline",
        "injury_mortality_u18,<=,-0.2,relative_change,,2030,,,Outline",
        "imrr,<,10,absolute,,2020,,,Outline",
        "u5mr,<,ten,absolute,,2020,,,",
        "nmr,<,3,absolute,,1900,,,Outline",
    ]) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="bad.csv: is not a valid target set") as info:
        load_targets(str(path))
    text = str(info.value)
    assert "line 2, column 'comparator': '=<' is not allowed. Fix: use one of: '<', '<=', '>', '>='" in text
    assert "line 3, column 'target_value': target 2000 is outside the indicator's bounds. Fix: imr must be between " \
           "0 and 1000 per_mille" in text
    assert "line 4, column 'base_year': a relative_change target needs a base_year" in text
    assert "line 5, column 'indicator_id': 'imrr' is not in data/indicators.csv (did you mean 'imr'?)" in text
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == [f"  - line {n}" for n in (2, 3, 4, 5, 6, 6, 7)]
    assert "line 6, column 'target_value': 'ten' is not a number" in text
    assert "line 6, column 'source': is empty" in text
    assert "line 7, column 'target_year': '1900' is not allowed. Fix: a year must be between 1949 and 2100" in text


def test_resolve_target_value_absolute_and_relative():
    targets = load_targets("outline-2011-2020").set_index("indicator_id")
    assert resolve_target_value(targets.loc["imr"], 13.1) == 10.0
    assert resolve_target_value(targets.loc["imr"], None) == 10.0
    assert resolve_target_value(targets.loc["injury_mortality_u18"], 12.0) == pytest.approx(9.999996, abs=1e-12)
    assert resolve_target_value({"target_kind": "relative_change", "target_value": -0.2}, 50.0) == pytest.approx(40.0)


def test_resolve_relative_target_without_base_value_returns_none():
    row = {"target_kind": "relative_change", "target_value": -0.2}
    assert resolve_target_value(row, None) is None
    assert resolve_target_value(row, float("nan")) is None


def test_resolve_target_value_rejects_unknown_kinds():
    with pytest.raises(TargetError, match="unknown target_kind 'ratio'"):
        resolve_target_value({"target_kind": "ratio", "target_value": 1.0}, 2.0)


@pytest.mark.parametrize(("value", "comparator", "target", "met"), [
    (9.9, "<", 10, True), (10.0, "<", 10, False), (10.0, "<=", 10, True), (10.1, "<=", 10, False),
    (95.0, ">=", 95, True), (95.0, ">", 95, False), (95.1, ">", 95, True), (float("nan"), "<", 10, False),
    (None, ">", 1, False),
])
def test_target_met(value, comparator, target, met):
    assert target_met(value, comparator, target) is met


def test_target_met_rejects_unknown_comparators():
    with pytest.raises(TargetError, match="unknown comparator '=>'"):
        target_met(1.0, "=>", 2.0)


def test_the_optional_target_columns_may_be_left_out_or_must_hold_known_words(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text(TARGETS_HEADER + "\nimr,<=,4,absolute,,2030,,,my plan\n", encoding="utf-8")
    targets = load_targets(str(plain))
    assert list(targets.columns) == TARGET_COLUMNS + ["target_set"]
    assert targets[["confidence", "kind", "area"]].isna().all().all()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(TARGETS_HEADER + ",kind,area\nimr,<=,4,absolute,,2030,,,my plan,main,health\n",
                     encoding="utf-8")
    with pytest.raises(DataValidationError, match="line 2, column 'kind': 'main' is not allowed. Fix: use one of: "
                                                  "'main_target', 'strategy_measure', 'benchmark'"):
        load_targets(str(wrong))
