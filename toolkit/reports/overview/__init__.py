"""The overview notebook's API: every function takes the run that :func:`load_run` returns."""

from toolkit.reports.overview.figures import show_areas, show_gaps, show_heatmap, show_regions, show_urban_rural
from toolkit.reports.overview.fragments import (
    area_table,
    areas_heading,
    categories_intro,
    gap_summary,
    gap_table,
    gaps_intro,
    introduction,
    key_numbers,
    regional_table,
    regions_intro,
    title,
    urban_rural_intro,
)
from toolkit.reports.overview.run import RunData, load_run
from toolkit.reports.overview.tables import latest_table, rankings, write_downloads

__all__ = ["RunData", "load_run", "title", "introduction", "categories_intro", "show_heatmap", "latest_table",
           "rankings", "write_downloads", "areas_heading", "show_areas", "area_table", "regions_intro",
           "show_regions", "regional_table", "gaps_intro", "gap_summary", "show_gaps", "gap_table",
           "urban_rural_intro", "show_urban_rural", "key_numbers"]
