"""Run the province report for many units with Papermill, in parallel, with failure isolation.

Pipeline (after papermill's ``execute.py``): validate everything up front -> parameterize and execute one
notebook per unit in a process pool -> raise for errors (a cell error fails that unit only) -> render HTML
-> write results.csv/.xlsx, run.json and index.html. Kernel start-up dominates a notebook's cost, so each
worker executes *and* renders its unit (:func:`toolkit.batch.execute.execute_job`); the parent only plans,
schedules, reports progress and writes the combined outputs.

Decisions:

- Working directory of every kernel: the template's folder (``notebooks/``), as in JupyterLab and nbval,
  so a notebook behaves the same interactively, under nbval and in the batch. Notebooks must not rely on
  it anyway: ``toolkit.core.paths`` gives absolute paths and ``output_dir`` is absolute.
- Overrides (``--data``, ``--as-of``, ``--targets``) reach the notebook as ASCII parameters
  ``data_override`` (";"-joined absolute paths), ``as_of_override`` (int, 0 = params) and
  ``targets_override`` (set name or absolute CSV path, "" = params). They are passed only when set, and
  the template must declare any that is set (checked against its parameters cell before any kernel starts).
- How one notebook is executed (papermill options, start-up retries): see :mod:`toolkit.batch.execute`.
- Re-running into the same folder replaces this run's outputs; a unit's ``summary.json``/``results.csv``
  are deleted before it runs, so a failure never shows stale numbers. Files of units *not* in this run are
  left on disk but kept out of the index, results.csv/xlsx and run.json (they describe an older run).
- A lock file (``.toolkit-run.lock``) refuses a second concurrent run into the same folder.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from toolkit.core import io
from toolkit.core.errors import BatchError, Problem
from toolkit.batch.execute import KERNEL_ENV, Job, Outcome, declared_parameters, execute_job
from toolkit.core.paths import INDICATORS_CSV, NOTEBOOKS_DIR, OUTPUTS_DIR, PROJECT_ROOT, TARGETS_DIR, UNITS_CSV

TEMPLATE = NOTEBOOKS_DIR / "province_report.ipynb"
#: Notebooks run after the units when they exist: name -> template. ``overview`` gets ``run_dir``.
EXTRAS = {"overview": NOTEBOOKS_DIR / "overview.ipynb",
          "method_evaluation": NOTEBOOKS_DIR / "method_evaluation.ipynb"}
#: Extras that read the units' outputs, so they start only when every unit has finished.
AFTER_UNITS = frozenset({"overview"})
REQUIRED_PARAMETERS = ("unit_id", "output_dir")
LOCK_NAME = ".toolkit-run.lock"
UNIT_FILES = ("summary.json", "results.csv")  # the notebook contract's outputs, cleared before a unit runs


# ------------------------------------------------------------------------------------ validation / plan


@dataclass
class Plan:
    """A validated batch: nothing below can fail for a reason the user could have caught up front."""

    unit_ids: list[str]
    units: Any  # DataFrame indexed by unit_id
    out: Path
    workers: int
    template: Path
    extras: dict[str, Path]
    overrides: dict[str, Any]
    inputs: list[Path] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    params_files: dict[str, Path] = field(default_factory=dict)  # from --params-dir
    broken: dict[str, str] = field(default_factory=dict)  # unit -> params error; the unit fails on its own




def _resolve_units(units: Sequence[str] | None, table) -> list[str]:
    """Unit ids (or names, codes) -> ids in the unit table's order; UnknownUnitError for unknown or path-like."""
    from toolkit.inputs.units import check_unit_id, resolve_unit

    if units is None:
        return [str(u) for u in table.index]
    names = [units] if isinstance(units, str) else list(units)
    wanted = {check_unit_id(resolve_unit(str(name).strip(), table)) for name in names}
    ordered = [str(u) for u in table.index if u in wanted]
    if not ordered:
        raise BatchError("no units to run", problems=[Problem("the unit list is empty", "give at least one unit id")])
    return ordered


def _find_file(path: str | Path) -> Path:
    """A user path: absolute, else relative to the current folder, else to the project root."""
    path = Path(path).expanduser()
    if path.is_absolute():
        return path
    return (Path.cwd() / path).resolve() if (Path.cwd() / path).exists() else (PROJECT_ROOT / path).resolve()


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


def _overrides(data, as_of, targets, declared: set[str]) -> tuple[dict[str, Any], list[Path], list[Path]]:
    """Notebook parameters for the run-wide overrides, validated; plus the data and target files they name."""
    overrides: dict[str, Any] = {}
    data_files: list[Path] = []
    target_files: list[Path] = []
    if data:
        paths = [_find_file(p) for p in ([data] if isinstance(data, str | Path) else data)]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise BatchError("observation file(s) not found", problems=[
                Problem(f"no such file: {m}", "check the --data path") for m in missing])
        if any(";" in str(p) for p in paths):
            raise BatchError("a --data path contains ';'", problems=[Problem("';' separates files", "rename it")])
        from toolkit.inputs.observations import load_observations

        load_observations(paths)  # a broken file fails here once, not in every kernel
        overrides["data_override"] = ";".join(str(p) for p in paths)
        data_files = paths
    if as_of is not None:
        from toolkit.inputs.schema import FIRST_YEAR, LAST_YEAR

        try:
            as_of = int(as_of)
        except (TypeError, ValueError) as exc:
            raise BatchError(f"--as-of must be a year, not {as_of!r}") from exc
        if not FIRST_YEAR <= as_of <= LAST_YEAR:
            raise BatchError(f"--as-of {as_of} is not a plausible year ({FIRST_YEAR}-{LAST_YEAR})")
        overrides["as_of_override"] = as_of
    if targets:
        from toolkit.inputs.catalog import load_targets

        path = _find_file(targets)
        targets_text = str(path) if (path.is_file() and str(targets).endswith(".csv")) else str(targets)
        load_targets(targets_text)  # TargetError for an unknown set or a broken file
        overrides["targets_override"] = targets_text
        target_files.append(path if path.is_file() else TARGETS_DIR / f"{targets}.csv")
    undeclared = [name for name in overrides if name not in declared]
    if undeclared:
        raise BatchError("the notebook does not declare the override parameter(s) " + ", ".join(undeclared),
                         problems=[Problem("the option cannot reach the notebook",
                                           "add them to the notebook's parameters cell")])
    return overrides, data_files, target_files


def _params_files(unit_ids: Iterable[str], params_dir: str | Path | None) -> dict[str, Path]:
    """Per-unit params files from ``--params-dir`` (a unit without a file there keeps params/<unit>.yaml)."""
    if params_dir is None:
        return {}
    folder = Path(params_dir)
    if not folder.is_dir():
        raise BatchError("--params-dir is not a folder", path=folder,
                         problems=[Problem("no such folder", "give a folder holding <unit_id>.yaml files")])
    return {u: (folder / f"{u}.yaml").resolve() for u in unit_ids if (folder / f"{u}.yaml").is_file()}


def _params_inputs(unit_ids: Iterable[str], overrides: Mapping[str, Any],
                   params_files: Mapping[str, Path]) -> tuple[list[Path], dict[str, str]]:
    """The files the units will read, and the units whose params do not load.

    A unit whose params file is broken (a typo, a missing data file) is not a reason to stop the other
    units: it runs anyway, fails in its first cell with the ParamsError, and is reported like any failure.
    """
    from toolkit.core.errors import ToolkitError
    from toolkit.inputs.params import DEFAULTS_FILE, load_unit_params

    files: list[Path] = [DEFAULTS_FILE]
    broken: dict[str, str] = {}
    for unit_id in unit_ids:
        try:
            params = load_unit_params(params_files.get(unit_id, unit_id))
        except ToolkitError as exc:
            broken[unit_id] = str(exc)
            continue
        files.append(Path(params.params_file))
        if "data_override" not in overrides:
            files += list(params.data_paths)
        files += list(params.comparison_paths)
        if "targets_override" not in overrides:
            files.append(Path(params.target_path))
    return files, broken


def plan_batch(units: Sequence[str] | None = None, workers: int | None = None, data: Sequence[str] | None = None,
               as_of: int | None = None, targets: str | None = None, out: str | Path | None = None, *,
               template: str | Path | None = None, extras: Mapping[str, str | Path] | None = None,
               params_dir: str | Path | None = None) -> Plan:
    """Validate a batch and resolve its defaults; every user error is raised here, before any kernel.

    The exception is one unit's broken params file: that unit is listed in ``Plan.broken`` and fails on
    its own when it runs, so the other units still complete.
    """
    from toolkit.inputs.units import load_units

    template = Path(template) if template else TEMPLATE
    if not template.is_file():
        raise BatchError("notebook template not found", path=template)
    declared = declared_parameters(template)
    missing = [p for p in REQUIRED_PARAMETERS if p not in declared]
    if missing:
        raise BatchError(f"the notebook's parameters cell lacks {', '.join(missing)}", path=template,
                         problems=[Problem("not a report template", "tag the parameters cell 'parameters'")])
    table = load_units()
    unit_ids = _resolve_units(units, table)
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
    overrides, data_files, target_files = _overrides(data, as_of, targets, declared)
    if "params_file" in declared:
        overrides = {"params_file": "", **overrides}
    params_files = _params_files(unit_ids, params_dir)
    if params_files and "params_file" not in declared:
        raise BatchError("--params-dir needs a 'params_file' parameter in the notebook", path=template)
    params_inputs, broken = _params_inputs(unit_ids, overrides, params_files)
    inputs = [UNITS_CSV, INDICATORS_CSV, template, *extras.values(), *data_files, *target_files, *params_inputs]
    out = _check_out(Path(out) if out else OUTPUTS_DIR)
    settings = {"workers": workers, "template": _show(template),
                "extra_templates": {k: _show(v) for k, v in extras.items()},
                "as_of": overrides.get("as_of_override"), "targets": overrides.get("targets_override"),
                "data": [_show(p) for p in data_files] or None,
                "kernel_cwd": _show(template.parent), "out": str(out)}
    return Plan(unit_ids=unit_ids, units=table, out=out, workers=workers, template=template, extras=extras,
                overrides=overrides, inputs=inputs, settings=settings, params_files=params_files, broken=broken)


def _show(path: Path) -> str:
    from toolkit.batch.manifest import display_path

    return display_path(path)


# ------------------------------------------------------------------------------------------- running


def _unit_job(plan: Plan, unit_id: str) -> Job:
    unit_dir = plan.out / "units" / unit_id
    parameters = {"unit_id": unit_id, "output_dir": str(unit_dir), **plan.overrides}
    if unit_id in plan.params_files:
        parameters["params_file"] = str(plan.params_files[unit_id])
    row = plan.units.loc[unit_id]
    title = f"{row.get('name_en', unit_id)} {row.get('name_zh', '')} — outline monitoring report".replace("  ", " ")
    return Job(name=unit_id, kind="unit", template=plan.template, parameters=parameters,
               notebook=plan.out / "notebooks" / f"{unit_id}.ipynb", html=plan.out / "html" / f"{unit_id}.html",
               cwd=plan.template.parent, clear=tuple(unit_dir / f for f in UNIT_FILES), title=title)


def _extra_job(plan: Plan, name: str, template: Path) -> Job:
    parameters = {"run_dir": str(plan.out)} if name == "overview" else {}
    return Job(name=name, kind="extra", template=template, parameters=parameters,
               notebook=plan.out / "notebooks" / f"{name}.ipynb", html=plan.out / f"{name}.html",
               cwd=template.parent, title=f"{name.replace('_', ' ').capitalize()} — outline monitoring")


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files of atomic writes that a killed run left behind (safe: this run holds the lock)."""
    for folder in (out, out / "notebooks", out / "html", *(out / "units").glob("*/")):
        for path in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                path.unlink()


def _init_worker(env: Mapping[str, str]) -> None:
    """Pool initializer: kernels inherit the worker's environment."""
    os.environ.update(env)


def _mp_context():
    """``fork`` is cheapest, but only safe while this process has a single thread (e.g. not in Jupyter)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


@contextlib.contextmanager
def _run_lock(out: Path) -> Iterator[None]:
    """Refuse a second concurrent run into the same folder (their atomic writes would interleave)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    with open(out / LOCK_NAME, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BatchError("another run is writing into this output folder", path=out,
                             problems=[Problem("folder locked", "wait for it or choose another --out")]) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _line(outcome: Outcome) -> str:
    label = outcome.name if outcome.kind == "unit" else f"[{outcome.name}]"
    line = f"{'ok' if outcome.ok else 'FAILED':<7}{label:<20}{outcome.duration_s:7.1f} s"
    if not outcome.ok:
        line += f"  {outcome.ename}: {(outcome.evalue or '').splitlines()[0][:160] if outcome.evalue else ''}"
    return line


def run_jobs(jobs: Sequence[Job], after: Sequence[Job] = (), *, workers: int, progress: bool = True,
             echo: bool = True, before_after: Callable[[dict[str, Outcome]], None] | None = None
             ) -> dict[str, Outcome]:
    """Execute ``jobs`` in a process pool; one outcome per job name.

    ``after`` jobs (those that read the units' outputs) start once every ``unit`` job has finished, right
    after ``before_after(outcomes)`` (which writes what they read). One tqdm bar over all jobs and one
    printed line per finished job (status, name, seconds).
    """
    from tqdm import tqdm

    class _Bar(tqdm):
        monitor_interval = 0  # no monitor thread: a later run may then still fork safely

    total = len(jobs) + len(after)
    outcomes: dict[str, Outcome] = {}
    if not total:
        return outcomes
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, total)), mp_context=_mp_context(),
                               initializer=_init_worker, initargs=(KERNEL_ENV,))
    try:
        submitted: dict[Future, tuple[Job, float]] = {}

        def submit(job: Job) -> Future:
            future = pool.submit(execute_job, job)
            submitted[future] = (job, time.perf_counter())
            return future

        for job in jobs:
            submit(job)
        bar = _Bar(total=total, desc="notebooks", unit="nb", disable=not progress, file=sys.stderr,
                   dynamic_ncols=True)
        units = [job.name for job in jobs if job.kind == "unit"]
        pending, queued_after = set(submitted), list(after)
        while pending or queued_after:
            if queued_after and all(name in outcomes for name in units):
                if before_after is not None:
                    before_after(dict(outcomes))
                pending |= {submit(job) for job in queued_after}
                queued_after = []
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job, t0 = submitted[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died (e.g. out of memory)
                    outcome = Outcome(job.name, job.kind, duration_s=round(time.perf_counter() - t0, 2))
                    outcome.fail(exc)
                outcomes[job.name] = outcome
                bar.update(1)
                if echo:
                    bar.write(_line(outcome), file=sys.stdout)
        bar.close()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outcomes


def _ensure_pages(jobs: Iterable[Job], outcomes: Mapping[str, Outcome]) -> None:
    """A job without a page (its worker died, or rendering failed) gets an error page, so its link works."""
    import nbformat

    from toolkit.batch.pages import error_notebook, render_html

    for job in jobs:
        outcome = outcomes[job.name]
        if outcome.rendered:
            continue
        nb = error_notebook(job.name, outcome.ename or "Error", outcome.evalue or "")
        with contextlib.suppress(Exception):
            if not job.notebook.exists():
                io.write_text(job.notebook, nbformat.writes(nb))
            render_html(nb, job.html, resources_dir=job.cwd, title=job.title or None)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _summary_inputs(out: Path, unit_ids: Iterable[str]) -> list[Path]:
    """Data files a unit reports having read (summary.json ``data_files``), project-relative or absolute."""
    from toolkit.batch.pages import read_summary

    files = []
    for unit_id in unit_ids:
        for name in (read_summary(out, unit_id) or {}).get("data_files", []) or []:
            path = Path(str(name))
            files.append(path if path.is_absolute() else PROJECT_ROOT / path)
    return files


def run_batch(units: Sequence[str] | None = None, workers: int | None = None, data: Sequence[str] | None = None,
              as_of: int | None = None, targets: str | None = None, out: str | Path | None = None, *,
              template: str | Path | None = None, extras: Mapping[str, str | Path] | None = None,
              params_dir: str | Path | None = None, progress: bool = True) -> int:
    """Run the report for every unit (default: all of data/units.csv); 0 when all succeeded, 1 otherwise.

    ``template`` replaces notebooks/province_report.ipynb (tests, benchmarks); ``extras`` maps extra notebook
    names to templates (default: overview and method_evaluation when they exist; ``{}`` runs none);
    ``params_dir`` holds ``<unit_id>.yaml`` files that replace params/ for those units.
    Raises a :class:`ToolkitError` for anything wrong with the request, before any kernel starts.
    """
    from toolkit.batch.manifest import write_manifest
    from toolkit.batch.pages import write_index, write_results

    plan = plan_batch(units, workers, data, as_of, targets, out, template=template, extras=extras,
                      params_dir=params_dir)
    started, t0 = _now(), time.perf_counter()
    if progress:
        for unit_id, error in plan.broken.items():
            print(f"warning: {unit_id} will fail: {error.splitlines()[0]}", flush=True)
    with _run_lock(plan.out):
        _remove_stale_temporaries(plan.out)
        unit_jobs = [_unit_job(plan, unit_id) for unit_id in plan.unit_ids]
        extra_jobs = [_extra_job(plan, name, path) for name, path in plan.extras.items()]
        first = unit_jobs + [j for j in extra_jobs if j.name not in AFTER_UNITS]
        after = [j for j in extra_jobs if j.name in AFTER_UNITS]
        if progress:
            print(f"running {len(unit_jobs)} unit(s) + {len(extra_jobs)} extra notebook(s) with "
                  f"{min(plan.workers, len(first) + len(after))} worker(s) into {plan.out}", flush=True)
        written: list[str] = []

        def combine(outcomes: Mapping[str, Outcome]) -> None:  # before the overview, which reads results.csv
            written[:] = [u for u in plan.unit_ids if outcomes[u].ok]
            write_results(plan.out, written)

        outcomes = run_jobs(first, after, workers=plan.workers, progress=progress, echo=progress,
                            before_after=combine)
        if not after:
            combine(outcomes)
        _ensure_pages(unit_jobs + extra_jobs, outcomes)
        ok_units = written
        unit_rows = [_unit_row(plan, outcomes[u]) for u in plan.unit_ids]
        extra_rows = [{"name": j.name, "status": outcomes[j.name].status, "duration_s": outcomes[j.name].duration_s,
                       "attempts": outcomes[j.name].attempts, "error": outcomes[j.name].error(),
                       "notebook": f"notebooks/{j.name}.ipynb", "html": f"{j.name}.html"} for j in extra_jobs]
        inputs = plan.inputs + _summary_inputs(plan.out, plan.unit_ids)
        settings = {**plan.settings, "duration_s": round(time.perf_counter() - t0, 2)}
        manifest = write_manifest(plan.out, started=started, finished=_now(), units=unit_rows, extras=extra_rows,
                                  inputs=inputs, settings=settings)
        index = write_index(plan.out, manifest)
    failed = manifest["failed"]
    if progress:
        n_ok = len(ok_units)
        print(f"{n_ok}/{len(plan.unit_ids)} units ok; failed: {', '.join(failed) or 'none'}; "
              f"{settings['duration_s']:.1f} s. Index: {index}", flush=True)
    return 1 if failed else 0


def _unit_row(plan: Plan, outcome: Outcome) -> dict[str, Any]:
    row = plan.units.loc[outcome.name]

    def text(column: str) -> str:
        value = row.get(column, "")
        return "" if value is None or value != value else str(value)  # NaN -> ""

    return {"unit_id": outcome.name, "name_en": text("name_en"), "name_zh": text("name_zh"), "region": text("region"),
            "status": outcome.status, "duration_s": outcome.duration_s, "attempts": outcome.attempts,
            "error": outcome.error(), "notebook": f"notebooks/{outcome.name}.ipynb",
            "html": f"html/{outcome.name}.html",
            "results": f"units/{outcome.name}/results.csv"}

