"""The workers' temporary folder (toolkit.batch.scratch): removed at the end, and by the next batch when the
batch that made it was killed; never while its batch runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from toolkit.batch import scratch

HOLDER = textwrap.dedent("""
    import sys, time
    from toolkit.batch.scratch import worker_scratch
    with worker_scratch() as folder:
        open(folder + "/tmpkernel.json", "w").write("{}")  # what a kernel manager would leave
        print(folder, flush=True)
        time.sleep(120)
""")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX record locks")


def hold(tmp: Path) -> tuple[subprocess.Popen, Path]:
    """A process holding a worker folder in ``tmp``, and the folder."""
    env = {**os.environ, "TMPDIR": str(tmp),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())


def test_a_killed_batchs_folder_is_purged_a_running_batchs_is_kept(tmp_path):
    killed, killed_folder = hold(tmp_path)
    running, running_folder = hold(tmp_path)
    being_made = tmp_path / f"{scratch.PREFIX}new"  # mkdtemp done, lock file not yet written
    being_made.mkdir()
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        assert (killed_folder / "tmpkernel.json").is_file()  # a SIGKILL runs no cleanup
        assert scratch.purge_abandoned(str(tmp_path)) == [str(killed_folder)]
        assert not killed_folder.exists()
        assert (running_folder / "tmpkernel.json").is_file() and being_made.is_dir()
    finally:
        running.kill()
        running.wait(timeout=10)


def test_the_folder_is_removed_when_the_batch_ends_even_by_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(RuntimeError), scratch.worker_scratch() as folder:
        Path(folder, "tmpkernel.json").write_text("{}")
        assert scratch.purge_abandoned(str(tmp_path)) == []  # its own folder, held by this process
        raise RuntimeError("a unit crashed the batch")
    assert list(tmp_path.iterdir()) == []
