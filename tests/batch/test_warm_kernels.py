"""Warm kernels are invisible in the outputs: every unit's page, results and notebook are byte-identical to a
fresh-kernel run, and a unit that fails or hangs does not change the next unit on its kernel.

Each run uses one worker, so every unit of the warm run shares one kernel (or its replacement after a
failure). The two runs write into the same folder path (the notebooks record it), one after the other.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from toolkit.batch.run import run_batch

#: papermill's timing fields: the only part of a notebook that differs between two fresh runs.
TIMING_KEYS = ("start_time", "end_time", "duration")


def _comparable_notebook(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for key in TIMING_KEYS:
        nb["metadata"].get("papermill", {}).pop(key, None)
    for cell in nb["cells"]:
        for key in TIMING_KEYS:
            cell.get("metadata", {}).get("papermill", {}).pop(key, None)
    return json.dumps(nb, sort_keys=True, ensure_ascii=False)


def _files(folder: Path) -> dict[str, bytes]:
    """Every output a unit leaves (pages, results, summaries), by path in the run folder."""
    return {str(p.relative_to(folder)): p.read_bytes() for sub in ("html", "units") for p in sorted((folder / sub).rglob("*"))
            if p.is_file()}


def _run_twice(tmp_path: Path, units: list[str], **kwargs) -> tuple[Path, Path, dict[str, dict]]:
    """The same batch with fresh and with warm kernels into the same path; the two folders and their run.json."""
    out = tmp_path / "run"
    folders, manifests = {}, {}
    for mode in ("fresh", "warm"):
        code = run_batch(units, workers=1, out=out, extras={}, kernels=mode, progress=False, **kwargs)
        assert code == 1  # each batch below has a unit that fails on purpose
        manifests[mode] = json.loads((out / "run.json").read_text(encoding="utf-8"))
        folders[mode] = shutil.move(out, tmp_path / mode)
    return Path(folders["fresh"]), Path(folders["warm"]), manifests


def _assert_identical(fresh: Path, warm: Path, units: list[str]) -> None:
    fresh_files, warm_files = _files(fresh), _files(warm)
    assert sorted(fresh_files) == sorted(warm_files)
    different = [name for name in fresh_files if fresh_files[name] != warm_files[name]]
    assert different == []
    for unit in units:
        assert _comparable_notebook(fresh / "notebooks" / f"{unit}.ipynb") == \
            _comparable_notebook(warm / "notebooks" / f"{unit}.ipynb"), unit


def _statuses(manifest: dict) -> dict[str, str]:
    return {row["unit_id"]: row["status"] for row in manifest["units"]}


def test_real_reports_are_byte_identical_including_a_failed_unit(tmp_path):
    """The real report for four units, one of which fails in a cell (a broken params file) between the others."""
    params = tmp_path / "params"
    params.mkdir()
    (params / "tianjin.yaml").write_text("unit_id: tianjin\nmin_points: many\n", encoding="utf-8")  # not a number
    units = ["national", "tianjin", "sichuan", "tibet"]
    fresh, warm, manifests = _run_twice(tmp_path, units, params_dir=params)
    for manifest in manifests.values():
        assert _statuses(manifest) == {"national": "ok", "tianjin": "failed", "sichuan": "ok", "tibet": "ok"}
    _assert_identical(fresh, warm, units)
    results = (warm / "units" / "sichuan" / "results.csv").read_text(encoding="utf-8")
    assert results.count("\n") > 10  # a real assessment, not an empty file that would compare equal


def _polluting_template(path: Path) -> Path:
    """A notebook that shows the state a kernel starts a unit with, then changes all of it; ``tianjin`` hangs
    and ``shanxi`` raises after the changes, so the unit after each inherits their kernel's state if any leaks.
    A warning raised inside an imported module (``warner.py`` beside the notebook) is shown once per process by
    Python's default filter: the next unit on a warm kernel must show it again."""
    (path.parent / "warner.py").write_text("import warnings\n\ndef warn():\n    warnings.warn('from a library')\n",
                                          encoding="utf-8")
    parameters = new_code_cell('unit_id = "national"\nparams_file = ""\noutput_dir = ""')
    parameters.metadata["tags"] = ["parameters"]
    show = new_code_cell(
        "import os, sys, warnings\n"
        "import matplotlib, matplotlib.pyplot as plt\n"
        "from toolkit.core import i18n\n"
        "print(sorted(k for k in globals() if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit')))\n"
        "print(matplotlib.rcParams['lines.linewidth'], i18n.current_language(), os.getcwd() == %r)\n"
        "print(plt.get_fignums(), 'LEAK' in os.environ, 'leaked' in sys.path, warnings.showwarning.__name__)\n"
        "sys.path.insert(0, %r)\n"
        "import warner\n"
        "warnings.showwarning = lambda message, *args, **kwargs: print('warning:', message)\n"
        "warner.warn()\n" % (str(path.parent), str(path.parent)))
    pollute = new_code_cell(
        "leak = 1\nmatplotlib.rcParams['lines.linewidth'] = 9\ni18n.set_language('en')\n"
        "plt.figure()\nos.environ['LEAK'] = '1'\nsys.path.append('leaked')\nos.chdir('/')\n"
        "warnings.simplefilter('ignore')\n"
        "if unit_id == 'tianjin':\n    import time\n    time.sleep(120)\n"
        "if unit_id == 'shanxi':\n    raise ValueError('a failed unit')\n")
    write = new_code_cell(
        "import json, pathlib\nout = pathlib.Path(output_dir)\nout.mkdir(parents=True, exist_ok=True)\n"
        "(out / 'results.csv').write_text('unit_id,indicator_id,target_set,as_of,category\\n')\n"
        "(out / 'summary.json').write_text(json.dumps({'unit_id': unit_id, 'counts': {}, 'n_indicators': 0}))\n")
    nb = new_notebook(cells=[parameters, show, pollute, write])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_hung_or_failed_unit_does_not_poison_the_next_one(tmp_path):
    template = _polluting_template(tmp_path / "pollute.ipynb")
    units = ["national", "beijing", "tianjin", "hebei", "shanxi", "inner_mongolia"]
    fresh, warm, manifests = _run_twice(tmp_path, units, template=template, timeout=5)
    for manifest in manifests.values():
        statuses = _statuses(manifest)
        assert [u for u in units if statuses[u] == "failed"] == ["tianjin", "shanxi"]
        errors = {row["unit_id"]: row["error"] for row in manifest["units"] if row["error"]}
        assert "timed out" in str(errors["tianjin"]).lower()
    _assert_identical(fresh, warm, units)
    for unit in ("beijing", "hebei", "inner_mongolia"):  # after an ok unit, after the hung one, after the failed one
        text = "".join(o.get("text", "") for o in nbformat.read(warm / "notebooks" / f"{unit}.ipynb",
                                                                  as_version=4).cells[2].outputs)
        lines = text.splitlines()
        assert "'leak'" not in lines[0]
        assert lines[1:] == ["1.5 zh True", "[] False False showwarning", "warning: from a library"], unit
