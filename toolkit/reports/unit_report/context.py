"""What a province report computes and writes: the report context, results.csv and summary.json.

The notebook calls :func:`prepare` once and hands the context to :mod:`~toolkit.reports.unit_report.fragments`
(HTML fragments), :mod:`~toolkit.reports.unit_report.figures` (charts) and :func:`key_results` (the rounded
text block nbval compares).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from toolkit.contracts.cycles import CYCLES, LATEST, Cycle
from toolkit.contracts.labels import local_name
from toolkit.contracts.results import CATEGORIES, CONTEXT_ROLE, counted, targeted
from toolkit.contracts.run_folder import RESULTS_FILE, SUMMARY_FILE, split_paths
from toolkit.contracts.synthetic import is_synthetic
from toolkit.core import io
from toolkit.core.errors import DataValidationError, Problem
from toolkit.core.i18n import DEFAULT_LANGUAGE, set_language
from toolkit.core.paths import OUTPUTS_DIR, display_path, project_path
from toolkit.engine.assess import Assessment, assess_unit, results_frame
from toolkit.engine.settings import AssessSettings, StraightPath
from toolkit.inputs.catalog import load_indicators
from toolkit.inputs.observations import load_observations
from toolkit.inputs.params import UnitParams, load_unit_params
from toolkit.inputs.unit_targets import LOCAL, unit_targets
from toolkit.inputs.units import check_unit_id, load_units
from toolkit.reports.text import attain_text, fmt, latest_text, probability


@dataclass
class ReportContext:
    """Everything one unit's report shows, computed once."""

    params: UnitParams
    unit: pd.Series
    as_of: int
    target_set: str
    cycle: Cycle
    targets: pd.DataFrame  # the layered targets, with plan, wording and source
    data_paths: list[Path]
    observations: pd.DataFrame
    comparison: pd.DataFrame
    assessments: list[Assessment]
    results: pd.DataFrame
    synthetic: bool
    output_dir: Path
    indicators: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    user_data: bool = False  # the run's --data replaced the params' files (their notes do not apply)
    language: str = DEFAULT_LANGUAGE  # the edition every fragment and chart of this report is written in

    @property
    def unit_id(self) -> str:
        return str(self.unit.name)

    @property
    def comparison_name(self) -> str:
        """The comparison unit's name in the report's edition (the charts' grey line)."""
        units = load_units()
        unit_id = self.params.comparison_unit
        return local_name(units.loc[unit_id]) if unit_id in units.index else unit_id

    @property
    def latest_year(self) -> int | None:
        """The data vintage: the latest year this unit has any observation for, up to ``as_of``."""
        years = self.observations.loc[self.observations["year"] <= self.as_of, "year"]
        return int(years.max()) if len(years) else None

    @property
    def local_plans(self) -> list[str]:
        """Names of the unit's own plans whose targets are layered over the national set."""
        local = self.targets[self.targets["layer"] == LOCAL]
        return list(dict.fromkeys(str(p) for p in local["plan"]))

    @property
    def counts(self) -> dict[str, int]:
        """Rows per category; context rows (another outline's targets) are counted apart, in ``n_context``."""
        rows = pd.concat([counted(self.results), self.results[self.results["category"] == "no_target"]])
        counts = rows["category"].value_counts()
        return {name: int(counts.get(name, 0)) for name in CATEGORIES}

    @property
    def n_context(self) -> int:
        return len(targeted(self.results)) - len(counted(self.results))


def _no_observations(unit_id: str, path: str) -> DataValidationError:
    return DataValidationError(f"has no observations of {unit_id}", path=path, problems=[Problem(
        "a report with no data would say nothing", "leave the unit out (--units), or add its rows to the file")])


def _has_rows(paths: list[str]) -> bool:
    """Whether a batch's slice files hold a row below their header (an empty slice is no error of the slice)."""
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            if handle.readline() and handle.readline().strip():
                return True
    return False


def prepare(unit_id: str = "national", *, params_file: str = "", output_dir: str = "", data_override: str = "",
            as_of_override: int = 0, targets_override: str = "", cycle_override: str = "",
            data_label: str = "", language: str = "") -> ReportContext:
    """Load the unit's params and data, assess every indicator, and write results.csv + summary.json.

    The override arguments are how the batch applies ``--data``/``--as-of``/``--targets``/``--cycle`` to
    every unit; empty (or 0) means "use the params file". ``data_label``: the files ``data_override`` was cut
    from (the batch hands each kernel its own rows of ``--data``); the report and summary.json name those.
    ``language``: the edition (zh or en; empty: the params file's ``language``), current from here on.
    """
    unit_id = check_unit_id(unit_id)
    params = load_unit_params(params_file or unit_id, unit_id=unit_id)
    language = set_language(language or params.language)
    cycle = CYCLES[cycle_override or params.cycle]
    unit = load_units().loc[params.unit_id]
    data_paths = split_paths(data_override) or list(params.data_paths)
    targets = unit_targets(params.target_set, params.local_targets, cycle, targets_override)
    prefer = project_path(params.prefer) if params.prefer and not data_override else None
    if data_label and not _has_rows(data_paths):  # the batch's slice of --data: this unit has no row in it
        raise _no_observations(params.unit_id, data_label)
    observations = load_observations(data_paths, prefer=prefer)
    unit_obs = observations[observations["unit_id"] == params.unit_id]
    user_data = bool(data_override)
    if user_data and not len(unit_obs):
        raise _no_observations(params.unit_id, data_label or data_override)
    comparison = pd.DataFrame(columns=unit_obs.columns)
    if params.unit_id != params.comparison_unit:
        own = observations[observations["unit_id"] == params.comparison_unit] if user_data else comparison
        if len(own):  # the user's own national rows, when they bring them
            comparison = own
        elif params.comparison_paths:
            comparison = load_observations(params.comparison_paths)
            comparison = comparison[comparison["unit_id"] == params.comparison_unit]
    reference = comparison if len(comparison) else unit_obs
    as_of = int(as_of_override) or resolve_as_of(params.as_of, cycle, reference["year"])
    comparison = comparison[comparison["year"] <= as_of]
    indicators = load_indicators()
    # The mid-term view belongs to a cycle still under way; a final evaluation has observed its target year.
    path = StraightPath(cycle.base_year, cycle.midterm_year) if as_of < cycle.end_year else None
    settings = replace(AssessSettings.from_params(params), path=path)
    assessments = assess_unit(params.unit_id, observations, targets, as_of=as_of, settings=settings,
                              indicators=indicators)
    context = ReportContext(
        params=params, unit=unit, as_of=as_of, target_set=str(targets["target_set"].iloc[0]), cycle=cycle,
        targets=targets, data_paths=split_paths(data_label) or data_paths,
        observations=unit_obs, comparison=comparison, assessments=assessments, results=results_frame(assessments),
        user_data=user_data,
        synthetic=is_synthetic(unit_obs), output_dir=Path(output_dir) if output_dir else OUTPUTS_DIR / "interactive" / unit_id,
        indicators=indicators, language=language,
    )
    write_outputs(context)
    return context


def resolve_as_of(as_of: int | str, cycle: Cycle, reference_years: pd.Series) -> int:
    """``as_of`` from the params: a year as it is; ``latest``: the latest year of the reference series (the
    nation's, for a province), capped at the cycle's end year."""
    if as_of != LATEST:
        return int(as_of)
    return cycle.as_of(int(reference_years.max())) if len(reference_years) else cycle.end_year


def summary(context: ReportContext) -> dict:
    """The summary.json the batch reads to build the index (see docs/interfaces.md)."""
    return {
        "unit_id": context.unit_id,
        "name_en": str(context.unit["name_en"]),
        "name_zh": str(context.unit["name_zh"]),
        "region": "" if pd.isna(context.unit["region"]) else str(context.unit["region"]),
        "synthetic": bool(context.synthetic),
        "target_set": context.target_set,
        "cycle": context.cycle.cycle_id,
        "language": context.language,
        "local_plans": context.local_plans,
        "as_of": context.as_of,
        "latest_year": context.latest_year,
        "counts": context.counts,
        "n_context": context.n_context,
        "n_indicators": int(len(context.results)),
        "data_files": [display_path(p) for p in context.data_paths],
    }


def write_outputs(context: ReportContext) -> None:
    """results.csv and summary.json for this unit, written atomically into the output folder."""
    io.write_csv(context.output_dir / RESULTS_FILE, context.results)
    io.write_text(context.output_dir / SUMMARY_FILE, json.dumps(summary(context), ensure_ascii=False, indent=2))


def key_results(context: ReportContext) -> str:
    """A rounded, plain-text block of the numbers a reviewer relies on (compared by nbval)."""
    lines = [f"unit: {context.unit_id} | cycle: {context.cycle.cycle_id} | target set: {context.target_set}"
             f" | as of: {context.as_of} | data to: {fmt(context.latest_year)} | edition: {context.language}",
             "counts: " + ", ".join(f"{k}={v}" for k, v in context.counts.items() if v)]
    for row in targeted(context.results).itertuples():
        lines.append(
            f"{row.indicator_id}: {row.category} | latest {latest_text(row)}"
            f" | target {row.comparator}{fmt(row.target_value, 2)} in {fmt(row.target_year)}"
            f" | forecast {fmt(row.forecast, 2)} [{fmt(row.lo80, 2)}, {fmt(row.hi80, 2)}]"
            f" | p {probability(row.p_attain)} | year {attain_text(row, context.params.attain_horizon)}"
            f" | {row.rate_kind or 'aarr'} {fmt(row.aarr_observed * 100, 2)}/{fmt(row.aarr_required * 100, 2)} %/yr"
            f" | eurostat {fmt(row.eurostat_ratio, 2)}{' ' + row.eurostat_category if row.eurostat_category else ''}"
            + (f" | observed {row.target_year_qualifier if row.target_year_qualifier in ('>', '<') else ''}"
               f"{fmt(row.target_year_value, 2)}" if pd.notna(row.target_year_value) else "")
            + (f" | evidence {row.evidence_qualifier if row.evidence_qualifier in ('>', '<') else ''}"
               f"{fmt(row.evidence_value, 2)} ({fmt(row.evidence_year)})"
               if pd.notna(row.evidence_year) and pd.isna(row.met_latest) else "")
            + (f" | role {row.target_role}" if row.target_role == CONTEXT_ROLE else "")
            + _path_text(row)
        )
    return "\n".join(lines)


def _path_text(row) -> str:
    """The mid-term columns of a key-results line: the status, and the numbers where there is a path."""
    if not row.path_status:
        return ""
    text = f" | path {row.path_status}" + (f" base {fmt(row.path_base_value, 2)}" if pd.notna(row.path_base_value) else "")
    if pd.notna(row.path_base_value) and row.path_status != "met_at_base":
        text += (f" expects {fmt(row.path_expected, 2)} in {fmt(row.path_year)}"
                 f" ratio {fmt(row.path_progress_ratio, 2)} | {fmt(row.midterm_year)} path"
                 f" {fmt(row.midterm_path_value, 2)} forecast {fmt(row.midterm_value, 2)}"
                 f" [{fmt(row.midterm_lo80, 2)}, {fmt(row.midterm_hi80, 2)}] p {probability(row.midterm_p_on_path)}")
    return text
