"""The local executor: a process pool that runs one notebook job per worker, with progress lines.

Each worker executes *and* renders its job (:func:`toolkit.batch.execute.execute_job`), since kernel
start-up dominates a notebook's cost; jobs that read the units' outputs (the overview) start only when
every unit has finished.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from tqdm import tqdm

from toolkit.batch.execute import KERNEL_ENV, Job, Outcome, execute_job
from toolkit.batch.scratch import worker_scratch

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a batch: the workers were stopped; ``outcomes`` holds the jobs that finished."""

    def __init__(self, outcomes: Mapping[str, Outcome]):
        super().__init__()
        self.outcomes = dict(outcomes)


def _init_worker(env: Mapping[str, str], parent: int) -> None:
    """Pool initializer: kernels inherit the worker's environment; the worker dies with the batch.

    The terminal sends Ctrl-C to the whole process group: workers ignore it and the parent
    stops them (quietly, no traceback per worker). On Linux the kernel kills a worker whose parent dies
    (``PR_SET_PDEATHSIG``), so a killed batch leaves no worker writing into the folder; a kernel started by
    a worker exits on its own when the worker is gone (ipykernel's parent poller).
    """
    os.environ.update(env)
    tempfile.tempdir = None  # a forked worker inherits the parent's choice: read TMPDIR (the run's scratch) again
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent and os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes now (their running notebooks are abandoned), their kernels first: a
    kernel that outlives its worker for a moment prints a traceback when its sockets close."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for pid in _descendants({p.pid for p in workers if p.pid}):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for process in workers:
        with contextlib.suppress(Exception):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _descendants(parents: set[int]) -> list[int]:
    """Processes below ``parents`` (the workers' kernels), read from /proc; empty where there is no /proc."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    parent_of: dict[int, int] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parent_of[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], set(parents)
    while frontier:
        frontier = {pid for pid, parent in parent_of.items() if parent in frontier}
        found += sorted(frontier)
    return found


def _mp_context():
    """``fork`` is cheapest, but only safe while this process has a single thread (e.g. not in Jupyter)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def job_line(outcome: Outcome) -> str:
    """The progress line of a finished job: status, name, seconds, and the error's first line."""
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
    total = len(jobs) + len(after)
    if not total:
        return {}
    context = _mp_context()
    # A forked worker's parent is this process; a forkserver's or spawned worker's is not (0: not checked).
    parent = os.getpid() if context.get_start_method() == "fork" else 0
    # The workers' and their kernels' temporary files (a kernel's connection file among them) go into a folder
    # this process removes at the end, also after it had to kill them (then nobody else would remove them).
    with worker_scratch() as scratch:
        pool = ProcessPoolExecutor(max_workers=max(1, min(workers, total)), mp_context=context,
                                   initializer=_init_worker, initargs=({**KERNEL_ENV, "TMPDIR": scratch}, parent))
        return _collect(pool, jobs, after, progress=progress, echo=echo, before_after=before_after)


def _collect(pool: ProcessPoolExecutor, jobs: Sequence[Job], after: Sequence[Job], *, progress: bool, echo: bool,
             before_after: Callable[[dict[str, Outcome]], None] | None) -> dict[str, Outcome]:
    """Submit the jobs, the ``after`` jobs once the units are done, and gather their outcomes as they finish."""
    class _Bar(tqdm):
        monitor_interval = 0  # no monitor thread: a later run may then still fork safely

    outcomes: dict[str, Outcome] = {}
    try:
        submitted: dict[Future, tuple[Job, float]] = {}

        def submit(job: Job) -> Future:
            future = pool.submit(execute_job, job)
            submitted[future] = (job, time.perf_counter())
            return future

        for job in jobs:
            submit(job)
        bar = _Bar(total=len(jobs) + len(after), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr,
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
                except Exception as exc:
                    outcome = Outcome(job.name, job.kind, duration_s=round(time.perf_counter() - t0, 2))
                    outcome.fail(exc)
                outcomes[job.name] = outcome
                bar.update(1)
                if echo:
                    bar.write(job_line(outcome), file=sys.stdout)
        bar.close()
    except KeyboardInterrupt:
        _stop_workers(pool)
        raise Interrupted(outcomes) from None
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return outcomes
