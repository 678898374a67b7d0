"""Golden notebooks for nbval: executed copies of the province report, kept under ``tests/golden/``.

``python -m toolkit golden`` (``make golden``) regenerates them through the batch's own code path
(:func:`toolkit.batch.run.run_jobs` -> :func:`toolkit.batch.execute.execute_job`: same template, kernel, kernel
environment, working directory and papermill options as ``python -m toolkit run``), then makes the copies
portable and quiet in diffs:

- parameters are ASCII and relative: ``unit_id`` and ``output_dir = ""`` (the notebook then writes its
  results.csv/summary.json under the project's ``outputs/interactive/<unit_id>/``, wherever the checkout is);
- papermill's volatile metadata is dropped (per-cell start/end times, durations and status; the run's
  start/end/duration, input/output paths and environment), the injected-parameters cell gets a fixed id,
  and the jupytext pairing is removed (a golden copy is not a paired notebook);
- a copy that contains an absolute path of this machine (project folder, temporary folder, home, Python
  installation) anywhere in its sources, outputs or metadata is refused: nbval re-runs the copy from any
  checkout, so such a path would either break it or be compared by accident.

Nothing is written unless every requested unit executed without error. ``tests/test_golden.py`` fails when a
copy's code cells differ from the template's or its key results differ from what the package computes now,
with the message "run `make golden`".

Golden units (why these three), each for the live 2021-2030 cycle and for the 2011-2020 final evaluation:

- ``national``: the real national series (no banner), mixed categories and real gaps; data to 2024 and the
  mid-term view in the live cycle;
- ``zhejiang``: a demonstration province that is mostly achieved or on track, with point values for
  vaccination;
- ``tibet``: the demonstration province with the hard cases together: insufficient data (2-3 points),
  not achieved and off track, a censored (published-bound) vaccination series, series moving away, data
  ending years before the as-of year.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit.batch.execute import Job, declared_parameters
from toolkit.batch.plan import TEMPLATE
from toolkit.batch.pool import run_jobs
from toolkit.core import io
from toolkit.core.errors import Problem, ToolkitError
from toolkit.core.paths import PROJECT_ROOT, display_path
from toolkit.inputs.units import PROVINCE_LEVELS, check_unit_id, load_units, resolve_unit

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
GOLDEN_UNITS = ("national", "zhejiang", "tibet")
#: Cycles with goldens: "" is the params' cycle (the live 2021-2030 Outline); the 2011-2020 final
#: evaluation keeps its own copies, named ``<template>_2011-2020_<unit>.ipynb``.
GOLDEN_CYCLES = ("", "2011-2020")
#: Copies in the other edition than the default (Chinese): the national report of the live cycle in English,
#: named ``<template>_en_<unit>.ipynb``, so both editions' key results are compared.
GOLDEN_OTHER_EDITIONS = (("national", "en"),)
INJECTED_TAG = "injected-parameters"
INJECTED_ID = "injected-parameters"
#: Notebook-level papermill metadata kept in the copies (the rest is volatile or machine-specific).
KEEP_PAPERMILL = ("parameters", "default_parameters")
#: Output MIME types holding binary (base64) data: not searched for paths (random base64 can contain "/tmp/").
BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "application/pdf")


class GoldenError(ToolkitError):
    """The golden notebooks could not be regenerated (a unit failed, or a copy would not be portable)."""


def golden_path(unit_id: str, template: Path = TEMPLATE, cycle: str = "", golden_dir: Path = GOLDEN_DIR,
                language: str = "") -> Path:
    """``tests/golden/<template>[_<cycle>][_<language>]_<unit_id>.ipynb`` (the template's name keeps copies of
    two templates apart; the cycle those of the final evaluation; the language those of the other edition)."""
    parts = [Path(template).stem, *(x for x in (cycle, language) if x), unit_id]
    return Path(golden_dir) / ("_".join(parts) + ".ipynb")


def golden_parameters(unit_id: str, cycle: str = "", language: str = "") -> dict[str, Any]:
    """What papermill injects into a golden copy: nothing machine-specific."""
    return {"unit_id": unit_id, "output_dir": "", **({"cycle_override": cycle} if cycle else {}),
            **({"language": language} if language else {})}


# --------------------------------------------------------------------------------------- cleaning


def is_injected(cell) -> bool:
    return INJECTED_TAG in cell.get("metadata", {}).get("tags", [])


def strip_volatile(nb, *, template: Path = TEMPLATE):
    """A copy of an executed notebook without papermill's timings, paths and environment."""
    nb = copy.deepcopy(nb)
    meta = nb.metadata
    meta.pop("jupytext", None)
    papermill = meta.get("papermill", {})
    kept = {key: papermill[key] for key in KEEP_PAPERMILL if key in papermill}
    kept["input_path"] = _relative(template)
    meta["papermill"] = kept
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)  # nbclient timestamps (record_timing=True)
        if is_injected(cell):
            cell["id"] = INJECTED_ID
    return nb


def _relative(path: Path) -> str:
    return display_path(path, outside="name")


def _searchable_text(nb) -> str:
    """The notebook as JSON text with binary output data left out."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime in BINARY_MIME:
                output.get("data", {}).pop(mime, None)
    return json.dumps(nb, ensure_ascii=False)


def machine_paths(extra: Sequence[str | Path] = ()) -> list[str]:
    """Absolute folders of this machine that must never appear in a golden copy."""
    candidates = [PROJECT_ROOT, PROJECT_ROOT.resolve(), Path(tempfile.gettempdir()), Path(sys.prefix),
                  Path(sys.base_prefix), Path.home(), *map(Path, extra)]
    paths = []
    for path in candidates:
        text = str(path)
        if len(Path(text).parts) >= 2 and text not in paths:  # never "/" itself
            paths.append(text)
    return sorted(paths, key=len, reverse=True)


def find_absolute_paths(nb, extra: Sequence[str | Path] = ()) -> list[str]:
    """Snippets of the notebook (sources, outputs, metadata) that contain an absolute path of this machine."""
    text = _searchable_text(nb)
    found = []
    for path in machine_paths(extra):  # longest first; a match is masked so a parent folder (/tmp) can't count it again
        pattern = re.compile(r"(?<![\w.~-])" + re.escape(path) + r"(?=[/\\\"'\s]|$)")
        for match in pattern.finditer(text):
            snippet = text[max(0, match.start() - 60): match.end() + 60].replace("\n", " ")
            found.append(f"{path}: ...{snippet}...")
        text = pattern.sub(lambda m: "\0" * len(m.group(0)), text)
    return found


# ---------------------------------------------------------------------------------------- writing


def _failure_text(outcome) -> str:
    lines = (outcome.evalue or "").strip().splitlines()
    text = f"{outcome.name}: {outcome.ename}: {lines[-1] if lines else ''}"[:400]
    return text + (f" (cell index {outcome.cell_index})" if outcome.cell_index is not None else "")


def _resolve(units: Sequence[str] | None) -> list[str]:
    if not units:
        return list(GOLDEN_UNITS)
    table = load_units(levels=PROVINCE_LEVELS)
    return list(dict.fromkeys(check_unit_id(resolve_unit(str(u).strip(), table)) for u in units))


def write_golden(units: Sequence[str] | None = None, *, workers: int = 2, template: str | Path | None = None,
                 golden_dir: str | Path | None = None, cycles: Sequence[str] = GOLDEN_CYCLES) -> list[Path]:
    """Execute the report for ``units`` (default :data:`GOLDEN_UNITS`) in each of ``cycles`` like the batch,
    store cleaned copies.

    Returns the written paths. Raises :class:`GoldenError` (nothing written) when a unit fails or a copy
    would contain an absolute path of this machine.
    """
    import nbformat  # 2.4 s cold here (jsonschema): not loaded for the other CLI commands

    template = Path(template) if template else TEMPLATE
    golden_dir = Path(golden_dir) if golden_dir else GOLDEN_DIR
    unit_ids = _resolve(units)
    declared = declared_parameters(template)
    missing = [name for cycle in cycles for name in golden_parameters("x", cycle, "en") if name not in declared]
    if missing:
        raise GoldenError(f"the template does not declare {', '.join(missing)}", path=template)
    with tempfile.TemporaryDirectory(prefix="toolkit-golden-") as tmp:
        tmp_dir = Path(tmp)
        slots = {golden_path(u, template, c, golden_dir): (u, c, "") for c in cycles for u in unit_ids}
        if "" in cycles:
            slots.update({golden_path(u, template, "", golden_dir, lang): (u, "", lang)
                          for u, lang in GOLDEN_OTHER_EDITIONS if u in unit_ids})
        jobs = [Job(name=path.stem, kind="unit", template=template,
                    parameters=golden_parameters(unit_id, cycle, lang),
                    notebook=tmp_dir / "notebooks" / path.name, html=tmp_dir / "html" / f"{path.stem}.html",
                    cwd=template.parent, title=f"{path.stem} (golden)", language=lang)
                for path, (unit_id, cycle, lang) in slots.items()]
        outcomes = run_jobs(jobs, workers=max(1, min(workers, len(jobs))), progress=False, echo=False)
        failed = [o for o in outcomes.values() if not o.ok]
        if failed:
            raise GoldenError("golden notebook(s) failed to execute; nothing was written", path=template,
                              problems=[Problem(_failure_text(o), "fix the notebook or the package, then run "
                                                "`make golden` again") for o in failed])
        cleaned = {}
        problems = []
        for job in jobs:
            nb = strip_volatile(nbformat.read(job.notebook, as_version=4), template=template)
            leaks = find_absolute_paths(nb, extra=[tmp_dir])
            problems += [Problem(f"{job.name}: absolute path in the executed notebook: {leak}",
                                 "print paths relative to the project (toolkit.core.paths.display_path)")
                         for leak in leaks[:5]]
            cleaned[job.name] = nb
    if problems:
        raise GoldenError("golden notebook(s) would not be portable; nothing was written", problems=problems)
    return [io.write_text(path, nbformat.writes(cleaned[path.stem]) + "\n") for path in slots]
