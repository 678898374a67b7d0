"""The cross-unit overview: spread statistics by hand, matrix layout, banner only for synthetic runs, loading."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.contracts.synthetic import banner_text
from toolkit.core.errors import BatchError
from toolkit.reports.overview import compute, fragments
from toolkit.reports.overview import run as run_module

UNITS = pd.DataFrame({
    "level": ["country", "province", "province", "province", "province"],
    "region": [np.nan, "west", "east", "central", "east"],
    "name_en": ["China (national)", "Gansu", "Beijing", "Henan", "Shanghai"],
}, index=pd.Index(["national", "gansu", "beijing", "henan", "shanghai"], name="unit_id"))
INDICATORS = pd.DataFrame({"area": ["health", "education", "health"],
                           "name_en": ["Infant mortality rate", "Preschool enrolment", "Extra"],
                           "unit": ["per_mille", "percent", "percent"]},
                          index=pd.Index(["imr", "preschool", "extra"], name="indicator_id"))


def _obs(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit_id", "indicator_id", "year", "value", "qualifier"])
    return frame.assign(unit="x", source="test", note="")


def _results(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_id", "indicator_id", "category", "p_attain"])


RESULTS = _results([
    ("gansu", "imr", "at_risk", 0.3), ("gansu", "preschool", "insufficient_data", np.nan),
    ("beijing", "imr", "achieved", 1.0), ("beijing", "preschool", "on_track", 0.95),
    ("national", "imr", "achieved", 1.0), ("national", "preschool", "not_achieved", 0.0),
    ("national", "extra", "no_target", np.nan),
    ("henan", "imr", "likely", 0.7), ("henan", "preschool", "off_track", 0.1),
])


def test_gap_trends_equal_hand_computed_cv_and_max_min_ratio():
    obs = _obs([
        ("beijing", "imr", 2018, 10.0, "="), ("henan", "imr", 2018, 20.0, "="), ("gansu", "imr", 2018, 30.0, "="),
        ("beijing", "imr", 2019, 12.0, "="), ("henan", "imr", 2019, 18.0, "="), ("gansu", "imr", 2019, 24.0, "="),
        ("national", "imr", 2019, 99.0, "="),          # not a province
        ("shanghai", "imr", 2019, 1.0, "<"),           # a published bound, not a point
        ("shanghai", "imr", 2022, 50.0, "="),          # after as_of
        ("beijing", "preschool", 2019, 80.0, "="), ("henan", "preschool", 2019, 60.0, "="),  # only 2 provinces
    ])
    gaps = compute.gap_trends(obs, UNITS, 2020)
    assert list(gaps.columns[:6]) == ["indicator_id", "year", "n_units", "mean", "cv", "max_min_ratio"]
    assert list(gaps["year"]) == [2018, 2019] and set(gaps["indicator_id"]) == {"imr"}  # preschool: < 3 provinces
    first, last = gaps.iloc[0], gaps.iloc[1]
    assert first["n_units"] == 3 and first["mean"] == 20
    assert first["cv"] == pytest.approx(math.sqrt(200 / 3) / 20)  # population sd of 10, 20, 30 over the mean
    assert first["max_min_ratio"] == 3.0
    assert last["cv"] == pytest.approx(math.sqrt(72 / 3) / 18) and last["max_min_ratio"] == 2.0
    assert len(compute.gap_trends(obs, UNITS, 2020, min_units=2)) == 3
    sentence, = fragments.gap_sentences(gaps, INDICATORS)
    assert sentence.startswith("Infant mortality rate: the gap between provinces narrowed from 2018 to 2019")
    assert "0.408 → 0.272" in sentence and "3.00 → 2.00" in sentence


def test_gap_verdicts_widened_little_changed_and_single_year():
    gaps = pd.DataFrame({"indicator_id": ["a", "a", "b", "b", "c"], "year": [2010, 2020, 2010, 2020, 2020],
                         "n_units": 31, "mean": 1.0, "cv": [0.2, 0.3, 0.2, 0.202, 0.1],
                         "max_min_ratio": [2.0, 1.9, 2.0, 2.0, 1.5]})
    changes = compute.gap_changes(gaps).set_index("indicator_id")
    assert changes["verdict"].to_dict() == {"a": "widened", "b": "little changed", "c": "one year only"}
    sentences = fragments.gap_sentences(gaps, INDICATORS)
    assert "although the highest/lowest ratio narrowed" in sentences[0] and "only" in sentences[2]


def test_category_matrix_has_units_in_region_order_and_targeted_indicators_only():
    matrix = compute.category_matrix(RESULTS, UNITS, INDICATORS)
    assert matrix.shape == (4, 2)
    assert list(matrix.index) == ["national", "beijing", "henan", "gansu"]  # national, east, central, west
    assert list(matrix.columns) == ["imr", "preschool"]
    assert matrix.loc["national", "preschool"] == "not_achieved" and matrix.loc["gansu", "imr"] == "at_risk"


def test_counts_by_area_and_regional_summaries():
    counts = compute.counts_by_area(RESULTS, INDICATORS)
    assert list(counts.index) == ["health", "education"] and counts.to_numpy().sum() == 8
    assert counts.loc["health", "achieved"] == 2 and counts.loc["education", "insufficient_data"] == 1
    # the target set's own area wins where a row has one (the 2021-2030 Outline puts injury under safety)
    own = RESULTS.assign(area=np.where(RESULTS["indicator_id"] == "imr", "safety", ""))
    counts = compute.counts_by_area(own, INDICATORS)
    assert list(counts.index) == ["safety", "education"] and counts.loc["safety", "achieved"] == 2
    regional = compute.regional_summary(RESULTS, UNITS).set_index(["region", "indicator_id"])
    assert list(dict.fromkeys(r for r, _ in regional.index)) == ["east", "central", "west"]
    west = regional.loc[("west", "preschool")]
    assert west["n_units"] == 1 and west["n_assessed"] == 0 and math.isnan(west["mean_p_attain"])
    assert regional.loc[("east", "imr"), "share_on_track"] == 1.0
    assert compute.region_counts(RESULTS, UNITS).loc["central"].sum() == 2


def test_urban_rural_gap_and_sentence():
    obs = _obs([("national", "imr_urban", 2000, 10.0, "="), ("national", "imr_rural", 2000, 30.0, "="),
                ("national", "imr_urban", 2015, 5.0, "="), ("national", "imr_rural", 2015, 10.0, "="),
                ("national", "imr_rural", 2010, 20.0, "=")])
    pairs = compute.urban_rural_gaps(obs, 2020)
    assert list(pairs["year"]) == [2000, 2015] and list(pairs["ratio"]) == [3.0, 2.0]
    sentence, = fragments.urban_rural_sentences(pairs, INDICATORS)
    assert "imr" in sentence or "Infant" in sentence
    assert "narrowed from 2000 to 2015" in sentence


def _run(synthetic: dict[str, bool]) -> run_module.RunData:
    summaries = pd.DataFrame({"synthetic": pd.Series(synthetic),
                              "data_files": pd.Series([["data/x.csv"]] * len(synthetic), index=list(synthetic))})
    return run_module.RunData(run_dir=Path("."), results=RESULTS, summaries=summaries, observations=_obs([]),
                            indicators=INDICATORS, units=UNITS.loc[list(synthetic)], as_of=2020,
                            target_set="outline-2011-2020")


def test_banner_appears_only_when_a_unit_is_synthetic():
    banner = banner_text()
    assert "Synthetic demonstration data" in banner and "合成演示数据" in banner
    real = fragments.title(_run({"national": False, "beijing": False}))
    assert banner not in real.data and 'class="tk-banner"' not in real.data
    mixed = fragments.title(_run({"national": False, "beijing": True, "gansu": True}))
    assert banner in mixed.data and "2 of 3 units" in mixed.data


def test_key_numbers_block_counts_categories_overall_and_per_region():
    text = fragments.key_numbers(_run({"national": False, "beijing": True, "henan": True, "gansu": True}))
    assert "counts: achieved=2, not_achieved=1, nowcast_met=0, nowcast_not_met=0, on_track=1, likely=1, at_risk=1, " \
           "off_track=1, insufficient_data=1" in text
    assert "east: achieved=1, on_track=1" in text and "west: at_risk=1, insufficient_data=1" in text


def test_load_run_reads_a_batch_folder_and_explains_a_missing_one(tmp_path):
    with pytest.raises(BatchError, match="run the batch first"):
        run_module.load_run(tmp_path)
    data = tmp_path / "obs.csv"
    _obs([("beijing", "imr", 2019, 5.0, "=")]).assign(unit="per_mille").to_csv(data, index=False)
    RESULTS[RESULTS["unit_id"].isin(["national", "beijing"])].to_csv(tmp_path / "results.csv", index=False)
    for unit_id, synthetic in (("beijing", True), ("national", False)):
        folder = tmp_path / "units" / unit_id
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps({
            "unit_id": unit_id, "name_en": unit_id, "name_zh": "", "region": "", "synthetic": synthetic,
            "target_set": "outline-2011-2020", "as_of": 2020, "counts": {}, "n_indicators": 2,
            "data_files": [str(data)]}), encoding="utf-8")
    loaded = run_module.load_run(tmp_path)
    assert list(loaded.summaries.index) == ["national", "beijing"] and loaded.synthetic_units == ["beijing"]
    assert loaded.as_of == 2020 and len(loaded.observations) == 1 and len(loaded.targeted) == 4
