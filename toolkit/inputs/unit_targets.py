"""Which targets a unit is graded against: the cycle's national set, with the unit's own plan layered over it.

A province or city plan usually repeats most national targets and makes a few stricter (Fuzhou: infant
mortality below 4 per 1,000 where the Outline says 5). So a local target file sets only the indicators it
changes or adds; every other indicator keeps the national target. The layered table says, row by row,
which plan a target comes from (``plan``) and whether it is national or local (``layer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from toolkit.contracts.cycles import Cycle, cycle_of_set
from toolkit.core.errors import DataValidationError, Problem, TargetError
from toolkit.core.paths import display_path, project_path
from toolkit.inputs.catalog import load_targets, target_set_file

NATIONAL, LOCAL = "national", "local"


def local_target_file(path: str | Path, cycle: Cycle) -> pd.DataFrame:
    """A local plan's target file, checked as a target set and against the cycle it is layered on."""
    file = project_path(path)
    if not file.is_file():
        raise TargetError("local target file not found", path=display_path(file), problems=[Problem(
            "no such file", "give a CSV in the format of data/targets/ (paths are relative to the project root)")])
    local = load_targets(file)
    problems = [
        Problem(f"the {row.indicator_id} target is for {row.target_year}, not after the cycle's base year "
                f"{cycle.base_year}", f"a target of the {cycle.cycle_id} cycle is for a year after {cycle.base_year};"
                " is this file for another cycle?", column="target_year")
        for row in local.itertuples() if int(row.target_year) <= cycle.base_year]
    if problems:
        raise DataValidationError(f"is not a target set for the {cycle.cycle_id} cycle", path=display_path(file),
                                  problems=problems)
    return local


def layer_targets(national: pd.DataFrame, local: pd.DataFrame, *, national_plan: str, local_plan: str) -> pd.DataFrame:
    """National rows, each replaced by the local rows of its indicator where the local file sets it; local
    indicators the national set lacks come last. ``plan`` is filled where a file leaves it blank."""
    national = national.assign(plan=national["plan"].fillna(national_plan), layer=NATIONAL)
    local = local.assign(plan=local["plan"].fillna(local_plan), layer=LOCAL)
    rows = []
    for indicator_id, frame in national.groupby("indicator_id", sort=False):
        mine = local[local["indicator_id"] == indicator_id]
        rows.append(mine if len(mine) else frame)
    rows.append(local[~local["indicator_id"].isin(national["indicator_id"])])
    name = f"{national['target_set'].iloc[0]}+{local['target_set'].iloc[0]}"
    return pd.concat(rows, ignore_index=True).assign(target_set=name)


def unit_targets(target_set: str | None, local_targets: Mapping[str, str], cycle: Cycle,
                 targets_override: str = "") -> pd.DataFrame:
    """The targets one unit is assessed against.

    ``targets_override`` (``--targets``) replaces everything; otherwise the params' ``target_set`` (or the
    cycle's Outline set), with the local file of this cycle from ``local_targets`` layered over it.
    """
    if targets_override:
        return _with_plan(load_targets(targets_override), "")
    chosen = target_set or cycle.target_set
    national = _with_plan(load_targets(chosen), _plan_name(chosen))
    local_file = local_targets.get(cycle.cycle_id)
    if not local_file:
        return national
    local = local_target_file(local_file, cycle)
    return layer_targets(national, local, national_plan=_plan_name(chosen), local_plan=Path(local_file).stem)


def unit_target_files(target_set: str | None, local_targets: Mapping[str, str], cycle: Cycle,
                      targets_override: str = "") -> list[Path]:
    """The files :func:`unit_targets` reads (for run.json's checksums)."""
    if targets_override:
        return [target_set_file(targets_override)]
    files = [target_set_file(target_set or cycle.target_set, from_project=True)]
    if local_targets.get(cycle.cycle_id):
        files.append(project_path(local_targets[cycle.cycle_id]))
    return files


def _plan_name(target_set: str) -> str:
    """The full name of an Outline set's plan; other sets are named by their own rows or file."""
    cycle = cycle_of_set(target_set)
    return cycle.name_zh if cycle else ""


def _with_plan(frame: pd.DataFrame, plan: str) -> pd.DataFrame:
    fallback = plan or (str(frame["target_set"].iloc[0]) if len(frame) else "")
    return frame.assign(plan=frame["plan"].fillna(fallback), layer=NATIONAL)
