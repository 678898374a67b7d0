"""Warm kernels: one Jupyter kernel per worker thread that imports the libraries once and runs many notebooks.

Starting a kernel and importing pandas, statsmodels, matplotlib and the toolkit costs more than a unit's
analysis and charts (issue 15: 16% start-up, 45% imports, 39% work in a 32-unit batch). A warm kernel pays the
first two once per worker. Papermill runs each notebook on it unchanged (nbclient is handed the kernel manager,
so it neither starts nor stops the kernel); before every notebook :meth:`WarmKernel.reset` puts the kernel back
into the state a fresh kernel is in after the warm-up imports:

- the user namespace back to a fresh kernel's (names and values, ``In`` and ``Out`` included) and the
  execution counter back to 1, so the notebook's ``execution_count`` fields match a fresh kernel's (done by
  hand: ``%reset -f`` costs 0.37 s, mostly a full garbage collection);
- the working directory, ``sys.path``, environment, matplotlib's rcParams (and open figures), the warning
  filters, their printer and their "already shown" registries, the random generators and the toolkit's edition as they
  were just after the imports.

Modules stay imported (that is the point) and the toolkit's file caches stay filled; both are keyed by what
they read, so a unit sees the same values as in a fresh kernel. A kernel that failed a notebook (a cell error,
a timeout, a crash) is never reused: :func:`release` shuts it down and the next job starts a new one, so a
failed or hung unit cannot leave state behind for the next. ``tests/batch/test_warm_kernels.py`` proves the
outputs byte-identical to fresh kernels.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Python run silently in the kernel right after the warm-up imports: remember the state to restore.
_SNAPSHOT = """
def __toolkit_snapshot():
    import os, sys, random, warnings
    state = {"cwd": os.getcwd(), "path": list(sys.path), "environ": dict(os.environ),
             "filters": list(warnings.filters), "showwarning": warnings.showwarning,
             "formatwarning": warnings.formatwarning, "random": random.getstate()}
    if "numpy" in sys.modules:
        state["numpy"] = sys.modules["numpy"].random.get_state()
    if "matplotlib" in sys.modules:
        state["rc"] = dict(sys.modules["matplotlib"].rcParams)
    if "toolkit.core.i18n" in sys.modules:
        state["language"] = sys.modules["toolkit.core.i18n"].current_language()
    return state
import builtins as __b
__b.__toolkit_state__ = {**__b.__toolkit_state__, **__toolkit_snapshot()}
del __toolkit_snapshot, __b
"""

#: Run silently before the warm-up imports: the user namespace of a fresh kernel (names and values).
_FRESH_NAMESPACE = """
import builtins as __b
__b.__toolkit_state__ = {"namespace": {k: v for k, v in get_ipython().user_ns.items() if k != "__b"}}
del __b
"""

#: Run silently before every notebook: back to the snapshot, then an empty namespace and counter 1.
_RESET = """
def __toolkit_reset():
    import builtins, os, sys, random, warnings
    state = builtins.__toolkit_state__
    os.chdir(state["cwd"])
    sys.path[:] = state["path"]
    os.environ.clear()
    os.environ.update(state["environ"])
    warnings.filters[:] = state["filters"]
    warnings.showwarning, warnings.formatwarning = state["showwarning"], state["formatwarning"]
    warnings._filters_mutated()  # forget which warnings were already shown, as a fresh interpreter has
    warnings.onceregistry.clear()
    random.setstate(state["random"])
    if "numpy" in state:
        sys.modules["numpy"].random.set_state(state["numpy"])
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "rc" in state:
        rc = sys.modules["matplotlib"].rcParams
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dict.update(rc, state["rc"])
    if "language" in state:
        sys.modules["toolkit.core.i18n"].set_language(state["language"])
    shell = get_ipython()
    history = shell.history_manager
    history.input_hist_parsed[:] = history.input_hist_parsed[:1]  # In, as a fresh kernel has it
    history.input_hist_raw[:] = history.input_hist_raw[:1]
    history.output_hist.clear()  # Out
    history.dir_hist[:] = history.dir_hist[:1]
    namespace = shell.user_ns
    for name in [name for name in namespace if name not in state["namespace"]]:
        del namespace[name]
    namespace.update(state["namespace"])
    shell.execution_count = 1
__toolkit_reset()
"""


class WarmKernelError(RuntimeError):
    """The warm-up or the reset failed: the kernel is unusable (the job falls back to a fresh kernel start)."""


class WarmKernel:
    """A started kernel, its imports done, ready to run one notebook after another."""

    def __init__(self, key: tuple, *, kernel_name: str, cwd: Path, extra_arguments: Sequence[str],
                 imports: Sequence[str], start_timeout: float):
        from jupyter_client.manager import AsyncKernelManager  # part of nbclient's 2.7 s, loaded with papermill
        from jupyter_core.utils import run_sync  # part of the same 2.7 s

        self.key = key
        self.timeout = start_timeout
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        self._run_sync = run_sync
        self._client: Any = None
        make_client = self.km.client

        def client(**kwargs: Any) -> Any:
            """nbclient asks for a client per notebook: it gets the same connected one (a new one costs 0.2 s to
            connect and pass ``wait_for_ready``); closed only with the kernel."""
            if self._client is None:
                self._client = make_client(**kwargs)
                self._client.start_channels()
                self._client.start_channels = lambda *args, **kw: None  # its heartbeat thread cannot start twice
            return self._client

        self.km.client = client
        run_sync(self.km.start_kernel)(extra_arguments=list(extra_arguments), cwd=str(cwd))
        self._control = self.km.blocking_client()
        self._control.start_channels()
        try:
            self._control.wait_for_ready(timeout=start_timeout)
            self._run(_FRESH_NAMESPACE, timeout=None)
            self._run("\n".join(imports) + "\n" + _SNAPSHOT, timeout=None)
        except BaseException:
            self.shutdown()
            raise

    def _run(self, code: str, *, timeout: float | None) -> None:
        reply = self._control.execute_interactive(code, silent=True, store_history=False, timeout=timeout,
                                                  allow_stdin=False, output_hook=lambda msg: None)
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise WarmKernelError(f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".strip())

    def alive(self) -> bool:
        return bool(self._run_sync(self.km.is_alive)())

    def reset(self) -> None:
        """Back to the state just after the warm-up (see the module docstring)."""
        self._run(_RESET, timeout=self.timeout)

    def shutdown(self) -> None:
        for client in (self._client, self._control):
            with contextlib.suppress(Exception):
                client.stop_channels()
        with contextlib.suppress(Exception):
            self._run_sync(self.km.shutdown_kernel)(now=True)


#: The libraries every report imports; a warm kernel (and benchmarks/bench_batch.py's floor) imports them first.
LIBRARIES = ("pandas", "numpy", "statsmodels.api", "matplotlib.pyplot", "seaborn")

_local = threading.local()


def acquire(*, kernel_name: str, cwd: Path, extra_arguments: Sequence[str], imports: Sequence[str],
            start_timeout: float) -> WarmKernel:
    """This thread's warm kernel for these settings, reset and ready; started (and warmed up) if there is none."""
    key = (kernel_name, str(cwd), tuple(extra_arguments), tuple(imports))
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    if kernel is not None and (kernel.key != key or not kernel.alive()):
        release(failed=True)
        kernel = None
    if kernel is None:
        kernel = WarmKernel(key, kernel_name=kernel_name, cwd=cwd, extra_arguments=extra_arguments, imports=imports,
                            start_timeout=start_timeout)
        _local.kernel = kernel
    try:
        kernel.reset()
    except BaseException:
        release(failed=True)
        raise
    return kernel


def release(*, failed: bool) -> None:
    """After a notebook: keep the kernel for the next one, or shut it down if the notebook failed."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    if failed and kernel is not None:
        _local.kernel = None
        kernel.shutdown()


def warm_imports(template: Path) -> tuple[str, ...]:
    """What the warm-up imports for a template: the libraries every report uses and the template's own
    ``toolkit`` imports (read from its code cells), so the first cell finds them in ``sys.modules``."""
    import nbformat  # 2.3 s cold here (jsonschema's format checker); the worker has it loaded already

    lines = [f"import {name}" for name in LIBRARIES]
    nb = nbformat.read(template, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                stripped = line.strip()
                if stripped.startswith(("from toolkit", "import toolkit")) and not line.startswith((" ", "\t")):
                    lines.append(stripped)
    return tuple(dict.fromkeys(lines))

