"""A finished batch run as the overview reads it: results, the units' summaries, and the observations used.

Everything is read through :mod:`toolkit.contracts.run_folder`, the same contract the batch writes, so the
overview always describes exactly the run it sits beside.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit.contracts.cycles import CYCLES, Cycle
from toolkit.contracts.results import CONTEXT_ROLE, targeted
from toolkit.contracts.run_folder import RunFolder, data_file_paths, run_language
from toolkit.core.errors import BatchError, Problem
from toolkit.core.i18n import DEFAULT_LANGUAGE, current_language, set_language
from toolkit.core.paths import OUTPUTS_DIR
from toolkit.inputs.catalog import load_indicators
from toolkit.inputs.observations import load_observations
from toolkit.inputs.units import load_units
from toolkit.reports.overview.compute import gap_trends, indicator_order, unit_order


@dataclass
class RunData:
    """A finished batch run: its results, the units' summaries, and the observations they were run on."""

    run_dir: Path
    results: pd.DataFrame
    summaries: pd.DataFrame  # indexed by unit_id, in unit order
    observations: pd.DataFrame
    indicators: pd.DataFrame
    units: pd.DataFrame  # data/units.csv rows of the run's units, indexed by unit_id
    as_of: int
    target_set: str
    cycle: Cycle | None = None  # None: summaries of a run made before cycles were recorded
    n_context: int = 0  # rows of another outline's targets, left out of every comparison
    language: str = DEFAULT_LANGUAGE  # the edition every fragment and chart of this page is written in

    @property
    def cycle_name(self) -> str:
        """The cycle in full in the current edition, or the target set's name when it is not known."""
        if not self.cycle:
            return self.target_set
        return self.cycle.name_zh if current_language() == "zh" else self.cycle.name_en

    @property
    def synthetic_units(self) -> list[str]:
        """Units whose report was built on synthetic data."""
        return [u for u, s in self.summaries["synthetic"].items() if bool(s)]

    @property
    def synthetic(self) -> bool:
        return bool(self.synthetic_units)

    @property
    def targeted(self) -> pd.DataFrame:
        """Results rows of indicators with a target (``no_target`` rows dropped)."""
        return targeted(self.results)


def load_run(run_dir: str | Path = "", language: str = "") -> RunData:
    """Read a batch output folder ("" = ``toolkit.core.paths.OUTPUTS_DIR``) and the observation files it used.

    ``language``: the page's edition (zh or en; empty: the run's own, from its run.json, else the default),
    current from here on."""
    run_dir = Path(run_dir) if str(run_dir) else OUTPUTS_DIR
    # A notebook opened by hand on a finished run is in the run's own edition (the batch passes it anyway).
    language = set_language(language or run_language(RunFolder(run_dir).read_manifest()))
    results_path = run_dir / "results.csv"
    summaries = pd.DataFrame(RunFolder(run_dir).summaries()) if run_dir.is_dir() else pd.DataFrame()
    if not results_path.is_file() or summaries.empty:
        raise BatchError("no finished batch run here", path=run_dir, problems=[Problem(
            "results.csv or units/<unit>/summary.json is missing",
            "run the batch first (`make run` or `python -m toolkit run --out DIR`) and pass that folder as run_dir")])
    results = pd.read_csv(results_path, dtype={"unit_id": str, "indicator_id": str, "category": str})
    # Another outline's targets (context rows) are listed in the unit reports, never compared or counted here.
    n_context = int((results.get("target_role", pd.Series(dtype=str)).fillna("") == CONTEXT_ROLE).sum())
    results = results[results.get("target_role", pd.Series("", index=results.index)).fillna("") != CONTEXT_ROLE]
    # units/ may still hold units of an older run into the same folder; results.csv lists only this run's
    summaries = summaries[summaries["unit_id"].isin(set(results["unit_id"]))]
    units = load_units()
    order = unit_order(units.loc[units.index.intersection(summaries["unit_id"])])
    summaries = summaries.set_index("unit_id").loc[order]
    data_files = data_file_paths(f for files in summaries["data_files"] for f in files)
    missing = [f for f in data_files if not f.is_file()]
    if missing:
        raise BatchError("an observation file the run used is missing", path=run_dir, problems=[Problem(
            f"not found: {', '.join(map(str, missing))}", "restore the file or re-run the batch")])
    observations = load_observations(data_files)
    as_of = int(summaries["as_of"].mode().iloc[0])
    target_set = str(summaries["target_set"].mode().iloc[0])
    cycles = summaries["cycle"].dropna() if "cycle" in summaries else pd.Series(dtype=str)
    cycle = CYCLES.get(str(cycles.mode().iloc[0])) if len(cycles) else None
    return RunData(run_dir=run_dir, results=results, summaries=summaries, observations=observations,
                   indicators=load_indicators(), units=units.loc[order], as_of=as_of, target_set=target_set,
                   cycle=cycle, n_context=n_context, language=language)


def targeted_indicators(run: RunData) -> list[str]:
    """Indicators with a target in this run, in the order of data/indicators.csv."""
    return indicator_order(run.targeted, run.indicators)


def run_gaps(run: RunData) -> pd.DataFrame:
    """:func:`gap_trends` of a run: its provinces, its indicators with a target, its as-of year."""
    return gap_trends(run.observations, run.units, run.as_of, indicators=targeted_indicators(run))
