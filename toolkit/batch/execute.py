"""Running one notebook in a worker process with Papermill: parameters, start-up retries, outcome.

:func:`execute_job` is what a pool worker of :mod:`toolkit.batch.run` runs for one unit (or extra notebook):
clear the unit's old outputs, execute the template with its parameters, render the HTML page, and report an
:class:`Outcome` instead of raising, so one failure cannot stop the pool. ``toolkit.batch.golden`` runs the same
jobs, so golden notebooks are executed exactly as the batch executes reports.

Decisions:

- ``record_timing=False`` keeps nbclient's per-message timestamps out of the executed notebooks;
  papermill's own cell metadata (start/end/duration) stays: it is the profile of a run.
- ``request_save_on_cell_execute=False``: papermill would otherwise re-serialize the whole notebook
  (figures included) twice per cell. The executed notebook is written once, atomically (a temporary file
  renamed over ``notebooks/<unit>.ipynb``); a cell error still writes it with papermill's error markers.
- Only kernel start-up failures are retried (twice); a cell error never is.
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.batch import kernels
from toolkit.batch.pages import error_notebook, render_html
from toolkit.core import io
from toolkit.core.i18n import _, current_language, language

KERNEL_NAME = "python3"
#: One BLAS/OpenMP thread per kernel: the pool already runs one kernel per core.
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
#: ipykernel 7 logs a TCP-without-encryption warning at every start; 32 copies of it bury real problems.
#: (and an ERROR line when a failed unit's kernel is shut down). Cell output and warnings still go into the
#: notebook, and every failure is reported by the batch itself.
#: No IPython history database: a batch's kernels are not sessions anyone scrolls back through, parallel
#: kernels would contend for one SQLite file, and a warm kernel's counter restarting at 1 collides with it.
KERNEL_ARGS = ("--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False")
#: The id of papermill's injected-parameters cell: papermill draws a random one (and for its error markers),
#: which made two runs of the same unit differ in the notebook and on the page.
INJECTED_CELL_ID = "injected-parameters"
START_RETRIES = 2
START_TIMEOUT = 60.0


# ------------------------------------------------------------------------------------------------ jobs


@dataclass(frozen=True)
class Job:
    """One notebook execution: everything a worker process needs (picklable)."""

    name: str
    kind: str  # "unit" or "extra"
    template: Path
    parameters: dict[str, Any]
    notebook: Path
    html: Path
    cwd: Path
    clear: tuple[Path, ...] = ()
    start_timeout: float = START_TIMEOUT
    title: str = ""
    cell_timeout: float | None = None  # seconds one cell may run before the job fails (None: no limit)
    language: str = ""  # the page's edition (its <html lang>); "" = the default edition
    nav: tuple[tuple[str, str], ...] = ()  # (label, href) links at the top of the page
    kernel: str = "fresh"  # "warm": run on this worker's warm kernel (toolkit.batch.kernels); "fresh": a new one
    warm_imports: tuple[str, ...] = ()  # what a warm kernel imports once (kernels.warm_imports of the template)


@dataclass
class Outcome:
    """What happened to one job; never an exception, so one failure cannot stop the pool."""

    name: str
    kind: str
    status: str = "ok"  # "ok" or "failed"
    duration_s: float = 0.0
    attempts: int = 0
    ename: str | None = None
    evalue: str | None = None
    cell_index: int | None = None
    rendered: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def error(self) -> dict[str, Any] | None:
        if self.ok:
            return None
        return {"ename": self.ename, "evalue": self.evalue, "cell_index": self.cell_index}

    def fail(self, exc: BaseException, *, prefix: str = "") -> None:
        self.status = "failed"
        self.ename = getattr(exc, "ename", None) or type(exc).__name__
        self.evalue = prefix + (str(getattr(exc, "evalue", None) or exc).strip() or repr(exc))
        self.cell_index = getattr(exc, "cell_index", None)


# ------------------------------------------------------------------------------ in the worker process


def _reached_cells(exc: BaseException) -> bool:
    """True when the traceback passes through papermill's cell loop (the kernel had started)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "papermill_execute_cells":
            return True
        tb = tb.tb_next
    return False


def is_startup_failure(exc: BaseException) -> bool:
    """Kernel start-up races seen under parallel load; the only failures worth retrying."""
    from nbclient.exceptions import DeadKernelError  # 2.7 s cold (with nbformat): workers load it when they run
    from papermill.exceptions import PapermillExecutionError  # part of papermill's 2.9 s

    if isinstance(exc, PapermillExecutionError):
        return False
    text = str(exc)
    if isinstance(exc, RuntimeError) and ("Kernel didn't respond" in text or "Kernel died before replying" in text):
        return True
    if type(exc).__name__ == "ZMQError" and "Address already in use" in text:
        return True
    return isinstance(exc, DeadKernelError) and not _reached_cells(exc)


def _fix_output_path(tmp: Path, final: Path) -> None:
    """Papermill recorded the temporary file as ``output_path``; record the real one (cheap JSON edit), and give
    the cells papermill adds fixed ids, so a unit's notebook and page are the same from run to run."""
    nb = json.loads(tmp.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {}).setdefault("papermill", {})["output_path"] = str(final)
    for position, cell in enumerate(nb.get("cells", [])):
        tags = cell.get("metadata", {}).get("tags", [])
        if "id" in cell and "injected-parameters" in tags:
            cell["id"] = INJECTED_CELL_ID
        elif "id" in cell and "papermill-error-cell-tag" in tags:  # papermill's error markers, also random
            cell["id"] = f"papermill-error-{position}"
    tmp.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": ")) + "\n",
                   encoding="utf-8")


def _warm_kernel(job: Job) -> dict[str, Any]:
    """``km=`` of this worker's warm kernel for a warm job ({} for a fresh one, or when warming up failed: the
    notebook then runs in a fresh kernel, where the failure shows in its own cell)."""
    if job.kernel != "warm":
        return {}
    try:
        kernel = kernels.acquire(kernel_name=KERNEL_NAME, cwd=job.cwd, extra_arguments=KERNEL_ARGS,
                                 imports=job.warm_imports, start_timeout=job.start_timeout)
    except Exception:  # noqa: BLE001 - a broken warm-up must not hide the notebook's own error
        return {}
    return {"km": kernel.km}


def _execute(job: Job) -> BaseException | None:
    """Execute once into ``job.notebook`` (atomically). Returns the cell error, raises anything else."""
    import papermill as pm  # 2.9 s cold here: imported by the worker that runs a notebook, not by the planner
    from papermill.exceptions import PapermillExecutionError  # part of papermill's 2.9 s

    cell_error: list[BaseException] = []
    warm = _warm_kernel(job)

    def _write(tmp: Path) -> None:
        with warnings.catch_warnings():  # the temporary name does not end in .ipynb; papermill warns
            warnings.filterwarnings("ignore", message=r".*does not end in one of", category=UserWarning)
            try:
                pm.execute_notebook(
                    str(job.template), str(tmp), parameters=job.parameters, kernel_name=KERNEL_NAME,
                    language="python", progress_bar=False, request_save_on_cell_execute=False,
                    start_timeout=job.start_timeout, cwd=str(job.cwd), record_timing=False,
                    extra_arguments=list(KERNEL_ARGS), execution_timeout=job.cell_timeout, **warm,
                )
            except PapermillExecutionError as exc:  # the notebook with its error cell was written
                cell_error.append(exc)
        _fix_output_path(tmp, job.notebook)

    io.atomic_write(job.notebook, _write)
    return cell_error[0] if cell_error else None


def execute_job(job: Job) -> Outcome:
    """Execute and render one notebook; runs in a worker process and never raises."""
    started = time.perf_counter()
    outcome = Outcome(job.name, job.kind)
    for path in job.clear:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    executed = False
    for attempt in range(1, START_RETRIES + 2):
        outcome.attempts = attempt
        try:
            cell_error = _execute(job)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the unit's status
            if job.kernel == "warm":
                kernels.release(failed=True)
            if is_startup_failure(exc) and attempt <= START_RETRIES:
                time.sleep(0.5 * attempt)
                continue
            outcome.fail(exc)
            break
        executed = True
        if cell_error is not None:
            outcome.fail(cell_error)
        break
    if job.kernel == "warm":
        kernels.release(failed=not outcome.ok)  # a kernel that failed a notebook is never reused
    try:
        if not executed:
            import nbformat  # 2.3 s cold here (jsonschema's format checker, rfc3987_syntax)

            with language(job.language or current_language()):
                note = _("The notebook could not be executed (after {n} attempt(s)).").format(n=outcome.attempts)
            nb = error_notebook(job.name, outcome.ename or "Error", outcome.evalue or "", note=note,
                                language_code=job.language)
            io.write_text(job.notebook, nbformat.writes(nb))
        render_html(job.notebook, job.html, resources_dir=job.cwd, title=job.title or None, language=job.language,
                    nav=job.nav)
        outcome.rendered = True
    except Exception as exc:  # noqa: BLE001
        if outcome.ok:
            outcome.fail(exc, prefix="rendering HTML failed: ")
    outcome.duration_s = round(time.perf_counter() - started, 2)
    return outcome


# ------------------------------------------------------------------------------------------- parameters


def declared_parameters(notebook: Path) -> set[str]:
    """Names in the notebook's ``parameters`` cell (papermill only warns about unknown ones)."""
    import nbformat  # 2.3 s cold here (jsonschema's format checker, rfc3987_syntax)
    from papermill.translators import PythonTranslator  # part of papermill's 2.9 s

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return {p.name for p in PythonTranslator.inspect(cell)}
    return set()
