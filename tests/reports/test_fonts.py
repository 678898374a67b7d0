"""Chinese chart text is drawn in the CJK font of the project's own dependency, not in a system font.

A machine with Debian's ``fonts-noto-cjk`` could draw Chinese without the package; so the tests check which file
each glyph comes from, and that the family is found only once :func:`cjk_font` has registered it.
"""

from __future__ import annotations

import importlib.resources
import io
import logging
import sys
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import LoadFlags
from matplotlib.text import Text

from toolkit.core.errors import ToolkitError
from toolkit.reports import fonts
from toolkit.reports.figures import theme

PACKAGE_DIR = Path(str(importlib.resources.files(fonts.FONT_PACKAGE))).resolve()
TITLE = "婴儿死亡率（‰）"
SUPTITLE = "全国：健康（数据至2024年）"  # bold, like the unit report's figure titles
XLABEL = "年份"
YLABEL = "每千活产（‰）"
LEGEND = ["观测值", "已达标", "未达标 — 2030年纲要目标", "1万人"]


@pytest.fixture(autouse=True)
def fresh_rc():
    """Each test themes its own rcParams, and font look-ups are made anew (findfont caches its answers)."""
    font_manager.fontManager._findfont_cached.cache_clear()
    with matplotlib.rc_context():
        yield
    plt.close("all")


def glyph_files(text: Text) -> dict[str, Path]:
    """The font file each character of ``text`` is drawn from, laid out as the Agg renderer lays it out."""
    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(text.get_fontproperties()))
    return {item.char: Path(item.ft_object.fname).resolve()
            for item in font._layout(text.get_text(), LoadFlags.NO_HINTING)}


def is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def chart() -> tuple[plt.Figure, list[Text]]:
    theme()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, offset in zip(LEGEND, range(len(LEGEND))):
        ax.plot([2015, 2020, 2024], [8.1 - offset, 5.6 - offset, 4.0 - offset], label=label)
    legend = ax.legend()
    texts = [ax.set_title(TITLE), fig.suptitle(SUPTITLE, fontweight="bold"), ax.set_xlabel(XLABEL),
             ax.set_ylabel(YLABEL), *legend.get_texts()]
    return fig, texts


def test_a_chinese_chart_renders_to_png_without_a_missing_glyph_or_a_font_warning(caplog):
    fig, texts = chart()
    buffer = io.BytesIO()
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s) ..." is a UserWarning
        fig.savefig(buffer, format="png", dpi=80)
    assert buffer.getvalue().startswith(b"\x89PNG\r\n\x1a\n") and len(buffer.getvalue()) > 10_000
    # e.g. "findfont: Failed to find font weight bold for Noto Sans SC" for the bold title
    assert [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")] == []
    assert [t.get_text() for t in texts] == [TITLE, SUPTITLE, XLABEL, YLABEL, *LEGEND]


def test_chinese_is_drawn_from_the_packaged_file_and_latin_from_the_latin_font():
    _, texts = chart()
    packaged = fonts.cjk_font_path().resolve()
    for text in texts:
        files = glyph_files(text)
        chinese = {char: path for char, path in files.items() if is_cjk(char)}
        latin = {char: path for char, path in files.items() if char.isascii() and not char.isspace()}
        assert chinese, text.get_text()
        assert set(chinese.values()) == {packaged}, text.get_text()
        assert all(PACKAGE_DIR not in path.parents for path in latin.values()), text.get_text()
    assert packaged.parent == PACKAGE_DIR


def test_the_family_is_found_in_the_package_not_among_system_fonts():
    family = fonts.cjk_font()
    assert family == fonts.CJK_FAMILY
    for weight in ("normal", "bold"):
        found = Path(font_manager.findfont(font_manager.FontProperties(family=family, weight=weight),
                                           fallback_to_default=False)).resolve()
        assert PACKAGE_DIR in found.parents and found.suffix == ".otf"
        assert not str(found).startswith("/usr/share/fonts")


def test_only_registration_makes_the_family_known(monkeypatch):
    """A font manager built from the system's and Matplotlib's fonts alone does not know the family (so the tests
    above pass because of :func:`cjk_font`, not because of an installed system font); once registered, it does."""
    manager = font_manager.FontManager()  # 0.2 s: scans the system's fonts
    monkeypatch.setattr(font_manager, "fontManager", manager)
    props = font_manager.FontProperties(family=fonts.CJK_FAMILY)
    with pytest.raises(ValueError, match="Failed to find font"):
        manager.findfont(props, fallback_to_default=False)
    assert fonts.cjk_font() == fonts.CJK_FAMILY
    assert Path(manager.findfont(props, fallback_to_default=False)).resolve() == fonts.cjk_font_path().resolve()
    count = len(manager.ttflist)
    fonts.cjk_font()
    assert len(manager.ttflist) == count  # registered once


def test_theme_puts_the_cjk_family_after_the_latin_sans_once():
    theme()
    theme()
    assert matplotlib.rcParams["font.family"] == ["sans-serif", fonts.CJK_FAMILY]
    assert matplotlib.rcParams["text.parse_math"] is False
    assert matplotlib.rcParams["font.sans-serif"][0] != fonts.CJK_FAMILY  # Latin keeps seaborn's sans font


def test_a_missing_font_package_is_a_toolkit_error_that_says_how_to_install(monkeypatch):
    monkeypatch.setattr(fonts, "_path", None)
    monkeypatch.setitem(sys.modules, fonts.FONT_PACKAGE, None)  # makes `import pylopdf_fonts_zh_cn` fail
    with pytest.raises(ToolkitError) as caught:
        theme()
    assert "make setup" in str(caught.value) and "pip install -e ." in str(caught.value)
    assert fonts.FONT_DISTRIBUTION in str(caught.value)
