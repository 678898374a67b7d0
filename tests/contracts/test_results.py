"""toolkit.contracts.results: the public column list and its types, written independently of the engine."""

from __future__ import annotations

import pandas as pd

from toolkit.contracts.results import (
    CATEGORIES,
    CATEGORY_COLOURS,
    EXTRA_COLUMNS,
    RESULT_COLUMNS,
    TARGET_CATEGORIES,
    targeted,
    typed_results,
)

#: The contract as the README publishes it; these names are never renamed.
PUBLISHED = ("unit_id indicator_id target_set comparator target_value target_year as_of n_obs first_year "
             "latest_year latest_value met_latest model forecast lo80 hi80 lo95 hi95 p_attain attain_year "
             "attain_year_lo attain_year_hi aarr_observed aarr_required eurostat_ratio eurostat_category category "
             "flags").split()


def test_the_columns_are_the_published_ones_in_order():
    assert RESULT_COLUMNS == PUBLISHED
    assert not set(EXTRA_COLUMNS) & set(RESULT_COLUMNS)


def test_every_category_has_a_colour_and_targets_exclude_no_target():
    assert set(CATEGORY_COLOURS) == set(CATEGORIES)
    assert TARGET_CATEGORIES == [c for c in CATEGORIES if c != "no_target"]


def test_typed_results_types_the_year_and_count_columns():
    row = dict.fromkeys(RESULT_COLUMNS + EXTRA_COLUMNS)
    row.update(unit_id="national", n_obs=3, n_censored=0, target_year=2020, met_latest=True, category="achieved")
    frame = typed_results([row, {**row, "target_year": None, "met_latest": None, "category": "no_target"}])
    assert list(frame.columns) == RESULT_COLUMNS + EXTRA_COLUMNS
    assert frame["n_obs"].dtype == "int64" and str(frame["target_year"].dtype) == "Int64"
    assert frame["target_year"].isna().tolist() == [False, True] and frame["met_latest"].tolist()[0] is True
    assert targeted(frame)["category"].tolist() == ["achieved"]
    assert isinstance(targeted(frame), pd.DataFrame)
