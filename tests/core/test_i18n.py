"""The two editions: every string the code shows is in both catalogues, numbers follow the locale, and no
string hides from the extractor.
"""

from __future__ import annotations

import ast

import pytest

from toolkit.core import i18n
from toolkit.core.errors import ToolkitError
from toolkit.core.messages import PACKAGE_DIR, domain_of, extract, problems

GETTEXT_NAMES = {"_", "N_", "ngettext"}


@pytest.fixture(scope="module")
def extracted():
    return extract()


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_string_is_in_the_catalogue_of_each_edition(language, extracted):
    """Missing, empty, fuzzy, misplaced or unused entries fail (``python -m toolkit messages`` fixes all
    but the translations themselves)."""
    assert problems(language, extracted) == []


def test_the_check_finds_a_missing_string(extracted):
    fake = dict(extracted)
    any_item = next(iter(extracted.values()))
    fake["a string nobody translated"] = type(any_item)("a string nobody translated", (("x.py", 1),), "common")
    assert any("a string nobody translated" in p and "missing" in p for p in problems("zh", fake))


def test_the_extractor_sees_the_pages_strings(extracted):
    """Spot checks from each page family, so a broken extraction (no strings) cannot pass as complete."""
    assert extracted["Scorecard"].domain == "unit_report"
    assert extracted["achieved"].domain == "common"
    assert len(extracted) > 150


def _gettext_calls_in_fstrings(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                        and inner.func.id in GETTEXT_NAMES):
                    lines.append(inner.lineno)
    return lines


def test_no_gettext_call_inside_an_f_string():
    """Babel cannot extract ``_("...")`` inside an f-string on Python 3.11: the string would silently stay
    English in the Chinese edition."""
    found = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        lines = _gettext_calls_in_fstrings(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(path.relative_to(PACKAGE_DIR))] = lines
    assert found == {}


def test_the_f_string_check_can_fail():
    assert _gettext_calls_in_fstrings(ast.parse('x = f"<h2>{_(\'Charts\')}</h2>"')) == [1]


def test_translation_follows_the_current_edition():
    with i18n.language("zh"):
        assert i18n._("achieved") == "已达标"
        assert i18n._("not achieved") == "未达标"
        assert i18n._("Synthetic demonstration data — not official statistics, do not cite") == "合成演示数据，非官方统计数据，不得引用"
        with i18n.language("en"):
            assert i18n._("achieved") == "achieved"
        assert i18n.current_language() == "zh"


def test_numbers_in_each_locale():
    """Python's rounding (2.675 is stored as 2.67499...), the locale's symbols."""
    for code in i18n.LANGUAGES:
        with i18n.language(code):
            assert i18n.decimal(2.675, 2) == "2.67"
            assert i18n.decimal(55871.0, 0) == "55,871"
            assert i18n.decimal(55871.0, 0, grouping=False) == "55871"
            assert i18n.percent(0.834) == "83%"


def test_unknown_language_names_the_choices():
    with pytest.raises(ToolkitError, match="zh, en"):
        i18n.check_language("fr")
    assert i18n.check_language("zh_CN") == "zh"


def test_domains_follow_the_source_folders():
    assert domain_of("reports/overview/figures.py") == "overview"
    assert domain_of("batch/templates/index.html.j2") == "index"
    assert domain_of("contracts/labels.py") == "common"
