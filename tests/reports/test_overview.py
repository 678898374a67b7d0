"""The cross-unit overview: spread statistics by hand, matrix layout, the latest-values table and its rankings,
the downloads, both editions, the banner only for synthetic runs, loading."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from editions import CJK, script_counts

from toolkit.contracts.results import CATEGORY_COLOURS
from toolkit.core import i18n
from toolkit.core.errors import BatchError
from toolkit.reports import figures as shared_figures  # where every page displays its charts
from toolkit.reports import overview
from toolkit.reports.overview import compute, figures, fragments, tables
from toolkit.reports.overview import run as run_module

UNITS = pd.DataFrame({
    "level": ["country", "province", "province", "province", "province"],
    "region": [np.nan, "west", "east", "central", "east"],
    "name_en": ["China (national)", "Gansu", "Beijing", "Henan", "Shanghai"],
    "name_zh": ["全国", "甘肃省", "北京市", "河南省", "上海市"],
}, index=pd.Index(["national", "gansu", "beijing", "henan", "shanghai"], name="unit_id"))
INDICATORS = pd.DataFrame({"area": ["health", "education", "health"],
                           "name_en": ["Infant mortality rate", "Preschool enrolment", "Extra"],
                           "name_zh": ["婴儿死亡率", "学前教育毛入园率", "其他"],
                           "unit": ["per_mille", "percent", "percent"],
                           "direction": ["decrease", "increase", "increase"]},
                          index=pd.Index(["imr", "preschool", "extra"], name="indicator_id"))


@pytest.fixture(autouse=True)
def default_edition():
    """Every test starts in the default edition and leaves it so (load_run sets the process's edition)."""
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


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

#: Latest observations for the table: (unit, indicator) -> (value, year, qualifier).
LATEST = {
    ("national", "imr"): (4.0, 2024, "="), ("national", "preschool"): (91.0, 2024, "="),
    ("beijing", "imr"): (2.0, 2024, "="), ("beijing", "preschool"): (90.0, 2024, "="),
    ("shanghai", "imr"): (1.5, 2024, "="), ("shanghai", "preschool"): (99.0, 2024, ">"),  # a published bound
    ("henan", "imr"): (3.0, 2024, "="), ("henan", "preschool"): (80.0, 2024, "="),
    ("gansu", "imr"): (5.0, 2022, "="),                                                # an older year
    ("gansu", "preschool"): (90.0, 2024, "="),                                         # ties with beijing
}


def _latest_results() -> pd.DataFrame:
    rows = []
    category = {"imr": "on_track", "preschool": "off_track"}
    for (unit_id, indicator_id), (value, year, qualifier) in LATEST.items():
        rows.append({"unit_id": unit_id, "indicator_id": indicator_id, "category": category[indicator_id],
                     "p_attain": 0.5, "latest_value": value, "latest_year": year, "latest_qualifier": qualifier,
                     "comparator": "<=" if indicator_id == "imr" else ">=",
                     "target_value": 85.0 if indicator_id == "preschool" else 6.0 if unit_id == "henan" else 5.0,
                     "unit": INDICATORS.loc[indicator_id, "unit"], "area": INDICATORS.loc[indicator_id, "area"]})
    rows.append({"unit_id": "beijing", "indicator_id": "extra", "category": "no_target", "latest_value": 1.0,
                 "latest_year": 2024, "latest_qualifier": "="})
    return pd.DataFrame(rows)


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
    with i18n.language("en"):
        sentence, = fragments.gap_sentences(gaps, INDICATORS)
    assert sentence.startswith("Infant mortality rate: the gap between provinces narrowed from 2018 to 2019")
    assert "0.408 → 0.272" in sentence and "3.00 → 2.00" in sentence
    with i18n.language("zh"):
        sentence, = fragments.gap_sentences(gaps, INDICATORS)
    assert sentence.startswith("婴儿死亡率：2018年至2019年，各省（区、市）间差距缩小")
    assert "0.408 → 0.272" in sentence and sentence.endswith("。")


def test_gap_verdicts_widened_little_changed_and_single_year():
    gaps = pd.DataFrame({"indicator_id": ["a", "a", "b", "b", "c"], "year": [2010, 2020, 2010, 2020, 2020],
                         "n_units": 31, "mean": 1.0, "cv": [0.2, 0.3, 0.2, 0.202, 0.1],
                         "max_min_ratio": [2.0, 1.9, 2.0, 2.0, 1.5]})
    changes = compute.gap_changes(gaps).set_index("indicator_id")
    assert changes["verdict"].to_dict() == {"a": "widened", "b": "little changed", "c": "one year only"}
    with i18n.language("en"):
        sentences = fragments.gap_sentences(gaps, INDICATORS)
    assert "widened from 2010 to 2020" in sentences[0]
    assert sentences[0].endswith("). The highest/lowest ratio, however, narrowed.")  # 2.0 -> 1.9 is -5% or more
    assert "changed little" in sentences[1] and "however" not in sentences[1]
    assert sentences[2] == "c: provincial data for 2020 only, so no trend in the gap."
    with i18n.language("zh"):
        assert fragments.gap_sentences(gaps, INDICATORS)[0].endswith("）。但最高省份与最低省份之比缩小了。")


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
    with i18n.language("en"):
        sentence, = fragments.urban_rural_sentences(pairs, INDICATORS)
    assert sentence == ("Infant mortality rate: the rural/urban gap narrowed from 2000 to 2015 (rural/urban ratio 3.00 → 2.00; "
                        "rural minus urban 20.0 → 5.0).")


# --------------------------------------------------------------------------- latest values and rankings


def test_latest_values_order_categories_and_ranks_in_the_good_direction():
    values = compute.latest_values(_latest_results(), UNITS, INDICATORS).set_index(["unit_id", "indicator_id"])
    # the nation first, then east (beijing, shanghai in table order), central, west; targeted indicators only
    assert list(dict.fromkeys(u for u, _ in values.index)) == ["national", "beijing", "shanghai", "henan", "gansu"]
    assert list(dict.fromkeys(i for _, i in values.index)) == ["imr", "preschool"]
    assert values.loc[("shanghai", "preschool"), "latest_value"] == 99.0
    assert values.loc[("shanghai", "preschool"), "latest_qualifier"] == ">"
    assert values.loc[("henan", "imr"), "category"] == "on_track"
    # imr decreases: the lowest value of the common year 2024 is first; gansu's 2022 value is not ranked
    assert values.loc[("beijing", "imr"), "common_year"] == 2024
    imr = values.xs("imr", level="indicator_id")
    assert imr.loc[["shanghai", "beijing", "henan"], "rank"].tolist() == [1, 2, 3]
    assert imr.loc[["national", "gansu"], "rank"].isna().all()
    assert imr["not_ranked"].fillna("").to_dict() == {"national": "not_province", "beijing": "", "shanghai": "",
                                                      "henan": "", "gansu": "other_year"}
    # preschool increases: the highest first, equal values share the better rank, a bound is not ranked
    pre = values.xs("preschool", level="indicator_id")
    assert pre.loc[["beijing", "gansu", "henan"], "rank"].tolist() == [1, 1, 3]
    assert pre.loc["shanghai", "not_ranked"] == "bound" and pd.isna(pre.loc["shanghai", "rank"])
    assert pre.loc["national", "not_ranked"] == "not_province"
    assert set(values["n_ranked"]) == {3}
    best, worst = compute.rank_extremes(values.reset_index(), "imr")
    assert best["unit_id"].tolist() == ["shanghai", "beijing"] and worst["unit_id"].tolist() == ["henan"]


def test_common_year_is_the_mode_and_a_tie_goes_to_the_later_year():
    assert compute.common_year(pd.Series([2022, 2024, 2024, 2023])) == 2024
    assert compute.common_year(pd.Series([2022, 2022, 2024])) == 2022
    assert compute.common_year(pd.Series([2022, 2023])) == 2023
    assert compute.common_year(pd.Series([], dtype=float)) is None


def _run(synthetic: dict[str, bool], results: pd.DataFrame = RESULTS, run_dir: Path = Path("."),
         observations: pd.DataFrame | None = None) -> run_module.RunData:
    summaries = pd.DataFrame({"synthetic": pd.Series(synthetic),
                              "data_files": pd.Series([["data/x.csv"]] * len(synthetic), index=list(synthetic))})
    return run_module.RunData(run_dir=run_dir, results=results, summaries=summaries,
                              observations=_obs([]) if observations is None else observations,
                              indicators=INDICATORS, units=UNITS.loc[list(synthetic)], as_of=2024,
                              target_set="outline-2011-2020")


ALL_UNITS = {"national": False, "beijing": True, "shanghai": True, "henan": True, "gansu": True}
GAP_OBS = _obs([(u, "imr", y, v * (1 + 0.1 * k), "=") for k, u in enumerate(("beijing", "shanghai", "henan", "gansu"))
                for y, v in ((2020, 5.0), (2024, 3.0))]
               + [("national", "imr_urban", 2015, 5.0, "="), ("national", "imr_rural", 2015, 10.0, "="),
                  ("national", "imr_urban", 2020, 4.0, "="), ("national", "imr_rural", 2020, 6.0, "=")])


def test_the_latest_table_cells_and_downloads_in_english(tmp_path):
    run = _run(ALL_UNITS, _latest_results(), tmp_path, GAP_OBS)
    with i18n.language("en"):
        page = tables.latest_table(run).data
        frame = tables.download_frame(run)
    assert "<b>&gt; 99</b>" in page and "observed in 2022" in page and "rank 2/3" in page
    assert f"background:{CATEGORY_COLOURS['off_track']}" in page
    assert 'href="overview_table.csv"' in page and 'href="overview_table.xlsx"' in page  # beside overview.html
    assert "<script>" in page and "src=" not in page  # inline sorting, nothing fetched
    assert frame.columns[:4].tolist() == ["unit_id", "nation or province", "region", "indicator_id"]
    assert frame["unit_id"].tolist()[::2] == ["national", "beijing", "shanghai", "henan", "gansu"]
    gansu = frame[(frame["unit_id"] == "gansu") & (frame["indicator_id"] == "imr")].iloc[0]
    assert gansu["latest value"] == 5.0 and gansu["latest year"] == 2022 and gansu["category"] == "on_track"
    assert gansu["why not ranked"] == "latest observation not from the common year"
    assert gansu["better direction"] == "lower is better" and gansu["target"] == "≤ 5"
    henan = frame[(frame["unit_id"] == "henan") & (frame["indicator_id"] == "imr")].iloc[0]
    assert henan["target"] == "≤ 6"  # each unit's own target; the page's header names one only when all share it
    assert "per 1,000 live births; 2024</span>" in page and "percent; ≥ 85; 2024" not in page
    assert "%; ≥ 85; 2024</span>" in page
    with i18n.language("zh"):
        assert "最新值" in tables.download_frame(run).columns and "unit_id" in tables.download_frame(run).columns


def test_downloads_are_written_and_read_back_equal(tmp_path):
    run = _run(ALL_UNITS, _latest_results(), tmp_path, GAP_OBS)
    with i18n.language("zh"):
        csv, xlsx = tables.write_downloads(run)
        expected = tables.download_frame(run)
    assert (csv, xlsx) == (tmp_path / "overview_table.csv", tmp_path / "overview_table.xlsx")
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically: no temporary file left
    for read in (pd.read_csv(csv, keep_default_na=False, na_values=[""]),
                 pd.read_excel(xlsx, sheet_name="overview", keep_default_na=False, na_values=[""])):
        assert read.columns.tolist() == expected.columns.tolist()
        assert len(read) == len(expected) == 10
        for column in expected.columns:
            want = expected[column].astype(object).where(expected[column].notna(), None).tolist()
            got = read[column].astype(object).where(read[column].notna(), None).tolist()
            assert [None if w is None or w == "" else w for w in want] == \
                   [None if g is None or g == "" else g for g in got], column


def test_rankings_list_best_worst_and_the_unranked_with_their_reason():
    run = _run(ALL_UNITS, _latest_results(), observations=GAP_OBS)
    with i18n.language("en"):
        page = overview.rankings(run).data
    assert "1. Shanghai 1.5" in page and "2. Beijing 2" in page and "3. Henan 3" in page
    assert "Gansu (2022: 5)" in page and "Shanghai (&gt; 99, a bound)" in page
    assert "synthetic demonstration data" in page  # the run's provinces are synthetic
    real = _run({u: False for u in ALL_UNITS}, _latest_results(), observations=GAP_OBS)
    with i18n.language("en"):
        assert "synthetic demonstration data" not in overview.rankings(real).data


PAGE = ("title", "introduction", "categories_intro", "latest_table", "rankings", "areas_heading", "regions_intro",
        "gaps_intro", "gap_summary", "urban_rural_intro")


def _page(run) -> str:
    return "".join(getattr(overview, name)(run).data for name in PAGE)


def test_the_chinese_edition_reads_as_chinese_and_the_english_one_as_english(tmp_path):
    run = _run(ALL_UNITS, _latest_results(), tmp_path, GAP_OBS)
    with i18n.language("zh"):
        cjk, latin = script_counts(_page(run))
    assert cjk > latin, f"{cjk} CJK characters against {latin} Latin letters"
    with i18n.language("en"):
        cjk_en, latin_en = script_counts(_page(run))
    assert latin_en > 5 * cjk_en


def test_the_counting_helper_ignores_ids_paths_and_markup():
    assert script_counts('<p>北京市 beijing_city data/x.csv</p><script>var abc;</script>') == (3, 0)
    assert script_counts("<p>达标 on track</p>") == (2, 7)


def test_charts_carry_an_alt_text_in_the_page_language(monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(shared_figures, "display", lambda image, metadata: shown.append(metadata["image/png"]["alt"]))
    run = _run(ALL_UNITS, _latest_results(), tmp_path, GAP_OBS)
    for language in ("zh", "en"):
        with i18n.language(language):
            overview.show_heatmap(run)
            overview.show_urban_rural(run)
    zh_heatmap, zh_urban, en_heatmap, en_urban = shown
    assert zh_heatmap.startswith("热图：5个地区") and "难以按期达标5项" in zh_heatmap
    assert en_heatmap.startswith("Heatmap of the assessment category of 5 units") and "off track: 5" in en_heatmap
    assert "婴儿死亡率" in zh_urban and "Infant mortality rate" in en_urban and not CJK.search(en_heatmap + en_urban)


def test_heatmap_colours_off_track_and_not_achieved_apart_and_names_are_not_lost():
    assert CATEGORY_COLOURS["off_track"] != CATEGORY_COLOURS["not_achieved"]
    matrix = compute.category_matrix(RESULTS, UNITS, INDICATORS)
    with i18n.language("zh"):
        fig = figures.category_heatmap(matrix, UNITS, INDICATORS, title="t")
    try:
        legend = {t.get_text(): h.get_facecolor() for t, h in zip(fig.legends[0].get_texts(),
                                                                   fig.legends[0].legend_handles)}
        assert legend["难以按期达标"] != legend["未达标 (×)"]
        assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["全国", "北京市", "河南省", "甘肃省"]
    finally:
        plt.close(fig)
    # a long Chinese name is wrapped into balanced lines, not dropped (textwrap.shorten would give "…")
    name = "0-6岁儿童眼保健和视力检查覆盖率"
    assert figures.short_name(name).replace("\n", "") == name
    assert [len(line) for line in figures.short_name(name).split("\n")] == [9, 8]


def test_banner_appears_only_when_a_unit_is_synthetic():
    some = {"national": False, "beijing": True, "gansu": True, "henan": False}
    with i18n.language("en"):
        real = fragments.title(_run({"national": False, "beijing": False}))
        mixed = fragments.title(_run(some))
        every = fragments.title(_run({"national": False, "beijing": True, "gansu": True}))
    banner = "Synthetic demonstration data — not official statistics, do not cite"
    assert banner not in real.data and 'class="tk-banner"' not in real.data
    assert banner in mixed.data and "2 of 4 units (Beijing, Gansu)" in mixed.data
    assert "2 of 3 units (every province of this run)" in every.data
    with i18n.language("zh"):
        mixed = fragments.title(_run(some))
    assert "合成演示数据，非官方统计数据，不得引用" in mixed.data and "Synthetic" not in mixed.data
    assert "4个地区中有2个使用合成数据（北京市、甘肃省）" in mixed.data


def test_key_numbers_block_counts_categories_overall_and_per_region():
    text = fragments.key_numbers(_run({"national": False, "beijing": True, "henan": True, "gansu": True}))
    assert "counts: achieved=2, not_achieved=1, nowcast_met=0, nowcast_not_met=0, on_track=1, likely=1, at_risk=1, " \
           "off_track=1, insufficient_data=1" in text
    assert "east: achieved=1, on_track=1" in text and "west: at_risk=1, insufficient_data=1" in text


def _write_run(tmp_path: Path, manifest: dict | None = None) -> None:
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
    if manifest is not None:
        (tmp_path / "run.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_load_run_reads_a_batch_folder_and_explains_a_missing_one(tmp_path):
    with pytest.raises(BatchError, match="run the batch first"):
        run_module.load_run(tmp_path)
    _write_run(tmp_path)
    loaded = run_module.load_run(tmp_path)
    assert list(loaded.summaries.index) == ["national", "beijing"] and loaded.synthetic_units == ["beijing"]
    assert loaded.as_of == 2020 and len(loaded.observations) == 1 and len(loaded.targeted) == 4
    assert loaded.language == i18n.DEFAULT_LANGUAGE == i18n.current_language()  # no run.json: the default


def test_load_run_takes_the_parameter_else_the_runs_own_edition(tmp_path):
    _write_run(tmp_path, manifest={"status": "complete", "language": "en"})
    assert run_module.load_run(tmp_path).language == "en" == i18n.current_language()
    assert run_module.load_run(tmp_path, language="zh").language == "zh" == i18n.current_language()
    (tmp_path / "run.json").write_text("{not json", encoding="utf-8")
    assert run_module.load_run(tmp_path).language == i18n.DEFAULT_LANGUAGE
    # a complete run records its edition in settings (run.json as the batch writes it)
    (tmp_path / "run.json").write_text(json.dumps({"status": "complete", "settings": {"language": "en"}}),
                                       encoding="utf-8")
    assert run_module.load_run(tmp_path).language == "en"
