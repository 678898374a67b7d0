"""Chaos: a small batch's parent alone, or its whole process group, is killed at random moments (seeded,
bounded).

After every kill: no worker or kernel survives, the next run is not refused (the lock died with its holder),
and the folder never claims a success it does not hold (run.json says ``running`` or, when the run had
finished before the kill, every unit it lists has its page and its summary). Issue 13, items 4 and 7.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_batch import make_standin  # the same folder (pytest puts it on sys.path)

from toolkit.contracts.run_folder import COMPLETE, RunFolder

UNITS = ["national", "beijing", "tianjin"]
SEED = 20261202
KILLS = 4  # alternately the parent alone (its workers must die with it) and the whole group

DRIVER = textwrap.dedent("""
    import sys
    from toolkit.batch.run import run_batch
    sys.exit(run_batch(units={units!r}, workers=2, out={out!r}, template={template!r}, extras={{}}, progress=False))
""")


def descendants(pid: int) -> list[int]:
    """Every process whose chain of parents leads to ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            living.append(pid)
    return living


def start(out: Path, template: Path, cwd: Path, tmp: Path | None = None) -> subprocess.Popen:
    """The batch in a new process group; ``tmp`` its TMPDIR (to see what it leaves in the temp folder)."""
    code = DRIVER.format(units=UNITS, out=str(out), template=str(template))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                       os.environ.get("PYTHONPATH", "")])}
    if tmp is not None:
        tmp.mkdir(exist_ok=True)
        env["TMPDIR"] = str(tmp)
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def claims_only_what_it_holds(out: Path) -> None:
    manifest = json.loads(RunFolder(out).manifest.read_text(encoding="utf-8"))
    if manifest.get("status") != COMPLETE:
        assert manifest["status"] in ("running", "interrupted"), manifest.get("status")
        assert "本次运行尚未结束" in (out / "index.html").read_text(encoding="utf-8") \
            or "本次运行已中断" in (out / "index.html").read_text(encoding="utf-8")
        return
    folder = RunFolder(out)
    for unit in manifest["units"]:
        assert folder.unit_html(unit["unit_id"]).is_file() and folder.unit_summary(unit["unit_id"]).is_file()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; PR_SET_PDEATHSIG is Linux-only")
def test_killing_the_batch_at_random_moments_leaves_no_worker_no_lock_and_no_false_success(tmp_path):
    template = make_standin(tmp_path / "standin.ipynb")
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    rng = random.Random(SEED)
    for round_ in range(KILLS):
        proc = start(out, template, tmp_path, tmp)
        time.sleep(rng.uniform(0.5, 6.0))
        family = descendants(proc.pid)
        with_children = bool(family)
        try:
            if round_ % 2 == 0:
                os.kill(proc.pid, signal.SIGKILL)  # the parent only: nothing else is told
            else:
                os.killpg(proc.pid, signal.SIGKILL)  # the parent and everything left in its group
        except ProcessLookupError:
            pass  # it had finished already
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15  # kernels notice a dead parent within a second or two
        while alive(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert alive(family) == [], f"survivors after the kill (had children: {with_children})"
        if RunFolder(out).manifest.is_file():
            claims_only_what_it_holds(out)
    final = start(out, template, tmp_path, tmp)  # the lock died with its holders: this run is not refused
    _, stderr = final.communicate(timeout=300)
    assert final.returncode == 0, stderr.decode()[-2000:]
    manifest = json.loads(RunFolder(out).manifest.read_text(encoding="utf-8"))
    assert manifest["status"] == COMPLETE and [u["unit_id"] for u in manifest["units"]] == UNITS
    claims_only_what_it_holds(out)
    # The killed runs' kernels never removed their connection files; the last run removed their folders and its
    # own. (Before: a /tmp/tmp*.json per killed kernel.)
    assert sorted(p.name for p in tmp.iterdir()) == []


INTERRUPTIBLE = textwrap.dedent("""
    import sys
    from toolkit.batch.run import run_batch
    try:
        sys.exit(run_batch(units={units!r}, workers=2, out={out!r}, template={template!r}, extras={{}}))
    except KeyboardInterrupt:
        sys.exit(130)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_stops_promptly_and_quietly_and_says_what_had_finished(tmp_path):
    """Issue 13, item 11: Ctrl-C (SIGTERM is handled the same) kept running queued notebooks for 12 s."""
    template = make_standin(tmp_path / "standin.ipynb", first="import time; time.sleep(30 if unit_id != 'national' else 0)")
    out = tmp_path / "out"
    code = INTERRUPTIBLE.format(units=UNITS, out=str(out), template=str(template))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "national" not in proc.stdout.readline():
        pass  # wait until the national stand-in has finished (its line is printed)
    family = descendants(proc.pid)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - sent < 5
    assert "Traceback" not in stderr and "interrupted: 1 of 3 unit(s) had finished (national)" in stderr
    time.sleep(3)
    assert alive(family) == []
    manifest = json.loads(RunFolder(out).manifest.read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted" and manifest["finished_units"] == ["national"]
    assert "本次运行已中断" in (out / "index.html").read_text(encoding="utf-8")


def test_a_locked_folder_names_the_pid_that_holds_it(tmp_path):
    """Issue 13, item 4: the refusal must say who holds the folder and how to recover."""
    from toolkit.batch.run import run_batch
    from toolkit.core.errors import BatchError

    template = make_standin(tmp_path / "standin.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        handle = open({str(RunFolder(out).lock)!r}, "a+")
        fcntl.lockf(handle, fcntl.LOCK_EX)
        handle.write(str(os.getpid())); handle.flush()
        print("locked", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(BatchError, match=rf"(?s)another run \(PID {holder.pid}\).*kill {holder.pid}"):
            run_batch(units=["national"], out=out, template=template, extras={}, progress=False)
    finally:
        holder.kill()
        holder.wait()
    assert run_batch(units=["national"], out=out, template=template, extras={}, progress=False) == 0  # freed
