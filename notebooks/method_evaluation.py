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
# Runs the hindcasts on the real national series live (about a second) and shows the evidence. `language`
# chooses the edition (`zh` or `en`; empty: the default edition, Chinese); `output_dir` exists only so every
# notebook of the batch has the same shape (when set, the summary tables are also written there as CSV, with
# English column names in either edition). The same tables come from `python benchmarks/hindcast.py`. Every
# visible sentence comes from the message catalogues under `toolkit/locale/` (domain `method_evaluation`), not
# from this notebook. All logic lives in the package (`toolkit.reports.method_evaluation`, over
# `toolkit.evaluation.hindcast`); this notebook only calls it.

# %% tags=["parameters"]
output_dir = ""
language = ""

# %%
from toolkit.reports import method_evaluation as evaluation

ev = evaluation.run(output_dir=output_dir, language=language)
evaluation.introduction(ev)

# %%
evaluation.headline(ev)

# %%
evaluation.design(ev)

# %%
evaluation.error_heading(ev)

# %%
evaluation.show_mape(ev)

# %%
evaluation.error_tables(ev)

# %%
evaluation.coverage_heading(ev)

# %%
evaluation.show_coverage(ev)

# %%
evaluation.coverage_table(ev)

# %%
evaluation.calls_table(ev)

# %%
evaluation.show_calls(ev)

# %%
evaluation.call_accuracy(ev)

# %% [markdown] tags=["remove-cell"]
# ## Key numbers
#
# The rounded numbers below repeat the headline results as text for the regression tests (English and
# the same in both editions). The cell is tagged `remove-cell`: it runs, the rendered page leaves it out.

# %% tags=["remove-cell"]
print(evaluation.key_numbers(ev))
