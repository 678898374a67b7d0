"""Planning a batch: every check a user's request can fail, done before any kernel starts.

Resolves the units, the templates, the overrides (``--data``, ``--as-of``, ``--targets``, ``--cycle``: each file is
loaded once here, so a broken one fails the request instead of every kernel) and each unit's params (a
unit whose params file is broken is listed in ``Plan.broken`` and fails on its own, so the others still
complete). The notebook parameters are named by :mod:`toolkit.contracts.run_folder`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.batch.execute import declared_parameters
from toolkit.batch.manifest import input_checksums
from toolkit.contracts.cycles import CYCLES
from toolkit.contracts.observations import FIRST_YEAR, LAST_YEAR
from toolkit.contracts.run_folder import PATH_SEPARATOR, REQUIRED_PARAMETERS, RunFolder, join_paths
from toolkit.core import io
from toolkit.core.errors import BatchError, Problem, ToolkitError, suggestion
from toolkit.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, check_language
from toolkit.core.paths import (
    INDICATORS_CSV,
    NOTEBOOKS_DIR,
    OUTPUTS_DIR,
    UNIT_FILES,
    display_path,
    expand_globs,
    user_path,
)
from toolkit.inputs.catalog import load_targets, names_a_file, target_set_file
from toolkit.inputs.observations import load_observations
from toolkit.inputs.params import DEFAULTS_FILE, YAML_SUFFIXES, load_defaults, load_unit_params
from toolkit.inputs.units import (
    LEVELS,
    PROVINCE_LEVELS,
    check_unit_id,
    load_units,
    resolve_unit,
    unit_resolver,
    units_inside,
)

TEMPLATE = NOTEBOOKS_DIR / "province_report.ipynb"


#: Notebooks run after the units when they exist: name -> template. ``overview`` gets ``run_dir``.
EXTRAS = {"overview": NOTEBOOKS_DIR / "overview.ipynb",
          "method_evaluation": NOTEBOOKS_DIR / "method_evaluation.ipynb"}


#: Extras that read the units' outputs, so they start only when every unit has finished.
AFTER_UNITS = frozenset({"overview"})


@dataclass
class Plan:
    """A validated batch: nothing below can fail for a reason the user could have caught up front."""

    unit_ids: list[str]
    units: pd.DataFrame  # data/units.csv, indexed by unit_id
    out: Path
    workers: int
    template: Path
    extras: dict[str, Path]
    overrides: dict[str, Any]
    inputs: list[Path] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    params_files: dict[str, Path] = field(default_factory=dict)  # from --params-dir
    broken: dict[str, str] = field(default_factory=dict)  # unit -> params error; the unit fails on its own
    warnings: list[str] = field(default_factory=list)  # said before the run starts (e.g. unused params files)
    cell_timeout: float | None = None  # --timeout: seconds one notebook cell may run
    checksums: dict[str, str | None] = field(default_factory=dict)  # of ``inputs`` when the run was planned
    data: pd.DataFrame | None = None  # --data as loaded and checked here: the batch hands each kernel its rows
    language: str = DEFAULT_LANGUAGE  # the edition of every page of the run
    extra_parameters: dict[str, set[str]] = field(default_factory=dict)  # what each extra notebook declares


def _resolve_units(units: Sequence[str] | None, table, *, level: str | None = None,
                   within: str | None = None) -> list[str]:
    """Unit ids (or names, codes) -> ids in the unit table's order; UnknownUnitError for unknown or path-like.

    Without ``level`` and ``units``: the nation and the provinces, as always. ``level`` (province, prefecture,
    county) takes every unit of that level, ``within`` (any spelling of a unit) only those inside it.
    """
    if level is not None and level not in LEVELS[1:]:
        raise BatchError(f"unknown level '{level}'", problems=[Problem(
            "--level is province, prefecture or county", fix="use --level county (with --within sichuan, say)")])
    scope, ancestor = table, None
    if within is not None:
        ancestor = check_unit_id(resolve_unit(str(within).strip(), table, prefer=PROVINCE_LEVELS))
        inside = units_inside(ancestor)
        scope = table.loc[[u for u in table.index if u in inside]]
    if units is None:
        if level is None and within is None:
            return [str(u) for u in table.index if table.loc[u, "level"] in PROVINCE_LEVELS]
        chosen = [str(u) for u in scope.index if level is None or scope.loc[u, "level"] == level]
        if not chosen:
            raise BatchError("no units to run", problems=[Problem(
                f"no {level or 'unit'} inside '{within}'", fix="check --level and --within")])
        return chosen
    names = [units] if isinstance(units, str) else list(units)
    prefer = None if level not in (None, "province") else PROVINCE_LEVELS
    # One resolver for the whole list: resolve_unit per name would index the 3,179 units once per name.
    resolve = unit_resolver(parent=ancestor if within is not None else None, prefer=prefer)
    wanted = {check_unit_id(resolve(str(name).strip())) for name in names}
    ordered = [str(u) for u in table.index if u in wanted]
    if not ordered:
        raise BatchError("no units to run", problems=[Problem("the unit list is empty", "give at least one unit id")])
    return ordered


def _check_out(out: Path) -> Path:
    """The output folder exists (created) and is writable, before any kernel starts."""
    out = out.expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise BatchError("the output path is a file, not a folder", path=out,
                         problems=[Problem("not a folder", "give a folder for --out")])
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise BatchError(f"cannot write into the output folder: {exc.strerror or exc}", path=out,
                         problems=[Problem("not writable", "choose another --out folder or fix its permissions")]) \
            from exc
    return out


def _overrides(data, as_of, targets, cycle, declared: set[str], sheet: str | None = None, prefer=None
               ) -> tuple[dict[str, Any], list[Path], list[Path], pd.DataFrame | None]:
    """Notebook parameters for the run-wide overrides, validated; the data and target files they name; and
    the ``--data`` observations, loaded once here."""
    overrides: dict[str, Any] = {}
    frame = None
    if cycle is not None:
        if str(cycle) not in CYCLES:
            raise BatchError(f"--cycle {cycle} is not a cycle of the Outline", problems=[Problem(
                f"cycles: {', '.join(CYCLES)}", "give one of them, e.g. --cycle 2011-2020" + suggestion(str(cycle), CYCLES))])
        overrides["cycle_override"] = str(cycle)
    data_files: list[Path] = []
    target_files: list[Path] = []
    if data:
        paths, unmatched = expand_globs([data] if isinstance(data, str | Path) else data, user_path)
        if unmatched:
            raise BatchError("no observation file matches " + ", ".join(unmatched), problems=[Problem(
                "the pattern matched nothing", "check it, and quote it ('data/*.csv') so that the shell leaves it")])
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise BatchError("observation file(s) not found", problems=[
                Problem(f"no such file: {m}", "check the --data path") for m in missing])
        if any(PATH_SEPARATOR in str(p) for p in paths):
            raise BatchError("a --data path contains ';'", problems=[Problem("';' separates files", "rename it")])
        # a broken file fails here once, not in every kernel
        frame = load_observations(paths, sheet=sheet, prefer=user_path(prefer) if prefer else None)
        overrides["data_override"] = join_paths(paths)
        data_files = paths
    if as_of is not None:
        try:
            as_of = int(as_of)
        except (TypeError, ValueError) as exc:
            raise BatchError(f"--as-of must be a year, not {as_of!r}") from exc
        if not FIRST_YEAR <= as_of <= LAST_YEAR:
            raise BatchError(f"--as-of {as_of} is not a plausible year ({FIRST_YEAR}-{LAST_YEAR})")
        overrides["as_of_override"] = as_of
    if targets:
        path = user_path(targets)
        # a file is passed to the kernels as an absolute path: they run in notebooks/, not the user's folder
        targets_text = str(path) if names_a_file(targets) else str(targets)
        load_targets(targets_text)  # TargetError for an unknown set or a broken file
        overrides["targets_override"] = targets_text
        target_files.append(path if names_a_file(targets) else target_set_file(targets))
    undeclared = [name for name in overrides if name not in declared]
    if undeclared:
        raise BatchError("the notebook does not declare the override parameter(s) " + ", ".join(undeclared),
                         problems=[Problem("the option cannot reach the notebook",
                                           "add them to the notebook's parameters cell")])
    return overrides, data_files, target_files, frame


def _units_in_data(unit_ids: list[str], frame: pd.DataFrame | None, *, explicit: bool) -> tuple[list[str], list[str]]:
    """With ``--data`` and no ``--units``, the units the data hold (a report on no rows says nothing); a
    warning names the units left out. Units asked for by name are kept: they fail on their own if empty."""
    if frame is None or explicit:
        return unit_ids, []
    present = set(frame["unit_id"])
    kept = [u for u in unit_ids if u in present]
    if not kept:
        raise BatchError("the --data files hold no unit of data/units.csv", problems=[Problem(
            "no rows to report on", "check the unit_id column (ids, names or codes of data/units.csv)")])
    skipped = [u for u in unit_ids if u not in present]
    return kept, ([f"{len(skipped)} unit(s) have no rows in the --data files and are left out: {', '.join(skipped)}"]
                  if skipped else [])


def _params_files(unit_ids: Iterable[str], params_dir: str | Path | None, known: Iterable[str]
                  ) -> tuple[dict[str, Path], list[str]]:
    """Per-unit params files from ``--params-dir`` (``<unit_id>.yaml`` or ``.yml``; a unit without one keeps
    params/<unit>.yaml), and a warning for every YAML file there whose name is no unit id."""
    if params_dir is None:
        return {}, []
    folder = Path(params_dir)
    if not folder.is_dir():
        raise BatchError("--params-dir is not a folder", path=folder,
                         problems=[Problem("no such folder", "give a folder holding <unit_id>.yaml files")])
    yaml_files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES)
    by_unit: dict[str, list[Path]] = {}
    for path in yaml_files:
        by_unit.setdefault(path.stem, []).append(path)
    twice = {u: ps for u, ps in by_unit.items() if len(ps) > 1}
    if twice:
        raise BatchError("--params-dir has two params files for one unit", path=folder, problems=[
            Problem(f"{' and '.join(p.name for p in ps)} are both for '{u}'", "keep one of them")
            for u, ps in twice.items()])
    known = set(known)
    warnings = [f"{folder / stem}{ps[0].suffix} is used for no unit: '{stem}' is not a unit id"
                + suggestion(stem, known) for stem, ps in by_unit.items() if stem not in known]
    return {u: by_unit[u][0].resolve() for u in unit_ids if u in by_unit}, warnings


def _params_inputs(unit_ids: Iterable[str], overrides: Mapping[str, Any],
                   params_files: Mapping[str, Path]) -> tuple[list[Path], dict[str, str]]:
    """The files the units will read, and the units whose params do not load.

    A unit whose params file is broken (a typo, a missing data file) is not a reason to stop the other
    units: it runs anyway, fails in its first cell with the ParamsError, and is reported like any failure.
    """
    files: list[Path] = [DEFAULTS_FILE]
    broken: dict[str, str] = {}
    for unit_id in unit_ids:
        try:
            params = load_unit_params(params_files.get(unit_id, unit_id), unit_id=unit_id)
        except ToolkitError as exc:
            broken[unit_id] = str(exc)
            continue
        files.append(Path(params.params_file))
        if "data_override" not in overrides:
            files += list(params.data_paths)
        files += list(params.comparison_paths)
        if "targets_override" not in overrides:
            files += params.target_paths(overrides.get("cycle_override", ""))
    return files, broken


def plan_batch(units: Sequence[str] | None = None, workers: int | None = None, data: Sequence[str] | None = None,
               as_of: int | None = None, targets: str | None = None, out: str | Path | None = None, *,
               template: str | Path | None = None, extras: Mapping[str, str | Path] | None = None,
               params_dir: str | Path | None = None, timeout: float | None = None, cycle: str | None = None,
               sheet: str | None = None, prefer: str | None = None, language: str | None = None,
               level: str | None = None, within: str | None = None) -> Plan:
    """Validate a batch and resolve its defaults; every user error is raised here, before any kernel.

    The exception is one unit's broken params file: that unit is listed in ``Plan.broken`` and fails on
    its own when it runs, so the other units still complete.
    """
    cell_timeout = _cell_timeout(timeout)
    language = _run_language(language)
    template = Path(template) if template else TEMPLATE
    if not template.is_file():
        raise BatchError("notebook template not found", path=template)
    declared = declared_parameters(template)
    missing = [p for p in REQUIRED_PARAMETERS if p not in declared]
    if missing:
        raise BatchError(f"the notebook's parameters cell lacks {', '.join(missing)}", path=template,
                         problems=[Problem("not a report template", "tag the parameters cell 'parameters'")])
    table = load_units()
    unit_ids = _resolve_units(units, table, level=level, within=within)
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 1:
        raise BatchError(f"--workers must be at least 1, not {workers}")
    if extras is None:
        extras = {name: path for name, path in EXTRAS.items() if Path(path).is_file()}
    extras = {str(name): Path(path) for name, path in extras.items()}
    for name, path in extras.items():
        if not path.is_file():
            raise BatchError(f"extra notebook '{name}' not found", path=path)
    clash = sorted(set(extras) & set(unit_ids))
    if clash:
        raise BatchError(f"unit id(s) {', '.join(clash)} clash with extra notebook names")
    overrides, data_files, target_files, frame = _overrides(data, as_of, targets, cycle, declared, sheet, prefer)
    if prefer is not None and frame is None:
        raise BatchError("--prefer chooses between --data files", problems=[Problem(
            "no --data given", "give the files with --data, the one that wins with --prefer")])
    unit_ids, data_warnings = _units_in_data(unit_ids, frame, explicit=units is not None)
    if (sheet is not None or prefer is not None) and "data_label" not in declared:
        raise BatchError("--sheet needs a template that takes the batch's data slices (a 'data_label' parameter)")
    if "params_file" in declared:
        overrides = {"params_file": "", **overrides}
    if "language" in declared:  # one edition per run: the run's language replaces each params file's
        overrides["language"] = language
    params_files, warnings = _params_files(unit_ids, params_dir, table.index)
    warnings = data_warnings + warnings
    if params_files and "params_file" not in declared:
        raise BatchError("--params-dir needs a 'params_file' parameter in the notebook", path=template)
    params_inputs, broken = _params_inputs(unit_ids, overrides, params_files)
    inputs = [*UNIT_FILES, INDICATORS_CSV, template, *extras.values(), *data_files, *target_files, *params_inputs]
    out = Path(out) if out else OUTPUTS_DIR
    io.check_output(out, inputs=inputs, folder=True)  # the folder itself: never inside the package
    io.check_outputs(RunFolder(out).planned_files(unit_ids, extras), inputs=inputs, new_shipped=False)
    out = _check_out(out)
    settings = {"workers": workers, "template": _shown(template),
                "extra_templates": {k: _shown(v) for k, v in extras.items()},
                "as_of": overrides.get("as_of_override"), "targets": overrides.get("targets_override"),
                "cycle": overrides.get("cycle_override"), "language": language,
                "data": [_shown(p) for p in data_files] or None,
                "kernel_cwd": _shown(template.parent), "out": str(out), "timeout_s": cell_timeout}
    return Plan(unit_ids=unit_ids, units=table, out=out, workers=workers, template=template, extras=extras,
                overrides=overrides, inputs=inputs, settings=settings, params_files=params_files, broken=broken,
                warnings=warnings, cell_timeout=cell_timeout, checksums=input_checksums(inputs),
                data=frame if "data_label" in declared else None, language=language,
                extra_parameters={name: declared_parameters(path) for name, path in extras.items()})


def _run_language(language: str | None) -> str:
    """``--lang``, else the ``language`` of params/defaults.yaml; a BatchError naming the choices."""
    if language is None:
        return load_defaults().get("language", DEFAULT_LANGUAGE)
    try:
        return check_language(language)
    except ToolkitError as exc:
        raise BatchError(f"--lang {language} is not an edition of the reports", problems=[Problem(
            f"editions: {', '.join(LANGUAGES)}", "give --lang zh (Chinese) or --lang en (English)")]) from exc


def _shown(path: Path) -> str:
    """Paths in run.json: project-relative inside the project, the resolved absolute path outside."""
    return display_path(path, outside="resolved")


def _cell_timeout(timeout: float | None) -> float | None:
    """``--timeout``: a positive number of seconds, or None for no limit."""
    if timeout is None:
        return None
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise BatchError(f"--timeout must be a positive number of seconds, not {timeout!r}", problems=[Problem(
            "not a positive number", "give the seconds one notebook cell may run, e.g. --timeout 600")])
    return seconds
