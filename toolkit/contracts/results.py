"""The results contract: the columns of ``results.csv``, their types, the categories and the flags' words.

The one definition, used by the engine (which writes the rows through :func:`typed_results`), the batch
(which orders the combined file), the reports and the index (categories and their colours). Column names
are a public interface: add columns freely, never rename these. Documented for users in the README and in
``docs/interfaces.md``. Imports nothing heavier than pandas, so the index renderer stays light.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from toolkit.core.i18n import N_

#: The results contract's categories, in display order.
CATEGORIES = ("achieved", "not_achieved", "nowcast_met", "nowcast_not_met", "on_track", "likely", "at_risk",
              "off_track", "insufficient_data", "no_target")
#: Background colour of each category (reports, overview figures, index).
CATEGORY_COLOURS = {
    "achieved": "#1a9850", "on_track": "#66bd63", "likely": "#d9ef8b", "at_risk": "#fdae61",
    "off_track": "#d73027", "not_achieved": "#67001f", "insufficient_data": "#bdbdbd", "no_target": "#f0f0f0",
    "nowcast_met": "#a6d96a", "nowcast_not_met": "#f46d43",
}
#: Categories whose colour is dark enough to need white text.
DARK_CATEGORIES = frozenset({"achieved", "off_track", "not_achieved"})


def text_colour(category: str) -> str:
    """White on the dark category colours, black on the light ones."""
    return "#fff" if category in DARK_CATEGORIES else "#000"


#: Column order of results.csv. Names are a public interface: add columns, never rename these.
RESULT_COLUMNS = [
    "unit_id", "indicator_id", "target_set",
    "comparator", "target_value", "target_year",
    "as_of", "n_obs", "first_year", "latest_year", "latest_value",
    "met_latest", "model", "forecast", "lo80", "hi80", "lo95", "hi95", "p_attain",
    "attain_year", "attain_year_lo", "attain_year_hi",
    "aarr_observed", "aarr_required", "eurostat_ratio", "eurostat_category",
    "category", "flags",
]
#: The mid-term view's columns (toolkit.engine.path; docs/methods.md): the straight path base -> target.
PATH_COLUMNS = ("path_base_year", "path_base_value", "path_year", "path_expected", "path_progress_ratio",
                "path_status", "midterm_year", "midterm_path_value", "midterm_value", "midterm_lo80",
                "midterm_hi80", "midterm_observed", "midterm_p_on_path")
#: Extra columns (allowed by the contract) that make a row readable on its own.
EXTRA_COLUMNS = ["area", "direction", "unit", "transform", "n_censored", "latest_qualifier", "target_kind", "base_year",
                 "base_value", "target_plan", "target_layer", "target_role",
                 # the observed value of the target year (achieved / not_achieved rows: no forecast there)
                 "target_year_value", "target_year_qualifier",
                 # the latest observation that decides whether the target is met (a bound may not)
                 "evidence_year", "evidence_value", "evidence_qualifier", "met_evidence",
                 # True: met from the first observation on, so attain_year is an upper bound ("by 2010")
                 "attain_year_censored",
                 # aarr: rate of reduction (falling indicators); aari: rate of increase (rising ones)
                 "rate_kind",
                 *PATH_COLUMNS]
#: The words of the ``flags`` column, in plain language for the reports.
FLAG_TEXT = {
    "censored": N_("some values are published only as bounds (e.g. 'above 99%'); they are not fitted as points"),
    "gaps": N_("years are missing between the first and the latest observation"),
    "short_series": N_("few observations: the model weights and the intervals rest on little data"),
    "outlier": N_("a point lies more than 3 residual standard deviations from the linear trend"),
    "break": N_("the CUSUM test on the linear trend's residuals suggests a structural break (p < 0.05)"),
    "at_bound": N_("a value sits at the indicator's hard bound (e.g. 0 or 100), where the scale is clipped"),
    "moving_away": N_("the observed trend moves away from the better direction"),
    "stale": N_("the latest observation is more than 3 years older than the as-of year"),
    "synthetic": N_("synthetic demonstration data, not official statistics"),
    "relative_target_base_observed": N_("relative target resolved from the observed base-year value"),
    "relative_target_base_estimated": N_("relative target resolved from the trend's estimate of the base year "
                                      "(not observed); its uncertainty is carried into p_attain"),
    "relative_target_base_missing": N_("relative target cannot be resolved: no base-year value and no trend"),
    "target_year_not_observed": N_("the target year has passed but has no observation; the value is a nowcast"),
    "relative_target_base_published": N_("relative target resolved from the base-year level the target file documents "
                                      "(base_source), not from a trend"),
    "series_break": N_("the series has a comparability break; only the points from the break on are used"),
}
#: Categories of rows with a target.
TARGET_CATEGORIES = [c for c in CATEGORIES if c != "no_target"]
#: ``target_role`` of a target from another plan shown beside the Outline's (the Women's Outline's MMR and
#: hospital delivery in the 2011-2020 set): listed, never counted with the Outline's own targets.
CONTEXT_ROLE = "context"
#: Categories counted as "on track" in the regional shares: met already, or P(attain) >= the on_track bound.
ON_TRACK = ("achieved", "on_track")
#: Integer columns that are always filled, and those that may be empty (nullable Int64).
INT_COLUMNS = ("n_obs", "n_censored")
NULLABLE_INT_COLUMNS = ("target_year", "first_year", "latest_year", "attain_year", "attain_year_lo",
                        "attain_year_hi", "base_year", "path_base_year", "path_year", "midterm_year", "evidence_year")


def typed_results(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Result rows as the contract's table: contract columns first, then the extra columns, typed."""
    frame = pd.DataFrame(list(rows), columns=RESULT_COLUMNS + EXTRA_COLUMNS)
    for col in INT_COLUMNS:
        frame[col] = frame[col].astype(int)
    for col in NULLABLE_INT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    frame["met_latest"] = frame["met_latest"].astype("boolean")
    for col in ("midterm_observed", "met_evidence", "attain_year_censored"):
        frame[col] = frame[col].astype("boolean")
    return frame


def targeted(results: pd.DataFrame) -> pd.DataFrame:
    """The rows of indicators that have a target (``no_target`` rows, trend only, dropped)."""
    return results[results["category"] != "no_target"]


def counted(results: pd.DataFrame) -> pd.DataFrame:
    """The rows counted in category totals: targeted rows of the plan's own targets (context rows dropped)."""
    rows = targeted(results)
    return rows[rows["target_role"].fillna("") != CONTEXT_ROLE] if "target_role" in rows else rows


def verdict_probability(results: pd.DataFrame) -> pd.Series:
    """``p_attain`` with an observed target year counted as 1 (achieved) or 0 (not achieved): for averages
    across units only. The rows themselves leave ``p_attain`` empty there (an observation is no probability)."""
    observed = results["category"].map({"achieved": 1.0, "not_achieved": 0.0})
    return results["p_attain"].astype(float).fillna(observed)
