"""The words every page uses for the results' codes: categories, Outline areas, names of units and indicators.

The codes (``achieved``, ``health``) are the public interface of results.csv and never change; what a reader
sees is their label in the page's edition (:mod:`toolkit.core.i18n`). The Chinese labels use the Outline's
and the NBS monitoring reports' own terms (已达标 / 未达标, 儿童与健康).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toolkit.core.i18n import N_, current_language, label

#: Short label of each category (badges, legends, table cells).
CATEGORY_LABELS = {
    "achieved": N_("achieved"),
    "not_achieved": N_("not achieved"),
    "nowcast_met": N_("nowcast: met"),
    "nowcast_not_met": N_("nowcast: not met"),
    "on_track": N_("on track"),
    "likely": N_("likely"),
    "at_risk": N_("at risk"),
    "off_track": N_("off track"),
    "insufficient_data": N_("insufficient data"),
    "no_target": N_("no target"),
}
#: The areas of the Outlines (儿童与健康 ...) and of the indicator catalogue.
AREA_LABELS = {
    "health": N_("children and health"),
    "safety": N_("children and safety"),
    "education": N_("children and education"),
    "welfare": N_("children and welfare"),
    "family": N_("children and family"),
    "environment": N_("children and environment"),
    "social_environment": N_("children and social environment"),
    "legal_protection": N_("children and legal protection"),
}
#: Classes of the Eurostat ratio, and the two that replace them where the base already met the target.
EUROSTAT_LABELS = {
    "significant_progress": N_("significant progress"),
    "moderate_progress": N_("moderate progress"),
    "insufficient_progress": N_("insufficient progress"),
    "moving_away": N_("moving away"),
    "already_met": N_("already met (base and latest meet the target)"),
    "no_longer_met": N_("no longer met (the base met the target, the latest does not)"),
}


def category_label(category: str) -> str:
    return label(CATEGORY_LABELS, category)


def area_label(area: str) -> str:
    return label(AREA_LABELS, area)


def eurostat_label(category: str) -> str:
    return label(EUROSTAT_LABELS, category)


def local_name(row: Mapping[str, Any]) -> str:
    """A unit's or an indicator's name in the page's edition (``name_zh`` / ``name_en`` of its table)."""
    zh, en = str(row.get("name_zh") or ""), str(row.get("name_en") or "")
    return (zh or en) if current_language() == "zh" else (en or zh)


def both_names(row: Mapping[str, Any]) -> str:
    """The edition's name first, the other in brackets: a Chinese table still shows the English name, and the
    other way round (reviewers compare editions, and ids are not names)."""
    zh, en = str(row.get("name_zh") or ""), str(row.get("name_en") or "")
    chinese = current_language() == "zh"
    first, second = (zh, en) if chinese else (en, zh)
    if not (first and second and first != second):
        return first or second
    return f"{first}（{second}）" if chinese else f"{first} ({second})"


#: The NBS regions of the provinces (data/units.csv ``region``).
REGION_LABELS = {"east": N_("eastern region"), "central": N_("central region"), "west": N_("western region"),
                 "northeast": N_("northeastern region")}


def region_label(region: str) -> str:
    return label(REGION_LABELS, region)
