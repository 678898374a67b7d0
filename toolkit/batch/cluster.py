"""The distributed executor: unit notebooks on a Dask cluster (``run --scheduler ADDRESS``), beyond one machine.

Each unit is one Dask task (:func:`run_remote`). A worker needs the project installed (the same commit: its
``data/`` and ``params/`` are the reference tables the units read) but no shared filesystem: the client ships
what lives only on its side (the template, the unit's rows of ``--data``, a ``--params-dir`` file) and the task
returns every file the unit wrote (notebook, page, ``units/<id>/``), which the client writes into the run
folder atomically. The task runs in a temporary folder laid out like the run folder, and every path to it in
the returned files is rewritten to the run folder, so a unit's outputs are the same bytes whichever executor
ran it. Workers keep their kernels warm (:mod:`toolkit.batch.kernels`, one per worker thread).

A worker that dies takes its running tasks with it; the scheduler gives them to another worker, up to
``distributed.scheduler.allowed-failures`` times (3 by default), then the unit fails with ``KilledWorker``.
Either way the run ends with its index. ``--scheduler local`` starts a :class:`distributed.LocalCluster` on
this machine (one single-threaded worker process per ``--workers``). docs/scale.md says how to start a cluster.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from toolkit.batch.execute import KERNEL_ENV, Job, Outcome, execute_job
from toolkit.batch.pool import Interrupted
from toolkit.contracts.run_folder import PATH_SEPARATOR
from toolkit.core import io
from toolkit.core.errors import BatchError, Problem
from toolkit.core.paths import DATA_DIR, DEMO_COUNTIES_CSV, NOTEBOOKS_DIR, PARAMS_DIR, PROJECT_ROOT

LOCAL = "local"
#: Parameters that carry a path into the notebook.
_PATH_PARAMETERS = ("output_dir", "data_override", "params_file")


@dataclass(frozen=True)
class RemoteJob:
    """A job as a worker on another machine can run it: the client's files travel as bytes."""

    job: Job
    root: str  # the client's run folder; every path below it is rebuilt under the worker's temporary folder
    template: bytes
    files: tuple[tuple[str, str, bytes], ...]  # (client path, where it goes relative to ``root``, content)


@dataclass(frozen=True)
class RemoteResult:
    outcome: Outcome
    files: tuple[tuple[str, bytes], ...]  # (path relative to the run folder, content) the unit wrote


def _place(path: str, root: Path, parameter: str) -> str:
    """Where a client path goes under the worker's folder: the same place in the run folder's layout, or (a
    ``--params-dir`` file outside the run folder) under ``.remote/<parameter>/``."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return f".remote/{parameter}/{Path(path).name}"


def make_remote(job: Job, root: Path) -> RemoteJob:
    """Pack a unit job for a worker that may not see this machine's files."""
    files = [(part, _place(part, root, name), Path(part).read_bytes())
             for name in _PATH_PARAMETERS if name != "output_dir" and job.parameters.get(name)
             for part in str(job.parameters[name]).split(PATH_SEPARATOR)]
    return RemoteJob(job=job, root=str(root), template=Path(job.template).read_bytes(), files=tuple(files))


def _translate(text: str, pairs: Sequence[tuple[str, str]]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def _temporary_files_in_worker_directory() -> None:
    """This task's and the worker's kernels' temporary files (a kernel's connection file, which a killed worker
    cannot remove) go into the Dask worker's own folder: Dask removes it when the worker closes and, when the
    worker was killed, the next worker started on that machine purges it (``distributed.diskutils``)."""
    from distributed import get_worker  # part of distributed's 1.4 s, loaded already: this runs in a Dask task

    try:
        folder = os.path.join(get_worker().local_directory, "tmp")
    except ValueError:  # not on a worker (a test calling the task directly)
        return
    os.makedirs(folder, exist_ok=True)
    os.environ["TMPDIR"] = tempfile.tempdir = folder


def run_remote(remote: RemoteJob) -> RemoteResult:
    """The Dask task: execute one unit in a temporary copy of the run folder's layout; return what it wrote."""
    os.environ.update(KERNEL_ENV)  # the warm kernel inherits it
    _temporary_files_in_worker_directory()
    job, root = remote.job, Path(remote.root)
    work = Path(tempfile.mkdtemp(prefix="toolkit-unit-"))
    try:
        template = work / ".remote" / "template" / Path(job.template).name
        template.parent.mkdir(parents=True)
        template.write_bytes(remote.template)
        to_worker = [(str(root), str(work))]
        back = [(str(work), str(root)), (str(template), str(job.template))]
        for client_path, relative, content in remote.files:
            target = work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            if relative.startswith(".remote/"):
                back.insert(0, (str(target), client_path))
        parameters = dict(job.parameters)
        for name in _PATH_PARAMETERS:
            if parameters.get(name):
                parameters[name] = PATH_SEPARATOR.join(str(work / _place(part, root, name))
                                                       for part in str(parameters[name]).split(PATH_SEPARATOR))
        cwd = NOTEBOOKS_DIR if NOTEBOOKS_DIR.is_dir() else work
        local_job = replace(job, template=template, parameters=parameters, cwd=cwd,
                            notebook=Path(_translate(str(job.notebook), to_worker)),
                            html=Path(_translate(str(job.html), to_worker)),
                            clear=tuple(Path(_translate(str(p), to_worker)) for p in job.clear))
        outcome = execute_job(local_job)
        outcome.evalue = _translate(outcome.evalue, back) if outcome.evalue else outcome.evalue
        written = []
        unit_dir = work / "units" / job.name
        for path in [local_job.notebook, local_job.html, *sorted(unit_dir.rglob("*") if unit_dir.is_dir() else [])]:
            if path.is_file():
                content = path.read_bytes()
                if path.suffix in (".ipynb", ".json", ".html", ".csv"):
                    content = _translate(content.decode("utf-8"), back).encode("utf-8")
                written.append((str(path.relative_to(work)), content))
        return RemoteResult(outcome=outcome, files=tuple(written))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def project_fingerprint() -> dict[str, str]:
    """What a worker must share with the client: the toolkit's code and the reference tables it reads (not the
    generated county demo panel: a run reads it through ``--data``, which travels with each task)."""
    digests = {}
    for folder in (PROJECT_ROOT / "toolkit", DATA_DIR, PARAMS_DIR, NOTEBOOKS_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".csv", ".yaml", ".ipynb", ".po") \
                    and "__pycache__" not in path.parts and not path.name.startswith(".") \
                    and path != DEMO_COUNTIES_CSV:
                digests[str(path.relative_to(PROJECT_ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _check_workers(client, address: str) -> None:
    """Refuse a cluster whose workers run other code or other reference data than this machine (the units would
    silently read different tables): every difference is named before any unit runs."""
    ours = project_fingerprint()
    theirs = client.run(project_fingerprint)
    if not theirs:
        raise BatchError(f"the Dask scheduler at {address} has no workers", problems=[Problem(
            "no worker is connected", fix="start workers with: dask worker " + address + " --nthreads 1")])
    problems = []
    for worker, digests in sorted(theirs.items()):
        different = sorted(k for k in set(ours) | set(digests) if ours.get(k) != digests.get(k))
        if different:
            problems.append(Problem(f"worker {worker} differs in {len(different)} file(s): "
                                    + ", ".join(different[:5]) + (" ..." if len(different) > 5 else ""),
                                    fix="install the same commit of the project on every worker (git checkout, "
                                        "pip install -e .) and restart it"))
    if problems:
        raise BatchError("the cluster's workers do not run this project's code and data", problems=problems)


def connect(scheduler: str, workers: int):
    """A Dask client for ``scheduler`` (an address, or ``local`` for a LocalCluster of ``workers`` processes)."""
    from distributed import Client, LocalCluster  # 1.4 s cold here: loaded only for --scheduler

    if scheduler == LOCAL:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None, env=dict(KERNEL_ENV))
        return Client(cluster), cluster
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {scheduler}", problems=[Problem(
            str(exc) or type(exc).__name__,
            fix="start one with: dask scheduler (it prints its tcp:// address), or check the address and port")]
        ) from exc
    return client, None


def run_jobs_on_cluster(jobs: Sequence[Job], *, scheduler: str, workers: int, root: Path, progress: bool = True,
                        echo: bool = True, line: Callable[[Outcome], str] | None = None) -> dict[str, Outcome]:
    """Execute unit ``jobs`` on the cluster; write what each returned into ``root``; one outcome per job."""
    from distributed import as_completed  # part of distributed's 1.4 s

    client, cluster = connect(scheduler, workers)
    outcomes: dict[str, Outcome] = {}
    try:
        if cluster is None:
            _check_workers(client, scheduler)
        futures = {client.submit(run_remote, make_remote(job, root), key=f"unit-{job.name}-{time.time_ns()}",
                                 pure=False): job for job in jobs}
        bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr,
                   dynamic_ncols=True)
        try:
            for future in as_completed(futures):
                # Dropped at once: a worker keeps a task's result (the unit's page and notebook, about 2 MB) for as
                # long as the client holds its future (100 units: 213 MB above the pool's peak, now 11 MB).
                job = futures.pop(future)
                try:
                    result: RemoteResult = future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost connection: the unit fails alone
                    outcome = Outcome(job.name, job.kind)
                    outcome.fail(exc, prefix="on the Dask cluster: ")
                else:
                    outcome = result.outcome
                    for relative, content in result.files:
                        io.write_bytes(root / relative, content)
                    del result
                future.release()
                outcomes[job.name] = outcome
                bar.update(1)
                if echo and line is not None:
                    bar.write(line(outcome), file=sys.stdout)
        except KeyboardInterrupt:
            client.cancel(list(futures))
            raise Interrupted(outcomes) from None
        finally:
            bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return outcomes
