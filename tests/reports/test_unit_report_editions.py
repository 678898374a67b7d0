"""The unit report in both editions: Chinese prose in the Chinese edition, English in the English one, the
synthetic banner in the page's language, charts titled in the page's language, numbers equal in both."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from editions import CJK, script_counts

from toolkit.core import i18n
from toolkit.reports import unit_report as report
from toolkit.reports.unit_report.figures import area_figure, chart_alt_text, charted

PAGES = ("title", "provenance", "how_to_read", "scorecard", "target_sources", "charts_heading", "midterm_view",
         "rates_table", "quality_notes")


@pytest.fixture(scope="module")
def contexts(tmp_path_factory):
    made = {}
    for unit_id in ("national", "beijing"):
        for language in i18n.LANGUAGES:
            made[unit_id, language] = report.prepare(
                unit_id, language=language, output_dir=str(tmp_path_factory.mktemp(f"{unit_id}-{language}")))
    yield made
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def page_html(context) -> str:
    i18n.set_language(context.language)
    return "".join(getattr(report, name)(context).data for name in PAGES)


@pytest.mark.parametrize("unit_id", ["national", "beijing"])
def test_the_chinese_edition_reads_as_chinese(contexts, unit_id):
    cjk, latin = script_counts(page_html(contexts[unit_id, "zh"]))
    assert cjk > latin, f"{unit_id}: {cjk} CJK characters against {latin} Latin letters"


@pytest.mark.parametrize("unit_id", ["national", "beijing"])
def test_the_english_edition_has_chinese_only_in_names_and_data(contexts, unit_id):
    """English prose; Chinese stays where it is the official term (names, the plans' wording, 时间过半)."""
    html = page_html(contexts[unit_id, "en"])
    cjk, latin = script_counts(html)
    assert latin > 2 * cjk
    assert "Scorecard" in html and "目标评估一览" not in html


def test_the_synthetic_banner_is_in_the_page_language(contexts):
    assert "合成演示数据，非官方统计数据，不得引用" in page_html(contexts["beijing", "zh"])
    english = page_html(contexts["beijing", "en"])
    assert "Synthetic demonstration data — not official statistics, do not cite" in english and "合成演示数据" not in english
    assert "合成演示数据" not in page_html(contexts["national", "zh"])  # real data: no banner


def test_the_numbers_are_the_same_in_both_editions(contexts):
    """An edition changes words, never results: the same rows, categories and probabilities."""
    zh, en = contexts["national", "zh"].results, contexts["national", "en"].results
    assert zh.equals(en)


def test_category_badges_use_the_official_terms(contexts):
    html = page_html(contexts["national", "zh"])
    for category, term in (("achieved", "已达标"), ("on_track", "按期可达标"), ("off_track", "难以按期达标")):
        if category in set(contexts["national", "zh"].results["category"]):
            assert term in html


def test_chart_titles_axes_and_legend_follow_the_edition(contexts):
    """The figure's own texts (PNG, so not machine-translatable) are Chinese in the Chinese edition."""
    context = contexts["beijing", "zh"]
    i18n.set_language("zh")
    chosen = charted(context.assessments, context.params.min_points)[:2]
    fig = area_figure(chosen, context.indicators, as_of=context.as_of, title="北京市：儿童与健康",
                      comparison=context.comparison, comparison_label=context.comparison_name)
    try:
        ax = fig.axes[0]
        assert ax.get_xlabel() == "年份"
        assert CJK.search(ax.get_title())
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert "观测值" in legend and "拟合趋势（中位数）" in legend and "全国" in legend
    finally:
        plt.close(fig)
    alt = chart_alt_text("北京市：儿童与健康", chosen, context.indicators)
    assert alt.startswith("北京市：儿童与健康。共2幅图")


def test_the_params_note_of_the_edition(contexts):
    assert "合成演示数据，非官方统计。" in report.provenance(contexts["beijing", "zh"]).data
    i18n.set_language("en")
    assert "Synthetic demonstration data, not official statistics." in report.provenance(contexts["beijing", "en"]).data
