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
# `outputs/`, where `make run` writes. The batch (`python -m toolkit run`) runs this notebook after the
# units with Papermill. All logic lives in `toolkit.reports.overview`; this notebook only calls it.

# %% tags=["parameters"]
run_dir = ""

# %%
from toolkit.reports import overview

run = overview.load_run(run_dir)
overview.title(run)

# %% [markdown]
# This page compares every unit of the run: which Outline targets are met or on track where, how the
# regions differ, and whether the gaps between provinces narrowed over the Outline period (the Outline
# names narrowing the gaps between regions and between urban and rural areas as a goal).
# Each unit's own report explains how its categories were derived; methods are in `docs/methods.md`.

# %% [markdown]
# ## Categories of every unit and indicator
#
# One row per unit (the nation first, then provinces grouped by region), one column per indicator with
# an Outline target. *Achieved* / *not achieved* (×) mean the target year is observed; *nowcast met* /
# *nowcast not met* that it has passed without an observation (the trend's estimate, P ≥ 50% or not); the
# other categories come from the probability of attaining the target in the target year (*on track* ≥ 90%,
# *likely* ≥ 60%, *at risk* ≥ 25%, else *off track*; thresholds in `params/defaults.yaml`). Grey: too few
# observations to forecast. Targets of another outline (context) are left out.

# %%
overview.show_heatmap(run)

# %% [markdown]
# ## Counts per category and Outline area

# %%
overview.show_areas(run)

# %%
overview.area_table(run)

# %% [markdown]
# ## Regions
#
# Provinces only, grouped into the four regions of the National Bureau of Statistics. The heatmap shows
# the mean probability of attaining each target (1 or 0 where the target year is observed); the table
# counts the provinces' assessments per category. Provinces with too few observations are left out of the
# means and shares.

# %%
overview.show_regions(run)

# %%
overview.regional_table(run)

# %% [markdown]
# ## Did the gaps narrow?
#
# For every indicator with a target and every year, the spread of the provinces' point values (published
# bounds such as "above 99%" are left out): the **coefficient of variation** (standard deviation across
# provinces divided by their mean) and the ratio of the **highest to the lowest province**. A gap counts
# as narrowed or widened when the coefficient of variation moved by more than 5% of its first-year value.
# For rates close to 100% the spread shrinks almost automatically as provinces approach the ceiling, so
# there the max/min ratio of the shortfall would be the fairer measure; read those lines with that in mind.

# %%
overview.gap_summary(run)

# %%
overview.show_gaps(run)

# %%
overview.gap_table(run)

# %% [markdown]
# The rural/urban gap is measured on the national series, which publishes rural and urban child
# mortality for a few years (real data, whatever the provinces run on).

# %%
overview.show_urban_rural(run)

# %% [markdown]
# ## Key numbers
#
# The rounded numbers below repeat the counts as text for the regression tests.

# %%
print(overview.key_numbers(run))
