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
# # Method evaluation (template)
#
# Runs the hindcasts on the real national series live (about a second) and shows the evidence. No
# parameters are needed; `output_dir` exists only so every notebook of the batch has the same shape
# (when set, the summary tables are also written there as CSV). The same tables come from
# `python benchmarks/hindcast.py`. All logic lives in the package (`toolkit.reports.method_evaluation`, over
# `toolkit.evaluation.hindcast`); this notebook only calls it.

# %% tags=["parameters"]
output_dir = ""

# %% [markdown]
# # Method evaluation: hindcasts on the real national series
#
# Would the toolkit have called the 2011-2020 Outline's outcomes right, had it been used during the
# Outline period? For each indicator with a 2020 target and enough national observations, we stand in
# every year from 2012 to 2019 in turn (the **origin**), use only the data published up to that year,
# and forecast every later year up to 2020 that has an observation. The same data feed two kinds of forecast:
#
# * the toolkit's candidate trend models (linear trend, recent-window trend, random walk with drift,
#   damped trend) and their **ensemble**, which is what the reports use, all fitted on the indicator's
#   modelling scale (log for mortality, logit for bounded percentages, a saturating logit with a
#   ceiling of 110 for gross enrolment rates, which can pass 100%);
# * the published rules' extrapolations: **ESCAP**'s weighted geometric growth, **IGME/UNICEF**'s constant
#   regression AARR, the **Eurostat/UNSD** compound growth over the last 15 years, and a no-change forecast.
#
# Three questions are scored: how far off the point forecasts were (mean absolute percentage error by
# years ahead), whether the 80% and 95% prediction intervals held the observed values as often as they
# claim, and whether the 2020 target outcome was called right, by the toolkit (probability of attainment
# of at least 0.5 means "met") and by the Eurostat, IGME and ESCAP rules on the same origins.
#
# The national series are short (from four to about a dozen points at an origin), so the samples are
# small and forecasts from neighbouring origins share most of their data: read differences of a few
# tenths of a percentage point as ties.
#
# ### Headline results
#
# Generated from the tables below, so they always match them.

# %%
from toolkit.reports import method_evaluation as evaluation

ev = evaluation.run(output_dir=output_dir)
evaluation.headline(ev)

# %% [markdown]
# ## What was hindcast
#
# Indicators with a 2020 target and at least four point observations (published bounds such as "above
# 99%" are never fitted) by some origin. `2020 calls` is zero where 2020 itself is not observed; those
# indicators still contribute forecast errors for the years that are.

# %%
ev.tables["design"]

# %% [markdown]
# ## Forecast error by horizon
#
# Mean absolute percentage error of the point forecast (the predictive median for the models), by the
# number of years between the origin and the forecast year. Every indicator, origin and year counts once,
# so the long mortality and enrolment series weigh most.

# %%
evaluation.show_mape(ev)

# %%
ev.tables["mape_by_horizon"]

# %% [markdown]
# By indicator (all horizons together). Differences between indicators are larger than between methods:
# no single extrapolation wins everywhere, which is why the reports weight several models by how well
# each forecast the series' own past.

# %%
ev.tables["mape_by_indicator"]

# %% [markdown]
# ## Interval coverage
#
# Share of observed values inside each model's central 80% and 95% prediction interval. Calibrated
# intervals sit on the dashed lines; above them the intervals are wider than needed, below them too narrow.
# The published rules give no intervals at all.

# %%
evaluation.show_coverage(ev)

# %%
ev.tables["coverage"]

# %% [markdown]
# ## The 2020 target outcome: our calls vs the published rules
#
# For each origin, the call on "will the 2020 target be met?". Ours is the probability of attainment
# (P(attain)) with 0.5 as the cut-off; Eurostat's is the ratio of actual to required growth from the first
# year of the 15-year window (met at 0.95 or more); IGME's compares the observed regression AARR with the
# rate required from the latest value (or the target is already met); ESCAP's asks whether its weighted
# geometric forecast for 2020 meets the target. The Brier score is the mean squared difference between the
# probability and the outcome (0 or 1); for a 0/1 call it is simply the share of wrong calls.

# %%
ev.tables["calls"]

# %%
evaluation.show_calls(ev)

# %%
ev.tables["call_accuracy"]

# %% [markdown]
# Many calls were made when the latest value already met the target, which every method gets right. The
# calls that were still open at their origin are the real test:

# %%
ev.tables["call_accuracy_open"]

# %% [markdown]
# ## Key numbers
#
# The rounded numbers below repeat the headline results as text for the regression tests.

# %%
print(evaluation.key_numbers(ev))
