"""One method evaluation, computed once: the hindcasts on the real national series and their tables.

The notebook calls :func:`run` and hands the result to the page functions below, as the unit report does
with its context.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from toolkit.evaluation.hindcast import load_national, run_hindcast
from toolkit.reports.method_evaluation import figures, fragments


@dataclass
class Evaluation:
    """Hindcast errors and 2020 calls, and the labelled tables the page shows (by name)."""

    errors: pd.DataFrame
    calls: pd.DataFrame
    tables: dict[str, pd.DataFrame]


def run(*, output_dir: str | Path = "") -> Evaluation:
    """Hindcast every national series with a 2020 target; tables also written to ``output_dir`` when given."""
    errors, calls = run_hindcast(*load_national())
    return Evaluation(errors=errors, calls=calls,
                      tables=fragments.display_tables(errors, calls, output_dir=output_dir))


def headline(ev: Evaluation) -> HTML:
    """The plain-language reading of the results."""
    return fragments.reading_html(ev.errors, ev.calls)


def show_mape(ev: Evaluation) -> None:
    figures.show_mape(ev.errors)


def show_coverage(ev: Evaluation) -> None:
    figures.show_coverage(ev.errors)


def show_calls(ev: Evaluation) -> None:
    figures.show_calls(ev.calls)


def key_numbers(ev: Evaluation) -> str:
    """The rounded numbers nbval compares."""
    return fragments.key_numbers(ev.errors, ev.calls)
