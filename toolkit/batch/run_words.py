"""How a run describes itself in words, on the index and in the workbook's readme: its date, its cycle in
full, the as-of year or target set it was run with, in the run's edition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from babel.dates import format_date

from toolkit.contracts.cycles import CYCLES
from toolkit.core.i18n import LOCALES, current_language, list_separator


def run_date(run_info: Mapping[str, Any]) -> str:
    """The day the run started, written as the edition writes dates (2024年5月1日, May 1, 2024)."""
    try:
        day = datetime.fromisoformat(str(run_info.get("started"))).date()
    except ValueError:
        day = datetime.now().date()
    return format_date(day, "long", locale=LOCALES[current_language()])


def when(timestamp: Any) -> str:
    """A run.json timestamp as a date in the edition, the time and its UTC offset ('' when there is none)."""
    try:
        moment = datetime.fromisoformat(str(timestamp))
    except ValueError:
        return str(timestamp or "")
    text = format_date(moment.date(), "long", locale=LOCALES[current_language()]) + moment.strftime(" %H:%M")
    offset = moment.strftime("%z")
    if offset:
        text += " UTC" if offset == "+0000" else f" UTC{offset[:3]}:{offset[3:]}"
    return text


def describe(values: Sequence[Any], override: Any) -> str:
    """One value for the header: the run's override, else the units' value(s)."""
    if override not in (None, "", 0):
        return str(override)
    distinct = sorted({str(v) for v in values if v not in (None, "")})
    return list_separator().join(distinct) if distinct else "—"


def cycle_names(cycle_ids: list[str]) -> str:
    """The Outline cycle(s) of the run, named in full in the current edition."""
    zh = current_language() == "zh"
    names = [CYCLES[c].name_zh if zh else CYCLES[c].name_en for c in dict.fromkeys(cycle_ids) if c in CYCLES]
    return ("；" if zh else "; ").join(names)
