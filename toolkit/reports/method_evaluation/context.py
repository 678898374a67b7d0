"""One method evaluation, computed once: the hindcasts on the real national series and their tables.

The notebook sets the edition, calls :func:`run` and hands the result to the page functions below, in the
page's order, as the unit report does with its context. Each returns HTML in the current edition (or displays a
chart); :func:`key_numbers` stays English, for the regression tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from toolkit.core.i18n import DEFAULT_LANGUAGE, set_language
from toolkit.evaluation.hindcast import load_national, run_hindcast
from toolkit.inputs.catalog import load_indicators
from toolkit.reports.method_evaluation import figures, fragments


@dataclass
class Evaluation:
    """Hindcast errors and 2020 calls, and the labelled tables written as CSV (by name; English, stable).

    The page shows the same tables relabelled in its edition (:func:`design`, :func:`error_tables`, ...);
    ``tables`` keep the English column names and labels in every edition, since they are files other tools read.
    """

    errors: pd.DataFrame
    calls: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    indicators: pd.DataFrame | None = None

    def indicator_table(self) -> pd.DataFrame:
        return load_indicators() if self.indicators is None else self.indicators


def run(*, output_dir: str | Path = "", language: str = "") -> Evaluation:
    """Hindcast every national series with a 2020 target; tables also written to ``output_dir`` when given.
    ``language``: the page's edition from here on ("" = the default edition)."""
    set_language(language or DEFAULT_LANGUAGE)
    errors, calls = run_hindcast(*load_national())
    indicators = load_indicators()
    return Evaluation(errors=errors, calls=calls, indicators=indicators,
                      tables=fragments.display_tables(errors, calls, output_dir=output_dir, indicators=indicators))


def introduction(ev: Evaluation) -> HTML:
    """The page's title and what was done (origins, methods, the three questions)."""
    return fragments.introduction()


def headline(ev: Evaluation) -> HTML:
    """The plain-language reading of the results."""
    return fragments.headline(ev.errors, ev.calls)


def design(ev: Evaluation) -> HTML:
    """What was hindcast, per indicator."""
    return fragments.design_section(ev.errors, ev.calls, ev.indicator_table())


def error_heading(ev: Evaluation) -> HTML:
    return fragments.error_heading()


def show_mape(ev: Evaluation) -> None:
    figures.show_mape(ev.errors)


def error_tables(ev: Evaluation) -> HTML:
    """MAPE by method and horizon, and by indicator."""
    return fragments.error_tables(ev.errors, ev.indicator_table())


def coverage_heading(ev: Evaluation) -> HTML:
    return fragments.coverage_heading()


def show_coverage(ev: Evaluation) -> None:
    figures.show_coverage(ev.errors)


def coverage_table(ev: Evaluation) -> HTML:
    return fragments.coverage_section(ev.errors)


def calls_table(ev: Evaluation) -> HTML:
    """The calls' heading, how each method calls, and every call."""
    return fragments.calls_section(ev.calls, ev.indicator_table())


def show_calls(ev: Evaluation) -> None:
    figures.show_calls(ev.calls)


def call_accuracy(ev: Evaluation) -> HTML:
    """Accuracy and Brier score per method, all calls and the calls still open."""
    return fragments.accuracy_section(ev.calls)


def key_numbers(ev: Evaluation) -> str:
    """The rounded numbers nbval compares (English and machine-readable in every edition)."""
    return fragments.key_numbers(ev.errors, ev.calls)
