"""The notebook and run-folder contract: what the batch passes to a unit notebook and what it writes where.

The unit notebook takes :data:`NOTEBOOK_PARAMETERS` (ASCII values only) and writes
``units/<unit_id>/summary.json`` (keys :data:`SUMMARY_KEYS`) and ``results.csv`` into ``output_dir``; the
batch adds ``notebooks/<name>.ipynb`` and the pages, then the combined ``results.csv``/``.xlsx``,
``run.json`` and ``index.html`` at the top. Every module that reads or writes a run folder (the unit
report, the overview, the batch, the goldens) takes the names from here. Documented in
``docs/interfaces.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.core.errors import ToolkitError
from toolkit.core.i18n import DEFAULT_LANGUAGE, check_language
from toolkit.core.paths import project_path

#: The unit notebook's parameters cell, in order; the first two are required of any template.
NOTEBOOK_PARAMETERS = ("unit_id", "params_file", "output_dir", "data_override", "as_of_override", "targets_override",
                       "cycle_override", "data_label", "language")
REQUIRED_PARAMETERS = ("unit_id", "output_dir")
#: What a unit notebook writes into its output folder (cleared before the unit runs).
SUMMARY_FILE, RESULTS_FILE = "summary.json", "results.csv"
UNIT_FILES = (SUMMARY_FILE, RESULTS_FILE)
#: The overview's province x indicator table, downloadable beside results.csv.
OVERVIEW_TABLE_CSV, OVERVIEW_TABLE_XLSX = "overview_table.csv", "overview_table.xlsx"
SUMMARY_KEYS = ("unit_id", "name_en", "name_zh", "region", "synthetic", "target_set", "cycle", "language",
                "local_plans", "as_of",
                "latest_year", "counts", "n_context",
                "n_indicators", "data_files")
LOCK_NAME = ".toolkit-run.lock"
#: ``run.json`` ``status``: written as ``running`` before the previous run's outputs are touched, then
#: ``complete`` at the end, or ``interrupted`` (Ctrl-C, SIGTERM). A killed run stays ``running``.
RUNNING, INTERRUPTED, COMPLETE = "running", "interrupted", "complete"
MANIFEST_NAME = "run.json"
#: Where the batch writes each unit's rows of ``--data`` (kernels read those, not the whole file).
SLICES_DIR = "inputs"
#: ``data_override`` carries several files as one ASCII string: absolute paths joined by this.
PATH_SEPARATOR = ";"


def join_paths(paths: Iterable[str | Path]) -> str:
    """Files as one ``data_override`` parameter."""
    return PATH_SEPARATOR.join(str(p) for p in paths)


def split_paths(text: str) -> list[Path]:
    """A ``data_override`` parameter back into paths (relative parts resolved against the project root)."""
    return [project_path(part) for part in text.split(PATH_SEPARATOR) if part.strip()]


def data_file_paths(names: Iterable[str]) -> list[Path]:
    """``summary.json`` ``data_files`` entries (project-relative or absolute) as paths, without repeats."""
    return [project_path(name) for name in dict.fromkeys(str(n) for n in names)]


@dataclass(frozen=True)
class RunFolder:
    """Where everything of one batch run lives, as paths (for writing) and as relative links (for pages)."""

    out: Path

    def unit_dir(self, unit_id: str) -> Path:
        return self.out / "units" / unit_id

    def input_slice(self, unit_id: str) -> Path:
        """The rows of ``--data`` a unit needs, written once by the batch (deleted when the run ends)."""
        return self.out / SLICES_DIR / f"{unit_id}.csv"

    def unit_results(self, unit_id: str) -> Path:
        return self.unit_dir(unit_id) / RESULTS_FILE

    def unit_summary(self, unit_id: str) -> Path:
        return self.unit_dir(unit_id) / SUMMARY_FILE

    def notebook(self, name: str) -> Path:
        return self.out / self.notebook_href(name)

    def unit_html(self, unit_id: str) -> Path:
        return self.out / self.unit_html_href(unit_id)

    def extra_html(self, name: str) -> Path:
        return self.out / f"{name}.html"

    @property
    def lock(self) -> Path:
        return self.out / LOCK_NAME

    @property
    def manifest(self) -> Path:
        return self.out / MANIFEST_NAME

    @staticmethod
    def notebook_href(name: str) -> str:
        return f"notebooks/{name}.ipynb"

    @staticmethod
    def unit_html_href(unit_id: str) -> str:
        return f"html/{unit_id}.html"

    @staticmethod
    def unit_results_href(unit_id: str) -> str:
        return f"units/{unit_id}/{RESULTS_FILE}"

    def planned_files(self, unit_ids: Iterable[str], extras: Iterable[str]) -> list[Path]:
        """Every file a run of these units and extra notebooks writes (checked against its inputs up front)."""
        files = [self.out / name for name in ("results.csv", "results.xlsx", "index.html", MANIFEST_NAME)]
        for unit_id in unit_ids:
            files += [self.unit_results(unit_id), self.unit_summary(unit_id), self.notebook(unit_id),
                      self.unit_html(unit_id)]
        for name in extras:
            files += [self.notebook(name), self.extra_html(name)]
            if name == "overview":
                files += [self.out / OVERVIEW_TABLE_CSV, self.out / OVERVIEW_TABLE_XLSX]
        return files

    def read_manifest(self) -> dict[str, Any]:
        """``run.json`` as a dict, or an empty one when it is missing or unreadable (a run not yet made)."""
        try:
            info = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    def read_summary(self, unit_id: str) -> dict[str, Any] | None:
        """The unit's ``summary.json``, or None when it is missing or unreadable (a failed unit)."""
        try:
            summary = json.loads(self.unit_summary(unit_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return summary if isinstance(summary, dict) else None

    def summaries(self) -> list[dict[str, Any]]:
        """Every readable ``summary.json`` under ``units/``, in folder-name order."""
        found = (self.read_summary(p.parent.name) for p in sorted((self.out / "units").glob(f"*/{SUMMARY_FILE}")))
        return [s for s in found if s is not None]


def run_language(run_info: Mapping[str, Any] | None) -> str:
    """The edition a run's pages are in: run.json's ``language`` (top level while running, in ``settings`` once
    complete), else the default edition. An unknown code (a hand-edited run.json) falls back to the default."""
    info = run_info or {}
    code = info.get("language") or (info.get("settings") or {}).get("language") or DEFAULT_LANGUAGE
    try:
        return check_language(str(code))
    except ToolkitError:
        return DEFAULT_LANGUAGE
