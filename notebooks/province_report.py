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
# # Province report (template)
#
# Run top to bottom as committed to see the national report. To look at another unit, change `unit_id`
# in the parameters cell below (an ASCII id such as `beijing` or `inner_mongolia`; see `data/units.csv`).
# The batch (`python -m toolkit run`) runs this same notebook for every unit with Papermill.
# All logic lives in the `toolkit` package; this notebook only calls it.

# %% tags=["parameters"]
unit_id = "national"
params_file = ""
output_dir = ""
data_override = ""
as_of_override = 0
targets_override = ""
cycle_override = ""
data_label = ""

# %%
from toolkit.reports import unit_report as report

report.use_short_errors()
context = report.prepare(
    unit_id,
    params_file=params_file,
    output_dir=output_dir,
    data_override=data_override,
    as_of_override=as_of_override,
    targets_override=targets_override,
    cycle_override=cycle_override,
    data_label=data_label,
)
report.title(context)

# %%
report.provenance(context)

# %% [markdown]
# ## How to read this report
#
# For every indicator of the Outline's target set, the toolkit fits candidate trend models on the
# indicator's natural scale (log for mortality rates, logit for percentages, a saturating logit for gross
# enrolment rates, which can pass 100%), weights them by how well each would have forecast this series'
# own later years, and derives the **probability that the target is
# met in the target year** (P(attain)) and the **year it is first met**, with intervals. Published bounds
# ("above 99%") are drawn but never fitted as points. The published methods' deterministic rates are
# shown for comparison further down. Methods and their evidence: `docs/methods.md`.

# %%
report.scorecard(context)

# %%
report.target_sources(context)

# %% [markdown]
# ## Charts
#
# Black dots are observations, open triangles published bounds, the blue line the fitted trend with its
# 80% and 95% prediction intervals, the red dotted lines the target value and year, and the grey dashed
# line the national series where this is a province report.

# %%
report.show_figures(context)

# %%
report.midterm_view(context)

# %%
report.rates_table(context)

# %%
report.quality_notes(context)

# %% [markdown] tags=["remove-cell"]
# ## Key results
#
# The rounded numbers below are what the regression tests compare; they repeat the scorecard as text.
# The cell is tagged `remove-cell`: nbval runs and compares it, the rendered page leaves it out.

# %% tags=["remove-cell"]
print(report.key_results(context))
