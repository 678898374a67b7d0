"""Safe file writes: atomic, never over an input or a shipped file, and never a live spreadsheet formula.

Everything is written to a temporary file in the destination folder, then renamed over the target, so a reader
(or a crashed run) never sees a half-written output. :func:`check_output` refuses, before any work, an output
that would replace one of the command's inputs, a shipped file or part of the package. Text cells that a
spreadsheet would run as a formula (they start with ``= + - @``, a tab or a carriage return, are longer than
one character and are not numbers) are written as text in XLSX and prefixed with ``'`` in CSV (OWASP's rule
for CSV injection), since the ``target_set`` column comes from a file name and catalog text from users.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from toolkit.core.errors import Problem, ToolkitError
from toolkit.core.paths import DATA_DIR, NOTEBOOKS_DIR, PARAMS_DIR, PROJECT_ROOT, display_path

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Folders whose files are shipped with the project: an output never replaces one of them.
SHIPPED_DIRS = (DATA_DIR, PARAMS_DIR, NOTEBOOKS_DIR)
PACKAGE_DIR = PROJECT_ROOT / "toolkit"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the temporary file to ``path`` only if it succeeded."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from None
        raise
    return path


#: What to do about a failed write, by errno.
_WRITE_FIXES = {
    errno.ENOSPC: "free disk space, then run the command again (the previous file, if any, is unchanged)",
    errno.EDQUOT: "free disk space, then run the command again (the previous file, if any, is unchanged)",
    errno.EACCES: "choose a folder you can write to, or fix its permissions",
    errno.EPERM: "choose a folder you can write to, or fix its permissions",
    errno.EROFS: "the disk is read-only: choose another folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another path",
    errno.EEXIST: "a part of the path is a file, not a folder: choose another path",  # from mkdir
    errno.EISDIR: "the path is a folder: give a file name",
}


def _write_error(path: Path, exc: OSError) -> ToolkitError:
    fix = _WRITE_FIXES.get(exc.errno or 0, "choose another output path")
    return ToolkitError("cannot write the output", path=path, problems=[Problem(exc.strerror or str(exc), fix)])


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def write_csv(path: str | Path, frame: pd.DataFrame, **kwargs) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically (no index unless asked), formula-like text neutralised."""
    kwargs.setdefault("index", False)
    safe = neutralise_formulas(frame)
    return atomic_write(path, lambda tmp: safe.to_csv(tmp, encoding="utf-8", **kwargs))


def write_xlsx(path: str | Path, frame: pd.DataFrame, *, sheet_name: str = "results") -> Path:
    """Write a DataFrame as an XLSX workbook atomically (openpyxl)."""

    def _write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=sheet_name, index=False)
            for row in writer.sheets[sheet_name].iter_rows():
                for cell in row:
                    keep_text(cell)

    return atomic_write(path, _write)


def keep_text(cell) -> None:
    """An openpyxl cell whose text starts with '=' stays text: openpyxl would store it as a live formula."""
    if cell.data_type == "f":
        cell.data_type = "s"


def _is_formula_like(value: object) -> bool:
    if not isinstance(value, str) or len(value) < 2 or not value.startswith(FORMULA_PREFIXES):
        return False  # a lone '=' is the point qualifier of the observation contract, not a formula
    try:
        float(value)
    except ValueError:
        return True
    return False  # a negative or signed number is data, not a formula


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula-like text cell prefixed by ``'`` (numbers, including negative ones, kept)."""
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    risky = [c for c in text_columns if frame[c].map(_is_formula_like).any()]
    if not risky:
        return frame
    safe = frame.copy()
    for column in risky:
        safe[column] = safe[column].map(lambda v: f"'{v}" if _is_formula_like(v) else v)
    return safe


def check_outputs(outs: Iterable[str | Path], *, inputs: Iterable[str | Path] = (), option: str = "--out",
                  new_shipped: bool = True) -> None:
    """:func:`check_output` for many files at once, with the inputs resolved once (a run writes 4 per unit)."""
    resolved = {Path(p).expanduser().resolve() for p in inputs}
    for out in outs:
        check_output(out, resolved_inputs=resolved, option=option, new_shipped=new_shipped)


def check_output(out: str | Path, *, inputs: Iterable[str | Path] = (), option: str = "--out",
                 new_shipped: bool = True, folder: bool = False,
                 resolved_inputs: set[Path] | None = None) -> Path:
    """``out`` resolved, or a ToolkitError when writing it would replace an input, a shipped file or the package.

    ``new_shipped=False`` also refuses a new file in the shipped folders (a run's outputs never go into
    data/, params/ or notebooks/); ``folder=True`` when ``out`` names a folder (a run's), not a file. Run
    before any work, so a refused command has written nothing. ``resolved_inputs`` replaces ``inputs`` when
    the caller resolved them already (:func:`check_outputs`).
    """
    target = Path(out).expanduser().resolve()
    if not folder and target.is_dir():
        raise ToolkitError(f"{option} is a folder", path=out, problems=[Problem(
            "a file name is needed here", fix=f"give {option} a file name, e.g. {Path(out) / 'results.csv'}")])
    if resolved_inputs is None:
        resolved_inputs = {Path(p).expanduser().resolve() for p in inputs}
    if target in resolved_inputs:
        raise ToolkitError(f"{option} would overwrite an input of this command", path=out, problems=[Problem(
            f"{display_path(target)} is also read by this command", fix=f"choose another {option}")])
    if target == PACKAGE_DIR or PACKAGE_DIR in target.parents:
        raise ToolkitError(f"{option} points inside the toolkit package", path=out, problems=[Problem(
            "outputs never go into toolkit/", fix=f"choose an {option} outside the package, e.g. under outputs/")])
    if (target.is_file() or not new_shipped) and any(folder in target.parents for folder in SHIPPED_DIRS):
        raise ToolkitError(f"{option} would write into a folder shipped with the project", path=out, problems=[Problem(
            f"{display_path(target)} is in data/, params/ or notebooks/",
            fix=f"choose an {option} outside data/, params/, notebooks/ and toolkit/, e.g. under outputs/")])
    return target
