"""Atomic file writes: a reader (or a crashed run) never sees a half-written output.

Everything is written to a temporary file in the destination folder, then renamed over the target.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and rename the temporary file to ``path`` only if it succeeded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def write_csv(path: str | Path, frame: pd.DataFrame, **kwargs) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically (no index unless asked)."""
    kwargs.setdefault("index", False)
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, encoding="utf-8", **kwargs))


def write_xlsx(path: str | Path, frame: pd.DataFrame, *, sheet_name: str = "results") -> Path:
    """Write a DataFrame as an XLSX workbook atomically (openpyxl)."""

    def _write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=sheet_name, index=False)

    return atomic_write(path, _write)
