"""What a province report computes and writes: the report context, results.csv and summary.json.

The notebook calls :func:`prepare` once and hands the context to :mod:`~toolkit.reports.unit_report.fragments`
(HTML fragments), :mod:`~toolkit.reports.unit_report.figures` (charts) and :func:`key_results` (the rounded
text block nbval compares).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit.contracts.results import CATEGORIES, targeted
from toolkit.contracts.run_folder import RESULTS_FILE, SUMMARY_FILE, split_paths
from toolkit.contracts.synthetic import is_synthetic
from toolkit.core import io
from toolkit.core.paths import OUTPUTS_DIR, display_path
from toolkit.engine.assess import Assessment, assess_unit, results_frame
from toolkit.engine.settings import AssessSettings
from toolkit.inputs.catalog import load_indicators, load_targets
from toolkit.inputs.observations import load_observations
from toolkit.inputs.params import UnitParams, load_unit_params
from toolkit.inputs.units import check_unit_id, load_units
from toolkit.reports.text import attain_text, fmt, latest_text


@dataclass
class ReportContext:
    """Everything one unit's report shows, computed once."""

    params: UnitParams
    unit: pd.Series
    as_of: int
    target_set: str
    data_paths: list[Path]
    observations: pd.DataFrame
    comparison: pd.DataFrame
    assessments: list[Assessment]
    results: pd.DataFrame
    synthetic: bool
    output_dir: Path
    indicators: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def unit_id(self) -> str:
        return str(self.unit.name)

    @property
    def counts(self) -> dict[str, int]:
        counts = self.results["category"].value_counts()
        return {name: int(counts.get(name, 0)) for name in CATEGORIES}


def prepare(unit_id: str = "national", *, params_file: str = "", output_dir: str = "", data_override: str = "",
            as_of_override: int = 0, targets_override: str = "") -> ReportContext:
    """Load the unit's params and data, assess every indicator, and write results.csv + summary.json.

    The override arguments are how the batch applies ``--data``/``--as-of``/``--targets`` to every unit;
    empty (or 0) means "use the params file".
    """
    unit_id = check_unit_id(unit_id)
    params = load_unit_params(params_file or unit_id, unit_id=unit_id)
    unit = load_units().loc[params.unit_id]
    data_paths = split_paths(data_override) or list(params.data_paths)
    as_of = int(as_of_override) or int(params.as_of)
    target_set = targets_override or params.target_set
    observations = load_observations(data_paths)
    comparison = pd.DataFrame()
    if params.unit_id != params.comparison_unit and params.comparison_paths:
        comparison = load_observations(params.comparison_paths)
        comparison = comparison[(comparison["unit_id"] == params.comparison_unit) & (comparison["year"] <= as_of)]
    targets = load_targets(target_set)
    indicators = load_indicators()
    assessments = assess_unit(params.unit_id, observations, targets, as_of=as_of,
                              settings=AssessSettings.from_params(params), indicators=indicators)
    unit_obs = observations[observations["unit_id"] == params.unit_id]
    context = ReportContext(
        params=params, unit=unit, as_of=as_of, target_set=str(targets["target_set"].iloc[0]), data_paths=data_paths,
        observations=unit_obs, comparison=comparison, assessments=assessments, results=results_frame(assessments),
        synthetic=is_synthetic(unit_obs), output_dir=Path(output_dir) if output_dir else OUTPUTS_DIR / "interactive" / unit_id,
        indicators=indicators,
    )
    write_outputs(context)
    return context


def summary(context: ReportContext) -> dict:
    """The summary.json the batch reads to build the index (see docs/interfaces.md)."""
    return {
        "unit_id": context.unit_id,
        "name_en": str(context.unit["name_en"]),
        "name_zh": str(context.unit["name_zh"]),
        "region": "" if pd.isna(context.unit["region"]) else str(context.unit["region"]),
        "synthetic": bool(context.synthetic),
        "target_set": context.target_set,
        "as_of": context.as_of,
        "counts": context.counts,
        "n_indicators": int(len(context.results)),
        "data_files": [display_path(p) for p in context.data_paths],
    }


def write_outputs(context: ReportContext) -> None:
    """results.csv and summary.json for this unit, written atomically into the output folder."""
    io.write_csv(context.output_dir / RESULTS_FILE, context.results)
    io.write_text(context.output_dir / SUMMARY_FILE, json.dumps(summary(context), ensure_ascii=False, indent=2))


def key_results(context: ReportContext) -> str:
    """A rounded, plain-text block of the numbers a reviewer relies on (compared by nbval)."""
    lines = [f"unit: {context.unit_id} | target set: {context.target_set} | as of: {context.as_of}",
             "counts: " + ", ".join(f"{k}={v}" for k, v in context.counts.items() if v)]
    for row in targeted(context.results).itertuples():
        lines.append(
            f"{row.indicator_id}: {row.category} | latest {latest_text(row)}"
            f" | target {row.comparator}{fmt(row.target_value, 2)} in {fmt(row.target_year)}"
            f" | forecast {fmt(row.forecast, 2)} [{fmt(row.lo80, 2)}, {fmt(row.hi80, 2)}]"
            f" | p {fmt(row.p_attain, 2)} | year {attain_text(row, context.params.attain_horizon)}"
            f" | aarr {fmt(row.aarr_observed * 100, 2)}/{fmt(row.aarr_required * 100, 2)} %/yr"
            f" | eurostat {fmt(row.eurostat_ratio, 2)}"
        )
    return "\n".join(lines)
