"""Shared fixtures. Data-layer fixtures: small observation files written to a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.contracts.observations import OBS_COLUMNS

OBS_HEADER = ",".join(OBS_COLUMNS)


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """``write_file(name, text_or_bytes, encoding="utf-8")`` -> path of a new file in tmp_path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture
def obs_file(write_file) -> Callable[..., Path]:
    """``obs_file(*rows, name="obs.csv", header=OBS_HEADER)``: an observation CSV from row strings."""

    def write(*rows: str, name: str = "obs.csv", header: str = OBS_HEADER, encoding: str = "utf-8") -> Path:
        return write_file(name, "\n".join([header, *rows]) + "\n", encoding)

    return write
