"""toolkit.contracts.synthetic: one marker, one predicate, one banner for every page built on synthetic data."""

from __future__ import annotations

import pandas as pd

from toolkit.contracts.synthetic import (
    SYNTHETIC_BANNER,
    banner_html,
    banner_text,
    is_synthetic,
    synthetic_rows,
    synthetic_source,
)
from toolkit.core.i18n import language
from toolkit.core.paths import DEMO_DIR, OBSERVATIONS_DIR

NATIONAL = pd.read_csv(OBSERVATIONS_DIR / "national.csv")
PANEL = pd.read_csv(DEMO_DIR / "provinces.csv")


def test_the_source_text_is_the_one_in_the_committed_panel():
    assert synthetic_source(20240601) == "SYNTHETIC demonstration data (toolkit.demo, seed 20240601)"
    assert PANEL["source"].eq(synthetic_source(20240601)).all()


def test_is_synthetic():
    assert is_synthetic(PANEL)
    assert not is_synthetic(NATIONAL)
    assert is_synthetic(pd.concat([NATIONAL, PANEL.head(1)]))
    assert not is_synthetic(pd.DataFrame({"value": [1.0]}))
    assert not is_synthetic(pd.DataFrame({"source": [None, float("nan")]}))


def test_synthetic_rows_marks_each_row():
    mixed = pd.concat([NATIONAL.head(3), PANEL.head(2)], ignore_index=True)
    assert synthetic_rows(mixed).tolist() == [False, False, False, True, True]
    assert synthetic_rows(pd.DataFrame({"value": [1.0, 2.0]})).tolist() == [False, False]


def test_the_banner_speaks_the_page_language():
    assert SYNTHETIC_BANNER == "Synthetic demonstration data — not official statistics, do not cite"
    with language("zh"):
        assert banner_text() == "合成演示数据，非官方统计数据，不得引用"
        assert banner_html() == '<div class="tk-banner" role="alert">合成演示数据，非官方统计数据，不得引用</div>'
    with language("en"):
        assert banner_text() == SYNTHETIC_BANNER
