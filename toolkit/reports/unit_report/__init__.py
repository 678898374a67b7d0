"""The unit report notebook's API: :func:`prepare` computes the context once; every page function takes it."""

from toolkit.reports.html import use_short_errors
from toolkit.reports.unit_report.context import ReportContext, key_results, prepare
from toolkit.reports.unit_report.figures import show_figures
from toolkit.reports.unit_report.fragments import (
    charts_heading,
    how_to_read,
    midterm_view,
    provenance,
    quality_notes,
    rates_table,
    scorecard,
    target_sources,
    title,
)

__all__ = ["ReportContext", "use_short_errors", "prepare", "title", "provenance", "scorecard", "show_figures",
           "midterm_view", "target_sources", "how_to_read", "charts_heading",
           "rates_table", "quality_notes", "key_results"]
