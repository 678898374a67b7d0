"""The temporary folder of a batch's worker processes, so that nothing they leave in the system's temp folder
outlives the batch.

A Jupyter kernel's connection file is a ``tempfile.mkstemp`` file that its kernel manager removes when it shuts
the kernel down. A worker that is killed (Ctrl-C, a killed batch, a unit past its timeout) never does, and each
such kill left a ``/tmp/tmp*.json`` behind (about 40 per ``make test``). The workers get ``TMPDIR`` pointed at
a folder of their own, which the batch removes when it ends; a batch that was itself killed cannot, so the
next batch on the machine removes every such folder whose owner is gone (its lock is free).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "toolkit-workers-"
LOCK = ".lock"

_mine: set[str] = set()  # a process's own record locks never block it: its folders are skipped by name


@contextlib.contextmanager
def worker_scratch() -> Iterator[str]:
    """A new folder for the workers' temporary files, held by this process and removed at the end."""
    purge_abandoned()
    path = tempfile.mkdtemp(prefix=PREFIX)
    _mine.add(path)
    try:
        with open(os.path.join(path, LOCK), "w") as handle:
            fcntl.lockf(handle, fcntl.LOCK_EX)  # released by the system when this process ends, however it ends
            yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        _mine.discard(path)


def purge_abandoned(base: str | None = None) -> list[str]:
    """Remove the worker folders whose batch is gone (their lock can be taken); returns what was removed.

    A folder without its lock file is being created (or was left by a kill in that instant) and is kept."""
    removed = []
    for folder in sorted(Path(base or tempfile.gettempdir()).glob(PREFIX + "*")):
        if str(folder) in _mine or folder.is_symlink() or not folder.is_dir():
            continue
        try:
            with open(folder / LOCK, "r+") as handle:  # never created here
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # held by a running batch, or no lock file yet
            continue
        removed.append(str(folder))
    return removed
