"""The overview notebook's API: every function takes the run that :func:`load_run` returns."""

from toolkit.reports.overview.figures import show_areas, show_gaps, show_heatmap, show_regions, show_urban_rural
from toolkit.reports.overview.fragments import area_table, gap_summary, gap_table, key_numbers, regional_table, title
from toolkit.reports.overview.run import RunData, load_run

__all__ = ["RunData", "load_run", "title", "show_heatmap", "show_areas", "area_table", "show_regions",
           "regional_table", "gap_summary", "show_gaps", "gap_table", "show_urban_rural", "key_numbers"]
