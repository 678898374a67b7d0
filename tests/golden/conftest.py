"""nbval settings for the golden notebooks in this folder (and copies of it, e.g. tests/test_golden.py's mutant).

Compared by nbval: every code cell's text outputs: ``text/plain`` of results and displays (the HTML
fragments' and images' plain-text forms, which are stable and whose number per cell is the number of
tables/figures) and ``stdout`` (the key-results block: categories, latest values, targets, forecasts with
their 80% intervals, P(attain), attainment years).

Not compared (volatile across library versions, not across our numbers):

- ``text/html``: the tables are pandas/nbconvert-styled HTML; the same numbers are printed as text in the
  key-results cell.
- ``application/javascript``: widget and plotting-library boilerplate.
- ``stderr``: warnings, whose wording and presence change with library upgrades.
- ``image/png``: already skipped by nbval itself (chart pixels depend on fonts and Matplotlib versions).
"""

from __future__ import annotations

SKIP_COMPARE = ("text/html", "application/javascript", "stderr")


def pytest_collectstart(collector):
    if collector.path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare += tuple(m for m in SKIP_COMPARE if m not in collector.skip_compare)
