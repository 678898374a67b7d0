"""Where the project's shipped files live, and the one way to show or resolve a path.

No module hard-codes a path. Paths shown in outputs (``summary.json``, ``run.json``, messages, goldens) are
project-relative when the file lies inside the project, so outputs do not depend on the checkout location;
what is shown for a file *outside* the project differs by output and is chosen explicitly with ``outside``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
TARGETS_DIR = DATA_DIR / "targets"
OBSERVATIONS_DIR = DATA_DIR / "observations"
DEMO_DIR = DATA_DIR / "demo"
PARAMS_DIR = PROJECT_ROOT / "params"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
UNITS_CSV = DATA_DIR / "units.csv"
#: The units below the provinces, built by data/build_units.py from the MCA division codes (see data/README.md).
UNITS_PREFECTURE_CSV = DATA_DIR / "units_prefecture.csv"
UNITS_COUNTY_CSV = DATA_DIR / "units_county.csv"
#: Codes and names of earlier division lists that the current one lacks (for error messages, not units).
UNITS_FORMER_CSV = DATA_DIR / "units_former.csv"
#: Every shipped unit file, in the order load_units() concatenates them (national and provinces first).
UNIT_FILES = (UNITS_CSV, UNITS_PREFECTURE_CSV, UNITS_COUNTY_CSV)
DEMO_COUNTIES_CSV = DEMO_DIR / "counties.csv"  # git-ignored: python -m toolkit demo-data --level county
INDICATORS_CSV = DATA_DIR / "indicators.csv"

Outside = Literal["as_given", "resolved", "name"]


def display_path(path: str | Path, *, outside: Outside = "as_given") -> str:
    """``path`` relative to the project root (POSIX) when inside it; otherwise as ``outside`` says.

    ``as_given``: the path as the caller wrote it (``summary.json``, params messages); ``resolved``: the
    absolute POSIX path (``run.json``, which must say exactly which file was read); ``name``: the file name
    only (golden notebooks, which must not carry a machine's paths).
    """
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        if outside == "resolved":
            return resolved.as_posix()
        return Path(path).name if outside == "name" else str(path)


def project_path(path: str | Path) -> Path:
    """A path from a params file or a notebook parameter: absolute as is, relative to the project root otherwise."""
    path = Path(str(path).strip()).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def user_path(path: str | Path) -> Path:
    """A path typed on the command line: absolute as is, else relative to the current folder when the file
    is there, else relative to the project root (so ``--data data/x.csv`` works from any folder)."""
    path = Path(path).expanduser()
    if path.is_absolute():
        return path
    return (Path.cwd() / path).resolve() if (Path.cwd() / path).exists() else (PROJECT_ROOT / path).resolve()


GLOB_CHARS = "*?["


def expand_globs(patterns: Iterable[str | Path], resolve: Callable[[str | Path], Path]) -> tuple[list[Path], list[str]]:
    """Each pattern resolved (``resolve``: :func:`user_path` or :func:`project_path`), a pattern with ``* ? [``
    expanded to its files in sorted order; also the patterns that matched no file (the caller says so)."""
    files: list[Path] = []
    unmatched: list[str] = []
    for pattern in patterns:
        text = str(pattern)
        if not any(ch in text for ch in GLOB_CHARS):
            files.append(resolve(text))
            continue
        base = Path(text).expanduser()
        if base.is_absolute():
            matches = sorted(Path(base.anchor).glob(str(base.relative_to(base.anchor))))
        else:
            root = Path.cwd() if any(Path.cwd().glob(text)) else PROJECT_ROOT
            matches = sorted(root.glob(text))
        matches = [m.resolve() for m in matches if m.is_file()]
        files += matches
        if not matches:
            unmatched.append(text)
    return list(dict.fromkeys(files)), unmatched
