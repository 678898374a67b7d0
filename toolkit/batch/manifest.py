"""The run manifest (``run.json``): what produced a batch's outputs, so a reviewer can trust or reproduce them.

It records the code (toolkit version, git commit and whether the tree had uncommitted changes), the
environment (Python and the versions of the packages that shape the numbers and the pages), the SHA-256 of
every input file the run read, and per unit its status, duration and error. The index page is built from it.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.contracts.run_folder import COMPLETE, RunFolder
from toolkit.core import io
from toolkit.core.paths import PROJECT_ROOT, display_path

PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "papermill", "nbconvert", "nbclient", "ipykernel",
            "matplotlib", "seaborn")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks so large data files do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_checksums(paths: Iterable[str | Path]) -> dict[str, str | None]:
    """``{display path: sha256}`` of every input, sorted; a file that vanished is recorded as ``None``."""
    checksums: dict[str, str | None] = {}
    for path in paths:
        path = Path(path)
        key = display_path(path, outside="resolved")
        if key not in checksums:
            checksums[key] = sha256_file(path) if path.is_file() else None
    return dict(sorted(checksums.items()))


def git_info(root: str | Path = PROJECT_ROOT) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}``; None when git or the repository is missing.

    ``dirty`` is true when tracked files differ from the commit or untracked (not ignored) files exist.

    ``--no-optional-locks`` keeps ``git status`` from taking the index lock while others commit.
    """

    def _git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True,
                                  timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = _git("status", "--porcelain")  # untracked files count (new modules change results); ignored do not
    return {"commit": commit.strip(), "dirty": None if status is None else bool(status.strip())}


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package (None when not installed), read from metadata without importing it."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_manifest(*, started: str, finished: str, units: Sequence[Mapping[str, Any]],
                   extras: Sequence[Mapping[str, Any]] = (), inputs: Iterable[str | Path] = (),
                   settings: Mapping[str, Any] | None = None,
                   checksums: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (see the module docstring); ``settings`` holds the run's options;
    ``checksums``, when the caller has them (:func:`input_checksums` of ``inputs``), are not computed again."""
    failed = [u["unit_id"] for u in units if u.get("status") != "ok"]
    failed += [e["name"] for e in extras if e.get("status") != "ok"]
    return {
        "status": COMPLETE,
        "toolkit_version": __version__,
        "git": git_info(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "started": started,
        "finished": finished,
        **dict(settings or {}),
        "inputs": dict(checksums) if checksums is not None else input_checksums(inputs),
        "units": [dict(u) for u in units],
        "extras": [dict(e) for e in extras],
        "n_units": len(units),
        "n_failed": len(failed),
        "failed": failed,
    }


def write_manifest(out_dir: str | Path, *, started: str, finished: str, units: Sequence[Mapping[str, Any]],
                   extras: Sequence[Mapping[str, Any]] = (), inputs: Iterable[str | Path] = (),
                   settings: Mapping[str, Any] | None = None,
                   checksums: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """Build the manifest, write ``<out_dir>/run.json`` atomically and return it (the index is built from it)."""
    manifest = build_manifest(started=started, finished=finished, units=units, extras=extras, inputs=inputs,
                              settings=settings, checksums=checksums)
    io.write_text(RunFolder(Path(out_dir)).manifest, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The ``run.json`` of a finished run (to rebuild its index without re-running)."""
    return json.loads(RunFolder(Path(out_dir)).manifest.read_text(encoding="utf-8"))
