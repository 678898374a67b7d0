"""``run --scheduler``: a real Dask scheduler and two workers on 127.0.0.1, each its own process, one killed
mid-run. Its units go to the other worker; the run ends with every unit, its index, and the same unit files
as the local pool writes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_batch import make_standin  # the same folder (pytest puts it on sys.path)

from toolkit.batch.run import run_batch
from toolkit.core.errors import BatchError

UNITS = ["national", "beijing", "tianjin", "hebei", "shanxi", "inner_mongolia", "liaoning", "jilin"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    return subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _wait_for_workers(address: str, n: int, timeout: float = 90) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=timeout)


@pytest.fixture
def cluster(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                        str(port), "--dashboard-address", ":0"], tmp_path / "scheduler.log")
    workers = [_start([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                       "--no-nanny", "--name", f"w{i}", "--dashboard-address", ":0"], tmp_path / f"worker{i}.log")
               for i in range(2)]
    try:
        _wait_for_workers(address, 2)
        yield address, workers
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _unit_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "units").rglob("*")) if p.is_file()}


def test_a_batch_survives_a_worker_killed_mid_run(cluster, tmp_path):
    address, workers = cluster
    template = make_standin(tmp_path / "standin.ipynb", first="import time\ntime.sleep(1.5)")
    out = tmp_path / "dask"
    finished_at_kill: list[int] = []

    def kill_one_worker() -> None:  # once two units are back, a worker dies with whatever it is running
        deadline = time.time() + 240
        while time.time() < deadline:
            done = len(list((out / "units").glob("*/summary.json"))) if (out / "units").is_dir() else 0
            if done >= 2:
                finished_at_kill.append(done)
                os.killpg(workers[0].pid, signal.SIGKILL)
                return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    code = run_batch(UNITS, out=out, template=template, extras={}, scheduler=address, progress=False)
    killer.join(timeout=5)
    assert finished_at_kill and finished_at_kill[0] < len(UNITS)  # the kill came while units were left
    assert workers[0].poll() is not None
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert code == 0 and manifest["n_failed"] == 0
    assert {row["unit_id"] for row in manifest["units"]} == set(UNITS)
    assert (out / "index.html").is_file() and all((out / "html" / f"{u}.html").is_file() for u in UNITS)

    local = tmp_path / "local"
    run_batch(UNITS, out=local, template=template, extras={}, workers=2, progress=False)
    dask_files, local_files = _unit_files(out), _unit_files(local)
    # The same unit files, paths in them included, whichever executor wrote them (only the folder name differs).
    assert sorted(dask_files) == sorted(local_files)
    for name, content in dask_files.items():
        assert content.replace(str(out).encode(), str(local).encode()) == local_files[name], name


def test_an_unreachable_scheduler_is_a_clear_error_before_anything_runs(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    with pytest.raises(BatchError, match="cannot reach the Dask scheduler") as caught:
        run_batch(["national"], out=tmp_path / "out", template=template, extras={},
                  scheduler=f"tcp://127.0.0.1:{_free_port()}", progress=False)
    assert "dask scheduler" in str(caught.value)
