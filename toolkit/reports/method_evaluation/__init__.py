"""The method-evaluation notebook's API: every function takes the evaluation that :func:`run` returns."""

from toolkit.reports.method_evaluation.context import (
    Evaluation,
    headline,
    key_numbers,
    run,
    show_calls,
    show_coverage,
    show_mape,
)

__all__ = ["Evaluation", "run", "headline", "show_mape", "show_coverage", "show_calls", "key_numbers"]
