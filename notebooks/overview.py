# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# # Overview across units (template)
#
# Reads a finished batch run (`results.csv` and `units/<unit>/summary.json`) and compares all units.
# Set `run_dir` in the parameters cell to the batch's output folder (absolute path); `""` means
# `outputs/`, where `make run` writes. `language` chooses the edition (`zh` or `en`; empty: the run's own
# edition from its `run.json`, else Chinese). Every visible sentence comes from the message catalogues under
# `toolkit/locale/`, not from this notebook. The table of latest values also writes `overview_table.csv` and
# `overview_table.xlsx` into the run folder. The batch (`python -m toolkit run`) runs this notebook after the
# units with Papermill. All logic lives in `toolkit.reports.overview`; this notebook only calls it.

# %% tags=["parameters"]
run_dir = ""
language = ""

# %%
from toolkit.reports import overview

run = overview.load_run(run_dir, language=language)
overview.title(run)

# %%
overview.introduction(run)

# %%
overview.categories_intro(run)

# %%
overview.show_heatmap(run)

# %%
overview.latest_table(run)

# %%
overview.rankings(run)

# %%
overview.areas_heading(run)

# %%
overview.show_areas(run)

# %%
overview.area_table(run)

# %%
overview.regions_intro(run)

# %%
overview.show_regions(run)

# %%
overview.regional_table(run)

# %%
overview.gaps_intro(run)

# %%
overview.gap_summary(run)

# %%
overview.show_gaps(run)

# %%
overview.gap_table(run)

# %%
overview.urban_rural_intro(run)

# %%
overview.show_urban_rural(run)

# %% [markdown] tags=["remove-cell"]
# ## Key numbers
#
# The rounded numbers below repeat the counts as text for the regression tests (run and compared, not
# rendered: the cell is removed from the page).

# %% tags=["remove-cell"]
print(overview.key_numbers(run))
