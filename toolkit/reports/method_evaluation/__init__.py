"""The method-evaluation notebook's API: every function takes the evaluation that :func:`run` returns."""

from toolkit.reports.method_evaluation.context import (
    Evaluation,
    call_accuracy,
    calls_table,
    coverage_heading,
    coverage_table,
    design,
    error_heading,
    error_tables,
    headline,
    introduction,
    key_numbers,
    run,
    show_calls,
    show_coverage,
    show_mape,
)

__all__ = ["Evaluation", "run", "introduction", "headline", "design", "error_heading", "show_mape", "error_tables",
           "coverage_heading", "show_coverage", "coverage_table", "calls_table", "show_calls", "call_accuracy",
           "key_numbers"]
