"""The method evaluation in both editions: Chinese prose, tables and charts in the Chinese edition, English in the
English one, labels in both catalogues, numbers (and the CSV files and key numbers) the same in both."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from editions import CJK, LATIN, script_counts

from toolkit.core import i18n
from toolkit.core.messages import existing
from toolkit.evaluation.hindcast import CALL_METHODS, MODEL_LABELS, RULE_FORECASTS
from toolkit.reports import figures as shared_figures  # where every page displays its charts
from toolkit.reports import method_evaluation as evaluation
from toolkit.reports.method_evaluation import figures, fragments

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "method_evaluation.ipynb"
PAGE = ("introduction", "headline", "design", "error_heading", "error_tables", "coverage_heading", "coverage_table",
        "calls_table", "call_accuracy")
#: Every label constant the page shows, and the entries that are the same words in Chinese by design.
LABELS = {**MODEL_LABELS, **RULE_FORECASTS, **CALL_METHODS, **figures.METHOD_LABELS, **fragments.SCALE_TEXT,
          **{str(k): v for k, v in fragments.CALL_WORDS.items()}, "naive_short": fragments.SHORT_LABELS["naive"]}
SAME_IN_CHINESE = {"logit", "IGME (AARR)"}  # a transform's and a published method's own names


@pytest.fixture(scope="module")
def ev():
    yield evaluation.run()
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.fixture
def alt_texts(monkeypatch):
    """The alt text of every chart the page displays (the figures are drawn, not shown)."""
    shown: list[str] = []
    monkeypatch.setattr(shared_figures, "display", lambda image, metadata: shown.append(metadata["image/png"]["alt"]))
    return shown


def page_html(ev, language: str) -> str:
    i18n.set_language(language)
    return "".join(getattr(evaluation, name)(ev).data for name in PAGE)


def test_the_chinese_edition_reads_as_chinese(ev):
    cjk, latin = script_counts(page_html(ev, "zh"))
    assert cjk > latin, f"{cjk} CJK characters against {latin} Latin letters"
    assert cjk > 2000  # the whole page, not a heading: prose, tables and the reading


def test_the_english_edition_is_english(ev):
    html = page_html(ev, "en")
    cjk, latin = script_counts(html)
    assert cjk == 0 and latin > 5000
    assert "Headline results" in html and "主要结果" not in html


def test_the_chinese_edition_uses_the_official_terms_and_no_english_prose(ev):
    html = page_html(ev, "zh")
    for term in ("《中国儿童发展纲要（2011—2020年）》", "达标概率", "预测区间", "组合模型", "婴儿死亡率", "回溯预测"):
        assert term in html, term
    for english in ("Headline results", "What was hindcast", "linear trend", "ensemble", "Indicator", "reached"):
        assert english not in html, english


def test_every_label_constant_is_in_both_catalogues_and_chinese_in_the_chinese_one():
    zh, en = existing("zh"), existing("en")
    for key, label in LABELS.items():
        assert zh.get(label, ("", "", False))[1] and en.get(label, ("", "", False))[1] == label, (key, label)
        with i18n.language("zh"):
            text = i18n._(label)
        assert label in SAME_IN_CHINESE or CJK.search(text), (key, text)
    with i18n.language("zh"):
        assert i18n._(MODEL_LABELS["linear"]) == "线性趋势"
        assert i18n._(MODEL_LABELS["ensemble"]).startswith("组合模型")


def _tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three linear-trend and three ensemble forecasts (2 of 3 inside the 80% interval) and two calls."""
    errors = pd.DataFrame({
        "indicator_id": "imr", "transform": "log", "origin": 2015, "year": [2016, 2016, 2017] * 2,
        "model": ["linear"] * 3 + ["ensemble"] * 3, "kind": ["model"] * 3 + ["ensemble"] * 3,
        "horizon": [1, 1, 2] * 2, "n_points": 6, "ape": [1.0, 3.0, 10.0, 2.0, 2.0, 5.0],
        "in80": pd.array([True, False, True, True, True, True], dtype="boolean"),
        "in95": pd.array([True, True, True, True, True, True], dtype="boolean")})
    calls = pd.DataFrame({
        "indicator_id": "imr", "origin": [2015, 2016], "comparator": "<", "target_value": 10.0,
        "observed": 8.0, "outcome": [True, False], "p_attain": [0.8, 0.4], "ours_call": [True, False],
        "eurostat_ratio": [1.2, 0.9], "eurostat_call": pd.array([True, True], dtype="boolean"),
        "igme_call": [False, False], "escap_forecast": [9.0, float("nan")],
        "escap_call": pd.array([True, pd.NA], dtype="boolean"), "met_latest": [False, False]})
    return errors, calls


def test_a_hand_computed_coverage_mape_and_brier_read_the_same_in_both_editions(alt_texts):
    errors, calls = _tiny()
    ev = evaluation.Evaluation(errors=errors, calls=calls, tables={})
    # linear: 2 of 3 observed values inside the 80% interval; MAPE (1 + 3 + 10) / 3; at 1 year ahead (1 + 3) / 2
    # ours: Brier ((0.8 - 1)^2 + (0.4 - 0)^2) / 2 = 0.100; Eurostat called 'met' twice, right once: 50.0%
    for language in i18n.LANGUAGES:
        i18n.set_language(language)
        coverage = evaluation.coverage_table(ev).data
        assert "66.7%" in coverage and "100.0%" in coverage
        mape = evaluation.error_tables(ev).data
        assert "4.67" in mape and "2.00" in mape
        accuracy = evaluation.call_accuracy(ev).data
        assert "0.100" in accuracy and "50.0%" in accuracy
        evaluation.show_coverage(ev)
        assert "67%" in alt_texts[-1]
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_every_chart_has_an_alt_text_in_the_page_language(ev, alt_texts):
    for language in i18n.LANGUAGES:
        i18n.set_language(language)
        alt_texts.clear()
        evaluation.show_mape(ev), evaluation.show_coverage(ev), evaluation.show_calls(ev)
        assert len(alt_texts) == 3
        for text in alt_texts:
            cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
            assert (cjk > latin) if language == "zh" else (cjk == 0 and latin > 100), text
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_chart_titles_axes_and_legends_follow_the_edition(ev):
    for language in i18n.LANGUAGES:
        with i18n.language(language):
            fig = figures.mape_by_horizon(ev.errors, title=i18n._("Hindcast error by horizon: trend models vs the "
                                                                  "published rules"))
        ax = fig.axes[0]
        texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), ax.get_legend().get_title().get_text(),
                 *(t.get_text() for t in ax.get_legend().get_texts())]
        figures.plt.close(fig)
        for text in texts:
            assert bool(CJK.search(text)) == (language == "zh"), (language, text)


def test_csv_tables_and_key_numbers_are_the_same_in_both_editions(ev, tmp_path):
    """Files other tools read keep their English column names and labels whatever the edition."""
    written = {}
    for language in i18n.LANGUAGES:
        with i18n.language(language):
            out = tmp_path / language
            fragments.display_tables(ev.errors, ev.calls, output_dir=out)
            written[language] = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.csv"))}
            keys = fragments.key_numbers(ev.errors, ev.calls)
        written[language]["key_numbers"] = keys
    assert written["zh"] == written["en"]
    assert written["zh"]["coverage.csv"].splitlines()[0] == "model,n,inside 80% interval,inside 95% interval"
    assert "linear trend," in written["zh"]["coverage.csv"] and not CJK.search(written["zh"]["mape_by_horizon.csv"])


def test_the_notebook_takes_a_language_and_holds_only_calls():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    parameters = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    assert 'language = ""' in "".join(parameters["source"])
    first = next(c for c in cells if c["cell_type"] == "code" and c is not parameters)
    assert "evaluation.run(output_dir=output_dir, language=language)" in "".join(first["source"])
    for cell in cells:
        assert not cell.get("outputs")
        if cell["cell_type"] == "markdown":  # prose for readers comes from the catalogues
            assert "remove-cell" in cell["metadata"].get("tags", []), "".join(cell["source"])[:80]


def test_run_sets_the_edition_it_is_given():
    try:
        evaluation.run(language="en")
        assert i18n.current_language() == "en"
        evaluation.run()
        assert i18n.current_language() == i18n.DEFAULT_LANGUAGE
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
