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
- Overrides (``--data``, ``--as-of``, ``--targets``, ``--cycle``) reach the notebook as ASCII parameters
  ``data_override`` (";"-joined absolute paths), ``as_of_override`` (int, 0 = params) and
  ``targets_override`` (set name or absolute CSV path, "" = params), ``cycle_override`` ("2011-2020", "" =
  params). They are passed only when set, and
  the template must declare any that is set (checked against its parameters cell before any kernel starts).
- How one notebook is executed (papermill options, start-up retries): see :mod:`toolkit.batch.execute`.
- Re-running into the same folder replaces this run's outputs; a unit's ``summary.json``/``results.csv``
  are deleted before it runs, so a failure never shows stale numbers. Files of units *not* in this run are
  left on disk but kept out of the index, results.csv/xlsx and run.json (they describe an older run).
- A lock file (``.toolkit-run.lock``) refuses a second concurrent run into the same folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from toolkit.batch.cluster import run_jobs_on_cluster
from toolkit.batch.execute import Job, Outcome
from toolkit.batch.index_page import write_index
from toolkit.batch.kernels import warm_imports
from toolkit.batch.manifest import input_checksums, write_manifest
from toolkit.batch.outputs import write_results
from toolkit.batch.pages import error_notebook, extra_title, render_html
from toolkit.batch.pdf import PdfResult, check_pdf_support, pdf_dir, pdf_href, remove_pdfs, write_pdfs
from toolkit.batch.plan import AFTER_UNITS, Plan, plan_batch
from toolkit.batch.pool import Interrupted, job_line, run_jobs
from toolkit.contracts.labels import both_names, local_name
from toolkit.contracts.run_folder import INTERRUPTED, RUNNING, SLICES_DIR, UNIT_FILES, RunFolder, data_file_paths
from toolkit.core import io
from toolkit.core.errors import BatchError, Problem, ToolkitError
from toolkit.core.i18n import _, language
from toolkit.inputs.units import names_above

# ------------------------------------------------------------------------------------------- running

#: How unit notebooks get their kernel (``--kernels``); extras always get a fresh one (two per run).
KERNEL_MODES = ("warm", "fresh")


def _unit_job(plan: Plan, unit_id: str, kernel: str = "fresh", imports: tuple[str, ...] = ()) -> Job:
    folder = RunFolder(plan.out)
    unit_dir = folder.unit_dir(unit_id)
    parameters = {"unit_id": unit_id, "output_dir": str(unit_dir), **plan.overrides}
    if plan.data is not None:  # the unit's rows of --data, not the whole file; the report names the file
        parameters.update(data_override=str(folder.input_slice(unit_id)), data_label=plan.overrides["data_override"])
    if unit_id in plan.params_files:
        parameters["params_file"] = str(plan.params_files[unit_id])
    with language(plan.language):
        # A county's browser tab and printed header name its province and prefecture: 朝阳区 alone is 29 places.
        name = " · ".join([*names_above(unit_id, local_name), both_names(plan.units.loc[unit_id])])
        title = _("{unit} — Outline monitoring report").format(unit=name)
    return Job(name=unit_id, kind="unit", template=plan.template, parameters=parameters,
               notebook=folder.notebook(unit_id), html=folder.unit_html(unit_id),
               cwd=plan.template.parent, clear=tuple(unit_dir / f for f in UNIT_FILES), title=title,
               cell_timeout=plan.cell_timeout, language=plan.language, nav=_nav(plan, prefix="../"),
               kernel=kernel, warm_imports=imports)


def _nav(plan: Plan, *, prefix: str = "", this: str = "") -> tuple[tuple[str, str], ...]:
    """Links from a page back to the index and to the run's other pages (``prefix``: from html/ up to the run
    folder; ``this``: the page itself, left out)."""
    with language(plan.language):
        links = [(_("Index of the run"), f"{prefix}index.html")]
        links += [(extra_title(name), f"{prefix}{RunFolder(plan.out).extra_html(name).name}")
                  for name in plan.extras if name != this]
    return tuple(links)


def _extra_job(plan: Plan, name: str, template: Path) -> Job:
    parameters = {"run_dir": str(plan.out)} if name == "overview" else {}
    if "language" in plan.extra_parameters.get(name, ()):
        parameters["language"] = plan.language
    with language(plan.language):
        title = _("{page} — Outline monitoring").format(page=extra_title(name))
    return Job(name=name, kind="extra", template=template, parameters=parameters,
               notebook=RunFolder(plan.out).notebook(name), html=RunFolder(plan.out).extra_html(name),
               cwd=template.parent, title=title, cell_timeout=plan.cell_timeout, language=plan.language,
               nav=_nav(plan, this=name))


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files of atomic writes that a killed run left behind (safe: this run holds the lock).

    Only real folders of the run are cleaned: a symbolic link inside the output folder is never followed, so a
    link to somewhere else cannot make the run delete files there.
    """
    units = out / "units"
    unit_dirs = [d for d in units.iterdir() if d.is_dir()] if units.is_dir() and not units.is_symlink() else []
    for folder in (out, out / "notebooks", out / "html", pdf_dir(out), *unit_dirs):
        if folder.is_symlink() or not folder.is_dir():
            continue
        for path in folder.glob(".*.tmp"):
            if not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()


@contextlib.contextmanager
def _run_lock(out: Path) -> Iterator[None]:
    """Refuse a second concurrent run into the same folder (their atomic writes would interleave).

    A POSIX record lock (``lockf``): it belongs to this process only (forked workers do not inherit it) and
    the system releases it when the process ends, however it ends, so a killed run never leaves the folder
    locked. The holder's PID is written into the lock file for the message of the run that is refused.
    """
    with open(RunFolder(out).lock, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip()[:40] or "unknown"
            raise BatchError(f"another run (PID {holder}) is writing into this output folder", path=out,
                             problems=[Problem("folder locked", f"wait for it to finish, stop it (kill {holder}), "
                                               "or choose another --out")]) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.lockf(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """``kill PID`` stops a run like Ctrl-C does (workers stopped, the folder marked interrupted)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_status(plan: Plan, started: str, status: str, **details: Any) -> None:
    """run.json and the index of a run that has not completed (``running`` or ``interrupted``)."""
    info = {"status": status, "started": started, "units": [], "extras": [], "toolkit_version": "", "git": {},
            "as_of": plan.settings.get("as_of"), "targets": plan.settings.get("targets"),
            "language": plan.language,
            "planned_units": list(plan.unit_ids), **details}
    io.write_text(RunFolder(plan.out).manifest, json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    write_index(plan.out, info, language=plan.language)


def _mark_incomplete(plan: Plan, started: str) -> None:
    """Before anything of the previous run is replaced: run.json and the index say this run has not finished,
    so a run that is killed never leaves the folder claiming the previous run's success."""
    _write_status(plan, started, RUNNING, finished=None, pid=os.getpid())


def _ensure_pages(jobs: Iterable[Job], outcomes: Mapping[str, Outcome]) -> None:
    """A job without a page (its worker died, or rendering failed) gets an error page, so its link works."""
    import nbformat  # 2.4 s cold here (jsonschema); only needed when a worker died


    for job in jobs:
        outcome = outcomes[job.name]
        if outcome.rendered:
            continue
        nb = error_notebook(job.name, outcome.ename or "Error", outcome.evalue or "", language_code=job.language)
        with contextlib.suppress(Exception):
            if not job.notebook.exists():
                io.write_text(job.notebook, nbformat.writes(nb))
            render_html(nb, job.html, resources_dir=job.cwd, title=job.title or None, language=job.language,
                        nav=job.nav)


def _print_pdfs(plan: Plan, jobs: Sequence[Job], outcomes: Mapping[str, Outcome], progress: bool) -> PdfResult:
    """``--pdf``: the page of every job that succeeded printed to ``pdf/<name>.pdf`` (a failed job's page is
    not a report: it is skipped). A page that cannot be printed, or a browser that does not start, is
    recorded and does not stop the run: run.json and the index are still written."""
    pages = [(job.name, job.html) for job in jobs if outcomes[job.name].ok]
    if progress:
        print(f"printing {len(pages)} page(s) to PDF", flush=True)
    try:
        printed = write_pdfs(pdf_dir(plan.out), pages)
    except ToolkitError as exc:
        printed = PdfResult(failed={name: str(exc).replace("\n", " ") for name, _path in pages})
    if progress:
        for name, reason in printed.failed.items():
            print(f"error: no PDF of {name}: {reason}", flush=True)
        print(f"{len(printed.written)} PDF(s) in {pdf_dir(plan.out)}", flush=True)
    return printed


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _summary_inputs(out: Path, unit_ids: Iterable[str]) -> list[Path]:
    """Data files the units report having read (summary.json ``data_files``)."""
    folder = RunFolder(out)
    return data_file_paths(name for unit_id in unit_ids
                           for name in (folder.read_summary(unit_id) or {}).get("data_files", []) or [])


def run_batch(units: Sequence[str] | None = None, workers: int | None = None, data: Sequence[str] | None = None,
              as_of: int | None = None, targets: str | None = None, out: str | Path | None = None, *,
              template: str | Path | None = None, extras: Mapping[str, str | Path] | None = None,
              params_dir: str | Path | None = None, timeout: float | None = None, cycle: str | None = None,
              sheet: str | None = None, prefer: str | None = None, language: str | None = None,
              progress: bool = True, pdf: bool = False, kernels: str = "warm", scheduler: str | None = None,
              level: str | None = None, within: str | None = None) -> int:
    """Run the report for every unit (default: all of data/units.csv); 0 when all succeeded, 1 otherwise.

    ``template`` replaces notebooks/province_report.ipynb (tests, benchmarks); ``extras`` maps extra notebook
    names to templates (default: overview and method_evaluation when they exist; ``{}`` runs none);
    ``params_dir`` holds ``<unit_id>.yaml`` files that replace params/ for those units. ``language``: the
    edition of every page of the run (zh or en; default: params/defaults.yaml's ``language``).
    ``pdf``: also print the page of every unit and extra that succeeded to ``pdf/<name>.pdf``
    (:mod:`toolkit.batch.pdf`; Playwright and Chromium are checked before any kernel starts).
    ``kernels``: ``warm`` (default) runs a worker's units one after another on one kernel that imported the
    libraries once (:mod:`toolkit.batch.kernels`); ``fresh`` starts a kernel per notebook. ``scheduler``: the
    address of a Dask scheduler (or ``local`` for a LocalCluster) that runs the unit notebooks
    (:mod:`toolkit.batch.cluster`); the extras then run on this machine's pool once the units are done.
    Raises a :class:`ToolkitError` for anything wrong with the request, before any kernel starts.
    """
    if kernels not in KERNEL_MODES:
        raise BatchError(f"unknown kernel mode '{kernels}'", problems=[Problem(
            "--kernels is warm or fresh", fix="use --kernels warm (the default) or --kernels fresh")])
    if pdf:
        check_pdf_support()  # a missing browser fails the request now, not after every notebook has run
    plan = plan_batch(units, workers, data, as_of, targets, out, template=template, extras=extras,
                      params_dir=params_dir, timeout=timeout, cycle=cycle, sheet=sheet, prefer=prefer,
                      language=language, level=level, within=within)
    started, t0 = _now(), time.perf_counter()
    if progress:
        for warning in plan.warnings:
            print(f"warning: {warning}", flush=True)
        for unit_id, error in plan.broken.items():
            print(f"warning: {unit_id} will fail: " + error.replace("\n", "\n    "), flush=True)
    with _run_lock(plan.out), _sigterm_as_interrupt():
        _mark_incomplete(plan, started)
        _remove_stale_temporaries(plan.out)
        _write_slices(plan)
        imports = warm_imports(plan.template) if kernels == "warm" else ()
        unit_jobs = [_unit_job(plan, unit_id, kernels, imports) for unit_id in plan.unit_ids]
        extra_jobs = [_extra_job(plan, name, path) for name, path in plan.extras.items()]
        remove_pdfs(pdf_dir(plan.out), [j.name for j in unit_jobs + extra_jobs])  # never a PDF of an older run
        first = unit_jobs + [j for j in extra_jobs if j.name not in AFTER_UNITS]
        after = [j for j in extra_jobs if j.name in AFTER_UNITS]
        if progress:
            where = f"the Dask cluster at {scheduler}" if scheduler else \
                f"{min(plan.workers, len(first) + len(after))} worker(s)"
            print(f"running {len(unit_jobs)} unit(s) + {len(extra_jobs)} extra notebook(s) on {where} "
                  f"into {plan.out}", flush=True)
        written: list[str] = []

        def combine(outcomes: Mapping[str, Outcome]) -> None:  # before the overview, which reads results.csv
            written[:] = [u for u in plan.unit_ids if outcomes[u].ok]
            write_results(plan.out, written, language=plan.language)

        try:
            if scheduler:
                outcomes = run_jobs_on_cluster(unit_jobs, scheduler=scheduler, workers=plan.workers, root=plan.out,
                                               progress=progress, echo=progress, line=job_line)
                combine(outcomes)
                outcomes.update(run_jobs(extra_jobs, workers=plan.workers, progress=progress, echo=progress))
            else:
                outcomes = run_jobs(first, after, workers=plan.workers, progress=progress, echo=progress,
                                    before_after=combine)
        except Interrupted as stop:
            _record_interruption(plan, started, stop.outcomes, progress)
            raise KeyboardInterrupt from None
        finally:
            _remove_slices(plan)
        if not after and not scheduler:
            combine(outcomes)
        _ensure_pages(unit_jobs + extra_jobs, outcomes)
        printed = _print_pdfs(plan, unit_jobs + extra_jobs, outcomes, progress) if pdf else PdfResult()
        ok_units = written
        unit_rows = [_unit_row(plan, outcomes[u]) for u in plan.unit_ids]
        extra_rows = [{"name": j.name, "status": outcomes[j.name].status, "duration_s": outcomes[j.name].duration_s,
                       "attempts": outcomes[j.name].attempts, "error": outcomes[j.name].error(),
                       "notebook": RunFolder.notebook_href(j.name), "html": f"{j.name}.html"} for j in extra_jobs]
        for row in unit_rows + extra_rows:
            if (name := row.get("unit_id", row.get("name"))) in printed.written:
                row["pdf"] = pdf_href(name)
        checksums = input_checksums(plan.inputs + _summary_inputs(plan.out, plan.unit_ids))  # each file once
        changed = {name: {"at_start": before, "at_end": checksums.get(name)}
                   for name, before in plan.checksums.items() if checksums.get(name) != before}
        settings = {**plan.settings, "duration_s": round(time.perf_counter() - t0, 2),
                    **({"inputs_changed_during_run": changed} if changed else {}),
                    **({"pdf_failed": printed.failed} if printed.failed else {})}
        manifest = write_manifest(plan.out, started=started, finished=_now(), units=unit_rows, extras=extra_rows,
                                  settings=settings, checksums=checksums)
        index = write_index(plan.out, manifest, language=plan.language)
    failed = manifest["failed"]
    if changed and progress:
        print(f"error: {len(changed)} input file(s) changed while the run was going: "
              f"{', '.join(changed)}. Units may have read different versions; run again.", flush=True)
    if progress:
        n_ok = len(ok_units)
        print(f"{n_ok}/{len(plan.unit_ids)} units ok; failed: {', '.join(failed) or 'none'}; "
              f"{settings['duration_s']:.1f} s. Index: {index}", flush=True)
    return 1 if failed or changed or printed.failed else 0



def _write_slices(plan: Plan) -> None:
    """Each unit's rows of ``--data`` into ``inputs/<unit>.csv``: the parent read the file once; a kernel reads
    only its rows (a kernel loading a whole 200 MB file needed about 2.7 GB). Deleted when the run ends."""
    if plan.data is None:
        return
    folder = RunFolder(plan.out)
    by_unit = plan.data.groupby("unit_id", sort=False).indices
    columns = [c for c in plan.data.columns if c != "file"]
    for unit_id in plan.unit_ids:
        rows = plan.data.iloc[by_unit.get(unit_id, [])][columns]
        io.atomic_write(folder.input_slice(unit_id), lambda tmp, rows=rows: rows.to_csv(tmp, index=False))


def _remove_slices(plan: Plan) -> None:
    if plan.data is not None:
        shutil.rmtree(plan.out / SLICES_DIR, ignore_errors=True)


def _record_interruption(plan: Plan, started: str, outcomes: Mapping[str, Outcome], progress: bool) -> None:
    """After Ctrl-C: run.json and the index say the run was interrupted and which units had finished."""
    finished = [u for u in plan.unit_ids if u in outcomes]
    with contextlib.suppress(ToolkitError):
        _write_status(plan, started, INTERRUPTED, finished=_now(), finished_units=finished)
    if progress:
        print(f"interrupted: {len(finished)} of {len(plan.unit_ids)} unit(s) had finished "
              f"({', '.join(finished) or 'none'}); the folder is marked as an interrupted run: run again to "
              "complete it", file=sys.stderr, flush=True)


def _unit_row(plan: Plan, outcome: Outcome) -> dict[str, Any]:
    row = plan.units.loc[outcome.name]

    def text(column: str) -> str:
        value = row.get(column, "")
        return "" if value is None or value != value else str(value)  # NaN -> ""

    return {"unit_id": outcome.name, "name_en": text("name_en"), "name_zh": text("name_zh"), "region": text("region"),
            "status": outcome.status, "duration_s": outcome.duration_s, "attempts": outcome.attempts,
            "error": outcome.error(), "notebook": RunFolder.notebook_href(outcome.name),
            "html": RunFolder.unit_html_href(outcome.name),
            "results": RunFolder.unit_results_href(outcome.name)}

